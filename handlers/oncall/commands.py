"""`/oncall`: who is on call, your shifts, schedules, overrides and cover requests; and who is
on call when someone asks `@upkeep` or opens App Home. Changing rotations is in `changes.py`,
calendar feeds in `http.py`, buttons in `actions.py`."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.commands import Command, no_extra_words, parse_user
from bot.deps import CommandRequest
from bot.jobs import SendContext
from bot.jobs.deferred import deferrable, in_turn
from bot.jobs.marked import unclear
from bot.later import post_message
from bot.render import (
    Reply,
    button,
    context,
    escape,
    header,
    line_sections,
    local_time,
    section,
    user_text,
)
from bot.slack import lookup_user
from handlers.oncall.blocks import (
    REMOVE_OVERRIDE,
    cover_asked_text,
    cover_blocks,
    cover_text,
    day_answer,
    now_line,
    shift_line,
    span,
    spans_text,
    who,
    you,
)
from handlers.oncall.review import Review
from handlers.oncall.which import LOOKUP, channel_rotations, resolve, rotation_here
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.numbers import whole_number
from models.core.people import ensure_person, find_person
from models.core.time import local_instant
from models.core.when import parse_at, parse_range
from models.core.workspace import Person
from models.onboarding.shadows import shadowing_at, shadows_during
from models.oncall.cover import CoverRequest, request_cover, withdraw_cover
from models.oncall.impact import on_call_elsewhere
from models.oncall.now import RotationRef, on_call_now, ref_of
from models.oncall.overrides import add_override, can_remove, check_span, upcoming_overrides
from models.oncall.rotations import (
    Rotation,
    find_rotation,
    lookup_rotation,
    may_change_rotation,
)
from models.oncall.schedule import Shift, held_by, holds_all
from models.oncall.shifts import handoff_on, person_shifts, shifts, stretches

oncall = Command(
    "/oncall",
    "who is on call, your shifts, cover and overrides",
    usage_hint="[rotation|team] [at <time>] | me | schedule | cover | overrides | calendar",
)
MAX_WEEKS = 26
MAX_LISTED = 20
ME_WEEKS = 8


# -- who is on call ------------------------------------------------------------------------------


@oncall.fallback(
    LOOKUP,
    "who is on call now (or at a time in your zone, or on a day: at its handoff, else from its "
    "start), until when, who is next",
)
def lookup(req: CommandRequest, args: list[str]) -> Reply:
    at: datetime | date = req.now()
    name = None
    if args and args[0].lower() != "at":
        name, args = args[0], args[1:]
    if args:
        if args[0].lower() != "at":
            raise UserError(f"I don't know what to do with `{' '.join(args)[:60]}`.", LOOKUP)
        at, used = parse_at(args[1:], req.now(), req.tz, usage=LOOKUP)
        if args[1 + used :]:
            raise UserError(f"I don't know what to do with `{' '.join(args[1 + used :])}`.", LOOKUP)
    if name:
        return answer_for(req, name, at)
    return who_reply(req, channel_rotations(req), at)


def answer_for(req: CommandRequest, name: str, at: datetime | date) -> Reply:
    """Who is on call in the rotation, team or service `name`."""
    rotations, note = resolve(req, name)
    return who_reply(req, rotations, at, note)


def who_line(req: CommandRequest, rotation: Rotation | RotationRef, at: datetime) -> str:
    ref = rotation if isinstance(rotation, RotationRef) else ref_of(rotation)
    current, following = on_call_now(req.db, ref, at)
    line = now_line(rotation, current, following, req.tz)
    shadows = shadowing_at(req.db, req.asker.workspace.id, ref, at)
    if shadows:
        line += " · shadowed by " + ", ".join(shadows)
    return line


def who_lines(
    req: CommandRequest, rotations: list[Rotation | RotationRef], at: datetime
) -> list[str]:
    return [who_line(req, rotation, at) for rotation in rotations]


def who_reply(
    req: CommandRequest,
    rotations: list[Rotation | RotationRef],
    at: datetime | date,
    note: str = "",
) -> Reply:
    """Who is on call at an instant, or on a day (`day_lines`); `note` goes before the lines."""
    if isinstance(at, datetime):
        title = "On call now" if at == req.now() else f"On call at {local_time(at, req.tz)}"
        lines = who_lines(req, rotations, at)
    else:
        title, lines = day_lines(req, rotations, at)
    blocks = [header(title), *([section(note)] if note else []), *line_sections(lines, "")]
    blocks.append(context(f"Times in {req.tz}."))
    text = f"{title}:\n" + (f"{note}\n" if note else "") + "\n".join(lines)
    return Reply(text=text, blocks=blocks)


def day_lines(
    req: CommandRequest, rotations: list[Rotation | RotationRef], day: date
) -> tuple[str, list[str]]:
    """Who is on call on a day: at each rotation's handoff that day (in its zone), or, for one
    that doesn't hand off then, from the start of the day in the asker's zone."""
    start = local_instant(day, time(0), req.tz)
    moments = []
    for rotation in rotations:
        handoff = handoff_on(req.db.get_one(Rotation, rotation.id), day)
        moments.append((handoff or start, handoff is not None))
    lines = [who_line(req, r, at) for r, (at, _) in zip(rotations, moments, strict=True)]
    return day_answer(day, moments, lines, req.tz)


# -- your shifts, a schedule ---------------------------------------------------------------------


@oncall.sub("me", "/oncall me", "your next shifts and overrides")
def me(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args, oncall.usage("me"))
    now = req.now()
    mine = person_shifts(req.db, req.person, now, end=now + timedelta(weeks=ME_WEEKS))
    lines = [shift_line(shift, req.tz, rotation) for rotation, shift in mine]
    empty = f"You have no shifts in the next {ME_WEEKS} weeks."
    blocks = [header("Your next shifts"), *line_sections(lines, empty)]
    blocks.append(context(f"Times in {req.tz}. Subscribe with `/oncall calendar`."))
    return Reply(text="Your next shifts:\n" + ("\n".join(lines) or empty), blocks=blocks)


SCHEDULE = "/oncall schedule [<rotation>] [<N>w]"
WEEKS = re.compile(r"\d+\s*w?", re.IGNORECASE)


@oncall.sub("schedule", SCHEDULE, "the next N weeks (default 4), overrides marked")
def schedule(req: CommandRequest, args: list[str]) -> Reply:
    weeks_first = args and WEEKS.fullmatch(args[0])
    if args and not (weeks_first and lookup_rotation(req.db, req.workspace, args[0]) is None):
        rotation, args = find_rotation(req.db, req.workspace, args[0], usage=SCHEDULE), args[1:]
    else:
        rotation = rotation_here(req, SCHEDULE)
    no_extra_words(args[1:], SCHEDULE)
    weeks: int | None = 4
    if args:
        weeks = whole_number(args[0].lower().removesuffix("w").rstrip(), 1, MAX_WEEKS)
    if weeks is None:
        raise UserError(f"Give a number of weeks from 1 to {MAX_WEEKS}, like `6w`.", SCHEDULE)
    now = req.now()
    end = now + timedelta(weeks=weeks)
    stretches = shifts(req.db, rotation, now, end=end)
    shadows = shadows_during(req.db, req.workspace.id, rotation.name, start=now, end=end)
    lines = []
    for shift in stretches:
        line = shift_line(shift, req.tz)
        along = [s.person.mention for s in shadows if s.start < shift.end and s.end > shift.start]
        lines.append(line + (" · shadowed by " + ", ".join(along) if along else ""))
    period = f"{weeks} weeks" if weeks > 1 else "week"
    title = f"{rotation.name}: the next {period}"
    empty = "Nobody is in this rotation."
    if rotation.begins_at >= end:
        empty = f"{rotation.name} starts {local_time(rotation.begins_at, req.tz)}."
    blocks = [header(title), *line_sections(lines, empty)]
    blocks.append(context(f"Times in {req.tz}. Handoffs in {rotation.tz}."))
    return Reply(text=f"{title}\n" + "\n".join(lines), blocks=blocks)


# -- overrides and cover -------------------------------------------------------------------------


def workspace_person(
    req: CommandRequest, token: str, usage: str, *, leaving: bool = False
) -> Person:
    """Someone mentioned in the command, who must be a current member of this workspace (or,
    `leaving` a rotation, may have left it since)."""
    uid = parse_user(token)
    if uid is None:
        raise UserError(f"`{token[:40]}` is not a person; mention them, like `@ana`.", usage)
    person = find_person(req.db, req.workspace, uid)
    if person is None:
        user = lookup_user(req.client, uid)
        team = (user or {}).get("team_id")
        if user is None or (team and team != req.workspace.slack_team_id):
            raise NotFound(f"<@{uid}> is not in this workspace.", usage)
        person = ensure_person(req.db, req.workspace, uid, req.now(), lambda _: user)
    if (person.deleted or person.is_bot) and not leaving:
        raise UserError(f"{person.mention} can't be on call (deactivated, or a bot).", usage)
    return person


def rotation_arg(req: CommandRequest, args: list[str], need: int, ask: str, usage: str):
    """The rotation named first, once there are at least `need` words."""
    if len(args) < need:
        raise UserError(ask, usage)
    return find_rotation(req.db, req.workspace, args[0], usage=usage)


def span_args(req: CommandRequest, words: list[str], usage: str):
    """`<start> [to] <end> ...` in the asker's zone, checked: (start, end, the words left)."""
    start, end, rest = parse_range(words, req.now(), req.tz, usage)
    check_span(start, end, req.now(), usage=usage)
    return start, end, rest


