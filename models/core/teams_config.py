"""The `teams:` section of the config file."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core.config import ConfigError, ImportContext, named_entry, where
from models.core.people import (
    NOT_A_CHANNEL,
    TEAM_NAME,
    USER_ID,
    ensure_person,
    find_team,
    is_channel,
    set_team_people,
    valid_zone,
)
from models.core.working_days import holidays_entry, holidays_field
from models.core.workspace import LEAD, MEMBER, Person, Team, Workspace

FIELDS = {"name", "channel", "timezone", "holidays", "leads", "members"}


def people_field(ctx: ImportContext, label: str, value: Any) -> list[Person]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(label, "must be a list of Slack user ids such as [U0ANA, U0BEN]")
    people = []
    for uid in value:
        if not USER_ID.match(uid):
            raise ConfigError(label, f"{uid!r} is not a Slack user id (they look like U0ANA)")
        people.append(ensure_person(ctx.db, ctx.workspace, uid, ctx.now, ctx.lookup))
    return people


class TeamsSection:
    key = "teams"

    def load(self, ctx: ImportContext, entries: list[dict[str, Any]]) -> None:
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            name = named_entry(self.key, i, entry, FIELDS, TEAM_NAME, seen)
            tz = entry.get("timezone", "UTC")
            if not isinstance(tz, str) or not valid_zone(tz):
                raise ConfigError(
                    where(self.key, i, entry, "timezone"),
                    f"{tz!r} is not an IANA time zone (like Europe/Berlin)",
                )
            channel = entry.get("channel")
            if not is_channel(channel):
                raise ConfigError(where(self.key, i, entry, "channel"), NOT_A_CHANNEL)
            holidays = holidays_field(where(self.key, i, entry, "holidays"), entry.get("holidays"))
            leads = people_field(ctx, where(self.key, i, entry, "leads"), entry.get("leads"))
            members = people_field(ctx, where(self.key, i, entry, "members"), entry.get("members"))

            team = find_team(ctx.db, ctx.workspace, name)
            created = team is None
            before = None if created else self._snapshot(team)
            if team is None:
                team = Team(workspace_id=ctx.workspace.id, name=name, created_at=ctx.now)
                ctx.db.add(team)
            team.tz = tz
            team.channel_id = channel
            team.holiday_country, team.holiday_region = holidays
            set_team_people(team, LEAD, leads)
            set_team_people(team, MEMBER, members)
            ctx.report.record(f"team {name}", created, before != self._snapshot(team))

    @staticmethod
    def _snapshot(team: Team) -> tuple:
        return (
            team.tz,
            team.channel_id,
            team.holiday_country,
            team.holiday_region,
            tuple(sorted(p.slack_user_id for p in team.leads)),
            tuple(sorted(p.slack_user_id for p in team.members)),
        )

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]:
        teams = db.scalars(
            select(Team).where(Team.workspace_id == workspace.id).order_by(Team.name)
        ).all()
        out = []
        for team in teams:
            entry: dict[str, Any] = {"name": team.name}
            if team.channel_id:
                entry["channel"] = team.channel_id
            entry["timezone"] = team.tz
            if team.holiday_country:
                entry["holidays"] = holidays_entry(team.holiday_country, team.holiday_region)
            entry["leads"] = [p.slack_user_id for p in team.leads]
            entry["members"] = [p.slack_user_id for p in team.members]
            out.append(entry)
        return out
