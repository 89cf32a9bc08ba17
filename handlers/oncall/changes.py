"""`/oncall set`, `out` and `back`: leads create and change rotations, and take people out
and put them back."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

from bot.commands import Subcommands, no_extra_words, parse_channel, parse_user, split_fields
from bot.deps import CommandRequest
from bot.render import Reply, local_time, section, state_users, state_value
from bot.slack import lookup_user
from handlers.oncall.blocks import DAILY, now_line, rotation_view, you
from handlers.oncall.commands import workspace_person
from handlers.oncall.review import Review
from models.core.config import ConfigError, ImportContext
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.numbers import whole_number
from models.core.people import TEAM_NAME, find_team, is_lead, teams_led_by
from models.core.when import parse_date
from models.oncall.changes import pending_change, set_active, settle_returns
from models.oncall.config import (
    MAX_REMINDER,
    SETTABLE,
    describe_rotation,
    handoff_as_written,
    set_rotation,
)
from models.oncall.rotations import find_rotation, lookup_rotation, may_change_rotation
from models.oncall.shifts import current_and_next

rotation_changes = Subcommands("/oncall")  # joined to `/oncall` by FEATURE
SET = (
    "/oncall set <rotation> team=<team> handoff=<monday 10:00> every=<1w> start=<date> "
    "members=@a,@b [channel=#c] [timezone=<zone>] [reminder_hours=<n>]"
)
PEOPLE_FIELDS = ("members", "away")
RULE_FIELDS = {"handoff", "every", "start", "members", "away", "timezone"}  # who is on when


@rotation_changes.sub(
    "set",
    SET,
    "create or change a rotation; changes count from the next handoff (leads); alone: a form",
)
def set_rotation_command(
    req: CommandRequest, args: list[str], confirmed: int | None = None
) -> Reply:
    if not args:
        req.client.views_open(trigger_id=req.trigger_id, view=rotation_form(req, None))
        return Reply(text="Opening the form…")
    if len(args) < 2 or "=" in args[0]:
        raise UserError("Name the rotation and what to set, like `handoff=monday 10:00`.", SET)
    name, options = args[0].lower(), fields_of(args[1:])
    unknown = sorted(set(options) - set(SETTABLE))
    if unknown:
        raise UserError(f"`{unknown[0]}=` isn't a rotation field ({', '.join(SETTABLE)}).", SET)
    changes: dict = {}
    for key, value in options.items():
        if key in PEOPLE_FIELDS:
            changes[key] = [people_id(word) for word in value.replace(",", " ").split()]
        elif key == "reminder_hours":
            hours = whole_number(value, 0, MAX_REMINDER)
            if hours is None:
                raise UserError(
                    f"`reminder_hours=` takes a number of hours from 0 (none) to {MAX_REMINDER}, "
                    "like 24.",
                    SET,
                )
            changes[key] = hours
        elif key == "channel":
            changes[key] = parse_channel(value) or value
        elif key == "start":  # `start=next monday`, `start=9 mar`: a day in the asker's zone
            today = req.now().astimezone(ZoneInfo(req.tz)).date()
            changes[key] = parse_date(value.split(), today, SET).isoformat()
        else:
            changes[key] = value
    return save_rotation(req, name, changes, args=args, confirmed=confirmed)


def save_rotation(
    req: CommandRequest,
    name: str,
    changes: dict,
    *,
    form: bool = False,
    args: list[str] | None = None,
    confirmed: int | None = None,
) -> Reply:
    """Create or change a rotation as `/oncall set` and the form do: the asker's rights, then
    the config file's rules (`models/oncall/config.py`). From the form, a wrong value is an
    error on its input (`FORM_FIELDS`)."""

    def on(field_name: str) -> str | None:
        return FORM_FIELDS.get(field_name, field_name) if form else None

    existing = lookup_rotation(req.db, req.workspace, name)
    if existing is None and not TEAM_NAME.match(name):
        raise UserError(
            f"`{name[:40]}`: rotation names are lowercase letters, digits, - and _.",
            SET,
            field=on("name"),
        )
    if existing is not None and not may_change_rotation(existing, req.person):
        raise PermissionDenied(
            f"Only {existing.team.possessive} leads or an admin can change {name}.",
            team=existing.team,
            field=on("name"),
        )
    team_name = changes.get("team") or (existing.team.name if existing else None)
    if team_name is None:
        raise UserError(f"A new rotation needs `team=`: which team is {name} for?", SET)
    team = find_team(req.db, req.workspace, team_name)
    if team is not None and not (req.person.is_admin or is_lead(team, req.person)):
        raise PermissionDenied(
            f"Only {team.possessive} leads or an admin can set its rotations.",
            team=team,
            field=on("team"),
        )
    # Looked up now (a rotation's few members): the DMs that tell them of their shifts, in
    # their own zone and to no bot, are written in this request.
    ctx = ImportContext(
        req.db, req.workspace, req.now(), lambda uid: lookup_user(req.client, uid), actor=req.person
    )
    fields = sorted(RULE_FIELDS & set(changes)) or sorted(changes)
    with Review(req, existing, guarded=existing is not None) as review:
        try:
            rotation = set_rotation(ctx, name, changes, existing=existing)
        except ConfigError as error:
            field_name = error.fieldname or "rotation"
            message = error.problem.rstrip(".")
            raise UserError(f"`{field_name}` {message}.", SET, field=on(field_name)) from None
        review.made(rotation)
        if existing is not None and args is not None:
            what = f"Changing *{rotation.name}* ({', '.join(fields)})"
            asked = review.confirm(what, "set", args, confirmed)
            if asked is not None:
                return asked
    verb = "Created" if existing is None else "Changed"
    actor, done = req.person.mention, verb.lower()
    review.tell(lambda p: f"{actor} {done} *{rotation.name}*.", open_ended=True, shifts=True)
    now = req.now()
    summary = (
        f"{verb} *{rotation.name}* ({rotation.team.name}): {handoff_as_written(rotation)} "
        f"every {rotation.every}, {rotation.tz}."
    )
    begins, change = rotation.begins_at, pending_change(rotation, now)
    if begins > now:
        summary += f" It starts {local_time(begins, req.tz)}; nobody is on call before."
    elif change is not None and RULE_FIELDS & set(changes):
        summary += (
            f" This applies from {local_time(change, req.tz)}; the shifts until then stay as "
            "they were."
        )
    current, following = current_and_next(req.db, rotation, now)
    lines = [summary, now_line(rotation, current, following, req.tz)]
    return Reply(text="\n".join(lines), blocks=[section("\n".join(lines))])


# The form's input for each field of the config file's (the handoff is a day and a time).
FORM_FIELDS = {"handoff": "time", "away": "members", "rotation": "name"}


def rotation_form(req: CommandRequest, team_name: str | None) -> dict:
    """The rotation form, with the team picked: the one named, else the channel's, else the
    only one the asker may give rotations to."""
    teams = teams_led_by(req.db, req.workspace, req.person)
    if not teams:
        raise UserError(
            "Rotations belong to a team, and you lead none: set one up first with "
            "`/upkeep setup`, or ask a team's lead.",
            SET,
        )
    named = [t for t in teams if t.name == team_name]
    here = [t for t in teams if req.channel_id and t.channel_id == req.channel_id]
    team = (named or here or (teams if len(teams) == 1 else [None]))[0]
    today = req.now().astimezone(ZoneInfo(req.tz)).date()
    return rotation_view(teams, team, tz=req.tz, start=today)


def rotation_form_changes(values: dict) -> tuple[str, dict]:
    """The submitted rotation form: the name, and the fields as `/oncall set` takes them."""
    weekday, at = state_value(values, "weekday"), state_value(values, "time")
    changes = {
        "team": state_value(values, "team"),
        "members": state_users(values, "members"),
        "handoff": at if weekday in ("", DAILY) else f"{weekday} {at}",
        "every": state_value(values, "every").strip(),
        "start": state_value(values, "start"),
        "timezone": state_value(values, "timezone").strip(),
    }
    return state_value(values, "name").strip().lower(), changes


def fields_of(words: list[str]) -> dict[str, str]:
    """`handoff=monday 10:00 members=@a @b` -> {"handoff": "monday 10:00", "members": "@a @b"}:
    words without `=` belong to the field before them, so values need no quotes."""
    return split_fields(words, SET, example="handoff")


def people_id(word: str) -> str:
    uid = parse_user(word)
    if uid is None:
        raise UserError(f"`{word[:40]}` is not a person; mention them, like `@ana`.", SET)
    return uid


# -- taking people out and putting them back -----------------------------------------------------


OUT = "/oncall out <rotation> <@user> [until <date>]"
BACK = "/oncall back <rotation> <@user>"


@rotation_changes.sub(
    "out",
    OUT,
    "take someone out now (until a day: back from the next handoff after it); the others take "
    "their shifts in turn (leads)",
)
def take_out(req: CommandRequest, args: list[str], confirmed: int | None = None) -> Reply:
    return change_member(req, args, False, OUT, confirmed)


@rotation_changes.sub(
    "back", BACK, "put someone back in their old place from the next handoff (leads)"
)
def put_back(req: CommandRequest, args: list[str], confirmed: int | None = None) -> Reply:
    return change_member(req, args, True, BACK, confirmed)


def until_date(req: CommandRequest, words: list[str], usage: str) -> date:
    """The day after `until`, in the asker's zone: today or later."""
    if not words:
        raise UserError("Until when? Give a day, like `until 2026-03-20` or `until friday`.", usage)
    today = req.now().astimezone(ZoneInfo(req.tz)).date()
    day = parse_date(words, today, usage)
    if day < today:
        raise UserError(f"{day:%a %d %b %Y} is in the past; give a day still to come.", usage)
    return day


