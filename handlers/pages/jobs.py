"""The weekly page-load digest in each team's channel: the figures, a chart of pages per day,
the sleep-hour pages still to classify, and suggestions for the backlog from noisy services."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.jobs import SendContext
from bot.jobs.team_posts import TeamPost
from bot.render import context, section, user_text
from handlers.pages.blocks import SHOWN_PAGES, load_blocks, quiet_text, sleep_page_blocks, title
from handlers.pages.chart import pages_per_day_png
from models.alerts.figures import alert_figures, describe_figures
from models.core.workspace import Team
from models.pages.load import (
    DIGEST,
    digest_plans,
    digest_window,
    load,
    service_counts,
    unclassified_sleep_pages,
)
from models.priorities.suggestions import suggest_from_pages
from models.requests.figures import digest_line
from models.rituals.rituals import Ritual


class PageLoadDigest(TeamPost):
    kind = DIGEST

    def plans(self, db: Session) -> list[tuple[Team, Ritual]]:
        return digest_plans(db)

    def send(self, team_id: int, day: date, at: datetime, ctx: SendContext) -> str | None:
        return send_digest(team_id, day, at, ctx)


def send_digest(team_id: int, day: date, at: datetime, ctx: SendContext) -> str | None:
    db = ctx.db
    team = db.get(Team, team_id)
    if team is None or not team.channel_id:
        return None
    start, end = digest_window(team, day)
    figures = load(db, team, start=start, end=end)
    week = unclassified_sleep_pages(db, team, end, limit=SHOWN_PAGES, since=start)
    earlier = unclassified_sleep_pages(db, team, start, limit=SHOWN_PAGES - len(week[0]))
    suggested = suggest_from_pages(db, team, service_counts(db, team, end), now=at)
    if figures.total:
        text = f"{title(figures)}: {figures.total} pages"
        blocks = load_blocks(figures, day)
    else:
        text = quiet_text(team.name)
        blocks = [section(text)]
    alerts = alert_figures(db, start=start, end=end, team_id=team.id)
    if alerts.groups:
        blocks.append(context(describe_figures(alerts)))
    blocks += sleep_page_blocks(week, earlier, team.tz, day)
    if suggested:
        names = ", ".join(f"{user_text(s.service)} ({s.pages} pages in 4 weeks)" for s in suggested)
        blocks.append(context(f"Suggested for the backlog (`/priority`): {names}"))
    requests_line = digest_line(db, team, start, end)
    if requests_line:
        blocks.append(context(requests_line))
    ts = ctx.client.chat_postMessage(channel=team.channel_id, text=text, blocks=blocks)["ts"]
    if figures.total:
        ctx.client.files_upload_v2(
            channel=team.channel_id,
            file=pages_per_day_png(figures.per_day, title(figures)),
            filename=f"page-load-{team.name}-{day.isoformat()}.png",
            title=f"Pages per day: {team.name}, week to {day:%d %b}",
        )
    return ts


JOBS = [PageLoadDigest()]
