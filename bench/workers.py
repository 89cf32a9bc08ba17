"""Several `upkeep worker` processes side by side, on the real clock, for several minutes: does
each delivery go out once, on time, with one worker stopped (SIGTERM) and started again midway?

    python bench/workers.py [--minutes 5] [--workers 2] [--people 10]
                            [--database-url URL]   (default: a fresh SQLite file)

One team per minute of the run, each with `--people` members in UTC and a standup due at the
start of its minute, so that something falls due every minute. The workers are the real
processes (`python -m bot.cli worker`, ticking every 60 s, as deployed) pointed at a Slack API
emulator in this process. Halfway through, worker 1 gets SIGTERM (it must exit 0) and is
started again. Prints how many deliveries were expected, sent once, sent twice and missing, and
how late they went out after their due time."""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fanout import fresh_database  # noqa: E402
from bot.console.emulator import SlackEmulator  # noqa: E402
from bot.db import make_engine, make_session_factory, upgrade  # noqa: E402
from models.core.people import set_team_people  # noqa: E402
from models.core.workspace import MEMBER, Person, Team, Workspace  # noqa: E402
from models.rituals.rituals import Ritual  # noqa: E402


def seed(url: str, first_due: datetime, teams: int, people: int) -> dict[str, datetime]:
    """Team i's standup at first_due + i minutes (UTC); every recipient -> when it is due."""
    factory = make_session_factory(make_engine(url))
    due: dict[str, datetime] = {}
    with factory() as db:
        ws = Workspace(slack_team_id="T0001EXAMPLE", created_at=first_due)
        db.add(ws)
        db.flush()
        for t in range(teams):
            at = first_due + timedelta(minutes=t)
            team = Team(workspace_id=ws.id, name=f"team-{t}", channel_id=f"C{t:06d}", tz="UTC")
            team.created_at = first_due
            members = [
                Person(workspace_id=ws.id, slack_user_id=f"U{t:03d}{m:03d}", name=f"p{m}", tz="UTC")
                for m in range(people)
            ]
            db.add_all([team, *members])
            db.flush()
            set_team_people(team, MEMBER, members)
            db.add(
                Ritual(
                    workspace_id=ws.id,
                    team_id=team.id,
                    kind="standup",
                    days="1234567",
                    at=at.time(),
                    created_at=first_due,
                )
            )
            due |= {p.slack_user_id: at for p in members} | {team.channel_id: at}
        db.commit()
    return due


def start_worker(slack: SlackEmulator, url: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CLOCK_"))}
    env |= {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "worker"], env=env, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--people", type=int, default=10)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    url = fresh_database(args.database_url)
    upgrade(url)
    now = datetime.now(UTC)
    first_due = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    due = seed(url, first_due, args.minutes, args.people)
    wall_minus_monotonic = time.time() - time.monotonic()
    with SlackEmulator() as slack:
        workers = [start_worker(slack, url) for _ in range(args.workers)]
        end = first_due + timedelta(minutes=args.minutes, seconds=75)
        halfway = first_due + timedelta(minutes=args.minutes / 2, seconds=30)
        restarted = None
        while datetime.now(UTC) < end:
            if restarted is None and datetime.now(UTC) >= halfway:
                workers[0].send_signal(signal.SIGTERM)
                restarted = workers[0].wait(60)
                workers[0] = start_worker(slack, url)
            time.sleep(1)
        for w in workers:
            w.send_signal(signal.SIGTERM)
        codes = [w.wait(60) for w in workers]
        posts = [c for c in slack.calls_to("chat.postMessage")]

    counts: dict[str, int] = {}
    late: list[float] = []
    for call in posts:
        where = call.body.get("channel", "")
        if where not in due:
            continue
        counts[where] = counts.get(where, 0) + 1
        if counts[where] == 1:
            sent = datetime.fromtimestamp(call.at + wall_minus_monotonic, UTC)
            late.append((sent - due[where]).total_seconds())
    once = sum(1 for k in due if counts.get(k) == 1)
    twice = sum(1 for k in due if counts.get(k, 0) > 1)
    missing = sum(1 for k in due if k not in counts)
    print(f"database: {url.split(':')[0]}  workers: {args.workers}  minutes: {args.minutes}")
    print(
        f"deliveries expected {len(due)}  sent once {once}  more than once {twice}  "
        f"missing {missing}"
    )
    print(f"worker 1 after SIGTERM midway exited {restarted}; all at the end exited {codes}")
    if late:
        late.sort()
        p99 = late[min(len(late) - 1, int(len(late) * 0.99))]
        print(
            f"seconds after due: median {statistics.median(late):.1f}  p99 {p99:.1f}  "
            f"max {late[-1]:.1f}  (ticks every 60 s)"
        )
    sys.exit(0 if once == len(due) and restarted == 0 and set(codes) == {0} else 1)


if __name__ == "__main__":
    main()