OVERRIDE = "/oncall override <rotation> <@user> <start> [to] <end> [reason]"


@oncall.sub("override", OVERRIDE, "put someone on call for a while (team leads, or whoever's on)")
def override(req: CommandRequest, args: list[str]) -> Reply:
    rotation = rotation_arg(req, args, 4, "Say which rotation, who, from when, to when.", OVERRIDE)
    target = workspace_person(req, args[1], OVERRIDE)
    start, end, rest = span_args(req, args[2:], OVERRIDE)
    if end <= rotation.begins_at:
        raise UserError(
            f"{rotation.name} starts {local_time(rotation.begins_at, req.tz)}; nobody is on call "
            "in it before, so an override then would change nothing.",
            OVERRIDE,
        )
    own = holds_all(stretches(req.db, rotation, start, end=end), req.person)
    if not (own or may_change_rotation(rotation, req.person)):
        raise PermissionDenied(
            f"Only {rotation.team.possessive} leads, a workspace admin, or the person on call then "
            f"can override {rotation.name}. To hand your own shift over, use `/oncall cover`.",
            team=rotation.team,
        )
    review = Review(req, rotation, start=max(start, req.now()), end=end, guarded=False)
    made = add_override(
        req.db,
        rotation,
        target,
        start=start,
        end=end,
        reason=" ".join(rest),
        created_by=req.person,
        now=req.now(),
    )
    review.made()
    why = f" ({user_text(made.reason)})" if made.reason else ""
    actor = req.person.mention
    review.tell(
        lambda p: f"{actor} put {you(p, target)} on call in *{rotation.name}*{why}.",
        open_ended=False,
    )
    after = {
        "person": target.slack_user_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "reason": made.reason,
    }
    req.audit("oncall.override", rotation.name, after=after, team=rotation.team)
    text = f"{target.mention} is on call in *{rotation.name}* {span(start, end, req.tz)}."
    for other, spans in on_call_elsewhere(req.db, target, rotation, start, end):
        text += (
            f"\n:warning: {target.mention} is also on call in *{other.name}* then "
            f"({spans_text(spans, req.tz)}): two rotations at once."
        )
    return Reply(text=text, blocks=[section(text)])


