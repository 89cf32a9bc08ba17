"""How fast `/owner <name>` answers with a big catalog.

5,000 services owned by 200 teams, each with a DRI, a rotation for every tenth, and dependencies.
Prints the server-side time of really signed `/owner <name>` requests through the app (p50, p99),
and the loose matching alone over all names.

    python bench/owner_lookup.py [--requests 1000] [--database-url URL]

Targets (issue 4): `/owner <name>` p99 under 20 ms; loose matching under 5 ms.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select  # noqa: E402

from bench.harness import (  # noqa: E402
    app_driver,
    bench_database,
    latencies,
    p50_p99,
    parse_args,
    seconds_taken,
)
from bot.clock import FrozenClock  # noqa: E402
from bot.console.emulator import TEAM_ID  # noqa: E402
from models.catalog.services import NameIndex, Service, ServiceDependency, _names  # noqa: E402
from models.core.people import ensure_workspace  # noqa: E402
from models.core.workspace import LEAD, MEMBER, Person, Team, TeamMember  # noqa: E402
from models.oncall.rotations import Rotation, RotationMember  # noqa: E402

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
WORDS = [
    "billing",
    "ledger",
    "search",
    "auth",
    "payments",
    "cart",
    "email",
    "fraud",
    "risk",
    "report",
    "index",
    "media",
    "queue",
    "geo",
    "notify",
    "profile",
    "pricing",
    "tax",
]
KINDS = ["api", "worker", "db", "cron", "gateway", "service"]


def build(factory, teams: int, services: int) -> list[str]:
    """Bulk-load the catalog (plain inserts: this measures reading, not writing)."""
    with factory() as db:
        workspace = ensure_workspace(db, TEAM_ID, NOW)
        db.flush()
        ws = workspace.id
        db.execute(
            insert(Person),
            [
                {
                    "workspace_id": ws,
                    "slack_user_id": f"U{i:05d}",
                    "name": f"p{i}",
                    "real_name": f"Person {i}",
                    "tz": "Europe/Berlin",
                    "is_admin": False,
                    "is_bot": False,
                    "deleted": False,
                }
                for i in range(teams * 5)
            ],
        )
        people = db.scalars(select(Person.id).where(Person.workspace_id == ws)).all()
        db.execute(
            insert(Team),
            [
                {
                    "workspace_id": ws,
                    "name": f"team-{i:03d}",
                    "channel_id": f"C{i:05d}",
                    "tz": "Europe/Berlin",
                    "created_at": NOW,
                }
                for i in range(teams)
            ],
        )
        team_ids = db.scalars(select(Team.id).where(Team.workspace_id == ws)).all()
        db.execute(
            insert(TeamMember),
            [
                {"team_id": t, "person_id": people[i * 5 + j], "role": LEAD if j == 0 else MEMBER}
                for i, t in enumerate(team_ids)
                for j in range(5)
            ],
        )
        db.execute(
            insert(Rotation),
            [
                {
                    "workspace_id": ws,
                    "team_id": t,
                    "name": f"rota-{i:03d}",
                    "tz": "Europe/Berlin",
                    "handoff_time": clock_time(10),
                    "handoff_weekday": 0,
                    "shift_length": 1,
                    "shift_unit": "w",
                    "anchor": date(2026, 1, 5),
                    "channel_id": None,
                    "reminder_hours": 24,
                    "created_at": NOW,
                }
                for i, t in enumerate(team_ids)
            ],
        )
        rotation_ids = db.scalars(select(Rotation.id).order_by(Rotation.id)).all()
        db.execute(
            insert(RotationMember),
            [
                {"rotation_id": r, "person_id": people[i * 5 + j], "position": j, "active": True}
                for i, r in enumerate(rotation_ids)
                for j in range(1, 5)
            ],
        )
        rng = random.Random(7)
        names = []
        rows = []
        for i in range(services):
            name = f"{rng.choice(WORDS)}-{rng.choice(KINDS)}-{i:04d}"
            names.append(name)
            team = i % teams
            rows.append(
                {
                    "workspace_id": ws,
                    "name": name,
                    "title": name.replace("-", " ").title(),
                    "description": "",
                    "team_id": team_ids[team],
                    "dri_id": people[team * 5 + 1],
                    "tier": 1 + i % 4,
                    "lifecycle": "production",
                    "runbook": f"https://runbooks.example.com/{name}",
                    "repo": None,
                    "dashboard": None,
                    "docs": None,
                    "channel_id": None,
                    "rotation_id": rotation_ids[team] if i % 10 == 0 else None,
                    "tags": [],
                    "last_reviewed": None,
                    "updated_at": NOW,
                }
            )
        db.execute(insert(Service), rows)
        ids = db.scalars(select(Service.id).order_by(Service.id)).all()
        db.execute(
            insert(ServiceDependency),
            [
                {"service_id": ids[i], "depends_on_id": ids[(i * 7 + k) % len(ids)]}
                for i in range(len(ids))
                for k in (1, 2, 3)
            ],
        )
        db.commit()
        return names


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--services", type=int, default=5000)
    args = parse_args(parser)

    with bench_database(args.database_url, "owner.db") as bench:
        factory = bench.factory
        names, took = seconds_taken(build, factory, args.teams, args.services)
        print(
            f"catalog: {args.services} services, {args.teams} teams on "
            f"{bench.engine.dialect.name} (built in {took:.1f} s)"
        )
        bench.slack.add_user("U0ASKER", "Asker", "Europe/Berlin")
        driver = app_driver(bench.slack, bench.url, factory, FrozenClock(NOW))
        rng = random.Random(11)
        driver.command("/owner", names[0], user="U0ASKER")  # first sight of the asker

        def ask() -> None:
            answer = driver.command("/owner", rng.choice(names), user="U0ASKER")
            assert answer.status == 200 and "Team:" in answer.text, answer.text

        print(
            f"/owner <exact name> through the app ({args.requests} signed requests): "
            f"{p50_p99(latencies(args.requests, ask))} (target p99 < 20 ms)"
        )

        with factory() as db:
            from models.core.workspace import Workspace

            workspace = db.scalar(select(Workspace))
            start = time.perf_counter()
            rows = _names(db, workspace)
            fetch = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        index = NameIndex(rows)
        build_ms = (time.perf_counter() - start) * 1000
        # What people type: whole names, words of names, prefixes, fragments, and typos.
        typed = [
            rng.choice(
                [
                    rng.choice(names),
                    rng.choice(WORDS),
                    rng.choice(KINDS),
                    rng.choice(names)[:5],
                    rng.choice(names)[3:9],
                    rng.choice(names) + "x",
                ]
            )
            for _ in range(2000)
        ]
        match_ms = []
        for word in typed:
            start = time.perf_counter()
            index.match(word)
            match_ms.append((time.perf_counter() - start) * 1000)
        print(
            f"loose matching over {len(rows)} names: {p50_p99(match_ms, 3)}, "
            f"max {max(match_ms):.3f} ms (target < 5 ms)"
        )
        print(
            f"once per catalog change: fetching the names {fetch:.1f} ms, indexing them "
            f"{build_ms:.1f} ms"
        )


if __name__ == "__main__":
    main()
