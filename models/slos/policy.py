"""The error-budget policy: when an SLO's budget remaining falls to each of its team's thresholds
(`slo_policies:`; by default 50%, 25% and 0%), the team is told in its channel; at `propose_at`
(25%) a reliability item is suggested, shown in `/priority suggestions` with Accept and Dismiss
like the suggestions from pages (once per window); at 0% its
policy calls for reliability work before features, which `/priority budget` shows while the
budget is spent. Each crossing is recorded once per window: a calendar window's own, or for a
rolling window, none of the same threshold in the window's length before it (recovering and
falling again within the window is not a new crossing; a window later it is)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core.workspace import Team
from models.priorities.suggestions import PageSuggestion, suggest_once
from models.slos.slos import (
    CALENDAR,
    NO_DATA,
    NO_DATA_MARK,
    OK,
    ROLLING,
    BudgetCrossing,
    Slo,
    SloFigure,
)
from models.slos.status import SloStatus, percent, slo_statuses
from models.slos.teams import Policy, team_policy

HALT_AT = 0


def crossed(figure: SloFigure, thresholds: tuple[int, ...]) -> list[int]:
    """The thresholds the figure is at or below (0: the budget is spent), or `NO_DATA_MARK`
    when its indicator returned nothing (told once to the owners, never shown as 100%)."""
    if figure.status == NO_DATA:
        return [NO_DATA_MARK]
    if figure.status != OK or figure.budget_remaining is None:
        return []
    left = figure.budget_remaining * 100
    return [t for t in thresholds if left <= t]


def record_crossings(
    db: Session, slos: dict[int, Slo], figures: list[SloFigure]
) -> list[BudgetCrossing]:
    """Record the crossings the figures make that this window hasn't recorded yet."""
    new = []
    policies: dict[int | None, Policy] = {}
    for figure in figures:
        slo = slos[figure.slo_id]
        team_id = slo.service.team_id
        if team_id not in policies:
            policies[team_id] = team_policy(db, team_id)
        for threshold in crossed(figure, policies[team_id].thresholds):
            if slo.window in CALENDAR:
                start, since = figure.window_start, figure.window_start
            else:
                start, since = figure.at, figure.at - timedelta(days=ROLLING[slo.window])
            earlier = db.scalar(
                select(BudgetCrossing.id).where(
                    BudgetCrossing.slo_id == slo.id,
                    BudgetCrossing.threshold == threshold,
                    BudgetCrossing.at > since,
                )
            )
            if earlier is not None:
                continue
            crossing = BudgetCrossing(
                slo_id=slo.id,
                threshold=threshold,
                window_start=start,
                at=figure.at,
                budget_remaining=figure.budget_remaining,
            )
            db.add(crossing)
            new.append(crossing)
    db.flush()
    return new


def crossings_between(
    db: Session, start: datetime, end: datetime
) -> list[tuple[BudgetCrossing, Slo]]:
    rows = db.execute(
        select(BudgetCrossing, Slo)
        .join(Slo, Slo.id == BudgetCrossing.slo_id)
        .where(BudgetCrossing.at > start, BudgetCrossing.at <= end)
        .order_by(BudgetCrossing.at, BudgetCrossing.id)
    )
    return [(crossing, slo) for crossing, slo in rows]


SUGGESTED_BY = "slo"


def suggest_item(db: Session, crossing: BudgetCrossing, slo: Slo, now: datetime) -> PageSuggestion:
    """The crossing's reliability item, suggested to the team once (a crossing is once per
    window, and the suggestion is once per crossing's window): a lead accepts or dismisses it."""
    team = slo.service.team
    assert team is not None
    suggestion = suggest_once(
        db,
        team,
        source=SUGGESTED_BY,
        service=slo.service.name,
        occasion=f"{slo.name}@{crossing.window_start:%Y-%m-%dT%H:%M:%SZ}",
        title=f"Reliability: {slo.name} ({slo.service.name}) is burning its error budget",
        note=(
            f"{percent(crossing.budget_remaining or 0.0, 1)} of the error budget left on "
            f"{crossing.at:%Y-%m-%d} (objective {slo.objective:g}% over {slo.window})"
        ),
        now=now,
    )
    crossing.suggestion_id = suggestion.id
    return suggestion


def spent_budgets(db: Session, team: Team) -> list[SloStatus]:
    """The team's SLOs whose budget is spent now: its policy calls for reliability before
    features while there are any."""
    statuses = slo_statuses(db, team.workspace_id, team_ids=[team.id])
    return [s for s in statuses if s.budget_remaining is not None and s.budget_remaining <= 0]