COVER = "/oncall cover <rotation> <start> [to] <end> [for <@user>] [reason]"


@oncall.sub("cover", COVER, "ask the team to cover (part of) a shift: first to accept takes it")
def cover(req: CommandRequest, args: list[str]) -> Reply:
    rotation = rotation_arg(req, args, 3, "Say which rotation, and from when to when.", COVER)
    start, end, rest = span_args(req, args[1:], COVER)
    person = req.person
    if rest and rest[0].lower() == "for":
        if len(rest) < 2:
            raise UserError("For whom? Mention them.", COVER)
        person = workspace_person(req, rest[1], COVER)
        rest = rest[2:]
        if person.id != req.person.id and not may_change_rotation(rotation, req.person):
            raise PermissionDenied(
                f"Only {rotation.team.possessive} leads or a workspace admin can ask for cover on "
                "someone else's behalf.",
                COVER,
                team=rotation.team,
            )
    reason = " ".join(rest)
    # Time already gone needs no cover, and nobody hands over time that isn't theirs.
    start, end, note = own_stretch(req, rotation, person, max(start, req.now()), end, reason)
    channel = rotation.channel_id or rotation.team.channel_id
    if not channel:
        raise UserError(f"{rotation.name} has no channel to ask in; a lead can set one.", COVER)
    request = request_cover(
        req.db,
        rotation,
        person,
        asked_by=req.person,
        start=start,
        end=end,
        reason=reason,
        now=req.now(),
    )
    text, blocks = cover_text(request), cover_blocks(request)
    asked = post_cover(request_id=request.id, channel=channel, text=text, blocks=blocks)
    if person.id != req.person.id:  # asked on their behalf: they hear of it once it is asked
        told = cover_asked_text(request, person.zone(rotation.tz))
        dm = post_message(channel=person.slack_user_id, text=told, blocks=[section(told)])
        asked = in_turn(asked, dm)
    req.later(asked)
    after = {"person": person.slack_user_id, "start": start.isoformat(), "end": end.isoformat()}
    req.audit("oncall.cover.request", rotation.name, after=after, team=rotation.team)
    text = f"I'm asking for cover in <#{channel}>: {span(start, end, req.tz)}{note}."
    return Reply(text=text, blocks=[section(text)])


