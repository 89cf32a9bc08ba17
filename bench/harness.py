"""What the benchmarks share: an empty migrated database, a driver that sends signed requests
to an app built on it (Slack's Web API played by the emulator), and a weekly rotation."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench.fanout import fresh_database
from bot.app import build_app
from bot.clock import Clock
from bot.console.emulator import SlackEmulator
from bot.console.signed import Signer, SlackDriver
from bot.db import make_engine, upgrade
from bot.settings import Settings
from bot.slack import build_client
from models.core.workspace import Person, Team
from models.oncall.changes import reschedule, set_members
from models.oncall.rotations import Rotation

SECRET = "bench-signing-secret"


def empty_database(url: str) -> Engine:
    """The database at `url`, emptied (PostgreSQL: its public schema) and migrated."""
    upgrade(fresh_database(url))
    return make_engine(url)


def app_driver(slack: SlackEmulator, url: str, factory, clock: Clock) -> SlackDriver:
    """Signed requests through `app.dispatch` of an app on `url`."""
    settings = Settings(
        _env_file=None,
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
        database_url=url,
    )
    app = build_app(settings, factory, build_client(settings, clock), clock)
    return SlackDriver(app, Signer(SECRET))


def weekly_rotation(
    db: Session, team: Team, name: str, people: list[Person], created: datetime
) -> Rotation:
    """Mondays at 10:00 in Berlin, from 5 January 2026, `people` in turn."""
    rotation = Rotation(
        workspace_id=team.workspace_id,
        team_id=team.id,
        team=team,
        name=name,
        tz="Europe/Berlin",
        handoff_time=time(10, 0),
        handoff_weekday=0,
        shift_length=1,
        shift_unit="w",
        anchor=date(2026, 1, 5),
        created_at=created,
    )
    db.add(rotation)
    set_members(rotation, people, set())
    reschedule(rotation, created)
    db.flush()
    return rotation
