"""The `requests:` section of the config file: how each team takes requests.

requests:
  - team: payments
    channel: C0PAYREQ          # the team's request channel (a thread per request)
    shield: payments-shield    # the rotation whose person on call triages
    emoji: ticket              # reacting with it in the channel makes a request
    skip_emoji: mega           # messages starting with it never become requests
    sla: {normal: 4h, urgent: 1h}   # first response, in working time
    hours: "09:00-18:00"       # the team's working hours, in its zone
    days: mon-fri
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core.config import ConfigError, ImportContext, require, team_entry, where
from models.core.errors import UserError
from models.core.people import NOT_A_CHANNEL, is_channel
from models.core.time import format_days, parse_days
from models.core.workspace import Team, Workspace
from models.oncall.rotations import lookup_rotation
from models.requests.hours import duration_as_written, parse_duration, parse_span, span_as_written
from models.requests.requests import NORMAL, URGENCIES, URGENT, RequestSettings

FIELDS = {"team", "channel", "shield", "emoji", "skip_emoji", "sla", "hours", "days"}
EMOJI = re.compile(r"^:?([a-z0-9_+'-]{1,60}):?$")


def _emoji(label: str, value: Any) -> str:
    match = EMOJI.match(value) if isinstance(value, str) else None
    if not match:
        raise ConfigError(label, "must be an emoji name, like ticket or :ticket:")
    return match.group(1)


def _sla(label: str, value: Any) -> dict[str, int]:
    if not isinstance(value, dict) or not set(value) <= set(URGENCIES):
        raise ConfigError(label, f"must map urgencies ({', '.join(URGENCIES)}) to durations")
    try:
        return {k: parse_duration(str(v)) for k, v in value.items()}
    except UserError as e:
        raise ConfigError(label, e.message) from None


def describe_requests(settings: RequestSettings) -> dict[str, Any]:
    """The team's request settings as the config file writes them."""
    return {
        "team": settings.team.name,
        "channel": settings.channel_id,
        "shield": settings.shield.name if settings.shield else None,
        "emoji": settings.emoji,
        "skip_emoji": settings.skip_emoji,
        "sla": {
            NORMAL: duration_as_written(settings.sla_normal),
            URGENT: duration_as_written(settings.sla_urgent),
        },
        "hours": span_as_written(settings.work_start, settings.work_end),
        "days": format_days(settings.work_days),
    }


class RequestsSection:
    key = "requests"

    def load(self, ctx: ImportContext, entries: list[dict[str, Any]]) -> None:
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            self.load_one(ctx, i, entry, seen)

    def load_one(
        self, ctx: ImportContext, i: int, entry: dict[str, Any], seen: set[str]
    ) -> RequestSettings:
        def at(name: str) -> str:
            return where(self.key, i, entry, name)

        team = team_entry(ctx, self.key, i, entry, FIELDS, seen)
        channel = require(self.key, i, entry, "channel")
        if not is_channel(channel):
            raise ConfigError(at("channel"), NOT_A_CHANNEL)
        shield = None
        if entry.get("shield") is not None:
            shield = lookup_rotation(ctx.db, ctx.workspace, str(entry["shield"]))
            if shield is None:
                raise ConfigError(at("shield"), f"no rotation called {entry['shield']!r}")
        emoji = _emoji(at("emoji"), entry.get("emoji", "ticket"))
        skip = _emoji(at("skip_emoji"), entry.get("skip_emoji", "mega"))
        if emoji == skip:
            raise ConfigError(at("skip_emoji"), "must differ from emoji")
        sla = _sla(at("sla"), entry.get("sla") or {})
        try:
            start, end = parse_span(entry.get("hours", "09:00-18:00"))
        except UserError as e:
            raise ConfigError(at("hours"), e.message) from None
        try:
            days = parse_days(str(entry.get("days", "mon-fri")))
        except UserError as e:
            raise ConfigError(at("days"), e.message) from None

        settings = ctx.db.get(RequestSettings, team.id)
        before = None if settings is None else describe_requests(settings)
        if settings is None:
            settings = RequestSettings(team_id=team.id, team=team, last_number=0)
            ctx.db.add(settings)
        settings.channel_id = channel
        settings.shield_rotation_id, settings.shield = (shield.id if shield else None), shield
        settings.emoji, settings.skip_emoji = emoji, skip
        settings.sla_normal = sla.get(NORMAL, settings.sla_normal or 240)
        settings.sla_urgent = sla.get(URGENT, settings.sla_urgent or 60)
        settings.work_start, settings.work_end, settings.work_days = start, end, days
        after = describe_requests(settings)
        ctx.record_change(
            f"requests {team.name}",
            team.name,
            "requests.set",
            before,
            after,
            team=team,
        )
        return settings

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]:
        rows = db.scalars(
            select(RequestSettings)
            .join(Team, Team.id == RequestSettings.team_id)
            .where(Team.workspace_id == workspace.id)
            .order_by(Team.name)
        ).all()
        out = []
        for settings in rows:
            entry = describe_requests(settings)
            if entry["shield"] is None:
                del entry["shield"]
            out.append(entry)
        return out


def set_requests(ctx: ImportContext, entry: dict[str, Any]) -> RequestSettings:
    """A team's request settings set from Slack with the config file's rules (`entry` as the
    file spells it), audited as `ctx.actor`'s. Raises ConfigError naming the field, having
    written nothing."""
    with ctx.db.begin_nested():
        settings = RequestsSection().load_one(ctx, 0, entry, set())
        ctx.db.flush()
    return settings
