"""The weekly SLO report in each team's channel (ritual kind `slo-report`): every SLO of the
team's services with its figures and what they mean, lowest budget first, and a chart of the
budget remaining over the last 30 days."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.jobs import SendContext
from bot.jobs.team_posts import TeamPost
from bot.render import context, header, line_sections
from handlers.slos.blocks import as_of, slo_line
from handlers.slos.chart import SHOWN, budget_chart_png
from models.core.workspace import Team
from models.rituals.rituals import Ritual
from models.slos.reports import SLO_REPORT, budget_history, report_plans
from models.slos.status import meaning, slo_statuses


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
