"""The `rituals:` section of the config file.

rituals:
  - kind: standup
    team: payments
    days: mon-fri
    time: "09:30"
    questions: [What did you do yesterday?, What will you do today?, Anything blocking you?]
  - kind: retro
    team: payments
    days: thu
    time: "15:00"
    cadence: 4w
    start: 2026-03-05
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

from sqlalchemy.orm import Session

from models.core.config import ConfigError, ImportContext, check_fields, require, where
from models.core.errors import UserError
from models.core.numbers import whole_number
from models.core.people import find_team
from models.core.time import format_days, parse_cadence, parse_days, parse_time
from models.core.when import calendar_date
from models.core.workspace import Workspace
from models.rituals.rituals import Ritual, find_ritual, workspace_rituals

FIELDS = {
    "kind",
    "team",
    "days",
    "time",
    "cadence",
    "start",
    "questions",
    "oncall_questions",
    "remind_after",
    "enabled",
}
OPTION_LISTS = ("questions", "oncall_questions")


class RitualsSection:
    """`kinds`: the rituals the features run, each with its default cadence in weeks. The
    assembler (`models/config.py`) gathers them from the packages that declare them, which sit
    above this one."""

    key = "rituals"

    def __init__(self, kinds: Mapping[str, int]) -> None:
        self.kinds = dict(kinds)

    def load(self, ctx: ImportContext, entries: list[dict[str, Any]]) -> None:
        seen: set[tuple[str, str]] = set()
        for i, raw in enumerate(entries):
            entry = {"name": f"{raw.get('team')} {raw.get('kind')}", **raw}
            check_fields(self.key, i, raw, FIELDS)
            kind = require(self.key, i, entry, "kind")
            if kind not in self.kinds:
                raise ConfigError(
                    where(self.key, i, entry, "kind"),
                    f"{kind!r} is not a ritual I run (kinds: {', '.join(self.kinds)})",
                )
            team_name = require(self.key, i, entry, "team")
            team = find_team(ctx.db, ctx.workspace, team_name)
            if team is None:
                raise ConfigError(where(self.key, i, entry, "team"), f"no team {team_name!r}")
            if (team.name, kind) in seen:
                raise ConfigError(where(self.key, i, entry), "appears twice")
            seen.add((team.name, kind))
            values = self._values(i, entry, kind)

            ritual = find_ritual(ctx.db, team, kind)
            created = ritual is None
            before = None if ritual is None else snapshot(ritual)
            if ritual is None:
                ritual = Ritual(
                    workspace_id=ctx.workspace.id, team=team, kind=kind, created_at=ctx.now
                )
                ctx.db.add(ritual)
            for name, value in values.items():
                setattr(ritual, name, value)
            ctx.report.record(f"ritual {team.name} {kind}", created, before != snapshot(ritual))

    def _values(self, i: int, entry: dict, kind: str) -> dict[str, Any]:
        def field(name: str, parse, value):
            try:
                return parse(value)
            except (UserError, TypeError, ValueError) as e:
                message = e.message if isinstance(e, UserError) else f"{value!r} is not valid"
                raise ConfigError(where(self.key, i, entry, name), message) from None

        at = field("time", parse_clock, require(self.key, i, entry, "time", (str, int)))
        options: dict[str, Any] = {}
        for name in OPTION_LISTS:
            if name in entry:
                options[name] = field(name, parse_questions, entry[name])
        if "remind_after" in entry:
            options["remind_after"] = field("remind_after", parse_minutes, entry["remind_after"])
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(where(self.key, i, entry, "enabled"), "must be true or false")
        return {
            "days": field("days", parse_days, str(entry.get("days", "mon-fri"))),
            "at": at,
            "cadence_weeks": field(
                "cadence", parse_cadence, entry.get("cadence", f"{self.kinds[kind]}w")
            ),
            "start_date": (
                field("start", calendar_date, entry["start"]) if "start" in entry else None
            ),
            "options": options,
            "enabled": enabled,
        }

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]:
        return [dump_ritual(r) for r in workspace_rituals(db, workspace.id)]


def dump_ritual(ritual: Ritual) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "kind": ritual.kind,
        "team": ritual.team.name,
        "days": format_days(ritual.days),
        "time": ritual.at.strftime("%H:%M"),
        "cadence": f"{ritual.cadence_weeks}w",
    }
    if ritual.start_date:
        entry["start"] = ritual.start_date.isoformat()
    for name in OPTION_LISTS:
        if ritual.options.get(name):
            entry[name] = list(ritual.options[name])
    if "remind_after" in ritual.options:
        entry["remind_after"] = f"{ritual.options['remind_after']}m"
    if not ritual.enabled:
        entry["enabled"] = False
    return entry


def snapshot(ritual: Ritual) -> tuple:
    return (
        ritual.days,
        ritual.at,
        ritual.cadence_weeks,
        ritual.start_date,
        dict(ritual.options or {}),
        ritual.enabled,
    )


def parse_clock(value: str | int) -> time:
    """`"09:30"`; YAML 1.1 reads an unquoted 9:30 as the number 570 (base 60), so accept that."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value < 24 * 60:
            raise UserError(f"`{value}` is not a time of day (like 09:30).")
        return time(value // 60, value % 60)
    return parse_time(value)


def parse_questions(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(q, str) for q in value):
        raise UserError("must be a list of questions")
    if len(value) > 10:
        raise UserError("at most 10 questions")
    return [q.strip()[:150] for q in value]


def parse_minutes(value: Any) -> int:
    """`90`, `90m`, `2h` -> minutes."""
    text = str(value).strip().lower()
    scale = 60 if text.endswith("h") else 1
    number = whole_number(text.rstrip("hm").strip(), 1, 24 * 60 // scale)
    if number is None:
        raise UserError(f"`{value}` is not a delay (like 90m or 2h)")
    return number * scale
