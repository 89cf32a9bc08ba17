"""`/oncall set`, `out` and `back`: leads create and change rotations, and take people out
and put them back."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.commands import Subcommands, no_extra_words, parse_channel, parse_user, split_fields
from bot.deps import CommandRequest
from bot.render import Reply, local_time, section
from bot.slack import lookup_user
from handlers.oncall.blocks import now_line
from handlers.oncall.commands import workspace_person
from models.core.config import ConfigError, ImportContext
from models.core.errors import PermissionDenied, UserError
from models.core.numbers import whole_number
from models.core.people import TEAM_NAME, find_team, is_lead
from models.core.when import parse_date
from models.oncall.changes import pending_change, set_active
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
    "set", SET, "create or change a rotation; changes count from the next handoff (leads)"
)
def set_rotation_command(req: CommandRequest, args: list[str]) -> Reply:
    if len(args) < 2 or "=" in args[0]:
        raise UserError("Name the rotation and what to set, like `handoff=monday 10:00`.", SET)
    name, options = args[0].lower(), fields_of(args[1:])
    unknown = sorted(set(options) - set(SETTABLE))
    if unknown:
        raise UserError(f"`{unknown[0]}=` isn't a rotation field ({', '.join(SETTABLE)}).", SET)
    existing = lookup_rotation(req.db, req.workspace, name)
    if existing is None and not TEAM_NAME.match(name):
        raise UserError(
            f"`{name[:40]}`: rotation names are lowercase letters, digits, - and _.", SET
        )
    if existing is not None and not may_change_rotation(existing, req.person):
        raise PermissionDenied(
            f"Only {existing.team.possessive} leads or an admin can change {name}.",
            team=existing.team,
        )
    team_name = options.get("team") or (existing.team.name if existing else None)
    if team_name is None:
        raise UserError(f"A new rotation needs `team=`: which team is {name} for?", SET)
    team = find_team(req.db, req.workspace, team_name)
    if team is not None and not (req.person.is_admin or is_lead(team, req.person)):
        raise PermissionDenied(
            f"Only {team.possessive} leads or an admin can set its rotations.", team=team
        )
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
    ctx = ImportContext(
        req.db, req.workspace, req.now(), lambda uid: lookup_user(req.client, uid), actor=req.person
    )
    try:
        rotation = set_rotation(ctx, name, changes, existing=existing)
    except ConfigError as error:
        field_name = error.where.rsplit(".", 1)[-1] if ")." in error.where else "rotation"
        message = str(error)[len(error.where) + 2 :].rstrip(".")
        raise UserError(f"`{field_name}` {message}.", SET) from None
    verb = "Created" if existing is None else "Changed"
    now = req.now()
    summary = (
        f"{verb} *{rotation.name}* ({rotation.team.name}): {handoff_as_written(rotation)} "
        f"every {rotation.every}, {rotation.tz}."
    )
    begins, change = rotation.begins_at, pending_change(rotation, now)
    if begins > now:
        summary += f" It starts {local_time(begins, req.tz)}; nobody is on call before."
    elif change is not None and RULE_FIELDS & set(options):
        summary += (
            f" This applies from {local_time(change, req.tz)}; the shifts until then stay as "
            "they were."
        )
    current, following = current_and_next(req.db, rotation, now)
    lines = [summary, now_line(rotation, current, following, req.tz)]
    return Reply(text="\n".join(lines), blocks=[section("\n".join(lines))])


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


OUT = "/oncall out <rotation> <@user>"
BACK = "/oncall back <rotation> <@user>"


@rotation_changes.sub(
    "out", OUT, "take someone out now: the others take their shifts in turn (leads)"
)
def take_out(req: CommandRequest, args: list[str]) -> Reply:
    return change_member(req, args, False, OUT)


@rotation_changes.sub(
    "back", BACK, "put someone back in their old place from the next handoff (leads)"
)
def put_back(req: CommandRequest, args: list[str]) -> Reply:
    return change_member(req, args, True, BACK)


def change_member(req: CommandRequest, args: list[str], active: bool, usage: str) -> Reply:
    if len(args) < 2:
        raise UserError("Say which rotation and who.", usage)
    no_extra_words(args[2:], usage)
    rotation = find_rotation(req.db, req.workspace, args[0], usage=usage)
    if not may_change_rotation(rotation, req.person):
        raise PermissionDenied(
            f"Only {rotation.team.possessive} leads or a workspace admin can change "
            f"{rotation.name}.",
            usage,
            team=rotation.team,
        )
    person = workspace_person(req, args[1], usage)
    before = describe_rotation(rotation)
    now = req.now()
    effective = set_active(rotation, person, active, now=now)
    action = "rotation.back" if active else "rotation.out"
    after = describe_rotation(rotation)
    req.audit(action, rotation.name, before=before, after=after, team=rotation.team)
    if not active:
        text = (
            f"{person.mention} is out of *{rotation.name}* (keeping their place): the others "
            "take their shifts in turn, and nobody else's shifts move."
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
