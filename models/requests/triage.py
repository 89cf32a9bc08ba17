"""A request's life: made through one of the doors, its SLA milestones set in the team's working
hours, triaged by the shield (accept, need info, decline, duplicate, move), done or withdrawn.
Every decision is one guarded UPDATE: of two shields pressing Accept at once, one wins and the
other is told who did."""

from __future__ import annotations

import difflib
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.people import find_team, is_lead, is_member, teams_of_channel
from models.core.working_days import calendar_for
from models.core.workspace import Person, Team, Workspace
from models.oncall.shifts import on_call_at
from models.requests.hours import WorkingHours
from models.requests.requests import (
    ACCEPTED,
    DECLINED,
    DONE,
    DUPLICATE,
    MAX_REASON,
    MAX_TITLE,
    MAX_WHY,
    NEED_INFO,
    OPEN,
    STILL_OPEN,
    UNDECIDED,
    URGENCIES,
    URGENT,
    WITHDRAWN,
    Request,
    RequestSettings,
    next_number,
    request_settings,
    settings_by_channel,
)

NUDGE, ESCALATE = 0.5, 0.8  # of the SLA: the shield is nudged, then the team's leads too
UPDATE_PING_EVERY = timedelta(days=1)


def team_hours(settings: RequestSettings) -> WorkingHours:
    team = settings.team
    holidays = (team.holiday_country, team.holiday_region)
    calendar = calendar_for(settings.work_days, team=holidays)
    return WorkingHours(team.tz, settings.work_start, settings.work_end, calendar)


def shield_now(db: Session, settings: RequestSettings, now: datetime) -> Person | None:
    """Whoever is on call in the team's shield rotation now; None without one."""
    if settings.shield is None:
        return None
    return on_call_at(db, settings.shield, now)


def team_taking_requests(db: Session, workspace: Workspace, name: str) -> RequestSettings:
    """The settings of the team called `name`, which must take requests; an unknown name is
    answered with the near ones."""
    team = find_team(db, workspace, name.lower())
    if team is None:
        known = db.scalars(select(Team.name).where(Team.workspace_id == workspace.id)).all()
        near = difflib.get_close_matches(name.lower(), list(known), n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(f'`{n}`' for n in near)}?" if near else ""
        raise UserError(f"There is no team called `{name}`.{hint}")
    settings = request_settings(db, team)
    if settings is None:
        raise UserError(f"{team.name} doesn't take requests through Upkeep (no request channel).")
    return settings


def team_of_channel(db: Session, workspace: Workspace, channel_id: str) -> RequestSettings:
    """The settings of the team whose channel (or request channel) `channel_id` is, for
    `/ask #payments ...`."""
    settings = settings_by_channel(db, workspace.id, channel_id)
    if settings is None:
        teams = teams_of_channel(db, workspace, channel_id)
        if not teams:
            raise UserError(f"<#{channel_id}> is no team's channel: name the team.")
        settings = request_settings(db, teams[0])
        if settings is None:
            raise UserError(
                f"{teams[0].name} doesn't take requests through Upkeep (no request channel)."
            )
    return settings


def clean_title(text: str) -> str:
    text = text.strip()
    if not text:
        raise UserError("Say what you need: the request is empty.", field="title")
    if len(text) > MAX_TITLE:
        raise UserError(
            f"That request is {len(text):,} characters; keep it to {MAX_TITLE:,} (a link to a "
            "doc can carry the rest).",
            field="title",
        )
    return text


def schedule_sla(request: Request, settings: RequestSettings, now: datetime) -> None:
    """The SLA clock from `now`, counted in the team's working hours: when the shield is told
    (at once when urgent or within working hours, else when they open: the shield's morning,
    whoever is shield then), nudged, escalated, and when it is breached."""
    hours = team_hours(settings)
    minutes = settings.sla_minutes(request.urgency)
    request.clock_from = now
    if request.urgency == URGENT:
        request.tell_at = now
    else:
        request.tell_at = hours.add(now, 0)
    request.nudge_at = hours.add(now, minutes * NUDGE)
    request.escalate_at = hours.add(now, minutes * ESCALATE)
    request.breach_at = hours.add(now, minutes)
    request.told_at = None


