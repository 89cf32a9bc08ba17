"""On-call's scheduled work: a post in the rotation's channel at each handoff, a DM to the
incoming person `reminder_hours` before it, and the follow-up of a cover request nobody took.
Who hands over to whom is computed when the post is sent, after overrides, so a late cover is
reflected. Handoffs follow the rule in force at each time; before a rotation's start there are
none (its start is the first)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.jobs import Due, SendContext
from bot.render import context, section, user_text
from bot.slack import dm
from handlers.oncall.blocks import (
    cover_reminder_text,
    cover_untaken_text,
    handoff_text,
    shift_pages_text,
    span,
    start_text,
)
from models.alerts.figures import alert_figures, describe_figures
from models.core.working_days import work_calendar
from models.core.workspace import Person
from models.oncall.cover import (
    CHANNEL_AHEAD,
    OPEN,
    CoverRequest,
    follow_ups,
    open_requests_starting,
)
from models.oncall.rotations import Rotation
from models.oncall.schedule import JUST_BEFORE, RotationSchedule, Shift
from models.oncall.shifts import current_and_next, handoffs, on_call_at
from models.pages.load import outgoing_shift_pages


def stamp(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%MZ")


def rotations(db: Session) -> list[Rotation]:
    return list(db.scalars(select(Rotation).order_by(Rotation.id)))


class HandoffJob:
    kind = "handoff"

    def due(self, db: Session, start: datetime, end: datetime) -> Iterator[Due]:
        for rotation in rotations(db):
            channel = rotation.channel_id or rotation.team.channel_id
            if not channel:
                continue
            for instant in handoffs(rotation, start, end):
                yield Due(
                    key=f"{self.kind}:{rotation.id}:{stamp(instant)}",
                    kind=self.kind,
                    due_at=instant,
                    send=partial(post_handoff, rotation.id, channel, instant),
                    team_id=rotation.team_id,
                )


def post_handoff(rotation_id: int, channel: str, instant: datetime, ctx: SendContext) -> str:
    rotation = ctx.db.get(Rotation, rotation_id)
    assert rotation is not None
    incoming, _ = current_and_next(ctx.db, rotation, instant)
    if instant <= rotation.begins_at:
        text = start_text(rotation, incoming)
        return ctx.client.chat_postMessage(channel=channel, text=text, blocks=[section(text)])["ts"]
    outgoing = on_call_at(ctx.db, rotation, instant - JUST_BEFORE)
    text = handoff_text(rotation, outgoing, incoming)
    # The outgoing shift's pages: the rotation's shift that ends at this handoff.
    previous = RotationSchedule(rotation).shift_at(instant - JUST_BEFORE)
    pages = shift_pages_text(
        outgoing_shift_pages(
            ctx.db, rotation.name, previous.start, instant, workspace_id=rotation.workspace_id
        )
    )
    blocks = [section(text), context(f"Outgoing shift: {pages}")]
    alerts = alert_figures(
        ctx.db,
        start=previous.start,
        end=instant,
        rotation=rotation.name,
        workspace_id=rotation.workspace_id,
    )
    if alerts.groups:
        blocks.append(context(describe_figures(alerts)))
    return ctx.client.chat_postMessage(
        channel=channel, text=f"{text}\nOutgoing shift: {pages}", blocks=blocks
    )["ts"]


class HandoffReminderJob:
    kind = "handoff-reminder"

    def due(self, db: Session, start: datetime, end: datetime) -> Iterator[Due]:
        for rotation in rotations(db):
            if rotation.reminder_hours <= 0:
                continue
            ahead = timedelta(hours=rotation.reminder_hours)
            for instant in handoffs(rotation, start + ahead, end + ahead):
                yield Due(
                    key=f"{self.kind}:{rotation.id}:{stamp(instant)}",
                    kind=self.kind,
                    due_at=instant - ahead,
                    send=partial(remind, rotation.id, instant),
                    team_id=rotation.team_id,
                )


def remind(rotation_id: int, instant: datetime, ctx: SendContext) -> str | None:
    """DMs whoever comes on call at `instant`, unless it's nobody or they're on already."""
    rotation = ctx.db.get(Rotation, rotation_id)
    assert rotation is not None
    outgoing = on_call_at(ctx.db, rotation, instant - JUST_BEFORE)
    shift, _ = current_and_next(ctx.db, rotation, instant)
    person = shift.person
    if person is None or (outgoing is not None and outgoing.id == person.id):
        return None
    tz = person.zone(rotation.tz)
    hours = rotation.reminder_hours
    text = (
        f":pager: Heads-up: you're on call in *{rotation.name}* in {hours} hours, "
        f"{span(shift.start, shift.end, tz)}.{holidays_text(person, rotation, shift, tz)} "
        f"Can't make it? `/oncall cover {rotation.name} ...`"
    )
    return ctx.client.chat_postMessage(
        channel=person.slack_user_id, text=text, blocks=[section(text)]
    )["ts"]


class CoverReminderJob:
    """An open cover request followed up before it starts (`models.oncall.cover.follow_ups`):
    a reply in the request's thread, also shown in the channel; then a DM to each of the
    team's leads, and to whoever's shift it is, saying the leads know. Keys:
    `cover-reminder:<request>:channel` and `...:leads`."""

    kind = "cover-reminder"

    def due(self, db: Session, start: datetime, end: datetime) -> Iterator[Due]:
        for request in open_requests_starting(db, start, end + CHANNEL_AHEAD):
            for who, at in follow_ups(request).items():
                if start < at <= end:
                    send = remind_channel if who == "channel" else remind_leads
                    yield Due(
                        key=f"{self.kind}:{request.id}:{who}",
                        kind=self.kind,
                        due_at=at,
                        send=partial(send, request.id),
                        team_id=request.rotation.team_id,
                        stale_after=None,  # checked when sent: nothing once the shift starts
                    )


def still_open(request_id: int, ctx: SendContext) -> CoverRequest | None:
    request = ctx.db.get(CoverRequest, request_id)
    if request is None or request.status != OPEN or ctx.clock.now() >= request.start:
        return None
    return request


def remind_channel(request_id: int, ctx: SendContext) -> str | None:
    request = still_open(request_id, ctx)
    if request is None or not request.channel_id:
        return None
    text = cover_reminder_text(request, ctx.clock.now())
    thread = {"thread_ts": request.message_ts, "reply_broadcast": True}
    return ctx.client.chat_postMessage(
        channel=request.channel_id,
        text=text,
        blocks=[section(text)],
        **(thread if request.message_ts else {}),
    )["ts"]


def remind_leads(request_id: int, ctx: SendContext) -> str | None:
    request = still_open(request_id, ctx)
    if request is None:
        return None
    now = ctx.clock.now()
    leads = [p for p in request.rotation.team.leads if p.id != request.person_id and not p.deleted]
    for lead in leads:
        text = cover_untaken_text(request, lead, now, "")
        dm(ctx.client, lead, text, [section(text)])
    told = f"I told {', '.join(p.mention for p in leads)}." if leads else ""
    if not leads:
        told = f"Your team has no lead I could tell: ask in <#{request.channel_id}>."
    text = cover_untaken_text(request, request.person, now, told)
    return dm(ctx.client, request.person, text, [section(text)])


JOBS = [HandoffJob(), HandoffReminderJob(), CoverReminderJob()]


def holidays_text(person: Person, rotation: Rotation, shift: Shift, tz: str) -> str:
    """The public holidays (the person's own calendar, else their team's) on the local days the
    shift covers: the shift doesn't move for them, but they should know."""
    zone = ZoneInfo(tz)
    first = shift.start.astimezone(zone).date()
    last = (shift.end - JUST_BEFORE).astimezone(zone).date()
    found = work_calendar(person, rotation.team).holidays_in(first, last)
    if not found:
        return ""
    names = ", ".join(f"{user_text(name)} ({day:%a %d %b})" for day, name in found)
    which = "a public holiday" if len(found) == 1 else "public holidays"
    return f" It covers {which}: {names}."
