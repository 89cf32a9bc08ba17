"""The weekly SLO report (ritual kind `slo-report`): every team that owns SLOs gets one in its
channel, Mondays 09:00 in its zone unless its `slo-report` ritual says otherwise (disabled: none),
with a chart of each SLO's budget remaining over its window."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.catalog.services import Service
from models.core.workspace import Team
from models.rituals.rituals import Ritual, plans_with_default
from models.slos.slos import Slo, SloFigure

SLO_REPORT = "slo-report"
REPORT_DAYS = "1"  # Mondays
REPORT_AT = time(9, 0)


def report_plans(db: Session) -> list[tuple[Team, Ritual]]:
    """Teams whose services have SLOs, or that have an `slo-report` ritual, with when."""
    owning = select(Service.team_id).join(Slo, Slo.service_id == Service.id)
    return plans_with_default(db, SLO_REPORT, owning, days=REPORT_DAYS, at=REPORT_AT)


def budget_history(
    db: Session, slo_ids: list[int], end: datetime, days: int = 30
) -> dict[int, list[tuple[datetime, float]]]:
    """Each SLO's budget remaining once a day (the refresh at 00:00 UTC) over `days` days before
    `end`: what the report charts."""
    midnight = end.replace(hour=0, minute=0, second=0, microsecond=0)
    instants = [midnight - timedelta(days=d) for d in range(days, -1, -1)]
    rows = db.execute(
        select(SloFigure.slo_id, SloFigure.at, SloFigure.budget_remaining)
        .where(
            SloFigure.slo_id.in_(slo_ids),
            SloFigure.at.in_(instants),
            SloFigure.budget_remaining.is_not(None),
        )
        .order_by(SloFigure.at)
    )
    out: dict[int, list[tuple[datetime, float]]] = {slo_id: [] for slo_id in slo_ids}
    for slo_id, at, remaining in rows:
        out[slo_id].append((at, remaining))
    return out