def change_member(
    req: CommandRequest, args: list[str], active: bool, usage: str, confirmed: int | None
) -> Reply:
    if len(args) < 2:
        raise UserError("Say which rotation and who.", usage)
    rest, until = args[2:], None
    if not active and rest and rest[0].lower() == "until":
        until, rest = until_date(req, rest[1:], usage), []
    no_extra_words(rest, usage)
    rotation = find_rotation(req.db, req.workspace, args[0], usage=usage)
    if not may_change_rotation(rotation, req.person):
        raise PermissionDenied(
            f"Only {rotation.team.possessive} leads or a workspace admin can change "
            f"{rotation.name}.",
            usage,
            team=rotation.team,
        )
    person = workspace_person(req, args[1], usage, leaving=not active)
    now = req.now()
    settle_returns(rotation, now)
    before = describe_rotation(rotation)
    until_words = f" until {until:%a %d %b}" if until else ""
    with Review(req, rotation) as review:
        effective = set_active(rotation, person, active, now=now, until=until)
        review.made()
        what = (
            f"Putting {person.mention} back in *{rotation.name}*"
            if active
            else f"Taking {person.mention} out of *{rotation.name}*{until_words}"
        )
        asked = review.confirm(what, "back" if active else "out", args, confirmed)
        if asked is not None:
            return asked
    action = "rotation.back" if active else "rotation.out"
    after = describe_rotation(rotation) | ({"until": until.isoformat()} if until else {})
    req.audit(action, rotation.name, before=before, after=after, team=rotation.team)
    actor, name = req.person.mention, rotation.name
    back_at = rotation.back_from(until) if until else None
    if active:
        review.tell(lambda p: f"{actor} put {you(p, person)} back in *{name}*.", open_ended=True)
    else:
        review.tell(
            lambda p: f"{actor} took {you(p, person)} out of *{name}*{until_words}.",
            open_ended=back_at is None or (review.end is not None and back_at > review.end),
        )
    if not active:
        back = ""
        if back_at is not None:
            back = f", back from the handoff {local_time(back_at, req.tz)}"
        text = (
            f"{person.mention} is out of *{rotation.name}*{until_words} (keeping their "
            f"place){back}: the others take their shifts in turn, and nobody else's shifts move."
        )
    elif effective > now:
        text = (
            f"{person.mention} is back in *{rotation.name}* in their old place, from the next "
            f"handoff ({local_time(effective, req.tz)})."
        )
    else:
        text = f"{person.mention} is back in *{rotation.name}* in their old place."
    current, following = current_and_next(req.db, rotation, now)
    lines = [text, now_line(rotation, current, following, req.tz)]
    return Reply(text="\n".join(lines), blocks=[section("\n".join(lines))])


