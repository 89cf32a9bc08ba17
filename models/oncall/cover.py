"""Cover requests: someone asks their team to take (part of) a shift; the first to accept gets
overrides for what is still the asker's, and the asker (or a lead) can cancel."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.people import is_member
from models.core.workspace import Person, Workspace
from models.oncall.overrides import Override, PersonSpan, add_override
from models.oncall.rotations import Rotation, may_change_rotation
from models.oncall.schedule import held_by
from models.oncall.shifts import stretches

OPEN = "open"
ACCEPTED = "accepted"
CANCELLED = "cancelled"
# An open request is followed up: the channel a day before it starts, then the team's leads.
CHANNEL_AHEAD = timedelta(hours=24)
LEADS_AHEAD = timedelta(hours=2)
FRESH = timedelta(hours=2)  # a request asked less than this before is still fresh in the channel
SOONEST = timedelta(hours=1)  # the leads hear no sooner after the asking (half-way, if sooner)


class CoverRequest(PersonSpan, Base):
    """`person` asks for cover: the first to accept gets an override; the asker can cancel."""

    __tablename__ = "cover_requests"

    asked_by_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    override_id: Mapped[int | None] = mapped_column(  # the first, if accepting made several
        ForeignKey("oncall_overrides.id", ondelete="SET NULL")
    )
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    asked_by: Mapped[Person] = relationship(foreign_keys=[asked_by_id], lazy="joined")
    accepted_by: Mapped[Person | None] = relationship(foreign_keys=[accepted_by_id])


def may_cover(rotation: Rotation, person: Person) -> bool:
    """Whether the person may cover in this rotation: team people and rotation members."""
    in_rotation = any(m.person_id == person.id for m in rotation.members)
    return in_rotation or is_member(rotation.team, person) or may_change_rotation(rotation, person)


def open_cover_requests(db: Session, rotation: Rotation, start: datetime, *, end: datetime):
    return list(
        db.scalars(
            select(CoverRequest).where(
                CoverRequest.rotation_id == rotation.id,
                CoverRequest.status == OPEN,
                CoverRequest.start < end,
                CoverRequest.end > start,
            )
        )
    )


def follow_ups(request: CoverRequest) -> dict[str, datetime]:
    """When an open request is followed up, bounded by when it was asked: the channel
    `CHANNEL_AHEAD` before it starts, unless it was asked less than `FRESH` before that (the
    channel has just seen it); the leads `LEADS_AHEAD` before, or for a request asked later
    than that, `SOONEST` after it was asked (half-way to the start, if that is sooner)."""
    asked, start = request.created_at, request.start
    found = {}
    if start - CHANNEL_AHEAD >= asked + FRESH:
        found["channel"] = start - CHANNEL_AHEAD
    leads = max(start - LEADS_AHEAD, asked + min(SOONEST, (start - asked) / 2))
    if leads < start:
        found["leads"] = leads
    return found


def open_requests_starting(db: Session, after: datetime, until: datetime) -> list[CoverRequest]:
    """Open requests that start in (after, until]."""
    return list(
        db.scalars(
            select(CoverRequest)
            .where(
                CoverRequest.status == OPEN,
                CoverRequest.start > after,
                CoverRequest.start <= until,
            )
            .order_by(CoverRequest.id)
        )
    )


def request_cover(
    db: Session,
    rotation: Rotation,
    person: Person,
    *,
    asked_by: Person,
    start: datetime,
    end: datetime,
    reason: str,
    now: datetime,
) -> CoverRequest:
    clash = open_cover_requests(db, rotation, start, end=end)
    if clash:
        raise UserError(
            f"There is already an open cover request in {rotation.name} that overlaps that time "
            f"(for {clash[0].person.mention}). Cancel it first, or pick another time."
        )
    request = CoverRequest(
        rotation_id=rotation.id,
        rotation=rotation,
        person_id=person.id,
        person=person,
        asked_by_id=asked_by.id,
        asked_by=asked_by,
        start=start,
        end=end,
        reason=reason[:300],
        status=OPEN,
        channel_id=rotation.channel_id or rotation.team.channel_id,
        created_at=now,
    )
    db.add(request)
    db.flush()
    return request


def get_cover_request(db: Session, workspace: Workspace, request_id: int) -> CoverRequest:
    request = db.get(CoverRequest, request_id)
    if request is None or request.rotation.workspace_id != workspace.id:
        raise NotFound("That cover request no longer exists.")
    return request


def _decide(db: Session, request: CoverRequest, status: str, *, values: dict) -> bool:
    """Moves an open request to `status`; False if someone else decided it first (race-safe:
    the row only changes while it is still open)."""
    result = db.execute(
        update(CoverRequest)
        .where(CoverRequest.id == request.id, CoverRequest.status == OPEN)
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    )
    db.refresh(request)
    return result.rowcount == 1


def accept_cover(
    db: Session, request: CoverRequest, person: Person, *, now: datetime
) -> list[Override]:
    """Puts `person` on call for what is still the asker's of the request, from now on: the
    schedule may have changed since they asked. One override per stretch of theirs."""
    # A stale button first says what became of the request, whoever presses it.
    if request.status != OPEN:
        raise UserError(already_decided(request))
    if person.id == request.person_id:
        raise UserError("That's your own shift: someone else has to cover it.")
    if not may_cover(request.rotation, person):
        raise PermissionDenied(
            f"Only people on {request.rotation.team.name} can cover this shift.",
            team=request.rotation.team,
        )
    if request.end <= now:
        raise UserError("That shift is already over.")
    # Claimed before the schedule is read: of two people pressing at once, the second waits
    # for the first's claim and is told who took it, not that the asker's time is now covered.
    # (An error below rolls the claim back with everything else.)
    accepted = {"accepted_by_id": person.id, "decided_at": now}
    if not _decide(db, request, ACCEPTED, values=accepted):
        raise UserError(already_decided(request))
    on_call = stretches(db, request.rotation, max(request.start, now), end=request.end)
    theirs = held_by(on_call, request.person)
    if not theirs:
        raise UserError(
            f"{request.person.mention} is no longer on call for any of that time, so there is "
            "nothing left to cover; they can cancel the request."
        )
    reason = f"covering for {request.person.display_name}"
    if request.reason:
        reason += f": {request.reason}"
    made = [
        add_override(
            db,
            request.rotation,
            person,
            start=stretch.start,
            end=stretch.end,
            reason=reason,
            created_by=person,
            now=now,
        )
        for stretch in theirs
    ]
    request.override_id = made[0].id
    return made


def cancel_cover(db: Session, request: CoverRequest, person: Person, *, now: datetime) -> None:
    if request.status != OPEN:
        raise UserError(already_decided(request))
    allowed = person.id in (request.person_id, request.asked_by_id)
    if not (allowed or may_change_rotation(request.rotation, person)):
        raise PermissionDenied(
            "Only the person who asked (or a team lead) can cancel this request.",
            team=request.rotation.team,
        )
    if not _decide(db, request, CANCELLED, values={"decided_at": now}):
        raise UserError(already_decided(request))


def withdraw_cover(db: Session, request_id: int, now: datetime) -> None:
    """A request that was never asked in its channel (the post failed) is cancelled: nobody can
    take or cancel it there, and it would stand in the way of asking again."""
    _decide(db, db.get_one(CoverRequest, request_id), CANCELLED, values={"decided_at": now})


def already_decided(request: CoverRequest) -> str:
    if request.status == ACCEPTED and request.accepted_by is not None:
        return f"Too late: {request.accepted_by.mention} already covers this shift."
    return "That cover request was cancelled."
