"""The `alerting:` section of the config file: one entry per team.

```yaml
alerting:
  - team: payments
    urgent: [critical]            # notify at any hour; the rest wait for the morning at night
    default: standard             # the policy for alerts no route matches
    escalations:
      - name: standard
        repeat: 1                 # run the steps once more if nobody acked
        steps:
          - rotation: payments-primary
            wait: 10              # minutes before the next step
          - person: U0LEAD
            wait: 10
          - leads: payments
          - channel: payments
    routes:
      - match: [service=billing-api, severity=~"crit.*"]
        escalation: standard
    heartbeat: {alert: Watchdog, minutes: 15}
```"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.alerts.groups import replan_open
from models.alerts.policies import AlertSettings, Changes, EntryReader, alerting_of
from models.core.config import ConfigError, ImportContext, check_fields
from models.core.people import find_team
from models.core.workspace import Team, Workspace

FIELDS = {"team", "urgent", "default", "escalations", "routes", "heartbeat"}


class AlertingSection:
    key = "alerting"

    def load(self, ctx: ImportContext, entries: list[dict[str, Any]]) -> None:
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            check_fields(self.key, i, entry, FIELDS)
            name = entry.get("team")
            label = f"{self.key}[{i}]" + (f" ({name})" if isinstance(name, str) else "")
            team = find_team(ctx.db, ctx.workspace, name) if isinstance(name, str) else None
            if team is None:
                raise ConfigError(f"{label}.team", f"there is no team called {str(name)[:80]!r}")
            if team.name in seen:
                raise ConfigError(f"{label}.team", "appears twice")
            seen.add(team.name)
            stored = EntryReader(ctx.db, ctx.workspace, label, team.name).read(entry)
            self.store(ctx, team, stored)

    def store(self, ctx: ImportContext, team: Team, entry: dict[str, Any]) -> None:
        row = ctx.db.scalar(select(AlertSettings).where(AlertSettings.team_id == team.id))
        before = None if row is None else row.entry
        if row is None:
            row = AlertSettings(workspace_id=ctx.workspace.id, team_id=team.id)
            ctx.db.add(row)
        if before != entry:
            row.entry = entry
            row.updated_at = ctx.now
            Changes.bump()
            replan_open(ctx.db, alerting_of(entry, team.id))
        beat = entry.get("heartbeat") or {}
        row.heartbeat_minutes = beat.get("minutes")
        row.heartbeat_alert = beat.get("alert")
        ctx.record_change(
            f"alerting {team.name}",
            team.name,
            "alerting.set",
            before,
            entry,
            imported="alerting.imported",
            team=team,
        )

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]:
        rows = db.scalars(
            select(AlertSettings)
            .where(AlertSettings.workspace_id == workspace.id)
            .order_by(AlertSettings.id)
        )
        return [dict(row.entry) for row in rows]
