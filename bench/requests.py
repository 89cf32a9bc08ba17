"""How fast `/requests` answers and how long the SLA check of one worker tick takes, with 1,000
open requests across 50 teams (20 each, a quarter of them accepted, their SLA milestones spread
over the working week), each team with a weekly shield rotation of four.

    python bench/requests.py [--requests 1000] [--teams 50] [--asks 1000] [--messages 500]
                             [--database-url URL]

Targets (issue 21): `/requests` through the app (signed requests, `app.dispatch`) p99 under
20 ms; the requests jobs' `due()` for one minute's tick (shield DMs, SLA milestones, the
shield's handoff posts) under 100 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    add_team,
    app_driver,
    bench_database,
    latencies,
    p50_p99,
    parse_args,
    seconds_taken,
    weekly_rotation,
)
from bot.clock import FrozenClock  # noqa: E402
from bot.console.emulator import TEAM_ID  # noqa: E402
from handlers.requests.jobs import ShieldHandoff, ShieldTold, SlaWatch  # noqa: E402
from models.core.workspace import Person, Workspace  # noqa: E402
from models.requests.requests import ACCEPTED, OPEN, Request, RequestSettings  # noqa: E402

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday, in working hours


def build(factory, teams: int, requests: int) -> list[tuple[str, str, str]]:
    """Teams with members and request settings, and open requests; (team, channel, member)."""
    rng = random.Random(21)
    out = []
    with factory() as db:
        workspace = Workspace(slack_team_id=TEAM_ID, created_at=NOW)
        db.add(workspace)
        db.flush()
        askers = [
            Person(workspace_id=workspace.id, slack_user_id=f"UASK{i:03d}") for i in range(40)
        ]
        db.add_all(askers)
        for t in range(teams):
            members = [
                Person(workspace_id=workspace.id, slack_user_id=f"U{t:03d}M{m}", tz="Europe/Berlin")
                for m in range(6)
            ]
            team = add_team(db, workspace, f"team-{t:02d}", f"CT{t:04d}", members, NOW)
            shield = weekly_rotation(db, team, f"{team.name}-shield", members[:4], NOW)
            db.add(
                RequestSettings(
                    team_id=team.id,
                    channel_id=f"CR{t:04d}",
                    shield_rotation_id=shield.id,
                    last_number=0,
                )
            )
            out.append((team.name, team.channel_id, members[0].slack_user_id, team.id, members))
        db.flush()
        per_team = requests // teams
        for name, _channel, _user, team_id, members in out:
            for n in range(1, per_team + 1):
                asked = NOW - timedelta(minutes=rng.randint(1, 7 * 24 * 60))
                accepted = rng.random() < 0.25
                db.add(
                    Request(
                        workspace_id=workspace.id,
                        team_id=team_id,
                        number=n,
                        title=f"request {n} of {name}: export the ledger for the auditors",
                        urgency="normal",
                        state=ACCEPTED if accepted else OPEN,
                        source="command",
                        asker_id=rng.choice(askers).id,
                        assignee_id=rng.choice(members).id if accepted else None,
                        channel_id=f"CR{team_id:04d}",
                        thread_ts=f"1700000000.{n:06d}",
                        created_at=asked,
                        clock_from=asked,
                        tell_at=asked,
                        nudge_at=asked + timedelta(hours=2),
                        escalate_at=asked + timedelta(hours=3, minutes=12),
                        breach_at=asked + timedelta(hours=4),
                        told_at=asked,
                        first_response_at=asked if accepted else None,
                    )
                )
            db.execute(
                RequestSettings.__table__.update()
                .where(RequestSettings.team_id == team_id)
                .values(last_number=per_team)
            )
        db.commit()
    return [(name, channel, user) for name, channel, user, _id, _m in out]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--asks", type=int, default=1000, help="/requests commands to time")
    parser.add_argument("--messages", type=int, default=500, help="channel messages to time")
    args = parse_args(parser)

    with bench_database(args.database_url, "requests.db") as bench:
        slack, factory = bench.slack, bench.factory
        teams, took = seconds_taken(build, factory, args.teams, args.requests)
        print(
            f"{args.requests} open requests across {args.teams} teams on "
            f"{bench.engine.dialect.name} (built in {took:.1f} s)"
        )
        for _name, _channel, user in teams:
            slack.add_user(user, f"Member {user}", "Europe/Berlin")
        driver = app_driver(slack, bench.url, factory, FrozenClock(NOW))
        rng = random.Random(7)
        for _name, channel, user in teams:  # first sight of each asker
            driver.command("/requests", "", user=user, channel=channel)

        def ask() -> None:
            name, channel, user = rng.choice(teams)
            only = rng.choice(["", "", "mine", "unassigned", "breaching"])
            answer = driver.command("/requests", only, user=user, channel=channel)
            assert answer.status == 200 and name in answer.text, answer.text

        print(
            f"/requests [filter] in a team's channel, through the app ({args.asks} signed "
            f"requests): {p50_p99(latencies(args.asks, ask))} (target p99 < 20 ms)"
        )

        # Channel messages (message.channels): one in a team's channel, which no feature wants,
        # is answered without reading the database; a reply in a request's thread is looked up.
        for label, where in (
            ("a message in a channel that holds no requests", "CT"),
            ("a reply in a request's thread", "CR"),
        ):
            timings = []
            for i in range(args.messages):
                name, channel, user = rng.choice(teams)
                number = rng.randint(1, args.requests // args.teams)
                event = {
                    "type": "message",
                    "channel_type": "channel",
                    "channel": where + channel[2:],
                    "user": user,
                    "text": "on it",
                    "ts": f"1800000000.{i:06d}",
                    "thread_ts": f"1700000000.{number:06d}",
                }
                start = time.perf_counter()
                answer = driver.event(event, event_id=f"Ev{where}{i:06d}")
                timings.append((time.perf_counter() - start) * 1000)
                assert answer.status == 200, answer.text
            print(f"{label}, through the app ({args.messages} signed events): {p50_p99(timings)}")

        # A working day's ticks, every 5 minutes; each job on its own session, as the engine asks.
        for label, job in (
            ("SLA milestones (nudge, escalate, breach)", SlaWatch()),
            ("shield DMs of new requests", ShieldTold()),
            ("shield handoff posts", ShieldHandoff()),
        ):
            ticks, found = [], 0
            for minute in range(0, 8 * 60, 5):
                end = NOW + timedelta(minutes=minute)
                with factory() as db:
                    start = time.perf_counter()
                    found += len(list(job.due(db, end - timedelta(minutes=1), end)))
                    ticks.append((time.perf_counter() - start) * 1000)
            print(
                f"{label}: due() of one 1-minute tick ({len(ticks)} ticks, {found} due): "
                f"median {statistics.median(ticks):.2f} ms, max {max(ticks):.2f} ms "
                "(target < 100 ms)"
            )


if __name__ == "__main__":
    main()
