"""Benchmark: standup fan-out and the cost of a tick.

1. Standup prompts to 1,000 people through the delivery engine, against the Slack emulator
   enforcing 50 requests per second (429 + Retry-After beyond it). Target: at least 90% of the
   allowed rate, 0 lost, 0 duplicated.
2. One tick's "what is due" over 1,000 rituals (5,000 members in 8 zones). Target: under 200 ms.

    python bench/fanout.py [--people 1000] [--rate 50] [--rituals 1000] [--database-url URL]

The database is a fresh SQLite file unless --database-url names another (its schema is rebuilt).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bot.console.emulator import SlackEmulator  # noqa: E402
from bot.db import make_engine, make_session_factory, normalize_url, upgrade  # noqa: E402
from bot.features import all_jobs  # noqa: E402
from bot.jobs.engine import STATE, DeliveryEngine  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.slack import build_client  # noqa: E402
from handlers.standup.jobs import Prompts  # noqa: E402
from models import Person, Ritual, Team, Workspace  # noqa: E402
from models.core.deliveries import SchedulerState
from models.core.people import set_team_people  # noqa: E402
from models.core.workspace import MEMBER  # noqa: E402
from models.rituals.rituals import local_instant  # noqa: E402

# A Monday: the standups are at 09:30 UTC and the engine last ticked a minute before.
DAY = datetime(2026, 3, 2, tzinfo=UTC)
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
]


class ShiftedClock:
    """Real time, moved to start at `start`: the client's waits are real, dates are fixed."""

    def __init__(self, start: datetime):
        self.start = start
        self.t0 = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def fresh_database(url: str | None) -> str:
    if url is None:
        return f"sqlite:///{tempfile.mkdtemp(prefix='upkeep-bench-')}/bench.db"
    if normalize_url(url).startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    return url


def seed(factory, teams: int, per_team: int, zones: list[str]) -> list[str]:
    """`teams` teams of `per_team` members, each with a standup at 09:30; the members' ids."""
    users = []
    with factory() as db:
        ws = Workspace(slack_team_id="T0001EXAMPLE", created_at=DAY)
        db.add(ws)
        db.flush()
        for t in range(teams):
            team = Team(workspace_id=ws.id, name=f"team-{t}", channel_id=f"C{t:06d}", tz="UTC")
            team.created_at = DAY
            people = []
            for m in range(per_team):
                uid = f"U{t:04d}{m:03d}"
                zone = zones[(t * per_team + m) % len(zones)]
                people.append(Person(workspace_id=ws.id, slack_user_id=uid, name=uid, tz=zone))
                users.append(uid)
            db.add_all([team, *people])
            db.flush()
            set_team_people(team, MEMBER, people)
            db.add(
                Ritual(
                    workspace_id=ws.id,
                    team=team,
                    kind="standup",
                    at=clock_time(9, 30),
                    created_at=DAY,
                )
            )
        db.add(SchedulerState(name=STATE, last_tick=DAY.replace(hour=9, minute=29)))
        db.commit()
    return users


def bench_fanout(url: str | None, people: int, rate: float) -> None:
    url = fresh_database(url)
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    users = seed(factory, teams=people // 10, per_team=10, zones=["UTC"])
    with SlackEmulator() as slack:
        for uid in users:
            slack.add_user(uid, uid, "UTC")
        slack.rate_limit = rate
        settings = Settings(
            _env_file=None, slack_bot_token="xoxb-bench", slack_api_url=slack.api_url
        )
        clock = ShiftedClock(DAY.replace(hour=9, minute=30, second=1))
        client = build_client(settings, clock)
        scheduler = DeliveryEngine(factory, client, clock, settings, jobs=[Prompts()])
        started = time.monotonic()
        report = scheduler.tick()
        elapsed = time.monotonic() - started
        counts = Counter(m["channel"] for m in slack.posted())
        calls = len(slack.calls_to("chat.postMessage"))
        rejected = slack.rejected
    engine.dispose()
    delivered = sum(1 for uid in users if counts[uid] >= 1)
    duplicated = sum(max(counts[uid] - 1, 0) for uid in users)
    achieved = delivered / elapsed
    print(f"fan-out: {people} standup prompts, emulator limit {rate:g} req/s")
    print(f"  sent {len(report.sent)} in {elapsed:.2f} s: {achieved:.1f} msg/s")
    print(f"  achieved {100 * achieved / rate:.1f}% of the allowed rate (target >= 90%)")
    print(f"  chat.postMessage calls {calls}, refused with 429: {rejected}")
    print(f"  lost {len(users) - delivered}, duplicated {duplicated} (target 0 and 0)")
    print(f"  retrying {len(report.retrying)}, failed {len(report.failed)}")


def bench_due(url: str | None, rituals: int, runs: int = 16) -> None:
    url = fresh_database(url)
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    seed(factory, teams=rituals, per_team=5, zones=ZONES)
    jobs = all_jobs()
    timings = []
    found = []
    # One one-minute window ending at 09:30 in each zone: each holds that zone's prompts.
    ends = sorted(local_instant(DAY.date(), clock_time(9, 30), zone) for zone in ZONES)
    for end in ends * (runs // len(ends) + 1):
        with factory() as db:
            t0 = time.perf_counter()
            found.append(
                sum(len(list(job.due(db, end - timedelta(minutes=1), end))) for job in jobs)
            )
            timings.append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    print(f"due computation: {rituals} rituals, {rituals * 5} members in {len(ZONES)} zones")
    print(
        f"  one tick's what-is-due (every job): median {statistics.median(timings):.1f} ms, "
        f"max {max(timings):.1f} ms over {len(timings)} ticks (target < 200 ms); "
        f"{statistics.mean(found):.0f} deliveries due per tick on average"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--rituals", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    bench_due(args.database_url, args.rituals)
    bench_fanout(args.database_url, args.people, args.rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
