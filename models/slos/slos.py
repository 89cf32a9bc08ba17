"""SLOs on catalog services: an objective over a window, measured by an indicator, and the
figures computed for it (stored with their time, so `/slo` never waits on Prometheus).

An indicator is one of three kinds:
- `ratio`: a Prometheus error (or good) query and a total query, rates as Sloth writes them, with
  `{{.window}}` where the range goes;
- `sloth`: the recording rules a team already running Sloth has (`slo:sli_error:ratio_rate*`,
  `slo:period_error_budget_remaining:ratio`), read instead of recomputed;
- `pushed`: good and total counts per interval, sent to `POST /hooks/sli`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.catalog.services import Service
from models.core.base import Base, UTCDateTime
from models.core.workspace import Team, Workspace

SLO_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
RATIO, SLOTH, PUSHED = "ratio", "sloth", "pushed"
INDICATORS = (RATIO, SLOTH, PUSHED)
ROLLING = {"28d": 28, "30d": 30}
CALENDAR = ("month", "quarter")
WINDOWS = (*ROLLING, *CALENDAR)
# Fewer events than this in the window says "too little traffic" rather than a ratio.
DEFAULT_MIN_EVENTS = 100
# The ranges burn rates are read over, as Sloth records them.
BURN_WINDOWS = {"1h": 3600, "6h": 6 * 3600, "1d": 86400, "3d": 3 * 86400}
# What a figure says: enough data to judge, too little traffic to judge, or nothing at all.
OK, LOW_TRAFFIC, NO_DATA = "ok", "low-traffic", "no-data"
NO_DATA_MARK = -1  # a BudgetCrossing's threshold for "the indicator returned nothing"


class Slo(Base):
    __tablename__ = "slos"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[float] = mapped_column(Float)  # percent, e.g. 99.9
    window: Mapped[str] = mapped_column(String(16))  # 28d, 30d, month, quarter
    indicator: Mapped[str] = mapped_column(String(16))  # ratio, sloth, pushed
    errors_query: Mapped[str | None] = mapped_column(Text)
    good_query: Mapped[str | None] = mapped_column(Text)
    total_query: Mapped[str | None] = mapped_column(Text)
    sloth_service: Mapped[str | None] = mapped_column(String(200))
    sloth_slo: Mapped[str | None] = mapped_column(String(200))
    min_events: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_EVENTS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    service: Mapped[Service] = relationship(lazy="joined")

    @property
    def budget(self) -> float:
        """The error budget as a ratio of events (99.9% -> 0.001)."""
        return 1 - self.objective / 100


class SloFigure(Base):
    """An SLO's figures as computed at `at` (UTC): the latest is what `/slo` shows, the rest the
    history the weekly report charts."""

    __tablename__ = "slo_figures"
    __table_args__ = (Index("ix_slo_figures_slo_at", "slo_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slo_id: Mapped[int] = mapped_column(ForeignKey("slos.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # ok, low-traffic, no-data
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    sli: Mapped[float | None] = mapped_column(Float)  # good / total over the window
    events: Mapped[float | None] = mapped_column(Float)  # total events over the window
    budget_remaining: Mapped[float | None] = mapped_column(Float)  # 1.0 = untouched
    burn_1h: Mapped[float | None] = mapped_column(Float)
    burn_6h: Mapped[float | None] = mapped_column(Float)
    burn_1d: Mapped[float | None] = mapped_column(Float)
    burn_3d: Mapped[float | None] = mapped_column(Float)
    exhausted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # at the 1h burn


class SliCount(Base):
    """Pushed counts: good and total events of one SLO over [start, end)."""

    __tablename__ = "sli_counts"
    __table_args__ = (UniqueConstraint("slo_id", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slo_id: Mapped[int] = mapped_column(ForeignKey("slos.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    good: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)


def slo_zone(slo: Slo) -> str:
    """The zone a calendar window follows: the owning team's."""
    team: Team | None = slo.service.team
    return team.tz if team is not None else "UTC"


def window_bounds(window: str, zone: str, now: datetime) -> tuple[datetime, datetime]:
    """The window that `now` falls in, as (start, end) in UTC: a rolling window ends at `now`; a
    calendar month or quarter runs from its first midnight to the next one's in `zone`, so a
    month with a DST change is an hour shorter or longer. Windows are (start, end]: at midnight
    on 1 April, March is the window, complete (what the monthly SLA report reads)."""
    if window in ROLLING:
        return now - timedelta(days=ROLLING[window]), now
    tz = ZoneInfo(zone)
    local = (now - timedelta(microseconds=1)).astimezone(tz)
    months = 1 if window == "month" else 3
    first = local.month - (local.month - 1) % months
    start = datetime(local.year, first, 1, tzinfo=tz)
    nxt = first + months
    end = datetime(local.year + (nxt - 1) // 12, (nxt - 1) % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(now.tzinfo), end.astimezone(now.tzinfo)


def slos_of(db: Session, workspace: Workspace) -> list[Slo]:
    return list(db.scalars(select(Slo).where(Slo.workspace_id == workspace.id).order_by(Slo.name)))


def find_slo(db: Session, workspace_id: int, name: str) -> Slo | None:
    return db.scalar(select(Slo).where(Slo.workspace_id == workspace_id, Slo.name == name))


class BudgetCrossing(Base):
    """An SLO's budget remaining fell below a policy threshold (50, 25, 0 percent) in the window
    starting `window_start`, or its indicator returned nothing (`NO_DATA_MARK`): recorded once,
    so its actions happen once per window."""

    __tablename__ = "slo_budget_crossings"
    __table_args__ = (UniqueConstraint("slo_id", "threshold", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slo_id: Mapped[int] = mapped_column(ForeignKey("slos.id", ondelete="CASCADE"))
    threshold: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    budget_remaining: Mapped[float | None] = mapped_column(Float)  # None: NO_DATA_MARK
    # The reliability item the crossing suggested to the team (at its `propose_at`), once.
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("page_suggestions.id", ondelete="SET NULL")
    )