@deferrable
def post_cover(
    ctx: SendContext, *, request_id: int, channel: str, text: str, blocks: list[dict]
) -> None:
    """Ask the channel (after the answer); the message's ts lets a decision update it. A request
    Slack refused to post is withdrawn: nobody could take or cancel it, and it would stand in the
    way of asking again."""
    try:
        posted = ctx.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    except Exception as error:
        if unclear(error):
            raise  # Slack may have taken it: tried again, looked for first (bot.jobs.deferred)
        withdraw_cover(ctx.db, request_id, ctx.clock.now())
        ctx.db.commit()  # kept, though this work ends in an error (which rolls back)
        if not isinstance(error, SlackApiError):
            raise
        raise UserError(
            f"I couldn't post your cover request in <#{channel}> (Slack said "
            f"`{error.response.get('error')}`), so nobody was asked and it is withdrawn. "
            f"Check that I'm in <#{channel}> (`/invite @Upkeep`), then ask again."
        ) from error
    ctx.db.get_one(CoverRequest, request_id).message_ts = posted["ts"]


def own_stretch(
    req: CommandRequest,
    rotation: Rotation,
    person: Person,
    start: datetime,
    end: datetime,
    reason: str,
) -> tuple[datetime, datetime, str]:
    """The one stretch of [start, end) when `person` is on call, and a note if that is not all
    of it; several stretches of theirs are an error that shows how to ask for each."""
    on_call = stretches(req.db, rotation, start, end=end)
    theirs = held_by(on_call, person)
    if not theirs:
        raise UserError(
            f"{person.mention} is not on call in {rotation.name} {span(start, end, req.tz)}: "
            f"there is nothing to cover. See `/oncall schedule {rotation.name}`.",
            COVER,
        )
    you = person.id == req.person.id
    subject, whose = ("you are", "yours") if you else (f"{person.mention} is", "theirs")
    others = ", ".join(
        f"{who(s.person)} {span(s.start, s.end, req.tz)}" for s in on_call if s not in theirs
    )
    if len(theirs) > 1:
        asks = "\n".join(cover_command(req, rotation, s, reason) for s in theirs)
        raise UserError(
            f"{subject[:1].upper()}{subject[1:]} on call for more than one stretch "
            f"of that time; the rest isn't {whose} to hand over: {others}. Ask for cover for "
            f"each of {whose}:\n{asks}",
            COVER,
        )
    note = ""
    if others:
        note = (
            f", the part of that time when {subject} on call. "
            f"The rest isn't {whose} to hand over: {others}"
        )
    return theirs[0].start, theirs[0].end, note


def cover_command(req: CommandRequest, rotation: Rotation, stretch: Shift, reason: str) -> str:
    """The `/oncall cover` that asks for exactly this stretch of someone's, to copy."""
    zone = ZoneInfo(req.tz)
    start, end = stretch.start.astimezone(zone), stretch.end.astimezone(zone)
    until = end.strftime("%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M")
    words = [rotation.name, start.strftime("%Y-%m-%d %H:%M"), "to", until]
    if stretch.person is not None and stretch.person.id != req.person.id:
        words.append(f"for {stretch.person.mention}")
    if reason:
        words.append(escape(reason.replace("`", "'")))  # to copy: shown as typed
    return f"`/oncall cover {' '.join(words)}`"


OVERRIDES = "/oncall overrides [<rotation>]"


@oncall.sub("overrides", OVERRIDES, "upcoming overrides, each with a button to remove it")
def overrides(req: CommandRequest, args: list[str]) -> Reply:
    if args:
        rotation = find_rotation(req.db, req.workspace, args[0], usage=OVERRIDES)
    else:
        rotation = rotation_here(req, OVERRIDES)
    no_extra_words(args[1:], OVERRIDES)
    return overrides_reply(req, rotation)


def overrides_reply(req: CommandRequest, rotation: Rotation) -> Reply:
    found = upcoming_overrides(req.db, rotation, req.now())[:MAX_LISTED]
    lines, blocks = [], [header(f"{rotation.name}: overrides")]
    for item in found:
        why = f" ({user_text(item.reason)})" if item.reason else ""
        line = f"{item.person.mention} {span(item.start, item.end, req.tz)}{why}"
        lines.append(line)
        accessory = None
        if can_remove(item, req.person):
            accessory = button("Remove", REMOVE_OVERRIDE, str(item.id), style="danger")
        blocks.append(section(line, accessory=accessory))
    if not found:
        blocks.append(section("No overrides coming up."))
    blocks.append(context(f"Times in {req.tz}. Add one with `{OVERRIDE}`."))
    return Reply(text=f"{rotation.name}: overrides\n" + "\n".join(lines), blocks=blocks)
