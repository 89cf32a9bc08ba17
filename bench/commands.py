"""How fast Upkeep answers real slash commands, next to a bare Bolt app that only acks.

Both run as processes of their own on the same server setup (waitress, the same thread count),
with Slack's Web API played by the emulator. The database holds the demo workspace (two teams,
two rotations with a change of rule and a dozen overrides, four services). This process sends
really signed requests over HTTP from keep-alive connections and prints p50/p99 latency and
requests per second for each command at concurrency 1 and 8, and the ratio to the bare app.

    python bench/commands.py [--requests 2000] [--database-url URL]

(`THREADS=N` in the environment sets both servers' thread count; 16 by default, as `serve`.)

Targets (issue 16): `/oncall <rotation>` and `/owner <service>` at least 0.5x the bare app's
throughput and p99 under 50 ms at concurrency 8, on SQLite and PostgreSQL; `/upkeep help` (no
database) at least 0.7x.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
THREADS = int(os.environ.get("THREADS", "16"))
USERS = ["U0YOU", "U0ANA", "U0BEN", "U0CHO"]
COMMANDS = [("/upkeep", "help"), ("/oncall", "payments-primary"), ("/owner", "billing-api")]
TARGETS = {"/upkeep": 0.7, "/oncall": 0.5, "/owner": 0.5}
KINDS = ("bare", "upkeep")
ROUNDS = 5


def settings_for(api_url: str, database_url: str):
    from bot.settings import Settings

    return Settings(
        _env_file=None,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=api_url,
        database_url=database_url,
    )


def serve(kind: str, port: int, api_url: str, database_url: str) -> None:
    """The server side (run in a child process)."""
    import logging

    from bot.web import make_server

    logging.disable(logging.WARNING)
    settings = settings_for(api_url, database_url)
    if kind == "bare":
        from slack_bolt import App
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        from bot.clock import SystemClock
        from bot.slack import build_client

        bare = App(
            client=build_client(settings, SystemClock()),
            signing_secret=SECRET,
            process_before_response=True,
        )
        for command, _ in COMMANDS:
            bare.command(command)(lambda ack: ack("ok"))
        wsgi = SlackRequestHandler(bare)
    else:
        from bot.runtime import build_runtime

        wsgi = build_runtime(settings).web
    server = make_server(wsgi, "127.0.0.1", port, threads=THREADS)
    print("ready", flush=True)
    server.run()


def seed(database_url: str, slack) -> None:
    """The demo workspace, a change of rule on the weekly rotation, and upcoming overrides."""
    from bot.console import demo
    from bot.console.emulator import TEAM_ID
    from bot.db import make_engine, make_session_factory, unit_of_work, upgrade
    from models.core.config import ImportContext
    from models.core.people import ensure_workspace
    from models.oncall.config import set_rotation
    from models.oncall.overrides import add_override
    from models.oncall.rotations import lookup_rotation

    upgrade(database_url)
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine)) as db:
        workspace = ensure_workspace(db, TEAM_ID, now - timedelta(days=60))
        demo.seed(db, workspace, now - timedelta(days=30), lambda uid: slack.users.get(uid))
        rotation = lookup_rotation(db, workspace, "payments-primary")
        ctx = ImportContext(db, workspace, now - timedelta(days=10), None)
        set_rotation(ctx, "payments-primary", {"every": "2w"}, existing=rotation)
        people = {m.person.slack_user_id: m.person for m in rotation.members}
        for day in range(12):
            start = now + timedelta(days=day, hours=2)
            add_override(
                db,
                rotation,
                people["U0CHO"],
                start=start,
                end=start + timedelta(hours=3),
                reason="swap",
                created_by=None,
                now=now - timedelta(days=1),
            )
    engine.dispose()


def signed(command: str, text: str, user: str) -> tuple[bytes, dict[str, str]]:
    from slack_sdk.signature import SignatureVerifier

    body = urlencode(
        {
            "team_id": "T0001EXAMPLE",
            "channel_id": "C0PAYMENTS",
            "user_id": user,
            "command": command,
            "text": text,
            "response_url": "http://127.0.0.1:9/response",
            "trigger_id": "1.2.3",
        }
    )
    ts = str(int(time.time()))
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }
    return body.encode(), headers


def load(port: int, command: tuple[str, str], concurrency: int, total: int):
    """`total` requests from `concurrency` keep-alive connections; (latencies in ms, req/s)."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_worker = total // concurrency

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for n in range(per_worker):
            body, headers = signed(*command, USERS[(i + n) % len(USERS)])
            start = time.perf_counter()
            conn.request("POST", "/slack/events", body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            mine.append((time.perf_counter() - start) * 1000)
            if response.status != 200 or b"went wrong" in answer:
                raise SystemExit(f"{command}: HTTP {response.status} {answer[:200]!r}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, len(latencies) / (time.perf_counter() - began)


def start(kind: str, api_url: str, database_url: str) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--port", str(port), "--api-url", api_url]
        + ["--database-url", database_url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc, port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--only", help="the commands to measure, by name (e.g. /oncall); all by default"
    )
    parser.add_argument("--serve")
    parser.add_argument("--port", type=int)
    parser.add_argument("--api-url")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.api_url, args.database_url)
        return

    from bench.fanout import fresh_database
    from bot.console import demo
    from bot.console.emulator import SlackEmulator

    with tempfile.TemporaryDirectory() as tmp, SlackEmulator() as slack:
        for uid, (name, tz, extra) in demo.PEOPLE.items():
            slack.add_user(uid, name, tz, **extra)
        database_url = fresh_database(args.database_url or f"sqlite:///{tmp}/bench.db")
        seed(database_url, slack)
        servers = {kind: start(kind, slack.api_url, database_url) for kind in KINDS}
        try:
            chosen = [c for c in COMMANDS if not args.only or c[0] in args.only.split(",")]
            ports = {kind: port for kind, (_, port) in servers.items()}
            results = measure(ports, args.requests, chosen)
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait()
    report(results, database_url, chosen)


def measure(ports: dict[str, int], requests: int, commands: list[tuple[str, str]]) -> dict:
    """Each command at each concurrency in ROUNDS rounds, the two apps taking turns, so that
    whatever else the machine is doing weighs on both alike: every latency, and the median
    round's rate."""
    results = {}
    for command in commands:
        for port in ports.values():
            load(port, command, 4, 200)  # warm up: auth.test, first sight, caches
        for concurrency in (1, 8):
            total = (requests if concurrency > 1 else requests // 2) // ROUNDS
            rounds: dict[str, list] = {kind: [] for kind in ports}
            for _ in range(ROUNDS):
                for kind, port in ports.items():
                    rounds[kind].append(load(port, command, concurrency, total))
            for kind, runs in rounds.items():
                latencies = [ms for run, _ in runs for ms in run]
                results[kind, command, concurrency] = (
                    latencies,
                    statistics.median(rate for _, rate in runs),
                )
    return results


def report(results: dict, database_url: str, commands: list[tuple[str, str]]) -> None:
    kind = database_url.split(":")[0].split("+")[0]
    print(f"server: waitress, {THREADS} threads, one process each; database {kind}")
    print(f"rates: the median of {ROUNDS} rounds, taken in turns with the bare app")
    print(f"{'command':32} {'conc':>4} {'p50 ms':>7} {'p99 ms':>7} {'req/s':>7} {'vs bare':>7}")
    met = True
    for command in commands:
        for concurrency in (1, 8):
            latencies, rate = results["upkeep", command, concurrency]
            bare = results["bare", command, concurrency][1]
            q = statistics.quantiles(latencies, n=100)
            ratio = rate / bare
            row = f"{' '.join(command):32} {concurrency:>4} {q[49]:>7.2f} {q[98]:>7.2f}"
            print(f"{row} {rate:>7.0f} {ratio:>7.2f}")
            if concurrency == 8:
                met &= q[98] < 50 and ratio >= TARGETS[command[0]]
        bare8 = results["bare", command, 8]
        q = statistics.quantiles(bare8[0], n=100)
        print(
            f"{'  (bare app, same command)':32} {8:>4} {q[49]:>7.2f} {q[98]:>7.2f} {bare8[1]:>7.0f}"
        )
    print(
        f"targets at concurrency 8 (p99 < 50 ms; >= 0.5x bare, help >= 0.7x): "
        f"{'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
