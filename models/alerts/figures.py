"""Alerting's figures for a window: how many alert groups, how soon they were acked and
resolved, how many escalation steps fell due, how many were never acked. Shown in the weekly
digest, `/oncall load` and the handoff post (each page still counts in the page load as
before)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.alerts.groups import AlertGroup, alerting_for, step_times
from models.alerts.policies import Alerting


@dataclass
class AlertFigures:
    groups: int = 0
    acked: int = 0
    unacked: int = 0  # never acked: resolved without an ack, or still firing
    escalations: int = 0  # steps past the first that fell due unacked, and Escalate now presses
    to_ack: list[timedelta] = field(default_factory=list)
    to_resolve: list[timedelta] = field(default_factory=list)

    @property
    def median_to_ack(self) -> timedelta | None:
        return median(self.to_ack) if self.to_ack else None

    @property
    def median_to_resolve(self) -> timedelta | None:
        return median(self.to_resolve) if self.to_resolve else None


def alert_figures(
    db: Session,
    *,
    start: datetime,
    end: datetime,
    team_id: int | None = None,
    rotation: str | None = None,
    workspace_id: int | None = None,
) -> AlertFigures:
    """Groups started in [start, end): a team's, or those of a rotation (by name) in a
    workspace."""
    query = select(AlertGroup).where(AlertGroup.created_at >= start, AlertGroup.created_at < end)
    if team_id is not None:
        query = query.where(AlertGroup.team_id == team_id)
    if rotation is not None:
        query = query.where(
            AlertGroup.rotation == rotation, AlertGroup.workspace_id == workspace_id
        )
    figures = AlertFigures()
    known: dict[int, Alerting] = {}
    for group in db.scalars(query.order_by(AlertGroup.id)):
        figures.groups += 1
        if group.acked_at is not None:
            figures.acked += 1
            figures.to_ack.append(group.acked_at - group.created_at)
        else:
            figures.unacked += 1
        if group.resolved_at is not None:
            figures.to_resolve.append(group.resolved_at - group.created_at)
        figures.escalations += escalations_of(db, group, end, known)
    return figures


def escalations_of(
    db: Session, group: AlertGroup, end: datetime, known: dict[int, Alerting] | None = None
) -> int:
    """Steps past the first that fell due before it was acked or resolved (or `end`), and the
    times someone pressed Escalate now."""
    if (group.held or group.burst_at is not None) and group.summarised_at is None:
        return 0
    stop = min(t for t in (group.acked_at, group.resolved_at, end) if t is not None)
    _, policy = alerting_for(db, group, known)
    fell = sum(1 for n, at in step_times(group, policy) if n > group.base_step and at < stop)
    return fell + group.escalated


def _span(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    if minutes < 1:
        return f"{int(delta.total_seconds())} s"
    if minutes < 120:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h"


def describe_figures(figures: AlertFigures) -> str:
    """`Alerts: 4 (3 acked, median 2 min to ack; 1 never acked) · 2 escalations · median
    40 min to resolve`"""
    acked = f"{figures.acked} acked"
    if figures.median_to_ack is not None:
        acked += f", median {_span(figures.median_to_ack)} to ack"
    parts = [f"Alerts: {figures.groups} ({acked}; {figures.unacked} never acked)"]
    parts.append(f"{figures.escalations} escalation{'s' if figures.escalations != 1 else ''}")
    if figures.median_to_resolve is not None:
        parts.append(f"median {_span(figures.median_to_resolve)} to resolve")
    return " · ".join(parts)
