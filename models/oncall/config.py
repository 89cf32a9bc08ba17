"""The `rotations:` section of the config file, and a rotation as that file writes it (what the
audit log records of a rotation, too)."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from models.core.config import ConfigError, ImportContext, check_fields, require, where
from models.core.errors import UserError
from models.core.people import NOT_A_CHANNEL, TEAM_NAME, find_team, is_channel, valid_zone
from models.core.teams_config import people_field
from models.core.time import local_instant, parse_weekly, weekly_as_written
from models.core.when import WEEKDAYS, calendar_date
from models.core.workspace import Workspace
from models.oncall.changes import reschedule, set_members, settle_returns
from models.oncall.rotations import Rotation, lookup_rotation, rotations_of

FIELDS = {
    "name",
    "team",
    "timezone",
    "handoff",
    "every",
    "start",
    "members",
    "away",
    "channel",
    "reminder_hours",
}
EVERY = re.compile(r"^([1-9]\d?)\s*([dw])$")
DEFAULT_REMINDER = 24
MAX_REMINDER = 168  # hours: a week ahead


def parse_handoff(text: str) -> tuple[int | None, time]:
    """`monday 10:00` (or `mon@10:00`, `Monday at 10am`) -> (0, 10:00); `10:00` -> (None,
    10:00). Raises ValueError."""
    try:
        return parse_weekly(text)
    except UserError:
        raise ValueError(text) from None


def handoff_as_written(rotation: Rotation) -> str:
    """The handoff as the config file gives it (what `parse_handoff` reads): `monday 10:00`."""
    return weekly_as_written(rotation.handoff_weekday, rotation.handoff_time)


def start_as_written(rotation: Rotation) -> date:
    """The start as a config file gives it: the configured start, or, once the handoff day
    changed since, the first day on or after it with a handoff (so the file also imports into
    an empty workspace, and re-importing it here changes nothing)."""
    day = rotation.anchor
    if rotation.handoff_weekday is not None:
        day += timedelta(days=(rotation.handoff_weekday - day.weekday()) % 7)
    return day


def describe_rotation(rotation: Rotation) -> dict:
    """The rotation as the config file writes it: what the audit log records of it."""
    return {
        "team": rotation.team.name,
        "timezone": rotation.tz,
        "handoff": handoff_as_written(rotation),
        "every": rotation.every,
        "start": start_as_written(rotation).isoformat(),
        "members": [m.person.slack_user_id for m in rotation.members],
        "away": [m.person.slack_user_id for m in rotation.members if not m.active],
        "channel": rotation.channel_id,
        "reminder_hours": rotation.reminder_hours,
    }


class RotationsSection:
    key = "rotations"

    def load(self, ctx: ImportContext, entries: list[dict[str, Any]]) -> None:
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            check_fields(self.key, i, entry, FIELDS)
            name = require(self.key, i, entry, "name")
            if not TEAM_NAME.match(name):
                raise self.error(
                    i, entry, "name", message="must be a slug: lowercase letters, digits, -, _"
                )
            if name in seen:
                raise self.error(i, entry, "name", message="appears twice")
            seen.add(name)
            self.load_one(ctx, i, entry, name=name)

    def error(self, i: int, entry: dict, fieldname: str, *, message: str) -> ConfigError:
        return ConfigError(where(self.key, i, entry, fieldname), message)

    def load_one(self, ctx: ImportContext, i: int, entry: dict, *, name: str) -> None:
        team_name = require(self.key, i, entry, "team")
        team = find_team(ctx.db, ctx.workspace, team_name)
        if team is None:
            raise self.error(i, entry, "team", message=f"there is no team called {team_name!r}")
        tz = entry.get("timezone") or team.tz
        if not isinstance(tz, str) or not valid_zone(tz):
            raise self.error(i, entry, "timezone", message=f"{tz!r} is not an IANA time zone")
        try:
            weekday, at = parse_handoff(str(require(self.key, i, entry, "handoff")))
        except ValueError:
            raise self.error(
                i,
                entry,
                "handoff",
                message="must be a time like 10:00, or a day and time like monday 10:00",
            ) from None
        every = EVERY.match(str(require(self.key, i, entry, "every", (str, int))).strip().lower())
        if not every:
            raise self.error(i, entry, "every", message="must be a shift length like 1w, 2w or 1d")
        length, unit = int(every.group(1)), every.group(2)
        if weekday is not None and unit != "w":
            raise self.error(
                i, entry, "handoff", message="a weekday needs a shift length in weeks (1w)"
            )
        rotation = lookup_rotation(ctx.db, ctx.workspace, name)
        anchor = self.anchor(i, entry, (tz, weekday, at), existing=rotation, now=ctx.now)
        members = people_field(ctx, where(self.key, i, entry, "members"), entry.get("members"))
        if not members:
            raise self.error(i, entry, "members", message="needs at least one person")
        if len({p.id for p in members}) != len(members):
            raise self.error(i, entry, "members", message="lists someone twice")
        away = people_field(ctx, where(self.key, i, entry, "away"), entry.get("away"))
        if any(p not in members for p in away):
            raise self.error(i, entry, "away", message="must only name members of the rotation")
        channel = entry.get("channel")
        if not is_channel(channel):
            raise self.error(i, entry, "channel", message=NOT_A_CHANNEL)
        reminder = entry.get("reminder_hours", DEFAULT_REMINDER)
        if not isinstance(reminder, int) or not 0 <= reminder <= MAX_REMINDER:
            raise self.error(
                i, entry, "reminder_hours", message=f"must be hours from 0 (none) to {MAX_REMINDER}"
            )

        if rotation is not None:
            settle_returns(rotation, ctx.now)
        before = None if rotation is None else describe_rotation(rotation)
        if rotation is None:
            rotation = Rotation(workspace_id=ctx.workspace.id, name=name, created_at=ctx.now)
            ctx.db.add(rotation)
        rotation.team_id, rotation.team = team.id, team
        rotation.tz = tz
        rotation.handoff_weekday, rotation.handoff_time = weekday, at
        rotation.shift_length, rotation.shift_unit = length, unit
        rotation.anchor = anchor
        rotation.channel_id = channel
        rotation.reminder_hours = reminder
        set_members(rotation, members, {p.id for p in away})
        after = describe_rotation(rotation)
        if before != after:
            reschedule(rotation, ctx.now)
        label = f"rotation {name}"
        ctx.record_change(
            label,
            name,
            "rotation.set",
            before,
            after,
            imported="rotation.import",
            team=rotation.team,
        )

    def anchor(
        self,
        i: int,
        entry: dict,
        rule: tuple[str, int | None, time],
        *,
        existing: Rotation | None,
        now,
    ) -> date:
        """The start: a date with a handoff. Once a rotation has begun, its start stays as it
        was (a changed handoff day then counts from the next handoff), or moves to a date still
        to come, where the new rule begins with the first member."""
        tz, weekday, at = rule
        value = require(self.key, i, entry, "start", (str, date))
        try:
            anchor = calendar_date(value)
        except UserError as e:
            raise self.error(i, entry, "start", message=e.message) from None
        begun = existing is not None and existing.begins_at <= now
        as_it_was = existing is not None and anchor in (existing.anchor, start_as_written(existing))
        if begun and as_it_was and existing.handoff(0) <= now:
            return existing.anchor  # as it was: the day the rotation began
        if weekday is not None and anchor.weekday() != weekday:
            raise self.error(
                i,
                entry,
                "start",
                message=f"{anchor} is a {WEEKDAYS[anchor.weekday()]}, but handoffs are on "
                f"{WEEKDAYS[weekday]}s: give a date with a handoff",
            )
        if begun and local_instant(anchor, at, tz) <= now:
            raise self.error(
                i,
                entry,
                "start",
                message=f"{anchor} has passed and {existing.name} has been running since "
                f"{existing.begins_at.date()}: give a date still to come (the new rule begins "
                "then, with the first member), or leave the start as it was to change from the "
                "next handoff",
            )
        return anchor

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]:
        out = []
        for rotation in rotations_of(db, workspace):
            entry = self.entry(rotation)
            if not entry["away"]:
                del entry["away"]
            if not entry["channel"]:
                del entry["channel"]
            if entry["reminder_hours"] == DEFAULT_REMINDER:
                del entry["reminder_hours"]
            out.append(entry)
        return out

    @staticmethod
    def entry(rotation: Rotation) -> dict[str, Any]:
        return {"name": rotation.name, **describe_rotation(rotation)}


SETTABLE = sorted(FIELDS - {"name"})


def set_rotation(
    ctx: ImportContext, name: str, changes: dict[str, Any], *, existing: Rotation | None
) -> Rotation:
    """Create or change one rotation from Slack with the config file's rules: `changes` are
    fields as the file spells them. Raises ConfigError naming the field; writes nothing then."""
    if existing is not None:
        settle_returns(existing, ctx.now)  # someone back from a day out is in, as written
    entry = RotationsSection.entry(existing) if existing is not None else {"name": name}
    entry.update(changes)
    with ctx.db.begin_nested():
        RotationsSection().load_one(ctx, 0, entry, name=name)
    found = lookup_rotation(ctx.db, ctx.workspace, name)
    assert found is not None
    return found
