"""The `teams:` section of the config file."""

from __future__ import annotations

from typing import Any

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
    teams_of_workspace,
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
            self.load_one(ctx, i, entry, name=name)

    def load_one(self, ctx: ImportContext, i: int, entry: dict[str, Any], *, name: str) -> Team:
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
        before = None if team is None else describe_team(team)
        if team is None:
            team = Team(workspace_id=ctx.workspace.id, name=name, created_at=ctx.now)
            ctx.db.add(team)
        team.tz = tz
        team.channel_id = channel
        team.holiday_country, team.holiday_region = holidays
        set_team_people(team, LEAD, leads)
        set_team_people(team, MEMBER, members)
        after = describe_team(team)
        ctx.record_change(f"team {name}", name, "team.set", before, after, team=team)
        return team

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]:
        out = []
        for team in teams_of_workspace(db, workspace):
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


def describe_team(team: Team) -> dict[str, Any]:
    """The team as the config file writes it (what the audit log records of it)."""
    return {
        "channel": team.channel_id,
        "timezone": team.tz,
        "holidays": holidays_entry(team.holiday_country, team.holiday_region)
        if team.holiday_country
        else None,
        "leads": sorted(p.slack_user_id for p in team.leads),
        "members": sorted(p.slack_user_id for p in team.members),
    }


def set_team(ctx: ImportContext, entry: dict[str, Any], *, name: str) -> Team:
    """Create or change one team from Slack with the config file's rules (`entry` as the file
    spells it), audited as `ctx.actor`'s. Raises ConfigError naming the field; writes nothing
    then."""
    if not isinstance(name, str) or not TEAM_NAME.match(name):
        raise ConfigError(
            where(TeamsSection.key, 0, {}, "name"),
            "must be a slug: lowercase letters, digits, - and _ (like backend)",
        )
    existing = find_team(ctx.db, ctx.workspace, name)
    if "holidays" not in entry and existing is not None and existing.holiday_country:
        # Not asked (the channel's people filled in after the form): they stay as they were.
        held = holidays_entry(existing.holiday_country, existing.holiday_region)
        entry = {**entry, "holidays": held}
    with ctx.db.begin_nested():
        team = TeamsSection().load_one(ctx, 0, {**entry, "name": name}, name=name)
        ctx.db.flush()
    return team
