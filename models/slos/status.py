"""What `/slo`, the service card and App Home show: each SLO with its latest stored figures, read
in one query (never Prometheus), and a plain sentence on what the figures mean."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from models.catalog.services import Service
from models.core.kept import Kept
from models.core.people import WorkspaceRef
from models.core.workspace import Team, Workspace
from models.slos.slos import CALENDAR, LOW_TRAFFIC, NO_DATA, Slo, SloFigure, window_bounds

FIGURE_COLUMNS = (
    "at",
    "status",
    "sli",
    "events",
    "budget_remaining",
    "burn_1h",
    "burn_6h",
    "burn_1d",
    "burn_3d",
    "exhausted_at",
)


@dataclass(frozen=True)
class SloStatus:
    id: int
    name: str
    service: str
    team: str | None
    zone: str
    objective: float
    window: str
    min_events: int
    at: datetime | None = None  # None: never measured
    status: str | None = None
    sli: float | None = None
    events: float | None = None
    budget_remaining: float | None = None
    burn_1h: float | None = None
    burn_6h: float | None = None
    burn_1d: float | None = None
    burn_3d: float | None = None
    exhausted_at: datetime | None = None

    @property
    def sort_key(self) -> tuple:
        """Lowest budget first; then too little traffic, no data, never measured; by name."""
        if self.budget_remaining is not None:
            return (0, self.budget_remaining, self.name)
        rank = {LOW_TRAFFIC: 1, NO_DATA: 2}.get(self.status or "", 3)
        return (rank, 0.0, self.name)


def slo_statuses(
    db: Session,
    workspace_id: int,
    *,
    team_ids: Sequence[int] | None = None,
    service_id: int | None = None,
) -> list[SloStatus]:
    """The SLOs of some teams' services (or of one service) with their latest figures, lowest
    budget first."""
    newest = (
        select(SloFigure.slo_id, func.max(SloFigure.at).label("at"))
        .join(Slo, Slo.id == SloFigure.slo_id)
        .where(Slo.workspace_id == workspace_id)
        .group_by(SloFigure.slo_id)
        .subquery()
    )
    query = (
        select(
            Slo.id,
            Slo.name,
            Service.name.label("service"),
            Team.name.label("team"),
            func.coalesce(Team.tz, "UTC").label("zone"),
            Slo.objective,
            Slo.window,
            Slo.min_events,
            *(getattr(SloFigure, c) for c in FIGURE_COLUMNS),
        )
        .join(Service, Service.id == Slo.service_id)
        .outerjoin(Team, Team.id == Service.team_id)
        .outerjoin(newest, newest.c.slo_id == Slo.id)
        .outerjoin(SloFigure, and_(SloFigure.slo_id == Slo.id, SloFigure.at == newest.c.at))
        .where(Slo.workspace_id == workspace_id)
    )
    if team_ids is not None:
        query = query.where(Service.team_id.in_(team_ids))
    if service_id is not None:
        query = query.where(Slo.service_id == service_id)
    found = [SloStatus(**row._mapping) for row in db.execute(query)]
    return sorted(found, key=lambda s: s.sort_key)


_with_slos: Kept[frozenset[int]] = Kept()


def services_with_slos(db: Session, workspace: Workspace | WorkspaceRef) -> frozenset[int]:
    """The ids of the services that have SLOs, kept while the catalog version stays the same:
    the card of a service with none costs no query for them. Read after the request read its
    version, so what is read is at least that new (and read again at the next version)."""
    version = workspace.catalog_version

    def read(own: Session) -> tuple[int, frozenset[int]]:
        ids = own.scalars(select(Slo.service_id).where(Slo.workspace_id == workspace.id))
        return version, frozenset(ids)

    kept = _with_slos.get(db, workspace.id, version, read)
    return kept if kept is not None else read(db)[1]


def percent(ratio: float, digits: int = 2) -> str:
    """0.99953 -> `99.95%`; 0.5 -> `50%` (no trailing zeros)."""
    text = f"{ratio * 100:.{digits}f}".rstrip("0").rstrip(".")
    return f"{text}%"


def objective_text(objective: float) -> str:
    return f"{objective:g}%"


def window_text(window: str) -> str:
    return {"month": "calendar month", "quarter": "calendar quarter"}.get(window, window)


def lasts(delta_seconds: float) -> str:
    hours = delta_seconds / 3600
    if hours < 72:
        whole = max(round(hours), 1)
        return f"{whole} more hour" + ("s" if whole != 1 else "")
    days = round(hours / 24)
    return f"{days} more days"


def meaning(s: SloStatus) -> str:
    """One plain sentence on what the figures mean."""
    if s.status is None:
        return "Not measured yet: the worker refreshes SLO figures every few minutes."
    if s.status == NO_DATA:
        return "No data: the indicator returned nothing for the window (which is not 100%)."
    if s.status == LOW_TRAFFIC:
        events = f"{s.events:,.0f}" if s.events is not None else "too few"
        return (
            f"Too little traffic to judge: {events} events in the window, fewer than the "
            f"{s.min_events:,} it needs."
        )
    assert s.budget_remaining is not None and s.at is not None
    if s.budget_remaining <= 0:
        return "The error budget is spent: the objective is missed for this window."
    if s.burn_1h is None:  # unknown, which is not zero
        return "No events in the last hour, so no forecast: check they are still measured."
    if not s.burn_1h:
        return "Nothing burned the budget in the last hour."
    if s.window in CALENDAR:
        end = window_bounds(s.window, s.zone, s.at)[1]
        if s.exhausted_at is None or s.exhausted_at >= end:
            return f"At this rate the budget lasts to the end of the {s.window}."
    elif s.burn_1h <= 1:
        return "At this rate the budget holds: it burns no faster than the objective allows."
    assert s.exhausted_at is not None
    return f"At this rate the budget lasts {lasts((s.exhausted_at - s.at).total_seconds())}."


def burn_text(burn: float) -> str:
    """14.4, 2, 0.5, 0.04: a burn rate with the digits that matter."""
    return f"{burn:.{1 if burn >= 1 else 2}f}".rstrip("0").rstrip(".")


def figures_text(s: SloStatus) -> str:
    """`SLI 99.95% · budget 50% left · burn 0.5× 1h, 0.5× 6h, 0.5× 1d, 0.5× 3d`."""
    if s.budget_remaining is None or s.sli is None:
        return {NO_DATA: "no data", LOW_TRAFFIC: "too little traffic"}.get(
            s.status or "", "not measured yet"
        )
    burns = ", ".join(
        f"{burn_text(burn)}× {name}"
        for name, burn in (
            ("1h", s.burn_1h),
            ("6h", s.burn_6h),
            ("1d", s.burn_1d),
            ("3d", s.burn_3d),
        )
        if burn is not None
    )
    left = percent(max(s.budget_remaining, 0.0), 1) if s.budget_remaining > 0 else "none"
    text = f"SLI {percent(s.sli, 3)} · budget {left} left"
    return text + (f" · burn {burns}" if burns else "")


def card_line(statuses: list[SloStatus]) -> str:
    """A service's SLOs in a line of its card: `checkout` 99.9%: budget 50% left."""
    parts = []
    for s in statuses:
        if s.budget_remaining is None:
            short = figures_text(s)
        elif s.budget_remaining <= 0:
            short = "budget spent"
        else:
            short = f"budget {percent(s.budget_remaining, 1)} left"
        parts.append(f"`{s.name}` {objective_text(s.objective)}: {short}")
    return "; ".join(parts)


_card_lines: Kept[tuple[str | None]] = Kept()


def card_line_of(db: Session, workspace: WorkspaceRef, service_id: int) -> str | None:
    """The SLO line of a service's card (None: it has no SLOs), kept while the workspace's
    catalog and SLO versions stay the same (figures stored or an SLO changed bump the latter):
    a kept line costs no query. Read after the request read its versions, so what is read is
    at least that new."""
    version = (workspace.catalog_version, workspace.slo_version)

    def line(session: Session) -> str | None:
        statuses = slo_statuses(session, workspace.id, service_id=service_id)
        return card_line(statuses) if statuses else None

    def read(own: Session) -> tuple[tuple[int, int], tuple[str | None]]:
        row = own.execute(
            select(Workspace.catalog_version, Workspace.slo_version).where(
                Workspace.id == workspace.id
            )
        ).one()
        return (row[0] or 0, row[1] or 0), (line(own),)

    kept = _card_lines.get(db, (workspace.id, service_id), version, read)
    return kept[0] if kept is not None else line(db)
