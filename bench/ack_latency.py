"""How fast Upkeep acknowledges a slash command, next to a bare Bolt app that only acks.

Both run as their own process on the same server setup (waitress, the same thread count), with
Slack's Web API played by the emulator; this process sends really signed `/upkeep help` requests
over HTTP at concurrency 1, 8 and 32 and prints p50/p99 latency and requests per second.

    python bench/ack_latency.py [--requests 2000] [--database-url sqlite:///...]

Targets (issue 2): p99 under 50 ms at concurrency 8; at least 0.7 of the bare app's throughput.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
THREADS = 16


def serve(kind: str, port: int, api_url: str, database_url: str) -> None:
    """The server side (run in a child process)."""
    import logging

    from slack_bolt import App

    from bot.settings import Settings
    from bot.web import make_server

    logging.disable(logging.WARNING)
    settings = Settings(
        _env_file=None,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=api_url,
        database_url=database_url,
    )
    if kind == "bare":
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        from bot.clock import SystemClock
        from bot.slack import build_client

        bare = App(
            client=build_client(settings, SystemClock()),
            signing_secret=SECRET,
            process_before_response=True,
        )
        bare.command("/upkeep")(lambda ack: ack("ok"))
        handler = SlackRequestHandler(bare)

        def wsgi(environ, start_response):
            return handler(environ, start_response)
    else:
        from bot.db import upgrade
        from bot.runtime import build_runtime

        upgrade(database_url)
        wsgi = build_runtime(settings).web
    server = make_server(wsgi, "127.0.0.1", port, threads=THREADS)
    print("ready", flush=True)
    server.run()


def signed_form(text: str, user: str) -> tuple[bytes, dict[str, str]]:
    from slack_sdk.signature import SignatureVerifier

    body = urlencode(
        {
            "team_id": "T0001EXAMPLE",
            "channel_id": "C0PAYMENTS",
            "user_id": user,
            "command": "/upkeep",
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


def load(port: int, concurrency: int, total: int) -> tuple[list[float], float]:
    """Send `total` requests from `concurrency` keep-alive connections; latencies in ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_worker = total // concurrency

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(per_worker):
            body, headers = signed_form("help", f"U0BENCH{i % 4}")
            start = time.perf_counter()
            conn.request("POST", "/slack/events", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - start) * 1000)
            if response.status != 200:
                raise SystemExit(f"HTTP {response.status}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return latencies, len(latencies) / elapsed


def start(kind: str, api_url: str, database_url: str) -> tuple[subprocess.Popen, int]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            kind,
            "--port",
            str(port),
            "--api-url",
            api_url,
            "--database-url",
            database_url,
        ],
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
    parser.add_argument("--serve")
    parser.add_argument("--port", type=int)
    parser.add_argument("--api-url")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.api_url, args.database_url)
        return

    from bot.console.emulator import SlackEmulator

    with tempfile.TemporaryDirectory() as tmp, SlackEmulator() as slack:
        for i in range(4):
            slack.add_user(f"U0BENCH{i}", f"Bench {i}", "Europe/Berlin")
        database_url = args.database_url or f"sqlite:///{tmp}/bench.db"
        results = {}
        for kind in ("bare", "upkeep"):
            proc, port = start(kind, slack.api_url, database_url)
            try:
                load(port, 4, 200)  # warm up: auth.test, first sight of the users, caches
                for concurrency in (1, 8, 32):
                    total = args.requests if concurrency > 1 else args.requests // 2
                    results[kind, concurrency] = load(port, concurrency, total)
            finally:
                proc.terminate()
                proc.wait()

    kind = database_url.split(":")[0]
    print(f"server: waitress, {THREADS} threads, one process each; database {kind}")
    print(f"{'app':8} {'conc':>4} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'vs bare':>8}")
    for concurrency in (1, 8, 32):
        for kind in ("bare", "upkeep"):
            latencies, rate = results[kind, concurrency]
            q = statistics.quantiles(latencies, n=100)
            ratio = rate / results["bare", concurrency][1]
            print(
                f"{kind:8} {concurrency:>4} {q[49]:>8.2f} {q[98]:>8.2f} {rate:>8.0f} {ratio:>8.2f}"
            )
    p99 = statistics.quantiles(results["upkeep", 8][0], n=100)[98]
    ratio = results["upkeep", 8][1] / results["bare", 8][1]
    verdict = "met" if p99 < 50 and ratio >= 0.7 else "NOT met"
    print(f"target (p99 < 50 ms at 8, >= 0.7 of bare): {verdict} (p99 {p99:.1f} ms, {ratio:.2f})")


if __name__ == "__main__":
    main()
