"""Setting up teams and rituals for scheduler tests, through the config import."""

from __future__ import annotations

import yaml

from models.config import import_config
from models.people import ensure_workspace
from models.workspace import Workspace
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
