"""Requests' scheduled work, through the delivery engine: the shield is told of new requests
(one DM for those that came within the same couple of minutes; a request made outside working
hours waits for the shield's morning unless it is urgent), and the first-response SLA: the
shield nudged at half the time, the team's leads too at 80%, and the breach recorded and told."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from bot.jobs import Due, SendContext
from bot.render import local_time, section
from bot.slack import dm
from handlers.requests.blocks import handoff_post, said, shield_batch
from models.core.workspace import Person, Team
from models.oncall.rotations import Rotation
from models.oncall.shifts import handoffs, on_call_at
from models.requests import triage
from models.requests.figures import figures_line, handoff_counts, request_figures
from models.requests.requests import OPEN, Request, RequestDm, RequestSettings

BATCH = timedelta(minutes=2)  # requests that come this close together reach the shield in one DM
# A batch is sent this long after it closes: a request whose time falls in it may commit a little
# after that time (its answer is still being made), and a tick that read before the commit
# must not have sent the batch without it.
SETTLE = timedelta(seconds=30)
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def bucket_of(at: datetime) -> datetime:
    return _EPOCH + ((at - _EPOCH) // BATCH) * BATCH


def recipients(
    db: Session, settings: RequestSettings, now: datetime, *, leads: bool
) -> list[Person]:
    """The shield now (else the team's leads), with the leads too when `leads`."""
    shield = triage.shield_now(db, settings, now)
    found = [shield] if shield is not None else []
    if leads or not found:
        found += [p for p in settings.team.leads if p not in found]
    return found


class ShieldTold:
    kind = "request-shield"

    def due(self, db: Session, start: datetime, end: datetime) -> list[Due]:
        buckets: dict[tuple[int, datetime], int] = defaultdict(int)
        for request in triage.to_tell_between(db, start - BATCH - SETTLE, end):
            bucket = bucket_of(request.tell_at)
            if start < bucket + BATCH + SETTLE <= end:
                buckets[request.team_id, bucket] += 1
        return [
            Due(
                key=f"request-shield:{team_id}:{bucket.isoformat()}",
                kind=self.kind,
                due_at=bucket + BATCH + SETTLE,
                send=partial(self.send, team_id, bucket),
                team_id=team_id,
                stale_after=None,
            )
            for team_id, bucket in sorted(buckets)
        ]

    def send(self, team_id: int, bucket: datetime, ctx: SendContext) -> str | None:
        found = [
            r
            for r in triage.to_tell_between(ctx.db, bucket, bucket + BATCH)
            if r.team_id == team_id and r.told_at is None
        ]
        settings = ctx.db.get(RequestSettings, team_id)
        if not found or settings is None:
            return None
        now = ctx.clock.now()
        ts = None
        shield = triage.shield_now(ctx.db, settings, now)
        for person in recipients(ctx.db, settings, now, leads=False):
            addressed = person.slack_user_id if person == shield else None
            text, blocks = shield_batch(found, person.mention if addressed else None)
            # In the DM's own channel, so the cards can be brought up to date (`update_dms`).
            channel = ctx.client.conversations_open(users=person.slack_user_id)["channel"]["id"]
            ts = ctx.client.chat_postMessage(channel=channel, text=text, blocks=blocks)["ts"]
            ctx.db.add_all(
                RequestDm(
                    request_id=r.id, channel_id=channel, ts=ts, label=r.label, shield_user=addressed
                )
                for r in found
            )
        for request in found:
            request.told_at = now
        return ts


LEVELS = ("nudge", "escalate", "breach")


class SlaWatch:
    kind = "request-sla"

    def due(self, db: Session, start: datetime, end: datetime) -> list[Due]:
        found = []
        for request in triage.awaiting_first_response(db, start, end):
            times = (request.nudge_at, request.escalate_at, request.breach_at)
            for level, at in zip(LEVELS, times, strict=True):
                if start < at <= end:
                    found.append(
                        Due(
                            key=f"request-sla:{request.id}:{level}:{at.isoformat()}",
                            kind=self.kind,
                            due_at=at,
                            send=partial(self.send, request.id, level, at),
                            team_id=request.team_id,
                            stale_after=None if level == "breach" else timedelta(hours=2),
                        )
                    )
        return found

    def send(self, request_id: int, level: str, at: datetime, ctx: SendContext) -> str | None:
        request = ctx.db.get(Request, request_id)
        if request is None or request.state != OPEN or request.first_response_at is not None:
            return None
        settings = ctx.db.get(RequestSettings, request.team_id)
        if settings is None:
            return None
        if level == "breach" and request.breached_at is None:
            request.breached_at = at
        ts = None
        for person in recipients(ctx.db, settings, at, leads=level != "nudge"):
            text = sla_text(request, level, person.zone(settings.team.tz))
            ts = dm(ctx.client, person, text, [section(text)])
        return ts


def sla_text(request: Request, level: str, tz: str) -> str:
    what = f"*{request.label}* from {request.asker.mention}: {said(request, 150)}"
    if level == "breach":
        return f":rotating_light: {what} has had no answer in its SLA: the breach is recorded."
    share = "half" if level == "nudge" else "80%"
    due = local_time(request.breach_at, tz)
    return f":hourglass: {what} has had no answer for {share} of its SLA; it breaches {due}."


class ShieldHandoff:
    """At each handoff of a team's shield rotation, a post in its request channel: who takes
    the shield, what is open, breached and waiting on askers, and the week's figures."""

    kind = "request-handoff"

    def due(self, db: Session, start: datetime, end: datetime) -> list[Due]:
        # Asked every tick: the shield rotations with their rules and members but not their
        # teams (whose people are many), and which teams each one shields.
        shielded: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for rotation_id, team_id, name in db.execute(
            select(RequestSettings.shield_rotation_id, Team.id, Team.name)
            .join(Team, Team.id == RequestSettings.team_id)
            .where(RequestSettings.shield_rotation_id.is_not(None))
        ):
            shielded[rotation_id].append((team_id, name))
        shields = db.scalars(
            select(Rotation).where(Rotation.id.in_(list(shielded))).options(lazyload(Rotation.team))
        )
        return [
            Due(
                key=f"request-handoff:{name}:{at.isoformat()}",
                kind=self.kind,
                due_at=at,
                send=partial(self.send, team_id, at),
                team_id=team_id,
                stale_after=timedelta(hours=6),
            )
            for rotation in shields
            for at in handoffs(rotation, start, end)
            for team_id, name in shielded[rotation.id]
        ]

    def send(self, team_id: int, at: datetime, ctx: SendContext) -> str | None:
        settings = ctx.db.get(RequestSettings, team_id)
        if settings is None or settings.shield is None:
            return None
        team = settings.team
        shield = on_call_at(ctx.db, settings.shield, at)
        figures = request_figures(ctx.db, team, at - timedelta(weeks=1), at)
        text, blocks = handoff_post(
            team.name, shield, handoff_counts(ctx.db, team.id), figures_line(figures)
        )
        posted = ctx.client.chat_postMessage(channel=settings.channel_id, text=text, blocks=blocks)
        return posted["ts"]


JOBS = [ShieldTold(), SlaWatch(), ShieldHandoff()]
