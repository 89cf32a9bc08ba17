"""The `priorities:` section of the config file: each team's budget target, weekly checkpoint and
survey months.

    priorities:
      - team: payments
        target: 60            # % of planned effort meant for features
        checkpoint: monday 10:00  # in the team's zone, or off
        survey: [jan, apr, jul, oct]   # or off
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core.config import ConfigError, ImportContext, team_entry, where
from models.core.errors import UserError
from models.core.workspace import Team, Workspace
from models.priorities.schedule import (
    MONTHS,
    apply_settings,
    checkpoint_as_written,
    describe_settings,
)
from models.priorities.settings import PrioritySettings, ensure_settings

FIELDS = {"team", "target", "checkpoint", "survey"}
SETTINGS = ("target", "checkpoint", "survey")


class PrioritiesSection:
    key = "priorities"

    def load(self, ctx: ImportContext, entries: list[dict[str, Any]]) -> None:
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            team = team_entry(ctx, self.key, i, entry, FIELDS, seen)
            created = ctx.db.get(PrioritySettings, team.id) is None
            settings = ensure_settings(ctx.db, team)
            before = describe_settings(settings)
            for key in SETTINGS:
                if key in entry:
                    value = "off" if entry[key] is False else entry[key]  # YAML reads off as false
                    try:
                        apply_settings(settings, {key: value})
                    except UserError as e:
                        raise ConfigError(where(self.key, i, entry, key), e.message) from None
            changed = before != describe_settings(settings)
            ctx.report.record(f"priorities {team.name}", created, changed)

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]:
        rows = db.execute(
            select(Team, PrioritySettings)
            .join(PrioritySettings, PrioritySettings.team_id == Team.id)
            .where(Team.workspace_id == workspace.id)
            .order_by(Team.name)
        ).all()
        out = []
        for team, settings in rows:
            out.append(
                {
                    "team": team.name,
                    "target": settings.feature_target,
                    "checkpoint": checkpoint_as_written(settings),
                    "survey": [MONTHS[m - 1] for m in settings.survey_months] or "off",
                }
            )
        return out
