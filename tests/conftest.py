"""Fixtures: real databases built by migrations, a fake Slack Web API on 127.0.0.1 (port 0), an
injected clock, and a driver that sends really signed requests to the app."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text

from bot.app import build_app, deps_of
from bot.clock import FrozenClock
from bot.console.emulator import SlackEmulator
from bot.db import make_engine, make_session_factory, normalize_url, upgrade
from bot.deps import Deps
from bot.features import FEATURES
from bot.settings import Settings
from bot.slack import build_client
from models.core.changes import Listener, listener_of
from tests.slack_requests import Signer, SlackDriver

pytest_plugins = ["tests.factories"]  # `catalog`, `scheduler`, `rituals_workspace`

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
# A Monday, 09:00 UTC: 10:00 in Berlin, 04:00 in New York.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

PEOPLE = {
    "U0ANA": ("Ana Alves", "Europe/Berlin", {}),
    "U0BEN": ("Ben Brooks", "America/New_York", {}),
    "U0CHO": ("Cho Chen", "Asia/Tokyo", {}),
    "U0LEAD": ("Lea Lead", "Europe/Berlin", {}),
    "U0ADMIN": ("Adi Admin", "UTC", {"is_admin": True}),
    "U0GONE": ("Gone Person", "UTC", {"deleted": True}),
}


@pytest.fixture(autouse=True, scope="session")
def _no_real_slack_settings() -> Iterator[None]:
    """A developer's real tokens never reach a test."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("SLACK_")}
    saved |= {k: os.environ.pop(k) for k in ("DATABASE_URL",) if k in os.environ}
    yield
    os.environ.update(saved)


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    """The schema, built once per run by the migrations (never create_all)."""
    pg = _postgres_url()
    if pg:
        engine = make_engine(pg)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(pg)
        return pg
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def db_url(migrated_template: str, tmp_path) -> str:
    """A fresh, migrated database for one test: a copy of the template on SQLite, emptied tables
    on PostgreSQL."""
    pg = _postgres_url()
    if pg:
        engine = make_engine(pg)
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        if tables:
            with engine.begin() as conn:
                names = ", ".join(f'"{t}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return pg
    path = tmp_path / "upkeep.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def is_postgres(db_url: str) -> bool:
    return normalize_url(db_url).startswith("postgresql")


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def listener(engine, is_postgres) -> Listener | None:
    """On PostgreSQL, the process's listener for other processes' changes, listening: the app
    keeps who asks only while it listens (`models/core/changes.py`)."""
    if not is_postgres:
        return None
    found = listener_of(engine)
    assert found.wait(Listener.listening), "the listener never listened"
    return found


@pytest.fixture
def session_factory(engine, listener):
    return make_session_factory(engine)


@pytest.fixture
def db(session_factory):
    session = session_factory()
    yield session
    session.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        for uid, (name, tz, extra) in PEOPLE.items():
            emulator.add_user(uid, name, tz, **extra)
        yield emulator


@pytest.fixture
def settings(slack: SlackEmulator, db_url: str) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        database_url=db_url,
        public_url="https://upkeep.example.com",
    )


@pytest.fixture
def app(settings, session_factory, clock):
    app = build_app(settings, session_factory, build_client(settings, clock), clock)
    yield app
    app.after.close()


@pytest.fixture
def deps(app) -> Deps:
    return deps_of(app)


@pytest.fixture
def driver(app, slack) -> SlackDriver:
    """Sends signed requests through `app.dispatch` (no socket)."""
    return SlackDriver(app, Signer(SIGNING_SECRET), response_url=slack.response_url)


@pytest.fixture
def driver_for(settings, session_factory, clock, slack):
    """`driver_for(Feature, ...)`: a driver for an app with a test's own features too."""
    apps = []

    def make(*features) -> SlackDriver:
        client = build_client(settings, clock)
        apps.append(
            build_app(settings, session_factory, client, clock, features=[*FEATURES, *features])
        )
        return SlackDriver(apps[-1], Signer(SIGNING_SECRET), response_url=slack.response_url)

    yield make
    for app in apps:
        app.after.close()


@pytest.fixture
def server(app, deps, engine, settings):
    """The real web app (waitress, threads) on 127.0.0.1 and a free port."""
    from bot.web import BackgroundServer, build_web

    srv = BackgroundServer(build_web(app, engine, settings.database_url, deps))
    yield srv.url
    srv.close()


@pytest.fixture
def http_driver(app, slack, server) -> SlackDriver:
    """Sends signed requests over HTTP to the running server."""
    return SlackDriver(
        app, Signer(SIGNING_SECRET), base_url=server, response_url=slack.response_url
    )


@pytest.fixture
def answer_driver(app, slack, server) -> SlackDriver:
    """Like `http_driver`, but returns with the app's HTTP answer alone: it doesn't wait for the
    Slack calls the app makes after answering (`driver.drain()` does)."""
    return SlackDriver(
        app, Signer(SIGNING_SECRET), base_url=server, response_url=slack.response_url, settle=False
    )
