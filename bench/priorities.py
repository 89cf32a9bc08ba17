"""How long the priorities queries take on a large backlog (SQLite file, or DATABASE_URL).

    python bench/priorities.py [teams] [items per team]

Prints the median of several runs for: the ranked list, the budget, the checkpoint report, and
one minute's tick of the checkpoint and survey jobs over every team."""

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

from bench.harness import add_team, latencies  # noqa: E402
from bot.db import make_engine, make_session_factory, upgrade  # noqa: E402
from handlers.priorities.jobs import CheckpointJob, SurveyJob  # noqa: E402
from models.core.workspace import Person, Team, Workspace  # noqa: E402
from models.priorities.backlog import (  # noqa: E402
    CATEGORIES,
    CONFIDENCES,
    IMPACTS,
    STATUSES,
    BacklogItem,
    ranked,
)
from models.priorities.budget import budget  # noqa: E402
from models.priorities.checkpoint import checkpoint  # noqa: E402

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def populate(db, teams: int, per_team: int) -> list[Team]:
    rng = random.Random(8)
    workspace = Workspace(slack_team_id="TBENCH", created_at=NOW)
    db.add(workspace)
    db.flush()
    out = []
    for t in range(teams):
        people = [
            Person(workspace_id=workspace.id, slack_user_id=f"U{t:04d}{m}", tz="UTC")
            for m in range(8)
        ]
        team = add_team(db, workspace, f"team-{t}", f"C{t:05d}", people, NOW)
        for n in range(1, per_team + 1):
            at = NOW - timedelta(days=rng.randint(0, 90))
            db.add(
                BacklogItem(
                    workspace_id=workspace.id,
                    team_id=team.id,
                    number=n,
                    title=f"item {n}",
                    category=rng.choice(CATEGORIES),
                    reach=rng.randint(0, 5000),
                    impact=rng.choice(IMPACTS),
                    confidence=rng.choice(CONFIDENCES),
                    effort=rng.choice([0.5, 1, 2, 3, 5]),
                    status=rng.choice(STATUSES),
                    created_at=at,
                    updated_at=at,
                    status_changed_at=at,
                )
            )
        out.append(team)
    db.commit()
    return out


def timed(label: str, fn, runs: int = 7) -> None:
    samples = latencies(runs, fn)
    print(f"{label:<48} median {statistics.median(samples):8.2f} ms   max {max(samples):8.2f} ms")


def main() -> None:
    teams = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    per_team = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    engine = make_engine(url)
    db = make_session_factory(engine)()
    started = time.perf_counter()
    all_teams = populate(db, teams, per_team)
    print(
        f"{teams} teams x {per_team} items, 8 members each "
        f"(populated in {time.perf_counter() - started:.1f} s) on {engine.dialect.name}"
    )
    team = all_teams[0]
    timed("ranked list of one team", lambda: (db.expire_all(), ranked(db, team)))
    timed("budget of one team", lambda: (db.expire_all(), budget(db, team)))
    timed(
        "checkpoint report of one team",
        lambda: (db.expire_all(), checkpoint(db, team, NOW - timedelta(days=7), now=NOW)),
    )
    tick = (NOW - timedelta(minutes=1), NOW)
    timed(
        f"checkpoint job due(), 1-minute tick, {teams} teams",
        lambda: (db.expire_all(), list(CheckpointJob().due(db, *tick))),
    )
    timed(
        f"survey job due(), 1-minute tick, {teams} teams",
        lambda: (db.expire_all(), list(SurveyJob().due(db, *tick))),
    )
    week = (NOW - timedelta(days=7), NOW)
    timed(
        f"checkpoint job due(), 7-day catch-up, {teams} teams",
        lambda: (db.expire_all(), list(CheckpointJob().due(db, *week))),
    )
    db.close()
    engine.dispose()


if __name__ == "__main__":
    main()
