"""The weekly SLO report in each team's channel (ritual kind `slo-report`): every SLO of the
team's services with its figures and what they mean, lowest budget first, and a chart of the
budget remaining over the last 30 days. The monthly SLA report in the team's stakeholder
channel: each SLO over the calendar month, met or missed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.jobs import Due, SendContext
from bot.jobs.team_posts import TeamPost
from bot.render import context, header, line_sections
from handlers.slos.blocks import as_of, sla_message, slo_line
from handlers.slos.chart import SHOWN, budget_chart_png
from handlers.slos.source import prometheus_of
from models.catalog.services import Service
from models.core.workspace import Team
from models.rituals.rituals import Ritual
from models.slos.figures import compute_figures
from models.slos.reports import (
    SLA_REPORT,
    SLO_REPORT,
    budget_history,
    month_end,
    month_firsts,
    report_plans,
    sla_plans,
)
from models.slos.slos import SLOTH, Slo
from models.slos.status import meaning, slo_statuses
from models.slos.teams import team_policy


class SloReport(TeamPost):
    kind = SLO_REPORT

    def plans(self, db: Session) -> list[tuple[Team, Ritual]]:
        return report_plans(db)

    def send(self, team_id: int, day: date, at: datetime, ctx: SendContext) -> str | None:
        return send_report(team_id, day, at, ctx)


def send_report(team_id: int, day: date, at: datetime, ctx: SendContext) -> str | None:
    team = ctx.db.get(Team, team_id)
    if team is None or not team.channel_id:
        return None
    statuses = slo_statuses(ctx.db, team.workspace_id, team_ids=[team.id])
    if not statuses:
        return None
    title = f"SLO report: {team.name}, week to {day:%a %d %b}"
    lines = [f"{slo_line(s)}\n{meaning(s)}" for s in statuses]
    blocks = [header(title), *line_sections(lines, ""), context(as_of(statuses, team.tz))]
    text = f"{title}: {len(statuses)} SLOs, lowest budget first"
    ts = ctx.client.chat_postMessage(channel=team.channel_id, text=text, blocks=blocks)["ts"]
    charted = statuses[:SHOWN]
    history = budget_history(ctx.db, [s.id for s in charted], at)
    series = {s.name: history[s.id] for s in charted if history[s.id]}
    if series:
        ctx.client.files_upload_v2(
            channel=team.channel_id,
            file=budget_chart_png(series, f"Error budget remaining: {team.name}, last 30 days"),
            filename=f"slo-budgets-{team.name}-{day.isoformat()}.png",
            title=f"Error budget remaining: {team.name}, 30 days to {day:%d %b}",
        )
    return ts


class SlaReport:
    """On the 1st of each month, in the channel a team set for stakeholders: each SLO of its
    services over the calendar month just ended, computed then (not the stored rolling figures)."""

    kind = SLA_REPORT

    def due(self, db: Session, start: datetime, end: datetime) -> Iterable[Due]:
        for team, _channel in sla_plans(db):
            for first, at in month_firsts(team.tz, start, end):
                yield Due(
                    key=f"{self.kind}:{team.name}:{first:%Y-%m}",
                    kind=self.kind,
                    due_at=at,
                    send=partial(send_sla, team.id, first),
                    team_id=team.id,
                    stale_after=None,
                )


def send_sla(team_id: int, first: date, ctx: SendContext) -> str | None:
    team = ctx.db.get(Team, team_id)
    channel = team_policy(ctx.db, team_id).sla_channel if team is not None else None
    if team is None or not channel:
        return None
    slos = list(
        ctx.db.scalars(
            select(Slo)
            .join(Service, Service.id == Slo.service_id)
            .where(Service.team_id == team.id)
            .order_by(Service.name, Slo.name)
        )
    )
    if not slos:
        return None
    end = month_end(first, team.tz)
    measured = [slo for slo in slos if slo.indicator != SLOTH]
    prometheus = prometheus_of(ctx.settings, ctx.clock.sleep)
    figures = compute_figures(ctx.db, measured, prometheus, end, window="month")
    text, blocks = sla_message(team, first, slos, {f.slo_id: f for f in figures})
    return ctx.client.chat_postMessage(channel=channel, text=text, blocks=blocks)["ts"]
