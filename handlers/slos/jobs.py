"""The worker refreshes every SLO's figures every `REFRESH` and stores them with their time:
`/slo`, the service card and App Home read them and never wait on Prometheus. A refresh records
the error-budget policy's crossings; the next tick tells each one to the team's channel (and at
25% suggests a reliability item, shown in `/priority suggestions`), once, through the delivery
engine."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.jobs import Due, SendContext
from handlers.slos.blocks import crossing_message
from handlers.slos.reports import SlaReport, SloReport
from handlers.slos.source import prometheus_of
from models.core.deliveries import prune_kind
from models.slos.figures import refresh_figures
from models.slos.policy import crossings_between, record_crossings, suggest_item
from models.slos.slos import BudgetCrossing, Slo
from models.slos.teams import team_policy

REFRESH = timedelta(minutes=5)
REFRESH_KIND = "slo-refresh"
REFRESH_DELIVERIES_KEPT = timedelta(days=1)
BUDGET_KIND = "slo-budget"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def last_slot(start: datetime, end: datetime) -> datetime | None:
    """The latest whole `REFRESH` in (start, end]: after downtime, one refresh, not one per
    missed slot."""
    slot = EPOCH + ((end - EPOCH) // REFRESH) * REFRESH
    return slot if slot > start else None


class SloRefresh:
    kind = REFRESH_KIND

    def due(self, db: Session, start: datetime, end: datetime) -> Iterable[Due]:
        at = last_slot(start, end)
        if at is None:
            return
        for workspace_id in db.scalars(select(Slo.workspace_id).distinct()):
            yield self._due(workspace_id, at)

    def on_demand(self, db: Session, now: datetime) -> Iterable[Due]:
        for workspace_id in db.scalars(select(Slo.workspace_id).distinct()):
            yield self._due(workspace_id, now)

    def _due(self, workspace_id: int, at: datetime) -> Due:
        return Due(
            key=f"{self.kind}:{workspace_id}:{at.isoformat()}",
            kind=self.kind,
            due_at=at,
            send=partial(refresh, workspace_id, at),
            stale_after=REFRESH,  # a later refresh is on its way
        )


def refresh(workspace_id: int, at: datetime, ctx: SendContext) -> None:
    slos = list(ctx.db.scalars(select(Slo).where(Slo.workspace_id == workspace_id)))
    figures = refresh_figures(ctx.db, slos, prometheus_of(ctx.settings, ctx.clock.sleep), at)
    record_crossings(ctx.db, {slo.id: slo for slo in slos}, figures)
    # One delivery per workspace every REFRESH would grow forever. A refresh's key is never
    # asked for again once its slot has passed (`due` asks for the latest slot only, and one
    # more than REFRESH late is dropped), so a day on its record has served its purpose.
    prune_kind(ctx.db, REFRESH_KIND, at - REFRESH_DELIVERIES_KEPT)


class BudgetPolicy:
    """Each crossing recorded by a refresh, told once in the team's channel. Asked over the last
    two refreshes too, so a crossing recorded during a tick is sent by the next one."""

    kind = BUDGET_KIND

    def due(self, db: Session, start: datetime, end: datetime) -> Iterable[Due]:
        for crossing, slo in crossings_between(db, start - 2 * REFRESH, end):
            team = slo.service.team
            if team is None or not team.channel_id:
                continue
            yield Due(
                key=f"{self.kind}:{crossing.id}",
                kind=self.kind,
                due_at=crossing.at,
                send=partial(send_crossing, crossing.id),
                team_id=team.id,
                stale_after=None,  # a late word on the budget is still worth reading
            )


def send_crossing(crossing_id: int, ctx: SendContext) -> str | None:
    crossing = ctx.db.get(BudgetCrossing, crossing_id)
    if crossing is None:
        return None
    slo = ctx.db.get(Slo, crossing.slo_id)
    team = slo.service.team if slo is not None else None
    if slo is None or team is None or not team.channel_id:
        return None
    proposes = crossing.threshold == team_policy(ctx.db, team.id).propose_at
    suggestion = suggest_item(ctx.db, crossing, slo, ctx.clock.now()) if proposes else None
    text, blocks = crossing_message(crossing, slo, team, suggestion)
    return ctx.client.chat_postMessage(channel=team.channel_id, text=text, blocks=blocks)["ts"]


JOBS = [SloRefresh(), BudgetPolicy(), SloReport(), SlaReport()]
