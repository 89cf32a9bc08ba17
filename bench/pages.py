"""Alert ingest over HTTP and the page-load digest on a large team (SQLite file, or PostgreSQL).

    python bench/pages.py [--alerts 3000] [--concurrency 4] [--pages 50000]
                          [--database-url URL ...]   (default: a fresh SQLite file)

Ingest: the real web app (waitress, in one process of its own, as `upkeep serve` runs it) on
127.0.0.1; keep-alive clients (processes of their own) POST `/hooks/generic` with a bearer
token: one alert per request from 1 client, then from N; then 20 alerts per request. Each page
is attributed to the person on call.
Digest: 50,000 pages in one team's week, the figures (`models.pageload.load`), the sleep-hour
pages waiting, the service counts and the PNG chart.
Both are printed next to a raw `executemany` insert of the same rows in the same run; ingest also
next to the same rows inserted a transaction per row (the database and driver alone: the floor
for one alert per commit on this machine).
Targets: ingest >= 500 alerts/s, digest < 1 s."""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import multiprocessing
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert  # noqa: E402

from bench.fanout import fresh_database  # noqa: E402
from bench.harness import weekly_rotation  # noqa: E402
from bot.app import build_app  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.db import make_engine, make_session_factory, normalize_url, upgrade  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.slack import build_client  # noqa: E402
from bot.web import build_web, make_server  # noqa: E402
from handlers.pages.chart import pages_per_day_png  # noqa: E402
from models.core.workspace import Person, Team, Workspace  # noqa: E402
from models.pages.integrations import Integration, add_integration  # noqa: E402
from models.pages.load import load, service_counts, unclassified_sleep_pages  # noqa: E402
from models.pages.pages import HOUR_CLASSES, Page  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo"]
BATCH = 20
THREADS = 8


def seed(factory) -> tuple[int, str, list[int]]:
    """A team with a weekly rotation of three people in three zones, and a generic hook."""
    with factory() as db:
        workspace = Workspace(slack_team_id="T0001EXAMPLE", created_at=NOW)
        db.add(workspace)
        db.flush()
        team = Team(
            workspace_id=workspace.id, name="payments", channel_id="C0PAY", tz="Europe/Berlin"
        )
        team.created_at = NOW
        people = [
            Person(workspace_id=workspace.id, slack_user_id=f"U0B{i}", name=f"p{i}", tz=zone)
            for i, zone in enumerate(ZONES)
        ]
        db.add_all([team, *people])
        db.flush()
        weekly_rotation(db, team, "payments-primary", people, NOW)
        _, token = add_integration(
            db,
            workspace,
            team,
            source="generic",
            now=NOW,
            rotation="payments-primary",
            severities="*",
        )
        db.commit()
        return team.id, token, [p.id for p in people]


def serve(url: str, ready) -> None:
    """The web app as `upkeep serve` runs it, in a process of its own; its URL goes to `ready`."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth is 1"
    settings = Settings(
        _env_file=None,
        slack_bot_token="xoxb-bench",
        slack_signing_secret="bench",
        slack_api_url="http://127.0.0.1:9/api/",
        database_url=url,
    )
    clock = SystemClock()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    app = build_app(settings, factory, build_client(settings, clock), clock)
    server = make_server(build_web(app, engine, url, app.upkeep_deps), "127.0.0.1", 0, THREADS)
    ready.put(f"http://127.0.0.1:{server.effective_port}")
    server.run()


def alert(i: int, rng: random.Random) -> dict:
    started = NOW - timedelta(seconds=rng.randint(0, 7 * 86400))
    return {
        "key": f"bench-{i}",
        "title": f"Alert {i % 40} firing",
        "alert": f"Alert{i % 40}",
        "service": f"service-{i % 12}",
        "started_at": started.isoformat(),
    }


def post_chunk(args: tuple[str, str, list[bytes]]) -> list[str]:
    """POST each body over one keep-alive connection (in a client process); the failures."""
    url, token, bodies = args
    host, port = url.removeprefix("http://").split(":")
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    failures = []
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    for body in bodies:
        conn.request("POST", "/hooks/generic", body=body, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        if response.status != 200:
            failures.append(f"{response.status} {answer[:200]!r}")
    conn.close()
    return failures


def post_all(pool, url: str, token: str, bodies: list[bytes], concurrency: int) -> float:
    """POST every body from `concurrency` client processes (so the clients don't share the
    server's interpreter); seconds taken."""
    chunks = [(url, token, bodies[i::concurrency]) for i in range(concurrency)]
    t0 = time.perf_counter()
    failures = [f for chunk in pool.map(post_chunk, chunks) for f in chunk]
    elapsed = time.perf_counter() - t0
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return elapsed


def page_rows(integration: tuple[int, int, int], people: list[int], n: int, prefix: str):
    """`n` pages as dicts; `integration` is (workspace id, team id, integration id)."""
    workspace_id, team_id, integration_id = integration
    rng = random.Random(5)
    rows = []
    for i in range(n):
        started = NOW - timedelta(seconds=rng.randint(1, 7 * 86400 - 1))
        rows.append(
            {
                "workspace_id": workspace_id,
                "team_id": team_id,
                "integration_id": integration_id,
                "source": "generic",
                "external_key": f"{prefix}-{i}",
                "title": f"Alert {i % 40} firing",
                "alert_name": f"Alert{i % 40}",
                "severity": "page",
                "service_name": f"service-{i % 12}",
                "service_id": None,
                "rotation": "payments-primary",
                "person_id": people[i % len(people)],
                "started_at": started,
                "hour_class": HOUR_CLASSES[i % 3],
                "local_date": started.date(),
                "classification": None if i % 7 else "duplicate",
                "created_at": NOW,
            }
        )
    return rows


def raw_insert(engine, rows: list[dict]) -> float:
    """One transaction, one executemany (SQLAlchemy Core insert) of the rows; seconds taken."""
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(Page.__table__), rows)
    return time.perf_counter() - t0


