"""Block Kit for on-call: who is on now, schedules, cover requests, handoff posts. Pure."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.render import (
    actions,
    button,
    context,
    local_time,
    section,
    user_text,
)
from models.core.workspace import Person
from models.oncall.cover import ACCEPTED, CANCELLED, CoverRequest
from models.oncall.rotations import Rotation
from models.oncall.schedule import Shift
from models.pages.load import ShiftPages

COVER_ACCEPT = "oncall_cover_accept"
COVER_CANCEL = "oncall_cover_cancel"
REMOVE_OVERRIDE = "oncall_override_remove"
Spans = list[tuple[datetime, datetime]]  # what an accepted cover took: UTC (start, end) pairs


def who(person: Person | None) -> str:
    return person.mention if person is not None else "_nobody_"


def span(start: datetime, end: datetime, tz: str) -> str:
    """`Mon 02 Mar 10:00 – Mon 09 Mar 10:00 CET`, or `Mon 02 Mar 10:00 – 18:00 CET` in one day;
    across a DST change each end shows its own zone: `Mon 23 Mar 09:00 GMT – Mon 30 Mar 09:00
    BST`."""
    zone = ZoneInfo(tz)
    first, last = start.astimezone(zone), end.astimezone(zone)
    head = first.strftime("%a %d %b %H:%M")
    if first.tzname() != last.tzname():
        head += f" {first.tzname()}"
    return f"{head} – {local_time(end, tz, with_date=first.date() != last.date())}"


def day_answer(
    day: date, moments: list[tuple[datetime, bool]], lines: list[str], tz: str
) -> tuple[str, list[str]]:
    """The title and lines of who is on call on a day, for rotations looked up each at a moment
    (an instant, and whether it is their handoff that day or else the start of the day): the
    title says which when it is the same for all, else each line does."""
    zone = ZoneInfo(tz)
    if len(set(moments)) == 1:
        at, handoff = moments[0]
        when = f"{at.astimezone(zone):%a %d %b} ({local_time(at, tz, with_date=False)})"
        return f"On call at the {'handoff on' if handoff else 'start of'} {when}", lines
    notes = [
        f"at the handoff, {local_time(at, tz, with_date=at.astimezone(zone).date() != day)}"
        if handoff
        else f"at the start of the day, {local_time(at, tz, with_date=False)}"
        for at, handoff in moments
    ]
    return f"On call on {day:%a %d %b}", [
        f"{line} ({note})" for line, note in zip(lines, notes, strict=True)
    ]


def now_line(rotation: Rotation, current: Shift, following: Shift | None, tz: str) -> str:
    line = f"*{rotation.name}*: {who(current.person)} until {local_time(current.end, tz)}"
    if current.override is not None:
        line += " (override)"
    if following is not None:
        line += f" · next {who(following.person)}"
    return line


def shift_line(shift: Shift, tz: str, rotation: Rotation | None = None) -> str:
    line = f"`{span(shift.start, shift.end, tz)}` {who(shift.person)}"
    if rotation is not None:
        line = f"*{rotation.name}* {line}"
    if shift.override is not None:
        reason = f": {user_text(shift.override.reason)}" if shift.override.reason else ""
        line += f" :repeat: _override{reason}_"
    return line


def cover_text(request: CoverRequest, covered: Spans | None = None) -> str:
    """The request's post; once accepted, `covered` is what the cover took (what was still the
    asker's from then on), when known."""
    tz = request.rotation.tz
    spans = covered or [(request.start, request.end)]
    when = " and ".join(span(start, end, tz) for start, end in spans)
    base = f"{request.person.possessive} shift in *{request.rotation.name}*, {when}"
    if request.status == ACCEPTED and request.accepted_by is not None:
        return f":white_check_mark: {request.accepted_by.mention} covers {base}."
    if request.status == CANCELLED:
        return f":no_entry_sign: Cover request cancelled: {base}."
    return f":sos: Cover needed: {base}."


def cover_blocks(request: CoverRequest, covered: Spans | None = None) -> list[dict]:
    blocks = [section(cover_text(request, covered))]
    notes = []
    if request.reason:
        notes.append(user_text(request.reason))
    if request.asked_by_id != request.person_id:
        notes.append(f"asked by {request.asked_by.mention}")
    if covered and leaves_out_some(request, covered):
        asked = span(request.start, request.end, request.rotation.tz)
        notes.append(f"asked for {asked}; the rest is no longer {request.person.possessive}")
    if notes:
        blocks.append(context(" · ".join(notes)))
    if request.status not in (ACCEPTED, CANCELLED):
        value = str(request.id)
        blocks.append(
            actions(
                button("I'll cover", COVER_ACCEPT, value, style="primary"),
                button("Cancel request", COVER_CANCEL, value),
                block_id=f"cover-{request.id}",
            )
        )
    return blocks


def leaves_out_some(request: CoverRequest, covered: Spans) -> bool:
    """Whether the cover left out some of the request that was still to come when it was taken."""
    still_to_come = max(request.start, request.decided_at or request.start)
    return covered != [(still_to_come, request.end)]


def start_text(rotation: Rotation, first: Shift) -> str:
    """The post at a rotation's first handoff: nobody hands over."""
    until = local_time(first.end, rotation.tz)
    note = " (override)" if first.override is not None else ""
    return f":pager: *{rotation.name}* starts: {who(first.person)} is on call until {until}{note}."


def shift_pages_text(pages: ShiftPages) -> str:
    """The outgoing shift's pages in one line; the alert's name is its sender's words."""
    if not pages.total:
        return "No pages this shift."
    count = "1 page" if pages.total == 1 else f"{pages.total} pages"
    return (
        f"{count} this shift ({pages.sleep} in sleep hours, {pages.off_hours} off-hours); "
        f"noisiest: {user_text(pages.noisiest)} ({pages.noisiest_count})."
    )


def handoff_text(rotation: Rotation, outgoing: Person | None, incoming: Shift) -> str:
    until = local_time(incoming.end, rotation.tz)
    note = " (override)" if incoming.override is not None else ""
    if outgoing is not None and incoming.person is not None and outgoing.id == incoming.person.id:
        return (
            f":pager: *{rotation.name}*: {who(incoming.person)} stays on call until {until}{note}."
        )
    return (
        f":pager: *{rotation.name}* handoff: {who(outgoing)} hands over to "
        f"{who(incoming.person)}, on call until {until}{note}."
    )
