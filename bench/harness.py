"""What the benchmarks that talk to the app share: an empty migrated database, and a driver
that sends signed requests to an app built on it, with Slack's Web API played by the emulator."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.app import build_app
from bot.clock import Clock
from bot.console.emulator import SlackEmulator
from bot.console.signed import Signer, SlackDriver
from bot.db import make_engine, upgrade
from bot.settings import Settings
from bot.slack import build_client

SECRET = "bench-signing-secret"


def empty_database(url: str) -> Engine:
    """The database at `url`, emptied (PostgreSQL: its public schema) and migrated."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    return engine


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
