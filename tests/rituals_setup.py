"""Setting up teams and rituals for scheduler tests, through the config import."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from bot.jobs.engine import DeliveryEngine
from models.config import import_config
from models.core.people import ensure_workspace
from models.core.workspace import Workspace
from tests.slack_requests import TEAM_ID

TEAMS = """
teams:
  - name: payments
    channel: C0PAYMENTS
    timezone: Europe/Berlin
    leads: [U0LEAD]
    members: [U0ANA, U0BEN]
  - name: search
    channel: C0SEARCH
    timezone: America/New_York
    leads: [U0LEAD]
    members: [U0CHO]
"""


def configure(db, clock, text: str = "", *, teams: str = TEAMS, lookup=None) -> Workspace:
    """Import teams and `text` (more sections) as `upkeep import` would, and commit."""
    workspace = ensure_workspace(db, TEAM_ID, clock.now())
    data = yaml.safe_load(teams) | (yaml.safe_load(text) or {})
    import_config(db, workspace, data, clock.now(), lookup)
    db.commit()
    return workspace


def lookup(slack):
    """Look people up in the fake Slack, as `upkeep import` does with a bot token."""
    return lambda uid: slack.users.get(uid)


def tick_through(engine, clock, start, end, step) -> dict[str, list]:
    """Tick from `start` to `end` every `step`; which keys each tick sent, by tick time."""
    sent: dict[str, list] = {}
    clock.set(start)
    engine.tick()
    while clock.now() < end:
        clock.advance(step)
        now = clock.now()
        report = engine.tick()
        for key in report.sent:
            sent[key] = [*sent.get(key, []), now]
    return sent


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def scheduler(deps) -> DeliveryEngine:
    """The delivery engine with every job, as the worker runs it."""
    return DeliveryEngine.from_deps(deps)


@pytest.fixture
def payments(request, db, clock, slack) -> Workspace:
    """The two teams, people looked up in the fake Slack, and the test module's RITUALS."""
    return configure(db, clock, request.module.RITUALS, lookup=lookup(slack))
