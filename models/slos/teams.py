"""Each team's SLO settings, under `slo_policies:` in the config file: the error-budget policy's
thresholds, where the reliability item is proposed, and the channel the monthly SLA report goes
to (stakeholders').

    slo_policies:
      - team: payments
        thresholds: [50, 25, 0]     # budget remaining (%) the policy tells the channel about
        propose_at: 25              # proposes a reliability item for the backlog (or off)
        sla_channel: C0STAKEHOLDERS # the monthly SLA report (none without it)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.core.base import Base
from models.core.config import ConfigError, ImportContext, team_entry, where
from models.core.people import NOT_A_CHANNEL, is_channel
from models.core.workspace import Team, Workspace

THRESHOLDS = (50, 25, 0)  # percent of the budget remaining
PROPOSE_AT = 25
FIELDS = {"team", "thresholds", "propose_at", "sla_channel"}


class SloTeamSettings(Base):
    __tablename__ = "slo_team_settings"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    thresholds: Mapped[list[int]] = mapped_column(JSON, default=lambda: list(THRESHOLDS))
    propose_at: Mapped[int | None] = mapped_column(Integer)  # None: never proposes
    sla_channel: Mapped[str | None] = mapped_column(String(32))


@dataclass(frozen=True)
class Policy:
    thresholds: tuple[int, ...] = THRESHOLDS
    propose_at: int | None = PROPOSE_AT
    sla_channel: str | None = None


def team_policy(db: Session, team_id: int | None) -> Policy:
    settings = db.get(SloTeamSettings, team_id) if team_id is not None else None
    if settings is None:
        return Policy()
    return Policy(tuple(settings.thresholds), settings.propose_at, settings.sla_channel)


def thresholds_of(value: Any, label: str) -> list[int]:
    if not isinstance(value, list) or not value or len(value) > 10:
        raise ConfigError(label, "must be a list of percentages, like [50, 25, 0]")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 100:
            raise ConfigError(label, f"{v!r} is not a whole percentage from 0 to 100")
    if len(set(value)) != len(value):
        raise ConfigError(label, "names a percentage twice")
    return sorted(value, reverse=True)


class SloPoliciesSection:
    key = "slo_policies"

    def load(self, ctx: ImportContext, entries: list[dict[str, Any]]) -> None:
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            team = team_entry(ctx, self.key, i, entry, FIELDS, seen)
            thresholds = thresholds_of(
                entry.get("thresholds", list(THRESHOLDS)), where(self.key, i, entry, "thresholds")
            )
            propose = entry.get("propose_at", PROPOSE_AT)
            if propose is False or propose == "off":  # YAML reads off as false
                propose = None
            if propose is not None and propose not in thresholds:
                raise ConfigError(
                    where(self.key, i, entry, "propose_at"), "must be one of the thresholds, or off"
                )
            channel = entry.get("sla_channel")
            if not is_channel(channel):
                raise ConfigError(where(self.key, i, entry, "sla_channel"), NOT_A_CHANNEL)
            settings = ctx.db.get(SloTeamSettings, team.id)
            before = None if settings is None else describe(team, settings)
            if settings is None:
                settings = SloTeamSettings(team_id=team.id)
                ctx.db.add(settings)
            settings.thresholds, settings.propose_at = thresholds, propose
            settings.sla_channel = channel or None
            after = describe(team, settings)
            ctx.record_change(
                f"slo policy {team.name}",
                team.name,
                "slo.policy",
                before,
                after,
                imported="slo.policy.import",
                team=team,
            )

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]:
        rows = db.execute(
            select(Team, SloTeamSettings)
            .join(SloTeamSettings, SloTeamSettings.team_id == Team.id)
            .where(Team.workspace_id == workspace.id)
            .order_by(Team.name)
        ).all()
        return [describe(team, settings) for team, settings in rows]


def describe(team: Team, settings: SloTeamSettings) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "team": team.name,
        "thresholds": list(settings.thresholds),
        "propose_at": settings.propose_at if settings.propose_at is not None else "off",
    }
    if settings.sla_channel:
        entry["sla_channel"] = settings.sla_channel
    return entry
