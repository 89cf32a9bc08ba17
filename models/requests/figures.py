"""Request figures for a team: the week's (new, time to first response and to done, breaches)
and four weeks' (which teams ask most, and the words their requests use most: what might
become a doc or self-service)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core.workspace import Team, TeamMember
from models.requests.requests import DONE, NEED_INFO, OPEN, STILL_OPEN, Request, RequestSettings

LOOK_BACK = timedelta(weeks=4)
_WORD = re.compile(r"[a-z][a-z0-9'-]{3,}")
STOP_WORDS = frozenset(
    (
        "this",
        "that",
        "with",
        "from",
        "have",
        "what",
        "when",
        "where",
        "which",
        "could",
        "would",
        "should",
        "there",
        "their",
        "about",
        "please",
        "need",
        "needs",
        "into",
        "some",
        "more",
        "than",
        "them",
        "they",
        "your",
        "just",
        "also",
        "does",
        "like",
        "make",
        "can't",
        "don't",
        "isn't",
        "it's",
        "help",
        "",
    )
)


@dataclass(frozen=True)
class RequestFigures:
    new: int
    first_response: timedelta | None  # median, of the week's first responses
    done: int
    to_done: timedelta | None  # median, from asked to done, of the week's done
    breaches: int
    top_teams: list[tuple[str, int]]  # the askers' teams, over four weeks
    top_words: list[tuple[str, int]]  # in the titles, over four weeks


def request_figures(db: Session, team: Team, start: datetime, end: datetime) -> RequestFigures:
    """The week [start, end) of `team`'s requests, and the four weeks to `end`."""
    since = min(start, end - LOOK_BACK)
    rows = db.scalars(
        select(Request).where(Request.team_id == team.id, Request.created_at >= since - LOOK_BACK)
    ).all()

    def within(at: datetime | None, first: datetime = start) -> bool:
        return at is not None and first <= at < end

    answered = [r.first_response_at - r.created_at for r in rows if within(r.first_response_at)]
    done = [r for r in rows if r.state == DONE and within(r.closed_at)]
    recent = [r for r in rows if within(r.created_at, end - LOOK_BACK)]
    return RequestFigures(
        new=sum(within(r.created_at) for r in rows),
        first_response=median(answered) if answered else None,
        done=len(done),
        to_done=median(r.closed_at - r.created_at for r in done) if done else None,
        breaches=sum(within(r.breached_at) for r in rows),
        top_teams=_askers_teams(db, team, recent),
        top_words=_top_words(recent),
    )


def _askers_teams(db: Session, team: Team, requests: list[Request]) -> list[tuple[str, int]]:
    askers = {r.asker_id for r in requests}
    if not askers:
        return []
    rows = db.execute(
        select(TeamMember.person_id, Team.name)
        .join(Team, Team.id == TeamMember.team_id)
        .where(TeamMember.person_id.in_(askers))
        .order_by(Team.name)
    ).all()
    first_team: dict[int, str] = {}
    for person_id, name in rows:
        first_team.setdefault(person_id, name)
    counts = Counter(first_team.get(r.asker_id, "no team") for r in requests)
    return counts.most_common(3)


def _top_words(requests: list[Request]) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for request in requests:
        words = {w for w in _WORD.findall(request.title.lower()) if w not in STOP_WORDS}
        counts.update(words)  # a word counts once per request
    return [(w, n) for w, n in counts.most_common(5) if n > 1]


def span_words(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def figures_line(figures: RequestFigures) -> str:
    """One line for the team's weekly digest and the shield's handoff post."""
    parts = [f"{figures.new} new"]
    if figures.first_response is not None:
        parts.append(f"first response in {span_words(figures.first_response)} (median)")
    if figures.done:
        parts.append(f"{figures.done} done in {span_words(figures.to_done)} (median)")
    parts.append(f"{figures.breaches} SLA breach{'es' if figures.breaches != 1 else ''}")
    line = "Requests this week: " + ", ".join(parts) + "."
    if figures.top_teams:
        teams = ", ".join(f"{name} ({n})" for name, n in figures.top_teams)
        line += f" Over 4 weeks, most asked by {teams}"
        if figures.top_words:
            words = ", ".join(f"{w} ({n})" for w, n in figures.top_words)
            line += f"; most asked about: {words}"
        line += "."
    return line


def handoff_counts(db: Session, team_id: int) -> dict[str, list[Request]]:
    """What the shield hands over: open (in the queue), breached, waiting on askers."""
    rows = db.scalars(
        select(Request)
        .where(Request.team_id == team_id, Request.state.in_(STILL_OPEN))
        .order_by(Request.created_at, Request.id)
    ).all()
    return {
        "open": [r for r in rows if r.state == OPEN],
        "breached": [r for r in rows if r.breached_at is not None],
        "waiting on askers": [r for r in rows if r.state == NEED_INFO],
    }


def digest_line(db: Session, team: Team, start: datetime, end: datetime) -> str | None:
    """The line for the team's weekly digest; None for a team that takes no requests."""
    if db.get(RequestSettings, team.id) is None:
        return None
    return figures_line(request_figures(db, team, start, end))