# -- Confirm and Cancel on a change that waited -------------------------------------------------

GUARDED: dict[str, Callable[..., Reply]] = {
    "out": take_out,
    "back": put_back,
    "set": set_rotation_command,
}


def waiting_change(value: str) -> tuple[str, list[str], int | None]:
    """What the buttons of a change that waits for Confirm carry: the subcommand, its words,
    and the rotation's version when it was asked."""
    try:
        asked = json.loads(value)
        sub, args, version = asked["sub"], [str(a) for a in asked["args"]], asked["v"]
    except (ValueError, KeyError, TypeError):
        sub, args, version = "", [], None
    if sub not in GUARDED or not args:
        raise NotFound("That change is no longer waiting.")
    return sub, args, version if isinstance(version, int) else None


def confirm_change(req: CommandRequest, value: str) -> Reply:
    """Make the change as asked; it waits again if the rotation changed in between and the
    change now does something else worth a look."""
    sub, args, version = waiting_change(value)
    return GUARDED[sub](req, args, confirmed=version)


def cancel_change(req: CommandRequest, value: str) -> Reply:
    sub, args, _ = waiting_change(value)
    rotation = lookup_rotation(req.db, req.workspace, args[0])
    name = f"*{rotation.name}*" if rotation is not None else "the rotation"
    uid = parse_user(args[1]) if len(args) > 1 else None
    kept = {
        "out": f"<@{uid}> stays in {name}",
        "back": f"<@{uid}> stays out of {name}",
    }.get(sub if uid else "", f"{name} stays as it was")
    text = f"Cancelled: {kept}; nothing changed."
    return Reply(text=text, blocks=[section(text)])
