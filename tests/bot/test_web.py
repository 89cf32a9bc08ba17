"""The HTTP side: health checks, concurrency, the worker's heartbeat, and `upkeep serve` itself."""

from __future__ import annotations

import json
import signal
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.app import build_app, deps_of
from bot.commands import Command
from bot.db import make_engine
from bot.feature import Feature
from bot.features import FEATURES
from bot.render import Reply
from bot.slack import build_client
from bot.web import BackgroundServer, build_web
from bot.worker import Worker
from models.core.runtime import last_beat
from tests.conftest import SIGNING_SECRET
from tests.processes import Process, free_port, process_env, upkeep
from tests.slack_requests import BOT_USER_ID, Signer, SlackDriver


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def serve(web) -> tuple[str, BackgroundServer]:
    srv = BackgroundServer(web)
    return srv.url, srv


def test_healthz_is_200_with_the_database_kind(server, is_postgres):
    assert get(server + "/healthz") == (
        200,
        {"ok": True, "database": "postgresql" if is_postgres else "sqlite"},
    )


def test_healthz_is_503_when_the_database_is_unreachable(app, deps, tmp_path):
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"
    engine = make_engine(missing)
    url, srv = serve(build_web(app, engine, missing, deps))
    try:
        status, body = get(url + "/healthz")
    finally:
        srv.close()
        engine.dispose()
    assert status == 503 and body["error"] == "database unreachable"


class Slow:
    """A feature whose command waits until the test lets it go."""

    release = threading.Event()
    started = threading.Event()
    slow = Command("/slow", "waits")

    @staticmethod
    @slow.sub("wait", "/slow wait", "blocks until released")
    def wait(req, args):
        Slow.started.set()
        assert Slow.release.wait(10)
        return Reply(text="released")


def test_a_slow_handler_does_not_stall_other_requests(
    settings, session_factory, clock, engine, slack
):
    app = build_app(
        settings,
        session_factory,
        build_client(settings, clock),
        clock,
        features=[*FEATURES, Feature("slow", commands=[Slow.slow])],
    )
    url, srv = serve(build_web(app, engine, settings.database_url, deps_of(app)))
    driver = SlackDriver(app, Signer(SIGNING_SECRET), base_url=url, response_url=slack.response_url)
    Slow.release.clear()
    slow_answer = {}
    blocked = threading.Thread(target=lambda: slow_answer.update(r=driver.command("/slow", "wait")))
    blocked.start()
    try:
        assert Slow.started.wait(10)
        # While /slow holds its thread, other requests are answered.
        for _ in range(3):
            assert "/upkeep status" in driver.command("/upkeep", "help").text
        assert get(url + "/healthz")[0] == 200
        assert blocked.is_alive()
    finally:
        Slow.release.set()
        blocked.join(10)
        srv.close()
    assert slow_answer["r"].text == "released"


def test_worker_tick_writes_the_heartbeat_that_status_shows(deps, driver, db, clock):
    assert "never seen" in driver.command("/upkeep", "status").text
    Worker(deps).tick()
    assert last_beat(db, "worker") == clock.now()
    clock.advance(minutes=3)
    assert "3 min ago" in driver.command("/upkeep", "status").text


@contextmanager
def upkeep_serve(slack, db_url: str, cwd: Path, **env: str) -> Iterator[tuple[str, Process]]:
    """`upkeep serve` in a process of its own, pointed at the emulator; its URL and process."""
    port = free_port()
    with upkeep(["serve"], process_env(slack, db_url, PORT=str(port), **env), cwd) as proc:
        proc.wait_for_output("serving slack on")
        yield f"http://127.0.0.1:{port}", proc


@pytest.fixture
def serve_process(slack, db_url, tmp_path):
    with upkeep_serve(slack, db_url, tmp_path) as (url, _):
        yield url


def test_upkeep_serve_answers_signed_requests_against_the_emulator(serve_process, slack, app):
    driver = SlackDriver(
        app, Signer(SIGNING_SECRET), base_url=serve_process, response_url=slack.response_url
    )
    answer = driver.command("/upkeep", "help")
    assert answer.status == 200 and "/upkeep status" in answer.text
    assert driver.command("/upkeep", "help", bad_signature=True).status == 401
    assert slack.calls_to("auth.test"), "the server called the emulator it was pointed at"
    assert get(serve_process + "/healthz")[0] == 200


def test_sigterm_stops_serving_after_the_slack_calls_requests_deferred(
    slack, db_url, tmp_path, app
):
    """A deploy's SIGTERM lands while a mention's reply (made after the answer) waits on Slack:
    the process makes that call, then exits cleanly, instead of dying with the call undone."""
    with upkeep_serve(slack, db_url, tmp_path) as (url, proc):
        driver = SlackDriver(app, Signer(SIGNING_SECRET), base_url=url, settle=False)
        release = slack.pause("chat.postMessage")
        try:
            assert driver.mention(f"<@{BOT_USER_ID}> help").status == 200
            assert slack.wait_for(lambda: bool(slack.calls_to("chat.postMessage")))
            proc.signal(signal.SIGTERM)
        finally:
            release.set()
        assert proc.wait(20) == 0
    assert "stopping: making the Slack calls" in proc.output and "stopped" in proc.output
