"""How long onboarding's queries take with many walkthroughs (SQLite file, or DATABASE_URL).

    python bench/onboarding.py [walkthroughs]

Walkthroughs of the built-in template (13 steps each) start over four weeks, hires spread over
six zones. Prints the median of several runs for: starting one walkthrough, suggesting a buddy,
one minute's tick of the onboarding job, a day's catch-up tick, and a lead's App Home list."""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db import make_engine, make_session_factory, upgrade  # noqa: E402
from handlers.onboarding.jobs import OnboardingJob  # noqa: E402
from models.core.workspace import LEAD, MEMBER, Person, Team, TeamMember, Workspace  # noqa: E402
from models.onboarding.buddies import suggest_buddy  # noqa: E402
from models.onboarding.lifecycle import start_walkthrough  # noqa: E402
from models.onboarding.templates import BUILT_IN  # noqa: E402
from models.onboarding.walkthroughs import followed_by  # noqa: E402

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "UTC",
    "Australia/Sydney",
    "Asia/Kolkata",
]
TEAMS = 20


def make_team(workspace: Workspace, t: int) -> Team:
    """team-<t>: a lead and nine members."""
    team = Team(workspace_id=workspace.id, name=f"team-{t}", tz="Europe/Berlin", created_at=NOW)
    for m in range(10):
        person = Person(workspace_id=workspace.id, slack_user_id=f"U{t:03d}{m}", name=f"p{m}")
        team.memberships.append(TeamMember(person=person, role=LEAD if m == 0 else MEMBER))
    return team


def populate(db, count: int) -> list[Team]:
    rng = random.Random(7)
    workspace = Workspace(slack_team_id="TBENCH", created_at=NOW)
    db.add(workspace)
    db.flush()
    teams = [make_team(workspace, t) for t in range(TEAMS)]
    db.add_all(teams)
    db.flush()
    for n in range(count):
        team = teams[n % TEAMS]
        hire = Person(workspace_id=workspace.id, slack_user_id=f"UH{n:06d}", tz=rng.choice(ZONES))
        db.add(hire)
        start = (NOW + timedelta(days=rng.randint(-14, 14))).date()
        members = team.members
        start_walkthrough(
            db,
            team,
            hire,
            template=BUILT_IN,
            start=start,
            now=NOW,
            lead=team.leads[0],
            buddy=rng.choice(members),
        )
    db.commit()
    return teams


def median_ms(fn, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with factory() as db:
        t0 = time.perf_counter()
        teams = populate(db, count)
        took = time.perf_counter() - t0
        print(f"{count} walkthroughs ({count * len(BUILT_IN.steps)} steps) in {took:.1f} s")
        job = OnboardingJob()
        lead = teams[0].leads[0]
        tick = NOW + timedelta(days=3, hours=1)
        n = 0

        def start_one():
            nonlocal n
            n += 1
            hire = Person(workspace_id=teams[0].workspace_id, slack_user_id=f"UX{n:05d}", tz="UTC")
            db.add(hire)
            start_walkthrough(
                db,
                teams[1],
                hire,
                template=BUILT_IN,
                start=NOW.date(),
                now=NOW,
                lead=None,
                buddy=None,
            )
            db.flush()

        results = {
            "start one walkthrough": median_ms(start_one),
            "suggest a buddy": median_ms(
                lambda: suggest_buddy(db, teams[2], lead, start=NOW.date(), zone="UTC")
            ),
            "job tick, one minute": median_ms(
                lambda: list(job.due(db, tick - timedelta(minutes=1), tick))
            ),
            "job tick, a day's catch-up": median_ms(
                lambda: list(job.due(db, tick - timedelta(days=1), tick))
            ),
            "a lead's walkthroughs (App Home)": median_ms(lambda: followed_by(db, lead)),
        }
        db.rollback()
        due_minute = len(list(job.due(db, tick - timedelta(minutes=1), tick)))
        due_day = len(list(job.due(db, tick - timedelta(days=1), tick)))
    for name, ms in results.items():
        print(f"{name:36s} {ms:8.2f} ms")
    print(f"(the minute yields {due_minute} deliveries, the day {due_day})")


if __name__ == "__main__":
    main()