def make_request(
    db: Session,
    settings: RequestSettings,
    asker: Person,
    *,
    title: str,
    now: datetime,
    today: date,
    source: str,
    why: str = "",
    due: date | None = None,
    urgency: str = "normal",
    source_key: str | None = None,
    source_link: str | None = None,
    thread_ts: str | None = None,
) -> tuple[Request, bool]:
    """A new request (and True), or the one this door already made for `source_key` (and
    False). Raises UserError for bad input, having written nothing."""
    title = clean_title(title)
    why = why.strip()
    if len(why) > MAX_WHY:
        raise UserError(f"The why is {len(why):,} characters; keep it to {MAX_WHY:,}.", field="why")
    if due is not None and due < today:
        raise UserError(
            f"{due:%a %d %b %Y} is in the past: say by when, from today on.", field="due"
        )
    if urgency not in URGENCIES:
        raise UserError(f"Urgency is one of {', '.join(URGENCIES)}.")
    team = settings.team
    if source_key is not None:
        made = _by_source(db, team.workspace_id, source_key)
        if made is not None:
            return made, False
    request = Request(
        workspace_id=team.workspace_id,
        team_id=team.id,
        team=team,
        title=title,
        why=why,
        due=due,
        urgency=urgency,
        state=OPEN,
        source=source,
        source_key=source_key,
        source_link=source_link,
        asker_id=asker.id,
        asker=asker,
        channel_id=settings.channel_id,
        thread_ts=thread_ts,
        created_at=now,
    )
    schedule_sla(request, settings, now)
    try:
        with db.begin_nested():
            request.number = next_number(db, team.id)
            db.add(request)
            db.flush()
    except IntegrityError:  # the same door at the same time (two reactions): theirs stands
        made = _by_source(db, team.workspace_id, source_key) if source_key else None
        if made is None:
            raise
        return made, False
    return request, True


def _by_source(db: Session, workspace_id: int, key: str) -> Request | None:
    return db.scalar(
        select(Request).where(Request.workspace_id == workspace_id, Request.source_key == key)
    )


def get_request(db: Session, workspace_id: int, request_id: int) -> Request:
    request = db.get(Request, request_id)
    if request is None or request.workspace_id != workspace_id:
        raise NotFound("That request no longer exists.")
    return request


def request_by_label(db: Session, team: Team, text: str) -> Request:
    """`payments#12`, `#12` or `12`, of `team`."""
    name, _, number = text.strip().lstrip("#").rpartition("#")
    if name and name != team.name:
        raise UserError(
            f"Name another {team.name} request (like `{team.name}#3`): a duplicate is of its "
            "own team's.",
            field="text",
        )
    if not number.isascii() or not number.isdigit() or len(number) > 9:
        raise UserError(f"`{text}` is not a request number (like `{team.name}#3`).", field="text")
    found = db.scalar(
        select(Request).where(Request.team_id == team.id, Request.number == int(number))
    )
    if found is None:
        raise NotFound(f"{team.name} has no request #{int(number)}.", field="text")
    return found


# -- who may do what ------------------------------------------------------------------------


def of_team(db: Session, request: Request, person: Person) -> bool:
    """The team's members and leads, and its shield rotation's members."""
    team = request.team
    if is_member(team, person) or is_lead(team, person):
        return True
    settings = request_settings(db, team)
    shield = settings.shield if settings else None
    return shield is not None and any(m.person_id == person.id for m in shield.members)


def may_triage(db: Session, request: Request, person: Person) -> None:
    """The team's people, its shield rotation's members and workspace admins triage."""
    if person.is_admin or of_team(db, request, person):
        return
    team = request.team
    raise PermissionDenied(
        f"Only {team.possessive} people or its shield can triage {request.label}.", team=team
    )


def is_asker(request: Request, person: Person) -> None:
    if person.id != request.asker_id:
        raise PermissionDenied(f"Only {request.asker.mention} can change {request.label}.")


# -- decisions ------------------------------------------------------------------------------


def already(request: Request) -> str:
    """What became of a request a stale button or a second shield tried to decide."""
    who = request.decided_by.mention if request.decided_by else "someone"
    if request.state == ACCEPTED:
        return f"Too late: {who} already accepted {request.label}."
    return f"{request.label} is {request.state_word} already (by {who})."


