"""The Prometheus client at the edge it can't choose: a server that fails, is slow or wants
credentials. A scripted stand-in on 127.0.0.1 (port 0) answers as Prometheus's HTTP API does."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from bot.clock import FrozenClock
from models.slos.prometheus import Prometheus, PrometheusError, QueryRejected, duration

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OK = {"status": "success", "data": {"resultType": "vector", "result": []}}


class Scripted(ThreadingHTTPServer):
    """Answers each POST with the next (status, body) of `script`; records what it was sent."""

    def __init__(self, script: list[tuple[int, dict]]):
        super().__init__(("127.0.0.1", 0), Handler)
        self.script = script
        self.seen: list[tuple[dict, dict]] = []
        self.release = threading.Event()  # for a script step that hangs: (0, {})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Scripted

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self.server.seen.append((dict(self.headers), form))
        status, body = self.server.script.pop(0) if self.server.script else (200, OK)
        if status == 0:
            self.server.release.wait(5)
            return
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[callable]:
    servers = []

    def start(*script: tuple[int, dict]) -> Scripted:
        server = Scripted(list(script))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.release.set()
        server.shutdown()
        server.server_close()


def vector(*items: tuple[dict, str]) -> dict:
    result = [{"metric": labels, "value": [AT.timestamp(), value]} for labels, value in items]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


def test_a_server_error_is_retried_with_backoff_and_the_query_is_at_the_given_time(scripted):
    server = scripted((503, {"status": "error", "error": "starting"}), (200, vector(({}, "0.5"))))
    clock = FrozenClock(AT)
    prometheus = Prometheus(server.url, retries=2, sleep=clock.sleep)
    assert prometheus.query("up", AT) == [({}, 0.5)]
    assert clock.slept == [0.5]
    assert [form for _, form in server.seen] == [{"query": "up", "time": "1772442000.000"}] * 2


def test_it_gives_up_after_its_retries_and_says_why(scripted):
    server = scripted(*[(502, {"error": "bad gateway"})] * 3)
    clock = FrozenClock(AT)
    with pytest.raises(PrometheusError, match="Prometheus answered 502"):
        Prometheus(server.url, retries=2, sleep=clock.sleep).query("up", AT)
    assert clock.slept == [0.5, 1.0] and len(server.seen) == 3


def test_a_refused_expression_is_not_retried(scripted):
    server = scripted((400, {"status": "error", "errorType": "bad_data", "error": "parse error"}))
    with pytest.raises(QueryRejected, match="parse error"):
        Prometheus(server.url, retries=2, sleep=FrozenClock(AT).sleep).query("sum(", AT)
    assert len(server.seen) == 1


def test_a_server_that_hangs_times_out(scripted):
    server = scripted((0, {}))
    prometheus = Prometheus(server.url, timeout=0.2, retries=0)
    with pytest.raises(PrometheusError, match="could not be reached"):
        prometheus.query("up", AT)


@pytest.mark.parametrize(
    ("settings", "header"),
    [
        ({"bearer_token": "s3cret"}, "Bearer s3cret"),
        ({"username": "upkeep", "password": "pw"}, "Basic dXBrZWVwOnB3"),
        ({}, None),
    ],
)
def test_credentials_go_in_the_authorization_header(scripted, settings, header):
    server = scripted((200, OK))
    Prometheus(server.url, **settings).query("up", AT)
    assert server.seen[0][0].get("Authorization") == header


def test_many_expressions_go_in_one_query_and_equal_ones_once(scripted):
    answer = vector(({"upkeep_key": "0"}, "1.5"), ({"upkeep_key": "1"}, "NaN"))
    server = scripted((200, answer))
    exprs = {"a": "sum(rate(x[1h]))", "b": "sum(rate(y[1h]))", "c": "sum(rate(x[1h]))"}
    found, refused = Prometheus(server.url).ask_many(exprs, AT)
    assert found == {"a": 1.5, "b": None, "c": 1.5} and refused == {}
    (query,) = [form["query"] for _, form in server.seen]
    assert query == (
        'label_replace(sum(sum(rate(x[1h]))), "upkeep_key", "0", "", "") or '
        'label_replace(sum(sum(rate(y[1h]))), "upkeep_key", "1", "", "")'
    )


def test_infinite_and_nan_values_are_read_as_nothing_not_as_a_figure(scripted):
    answer = vector(
        ({"upkeep_key": "0"}, "+Inf"), ({"upkeep_key": "1"}, "-Inf"), ({"upkeep_key": "2"}, "NaN")
    )
    server = scripted((200, answer))
    exprs = {"a": "sum(rate(x[1h]))", "b": "sum(rate(y[1h]))", "c": "sum(rate(z[1h]))"}
    found, refused = Prometheus(server.url).ask_many(exprs, AT)
    assert found == {"a": None, "b": None, "c": None} and refused == {}


@pytest.mark.parametrize(
    "body",
    [
        b"<html>a proxy's login page</html>",
        {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}}]}},
        {"status": "success", "data": {"resultType": "vector", "result": [{"value": [1, "x"]}]}},
        {"status": "success", "data": {"resultType": "scalar", "result": None}},
        [],
    ],
)
def test_an_answer_that_is_not_prometheus_json_is_a_prometheus_error(scripted, body):
    server = scripted((200, body))
    with pytest.raises(PrometheusError, match="not an answer Prometheus gives"):
        Prometheus(server.url, retries=0).query("up", AT)


def test_a_batch_that_fails_costs_its_own_keys_and_the_rest_are_kept(scripted):
    """Several batches: the first answers, the second times out after its retries; what the
    first said is kept, and the keys of the second (and of any after it) are failed with why."""
    server = scripted(
        (200, vector(({"upkeep_key": "0"}, "2"), ({"upkeep_key": "1"}, "3"))),
        (503, {"status": "error", "error": "overloaded"}),
    )
    exprs = {name: f"sum(rate({name}_total[1h]))" for name in ("a", "b", "c", "d", "e")}
    prometheus = Prometheus(server.url, retries=0, batch_chars=150)  # two parts a batch
    found, failed = prometheus.ask_many(exprs, AT)
    assert found == {"a": 2.0, "b": 3.0}
    assert set(failed) == {"c", "d", "e"} and "503" in failed["c"]
    assert len(server.seen) == 2  # no batch asked of a server that just failed


def test_ranges_are_written_as_promql_writes_them():
    assert [duration(s) for s in (3600, 86400 * 30, 2674800, 90, 300)] == [
        "1h",
        "30d",
        "743h",
        "90s",
        "5m",
    ]
