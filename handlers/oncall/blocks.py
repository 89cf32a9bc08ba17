"""Block Kit for on-call: who is on now, schedules, cover requests, handoff posts. Pure."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.render import (
    actions,
    button,
    context,
    date_input,
    local_time,
    modal,
    option,
    section,
    select_input,
    text_input,
    time_input,
    user_text,
    users_input,
)
from models.core.when import WEEKDAYS
from models.core.workspace import Person, Team
from models.oncall.cover import ACCEPTED, CANCELLED, CoverRequest
from models.oncall.impact import GAP, NOW, STRAIGHT, Concern
from models.oncall.rotations import Rotation
from models.oncall.schedule import Shift
from models.pages.load import ShiftPages

COVER_ACCEPT = "oncall_cover_accept"
COVER_CANCEL = "oncall_cover_cancel"
REMOVE_OVERRIDE = "oncall_override_remove"
ADD_ROTATION = "oncall_add_rotation"  # a button: opens the rotation form (its value: a team)
ROTATION_VIEW = "oncall_rotation_view"
DAILY = "daily"  # the handoff weekday of a rotation that hands off every day
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


# -- DMs to the people a change or a cover request concerns ---------------------------------

MAX_SPANS = 6


def you(reader: Person, person: Person) -> str:
    """`person` as `reader` reads about them: "you", or their mention."""
    return "you" if reader.id == person.id else person.mention


def your(reader: Person, person: Person) -> str:
    return "your" if reader.id == person.id else person.possessive


def spans_text(spans: Spans, tz: str) -> str:
    """Spans in `tz`, the first few, then how many more."""
    shown = " · ".join(span(start, end, tz) for start, end in spans[:MAX_SPANS])
    more = len(spans) - MAX_SPANS
    return shown + (f" · …and {more} more" if more > 0 else "")


def moved_text(
    headline: str,
    tz: str,
    *,
    gained: Spans,
    lost: Spans,
    shifts: Spans | None = None,
    weeks: int | None = None,
) -> str:
    """What a change did to one person's on-call time, in their zone: what they gained and
    lost, or (`shifts`) their shifts as they now are; `weeks` when it goes on past that."""
    lines = [f":calendar: {headline}"]
    if shifts is not None:
        lines.append(
            f"Your shifts: {spans_text(shifts, tz)}" if shifts else "You have no shifts in it."
        )
    else:
        if gained:
            lines.append(f"You're on call: {spans_text(gained, tz)}")
        if lost:
            lines.append(f"You're off call: {spans_text(lost, tz)}")
    if weeks:
        lines.append(f"_Over the next {weeks} weeks; `/oncall me` shows all your shifts._")
    return "\n".join(lines)


def cover_asked_text(request: CoverRequest, tz: str) -> str:
    """To whoever's shift a lead asked cover for, on their behalf."""
    return (
        f":sos: {request.asked_by.mention} asked <#{request.channel_id}> to cover your shift in "
        f"*{request.rotation.name}*, {span(request.start, request.end, tz)}: the first to press "
        "*I'll cover* takes it. Until then it is yours."
    )


def cover_decided_text(request: CoverRequest, reader: Person, by: Person, covered: Spans) -> str:
    """To whoever's shift it was, or who asked for them: it was taken, or cancelled."""
    tz = reader.zone(request.rotation.tz)
    whose = your(reader, request.person)
    name = request.rotation.name
    if request.status == ACCEPTED:
        when = " and ".join(span(start, end, tz) for start, end in covered)
        return f":white_check_mark: {by.mention} covers {whose} shift in *{name}*, {when}."
    still = "yours" if reader.id == request.person_id else f"{request.person.possessive}"
    return (
        f":no_entry_sign: {by.mention} cancelled the request for cover of {whose} shift in "
        f"*{name}*, {span(request.start, request.end, tz)}: it is still {still}."
    )


def starts_in(delta: timedelta) -> str:
    minutes = max(round(delta.total_seconds() / 60), 0)
    if minutes >= 90:
        return f"in {round(minutes / 60)} hours"
    return "in 1 hour" if minutes >= 60 else f"in {minutes} minutes"


def cover_reminder_text(request: CoverRequest, now: datetime) -> str:
    """The channel's reminder, in the rotation's zone like the request it follows up."""
    tz = request.rotation.tz
    return (
        f":sos: Still needed: {request.person.possessive} shift in *{request.rotation.name}*, "
        f"{span(request.start, request.end, tz)} (it starts {starts_in(request.start - now)}). "
        "Press *I'll cover* on the request to take it."
    )