def _decide(
    db: Session,
    request: Request,
    to: str,
    *,
    by: Person,
    now: datetime,
    states=UNDECIDED,
    respond: bool = True,
    **values,
) -> None:
    """Move the request to `to` if it is still in `states` and still its team's (not moved
    meanwhile); else UserError saying what became of it. The team's first decision (`respond`:
    not the asker's own withdrawal) is its first response."""
    team_id, label = request.team_id, request.label
    done = db.execute(
        update(Request)
        .where(Request.id == request.id, Request.team_id == team_id, Request.state.in_(states))
        .values(state=to, decided_by_id=by.id, **values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 1 and respond:
        db.execute(
            update(Request)
            .where(Request.id == request.id, Request.first_response_at.is_(None))
            .values(first_response_at=now)
            .execution_options(synchronize_session=False)
        )
    db.refresh(request)
    if done.rowcount != 1:
        raise UserError(_moved(request, label) if request.team_id != team_id else already(request))


def _moved(request: Request, label: str) -> str:
    who = request.decided_by.mention if request.decided_by else "someone"
    return f"Too late: {who} moved {label} to {request.team.name} (now {request.label})."


def accept(
    db: Session,
    request: Request,
    by: Person,
    *,
    assignee: Person,
    due: date | None,
    now: datetime,
    today: date,
) -> None:
    may_triage(db, request, by)
    if due is not None and due < today:
        raise UserError(
            f"{due:%a %d %b %Y} is in the past: pick a due date from today on.", field="due"
        )
    _decide(db, request, ACCEPTED, by=by, now=now, assignee_id=assignee.id, due=due)


def need_info(db: Session, request: Request, by: Person, *, question: str, now: datetime) -> None:
    may_triage(db, request, by)
    if not question.strip():
        raise UserError("Say what you need to know.", field="text")
    _decide(db, request, NEED_INFO, by=by, now=now, states=(OPEN,))


def decline(db: Session, request: Request, by: Person, *, reason: str, now: datetime) -> None:
    may_triage(db, request, by)
    reason = reason.strip()
    if not reason:
        raise UserError("Say why: the asker is told.", field="text")
    if len(reason) > MAX_REASON:
        raise UserError(f"Keep the reason to {MAX_REASON} characters.", field="text")
    _decide(db, request, DECLINED, by=by, now=now, reason=reason, closed_at=now)


def mark_duplicate(db: Session, request: Request, by: Person, *, of: str, now: datetime) -> Request:
    may_triage(db, request, by)
    original = request_by_label(db, request.team, of)
    if original.id == request.id:
        raise UserError(f"{request.label} can't be a duplicate of itself.", field="text")
    _decide(db, request, DUPLICATE, by=by, now=now, duplicate_of_id=original.id, closed_at=now)
    return original


def move(db: Session, request: Request, by: Person, *, to: str, now: datetime) -> str:
    """Move the request to the team called `to`: a number there, its channel, its SLA from
    now. Returns the old label."""
    may_triage(db, request, by)
    if request.state not in UNDECIDED:
        raise UserError(already(request))
    workspace = request.team.workspace_id
    team = find_team(db, db.get_one(Workspace, workspace), to.strip().lower())
    if team is None:
        raise NotFound(f"There is no team called `{to.strip()}`.", field="text")
    if team.id == request.team_id:
        raise UserError(f"{request.label} is {team.possessive} already.", field="text")
    settings = request_settings(db, team)
    if settings is None or not settings.channel_id:
        raise UserError(
            f"{team.name} has no request channel, so it can't take requests: ask its leads to "
            "set one up (`requests:` in the config).",
            field="text",
        )
    old = request.label
    claimed = db.execute(  # of a decision and a move at once, one wins (see `_decide`)
        update(Request)
        .where(
            Request.id == request.id,
            Request.team_id == request.team_id,
            Request.state.in_(UNDECIDED),
        )
        .values(decided_by_id=by.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.refresh(request)
        raise UserError(_moved(request, old) if request.label != old else already(request))
    request.team_id, request.team = team.id, team
    request.number = next_number(db, team.id)
    request.channel_id, request.thread_ts, request.card_ts = settings.channel_id, None, None
    request.state, request.assignee_id, request.decided_by_id = OPEN, None, by.id
    request.first_response_at = None
    schedule_sla(request, settings, now)
    db.flush()
    return old


def finish(db: Session, request: Request, by: Person, *, now: datetime) -> None:
    may_triage(db, request, by)
    _decide(db, request, DONE, by=by, now=now, states=(ACCEPTED,), closed_at=now)


def withdraw(db: Session, request: Request, by: Person, *, now: datetime) -> None:
    is_asker(request, by)
    _decide(db, request, WITHDRAWN, by=by, now=now, states=STILL_OPEN, respond=False, closed_at=now)


def add_info(db: Session, request: Request, by: Person, *, text: str) -> None:
    """The asker adds to the request; one waiting on them goes back to the shield (unless the
    shield decided meanwhile: then the asker is told what became of it)."""
    is_asker(request, by)
    if request.state not in STILL_OPEN:
        raise UserError(f"{request.label} is {request.state_word}.")
    if not text.strip():
        raise UserError("Say what to add.", field="text")
    if request.state == NEED_INFO:
        back = db.execute(
            update(Request)
            .where(Request.id == request.id, Request.state == NEED_INFO)
            .values(state=OPEN)
            .execution_options(synchronize_session=False)
        )
        db.refresh(request)
        if back.rowcount != 1 and request.state not in STILL_OPEN:
            raise UserError(f"{request.label} is {request.state_word} already.")


def ask_for_update(request: Request, by: Person, *, now: datetime) -> None:
    """At most once a day: the assignee (or the shield) is pinged."""
    is_asker(request, by)
    if request.state not in STILL_OPEN:
        raise UserError(f"{request.label} is {request.state_word}.")
    last = request.update_asked_at
    if last is not None and now - last < UPDATE_PING_EVERY:
        raise UserError(
            f"You asked for an update on {request.label} less than a day ago; I ping them "
            "once a day at most."
        )
    request.update_asked_at = now


# -- queries --------------------------------------------------------------------------------


def open_requests_of(db: Session, person: Person) -> list[Request]:
    return list(
        db.scalars(
            select(Request)
            .where(Request.asker_id == person.id, Request.state.in_(STILL_OPEN))
            .order_by(Request.created_at, Request.id)
        )
    )


MINE, UNASSIGNED, BREACHING = "mine", "unassigned", "breaching"
QUEUE_FILTERS = (MINE, UNASSIGNED, BREACHING)


def team_queue(
    db: Session, team_id: int, *, person_id: int, now: datetime, only: str | None = None
) -> list[Request]:
    """The team's open requests, oldest first: all, or `mine` (assigned to `person_id`),
    `unassigned`, or `breaching` (breached, or past 80% of the SLA with no first response)."""
    query = select(Request).where(Request.team_id == team_id, Request.state.in_(STILL_OPEN))
    if only == MINE:
        query = query.where(Request.assignee_id == person_id)
    elif only == UNASSIGNED:
        query = query.where(Request.assignee_id.is_(None))
    elif only == BREACHING:
        late = (Request.first_response_at.is_(None)) & (Request.escalate_at <= now)
        query = query.where(or_(Request.breached_at.is_not(None), late))
    return list(db.scalars(query.order_by(Request.created_at, Request.id)))


def awaiting_first_response(db: Session, start: datetime, end: datetime) -> list[Request]:
    """Open requests with no first response whose nudge, escalation or breach falls in
    (start, end]."""

    def within(column):
        return (column > start) & (column <= end)

    return list(
        db.scalars(
            select(Request).where(
                Request.state == OPEN,
                Request.first_response_at.is_(None),
                or_(
                    within(Request.nudge_at), within(Request.escalate_at), within(Request.breach_at)
                ),
            )
        )
    )


def to_tell_between(db: Session, start: datetime, end: datetime) -> list[Request]:
    """Requests whose shield is to be told in [start, end)."""
    return list(
        db.scalars(
            select(Request)
            .where(Request.tell_at >= start, Request.tell_at < end, Request.state == OPEN)
            .order_by(Request.team_id, Request.id)
        )
    )
