"""What the benchmarks share: their command line (`--database-url`, quiet logging), an empty
migrated database, a driver that sends signed requests to an app built on it (Slack's Web API
played by the emulator), a team with its members, a weekly rotation, and latency figures."""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock_time

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bench.fanout import fresh_database
from bot.app import build_app
from bot.clock import Clock
from bot.console.emulator import SlackEmulator
from bot.console.signed import Signer, SlackDriver
from bot.db import make_engine, make_session_factory, upgrade
from bot.settings import Settings
from bot.slack import build_client
from models.core.workspace import MEMBER, Person, Team, TeamMember, Workspace
from models.oncall.changes import reschedule, set_members
from models.oncall.rotations import Rotation

SECRET = "bench-signing-secret"


def parse_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """`parser`'s arguments and `--database-url`, with logging below errors silenced."""
    parser.add_argument("--database-url")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    return args


def empty_database(url: str) -> Engine:
    """The database at `url`, emptied (PostgreSQL: its public schema) and migrated."""
    upgrade(fresh_database(url))
    return make_engine(url)


@dataclass
class Bench:
    """Where a benchmark runs: a scratch directory, the Slack emulator, and the database."""

    tmp: str
    slack: SlackEmulator
    url: str
    engine: Engine
    factory: sessionmaker


@contextmanager
def bench_database(database_url: str | None, name: str) -> Iterator[Bench]:
    """An empty migrated database (`database_url`, or SQLite file `name` in a scratch directory)
    and a Slack emulator, for the length of the block."""
    with tempfile.TemporaryDirectory() as tmp, SlackEmulator() as slack:
        url = database_url or f"sqlite:///{tmp}/{name}"
        engine = empty_database(url)
        try:
            yield Bench(tmp, slack, url, engine, make_session_factory(engine))
        finally:
            engine.dispose()


def seconds_taken(build, *args) -> tuple[object, float]:
    """`build(*args)`'s result, and the seconds it took."""
    began = time.perf_counter()
    out = build(*args)
    return out, time.perf_counter() - began


def latencies(runs: int, call) -> list[float]:
    """Milliseconds each of `runs` calls of `call()` took."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def p50_p99(timings: list[float], digits: int = 2) -> str:
    """ "p50 X ms, p99 Y ms" of `timings` (milliseconds)."""
    q = statistics.quantiles(timings, n=100)
    return f"p50 {q[49]:.{digits}f} ms, p99 {q[98]:.{digits}f} ms"


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


def add_team(
    db: Session, workspace: Workspace, name: str, channel: str, people: list[Person], now: datetime
) -> Team:
    """A team in Berlin's time zone, `people` its members, flushed."""
    team = Team(
        workspace_id=workspace.id, name=name, channel_id=channel, tz="Europe/Berlin", created_at=now
    )
    db.add(team)
    for person in people:
        team.memberships.append(TeamMember(person=person, role=MEMBER))
    db.flush()
    return team


def weekly_rotation(
    db: Session,
    team: Team,
    name: str,
    people: list[Person],
    created: datetime,
    *,
    tz: str = "Europe/Berlin",
    handoff: clock_time = clock_time(10, 0),
    scheduled_from: datetime | None = None,
) -> Rotation:
    """Mondays at `handoff` (10:00) in `tz` (Berlin), from 5 January 2026, `people` in turn;
    its shifts worked out from `scheduled_from` (when it was created)."""
    rotation = Rotation(
        workspace_id=team.workspace_id,
        team_id=team.id,
        team=team,
        name=name,
        tz=tz,
        handoff_time=handoff,
        handoff_weekday=0,
        shift_length=1,
        shift_unit="w",
        anchor=date(2026, 1, 5),
        created_at=created,
    )
    db.add(rotation)
    set_members(rotation, people, set())
    reschedule(rotation, scheduled_from or created)
    db.flush()
    return rotation