def cover_untaken_text(request: CoverRequest, reader: Person, now: datetime, told: str) -> str:
    """To a lead (`told` empty), or to whoever's shift it is (`told`: the leads who know)."""
    rotation = request.rotation
    when = f"{span(request.start, request.end, reader.zone(rotation.tz))}, starting "
    when += starts_in(request.start - now)
    if reader.id == request.person_id:
        return (
            f":sos: Nobody has taken your cover request in *{rotation.name}* yet ({when}): it is "
            f"still yours. {told}"
        )
    return (
        f":sos: Nobody has taken {request.person.possessive} cover request in *{rotation.name}* "
        f"yet: {when}. Take it in <#{request.channel_id}>, or put someone on with "
        f"`/oncall override {rotation.name} @someone ...`."
    )


# -- a change that deserves a second look ---------------------------------------------------

CONFIRM_CHANGE = "oncall_change_confirm"
CANCEL_CHANGE = "oncall_change_cancel"
MAX_CONCERNS = 8


def length_text(delta: timedelta) -> str:
    """`2 weeks`, `13 days`, `20 hours`: how long someone would be on call straight."""
    days = round(delta.total_seconds() / 86400)
    if days >= 7 and days % 7 == 0:
        return f"{days // 7} weeks"
    if days >= 2:
        return f"{days} days"
    return f"{round(delta.total_seconds() / 3600)} hours"


def concern_line(concern: Concern, tz: str, weeks: int) -> str:
    """One thing a change would do, after "Taking @ben out of payments-primary:"."""
    if concern.kind == GAP:
        if concern.open_ended:
            return f"leaves nobody on call from {local_time(concern.start, tz)} on"
        return f"leaves nobody on call {span(concern.start, concern.end, tz)}"
    assert concern.person is not None
    who_ = concern.person.mention
    if concern.kind == NOW:
        after = f"{concern.successor.mention} taking over at once" if concern.successor else ""
        return f"takes {who_} off call now, {after or 'with nobody to take over'}"
    if concern.kind == STRAIGHT:
        length = length_text(concern.end - concern.start)
        if concern.open_ended:
            since = local_time(concern.start, tz)
            return f"leaves {who_} on call {length} straight and on, from {since}"
        return f"leaves {who_} on call {length} straight, {span(concern.start, concern.end, tz)}"
    return (
        f"gives {who_} {concern.percent}% of the on-call time over the next {weeks} weeks "
        f"(up from {concern.was}%)"
    )


def concerns_blocks(
    what: str, concerns: list[Concern], tz: str, weeks: int, value: str, *, changed: str = ""
) -> tuple[str, list[dict]]:
    """The answer to a change that waits for Confirm: what it would do, and the buttons."""
    lines = [f"• {concern_line(c, tz, weeks)}" for c in concerns[:MAX_CONCERNS]]
    if len(concerns) > MAX_CONCERNS:
        lines.append(f"• …and {len(concerns) - MAX_CONCERNS} more")
    text = f":warning: {changed}{what}:\n" + "\n".join(lines)
    text += "\nNothing has changed yet: Confirm or Cancel."
    buttons = actions(
        button("Confirm", CONFIRM_CHANGE, value, style="primary"),
        button("Cancel", CANCEL_CHANGE, value),
        block_id="oncall-change",
    )
    return text, [section(text), buttons]


def rotation_view(teams: list[Team], team: Team | None, *, tz: str, start: date) -> dict:
    """The rotation form: what `/oncall set` takes, one input per field (the handoff as a day
    and a time). Members come in the order picked, the order they take shifts in."""
    days = [option(day, day.capitalize()) for day in WEEKDAYS] + [option(DAILY, "Every day")]
    blocks = [
        text_input(
            "name",
            "Rotation name",
            max_length=80,
            hint="Lowercase letters, digits, - and _, like backend-primary",
        ),
        select_input("team", "Team", [option(t.name) for t in teams[:100]], team and team.name),
        users_input(
            "members",
            "Members, in the order they take shifts",
            [p.slack_user_id for p in team.members] if team else [],
        ),
        select_input("weekday", "Handoff day", days, WEEKDAYS[start.weekday()]),
        time_input("time", "Handoff time", "10:00"),
        text_input("every", "Shift length", "1w", hint="Weeks or days: 1w, 2w or 1d"),
        date_input("start", "First handoff", start.isoformat(), hint="A day with a handoff"),
        text_input("timezone", "Time zone", team.tz if team else tz, hint="Like Europe/Berlin"),
    ]
    return modal(ROTATION_VIEW, "New rotation", blocks)
