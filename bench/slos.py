"""SLO figures at scale: a refresh of 500 SLOs against a real Prometheus, and `/slo` for a team
with 50 SLOs through the app (signed requests, reading stored figures).

    python bench/slos.py [--slos 500] [--team-slos 50] [--requests 1000] [--database-url URL]

Needs `prometheus` and `promtool` on PATH (Debian: apt-get install prometheus). Each SLO has its
own job's counters (31 days, every 30 minutes), backfilled with promtool into a TSDB of its own
and served on a free port. Targets: a refresh under 30 s; `/slo` p99 under 20 ms."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.harness import (  # noqa: E402
    app_driver,
    bench_database,
    latencies,
    p50_p99,
    parse_args,
)
from bot.clock import FrozenClock  # noqa: E402
from bot.console.emulator import TEAM_ID  # noqa: E402
from models.config import import_config  # noqa: E402
from models.core.people import ensure_workspace  # noqa: E402
from models.slos.figures import refresh_figures  # noqa: E402
from models.slos.prometheus import Prometheus  # noqa: E402
from models.slos.slos import OK, Slo  # noqa: E402
from tests.slos.prometheus_server import Backfill, prometheus_serving  # noqa: E402

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
STEP = 1800
PER_STEP = 10 * STEP


def backfill(slos: int) -> Backfill:
    series = Backfill(step=STEP)
    since = NOW - timedelta(days=31)
    for i in range(slos):
        errors = PER_STEP * (0.0001 * (1 + i % 20))  # 0.01% to 0.2%
        series.counter(f'job="svc-{i:04d}",code="500"', since, NOW, lambda t, e=errors: e)
        series.counter(
            f'job="svc-{i:04d}",code="200"', since, NOW, lambda t, e=errors: PER_STEP - e
        )
    return series


def config(slos: int, team_slos: int) -> dict:
    teams = [
        {"name": "payments", "channel": "C0PAYMENTS", "timezone": "Europe/Berlin"},
        {"name": "others", "channel": "C0OTHERS", "timezone": "UTC"},
    ]
    services, entries = [], []
    for i in range(slos):
        name = f"svc-{i:04d}"
        services.append({"name": name, "team": "payments" if i < team_slos else "others"})
        errors = f'sum(rate(http_requests_total{{job="{name}",code="500"}}[{{{{.window}}}}]))'
        total = f'sum(rate(http_requests_total{{job="{name}"}}[{{{{.window}}}}]))'
        entries.append(
            {
                "name": f"{name}-availability",
                "service": name,
                "objective": 99.9,
                "window": "30d" if i % 3 else "month",
                "indicator": {"errors": errors, "total": total},
            }
        )
    return {"teams": teams, "services": services, "slos": entries}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slos", type=int, default=500)
    parser.add_argument("--team-slos", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--refreshes", type=int, default=3)
    args = parse_args(parser)

    with bench_database(args.database_url, "slos.db") as bench:
        factory = bench.factory
        began = time.perf_counter()
        with prometheus_serving(backfill(args.slos), Path(bench.tmp)) as prometheus_url:
            print(
                f"prometheus: {2 * args.slos} series, 31 days every {STEP // 60} min, backfilled "
                f"and started in {time.perf_counter() - began:.1f} s"
            )
            with factory() as db:
                workspace = ensure_workspace(db, TEAM_ID, NOW)
                import_config(db, workspace, config(args.slos, args.team_slos), NOW)
                db.commit()
            queries = []
            client = Prometheus(prometheus_url)
            ask = client.query
            client.query = lambda expr, at: (queries.append(expr), ask(expr, at))[1]
            for run in range(args.refreshes):
                queries.clear()
                at = NOW - timedelta(minutes=5 * (args.refreshes - 1 - run))
                with factory() as db:
                    slos = list(db.scalars(select(Slo)))
                    start = time.perf_counter()
                    figures = refresh_figures(db, slos, client, at)
                    db.commit()
                    took = time.perf_counter() - start
                ok = sum(1 for f in figures if f.status == OK)
                print(
                    f"refresh of {len(slos)} SLOs against Prometheus on "
                    f"{bench.engine.dialect.name}: {took:.2f} s, {len(queries)} queries, "
                    f"{ok} with figures (target < 30 s)"
                )

        bench.slack.add_user("U0ASKER", "Asker", "Europe/Berlin")
        driver = app_driver(bench.slack, bench.url, factory, FrozenClock(NOW))
        first = driver.command("/slo", "", user="U0ASKER", channel="C0PAYMENTS")
        shown = json.dumps(first.json["blocks"]).count("-availability*")
        assert shown == args.team_slos, first.text[:500]

        def ask() -> None:
            answer = driver.command("/slo", "", user="U0ASKER", channel="C0PAYMENTS")
            assert answer.status == 200 and "lowest budget first" in answer.text

        print(
            f"/slo for a team with {args.team_slos} SLOs through the app ({args.requests} signed "
            f"requests): {p50_p99(latencies(args.requests, ask))} (target p99 < 20 ms)"
        )
        driver.app.after.close()


if __name__ == "__main__":
    main()