def raw_one_by_one(engine, rows: list[dict]) -> float:
    """Each row in a transaction of its own (Core insert, one connection): what one alert per
    commit costs the database and the driver alone, without HTTP or the app; seconds taken."""
    statement = insert(Page.__table__)
    t0 = time.perf_counter()
    with engine.connect() as conn:
        for row in rows:
            conn.execute(statement, row)
            conn.commit()
    return time.perf_counter() - t0


def analyze(engine) -> None:
    """Table statistics as a live database has them (autovacuum analyzes a table as it
    grows; this one was created seconds ago): without them PostgreSQL plans the lookup of an
    integration's last alert groups for an empty table."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def digest_once(factory, team_id: int, pages: int) -> float:
    with factory() as db:
        team = db.get(Team, team_id)
        t0 = time.perf_counter()
        figures = load(db, team, start=NOW - timedelta(days=7), end=NOW + timedelta(seconds=1))
        unclassified_sleep_pages(db, team, NOW, limit=10)
        service_counts(db, team, NOW)
        pages_per_day_png(figures.per_day, "bench")
        elapsed = time.perf_counter() - t0
    assert figures.total == pages, figures.total
    return elapsed


def bench(url: str | None, alerts: int, concurrency: int, pages: int) -> None:
    url = fresh_database(url)
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    team_id, token, people = seed(factory)
    context = multiprocessing.get_context("spawn")
    ready = context.Queue()
    server = context.Process(target=serve, args=(url, ready), daemon=True)
    server.start()
    server_url = ready.get(timeout=60)
    rng = random.Random(1)
    kind = normalize_url(url).split(":")[0].split("+")[0]
    print(
        f"\n== {kind}: the web app in its own process (waitress, {THREADS} threads); "
        "clients in processes of their own"
    )
    warm_up = [json.dumps(alert(-i - 1, rng)).encode() for i in range(50)]
    runs = {  # (alerts per request, clients) -> request bodies
        (1, 1): [json.dumps(alert(i, rng)).encode() for i in range(alerts)],
        (1, concurrency): [json.dumps(alert(alerts + i, rng)).encode() for i in range(alerts)],
        (BATCH, concurrency): [
            json.dumps({"alerts": [alert(2 * alerts + i + j, rng) for j in range(BATCH)]}).encode()
            for i in range(0, alerts, BATCH)
        ],
    }
    seconds = {}
    try:
        with context.Pool(concurrency) as pool:
            post_all(pool, server_url, token, warm_up, concurrency)
            analyze(engine)
            for (per_request, clients), bodies in runs.items():
                seconds[per_request, clients] = post_all(pool, server_url, token, bodies, clients)
    finally:
        server.terminate()
        server.join()
    with factory() as db:
        stored = db.query(Page).count()
        attributed = db.query(Page).filter(Page.person_id.is_not(None)).count()
        hook = db.query(Integration).one()
        integration = (hook.workspace_id, hook.team_id, hook.id)
    assert stored == 50 + 3 * alerts and attributed == stored, (stored, attributed)
    seconds["raw", 1] = raw_insert(engine, page_rows(integration, people, alerts, "raw"))
    seconds["one by one", 1] = raw_one_by_one(engine, page_rows(integration, people, alerts, "one"))
    print(f"{'ingest':40} {'alerts':>7} {'seconds':>8} {'alerts/s':>9}")
    for (per_request, clients), took in seconds.items():
        label = {
            "raw": "raw executemany, same rows",
            "one by one": "raw, a transaction per row",
        }.get(per_request, f"HTTP, {per_request} alert(s)/request, {clients} client(s)")
        print(f"{label:40} {alerts:>7} {took:>8.2f} {alerts / took:>9.0f}")

    with engine.begin() as conn:
        conn.execute(delete(Page.__table__))
    rows = page_rows(integration, people, pages, "digest")
    insert_s = raw_insert(engine, rows)
    runs = [digest_once(factory, team_id, pages) for _ in range(5)]
    median = statistics.median(runs)
    print(f"{'digest':40} {'pages':>7} {'seconds':>8}")
    print(f"{'figures + waiting + counts + chart':40} {pages:>7} {median:>8.3f}  (median of 5)")
    print(f"{'raw executemany of those rows':40} {pages:>7} {insert_s:>8.3f}")
    best = max(alerts / seconds[1, c] for c in (1, concurrency))
    ingest_ok = best >= 500
    print(
        f"targets: ingest >= 500 alerts/s (1 per request, best of 1 and {concurrency} clients): "
        f"{'met' if ingest_ok else 'NOT met'}; "
        f"digest < 1 s: {'met' if median < 1 else 'NOT met'}"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--pages", type=int, default=50_000)
    parser.add_argument("--database-url", action="append", default=None)
    args = parser.parse_args()
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth is 1"
    for url in args.database_url or [None]:
        bench(url, args.alerts, args.concurrency, args.pages)


if __name__ == "__main__":
    main()
