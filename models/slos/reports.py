"""The weekly SLO report (ritual kind `slo-report`): every team that owns SLOs gets one in its
channel, Mondays 09:00 in its zone unless its `slo-report` ritual says otherwise (disabled: none),
with a chart of each SLO's budget remaining over its window. And the monthly SLA report, for
stakeholders: on the 1st, each SLO over the calendar month just ended, met or missed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.catalog.services import Service
from models.core.time import local_instant
from models.core.workspace import Team
from models.rituals.rituals import Ritual, plans_with_default
from models.slos.slos import Slo, SloFigure
from models.slos.teams import SloTeamSettings

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


# -- the monthly SLA report --

SLA_REPORT = "sla-report"
SLA_AT = time(9, 0)  # on the 1st, in the team's zone: the month just ended


def sla_plans(db: Session) -> list[tuple[Team, str]]:
    """Teams with a channel for the SLA report (`slo_policies: sla_channel`), and the channel."""
    rows = db.execute(
        select(Team, SloTeamSettings.sla_channel)
        .join(SloTeamSettings, SloTeamSettings.team_id == Team.id)
        .where(SloTeamSettings.sla_channel.is_not(None))
        .order_by(Team.id)
    )
    return [(team, channel) for team, channel in rows]


def month_firsts(zone: str, start: datetime, end: datetime) -> list[tuple[date, datetime]]:
    """(the 1st of a month, its `SLA_AT` in `zone` as UTC) for each that falls in (start, end]."""
    tz = ZoneInfo(zone)
    day = start.astimezone(tz).date().replace(day=1)
    out = []
    while day <= end.astimezone(tz).date():
        instant = local_instant(day, SLA_AT, zone)
        if start < instant <= end:
            out.append((day, instant))
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def month_end(first: date, zone: str) -> datetime:
    """The end of the month before `first` (its first midnight, as UTC)."""
    return datetime(first.year, first.month, 1, tzinfo=ZoneInfo(zone)).astimezone(UTC)
