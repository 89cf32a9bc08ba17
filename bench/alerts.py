"""Alerts reaching people under load: from the webhook request to the DM, and how late the
escalation steps fire, with the real web app and the real worker process (SQLite file, or
PostgreSQL).

    python bench/alerts.py [--rate 50] [--seconds 75] [--teams 300] [--clients 8]
                           [--database-url URL]   (default: a fresh SQLite file)

`--teams` teams, each with a rotation (one person on call), a lead, a generic integration and an
escalation policy: the on-call person at once, the lead after 1 minute. Client processes POST
`--rate` new alert groups a second for `--seconds` to `/hooks/generic` (spread over the teams,
so no integration sends a burst of more than 10 a minute); the web app (`upkeep serve`'s, in a
process of its own) and one `upkeep worker` process (ticking every 60 s, as deployed) send to a
Slack API emulator in this process, which notes when each message arrives.

Prints: webhook -> DM to the on-call person (p50, p99, max) and groups never DMed; escalation
step -> DM to the lead, seconds after its deadline (p50, p99, max); DMs sent twice.
Targets: webhook -> DM p99 < 2 s at 50 groups/s; escalation steps within 30 s of their deadline."""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fanout import fresh_database  # noqa: E402
from bench.harness import weekly_rotation  # noqa: E402
from bot.console.emulator import SlackEmulator  # noqa: E402
from bot.db import make_engine, make_session_factory, upgrade  # noqa: E402
from models.alerts.policies import AlertSettings  # noqa: E402
from models.core.people import set_team_people  # noqa: E402
from models.core.workspace import LEAD, MEMBER, Person, Team, Workspace  # noqa: E402
from models.pages.integrations import add_integration  # noqa: E402

WAIT_MINUTES = 1  # the policy's first step waits this long before the lead is told


def policy_entry(team: str) -> dict:
    return {
        "team": team,
        "urgent": ["*"],
        "default": "bench",
        "escalations": [
            {
                "name": "bench",
                "steps": [
                    {"rotation": f"{team}-primary", "wait": WAIT_MINUTES},
                    {"leads": team, "wait": 60},
                ],
                "repeat": 0,
            }
        ],
    }


def seed(url: str, teams: int) -> list[str]:
    """The teams; each integration's token, in team order."""
    now = datetime.now(UTC)
    factory = make_session_factory(make_engine(url))
    tokens = []
    with factory() as db:
        ws = Workspace(slack_team_id="T0001EXAMPLE", created_at=now)
        db.add(ws)
        db.flush()
        for t in range(teams):
            name = f"team-{t}"
            team = Team(workspace_id=ws.id, name=name, channel_id=f"C{t:06d}", tz="UTC")
            team.created_at = now
            on_call = Person(workspace_id=ws.id, slack_user_id=f"U{t:05d}A", name="a", tz="UTC")
            lead = Person(workspace_id=ws.id, slack_user_id=f"U{t:05d}L", name="l", tz="UTC")
            db.add_all([team, on_call, lead])
            db.flush()
            set_team_people(team, MEMBER, [on_call])
            set_team_people(team, LEAD, [lead])
            rotation = weekly_rotation(
                db,
                team,
                f"{name}-primary",
                [on_call],
                now,
                tz="UTC",
                handoff=clock_time(0, 0),
                scheduled_from=now - timedelta(days=30),
            )
            db.add(
                AlertSettings(
                    workspace_id=ws.id, team_id=team.id, entry=policy_entry(name), updated_at=now
                )
            )
            _, token = add_integration(
                db, ws, team, source="generic", now=now, rotation=rotation.name, severities="*"
            )
            tokens.append(token)
        db.commit()
    return tokens


def env_for(slack: SlackEmulator, url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CLOCK_"))}
    return env | {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench",
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the web app did not start")


def post_share(args: tuple[int, list[tuple[int, str]], float, float]) -> dict[int, float]:
    """POST this client's groups, each at its own moment (start + i / rate); when each was sent
    (wall clock), by group number."""
    port, share, start, rate = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent: dict[int, float] = {}
    for i, token in share:
        pause = start + i / rate - time.time()
        if pause > 0:
            time.sleep(pause)
        body = json.dumps({"key": f"k{i}", "title": f"bench alert {i}", "group_key": f"g{i}"})
        headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
        sent[i] = time.time()
        conn.request("POST", "/hooks/generic", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"webhook answered {response.status}")
    conn.close()
    return sent


def percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"p50 {statistics.median(values):.2f}  p99 {p99:.2f}  max {values[-1]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=75)
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    url = fresh_database(args.database_url)
    upgrade(url)
    tokens = seed(url, args.teams)
    groups = int(args.rate * args.seconds)
    team_of = {i: i % args.teams for i in range(groups)}
    wall_minus_monotonic = time.time() - time.monotonic()
    with SlackEmulator() as slack:
        port = int(os.environ.get("BENCH_PORT", "0")) or _free_port()
        web = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"],
            env=env_for(slack, url, PORT=str(port)),
            cwd=ROOT,
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "worker"], env=env_for(slack, url), cwd=ROOT
        )
        try:
            wait_until_up(port)
            start = time.time() + 1
            shares = [
                (port, [(i, tokens[team_of[i]]) for i in range(c, groups, args.clients)])
                for c in range(args.clients)
            ]
            with multiprocessing.Pool(args.clients) as pool:
                sent: dict[int, float] = {}
                for part in pool.map(
                    post_share, [(p, share, start, args.rate) for p, share in shares]
                ):
                    sent |= part
            last_deadline = max(sent.values()) + WAIT_MINUTES * 60
            leads = {f"U{t:05d}L" for t in range(args.teams)}
            slack.wait_for(
                lambda: sum(len(slack.posted(u)) for u in leads) >= groups,
                timeout=last_deadline - time.time() + 60,
            )
        finally:
            for process in (web, worker):
                process.send_signal(signal.SIGTERM)
                process.wait(60)
        calls = slack.calls_to("chat.postMessage")

    dm_after: list[float] = []
    late: list[float] = []
    seen: dict[tuple[str, int], int] = {}
    for call in calls:
        channel, text = call.body.get("channel", ""), call.body.get("text", "")
        if not channel.startswith("U") or "bench alert" not in text:
            continue
        i = int(text.rsplit(" ", 1)[1])
        seen[(channel, i)] = seen.get((channel, i), 0) + 1
        if seen[(channel, i)] > 1:
            continue
        arrived = call.at + wall_minus_monotonic
        if channel.endswith("A"):
            dm_after.append(arrived - sent[i])
        else:
            late.append(arrived - (sent[i] + WAIT_MINUTES * 60))
    twice = sum(1 for n in seen.values() if n > 1)
    where = f"{args.teams} teams"
    print(f"database: {url.split(':')[0]}  groups: {groups} at {args.rate:g}/s over {where}")
    print(f"webhook -> DM, seconds: {percentiles(dm_after)}  never DMed: {groups - len(dm_after)}")
    print(
        f"escalation step -> DM, seconds after its deadline: {percentiles(late)}  "
        f"never escalated: {groups - len(late)}"
    )
    print(f"DMs sent twice: {twice}")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
