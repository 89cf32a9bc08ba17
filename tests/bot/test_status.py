"""`/upkeep status` and `/healthz?worker=1` judge the worker by how often it is set to tick."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta

import pytest

from bot.worker import Worker


@pytest.fixture
def settings(settings):
    """A worker set to tick every 5 minutes (WORKER_TICK_SECONDS=300)."""
    return settings.model_copy(update={"worker_tick_seconds": 300.0})


def test_a_worker_that_ticks_every_five_minutes_is_not_called_stopped_between_ticks(
    deps, driver, clock
):
    """Status said "stopped? it ticks every minute, and none came in 3 min" of a worker set to
    tick every 5 minutes, four minutes after its last tick."""
    Worker(deps).tick()
    clock.advance(minutes=4)
    status = driver.command("/upkeep", "status").text
    assert "(4 min ago)" in status and "stopped?" not in status
    clock.advance(minutes=12)
    status = driver.command("/upkeep", "status").text
    assert "stopped? it ticks every 5 min, and none came in 15 min" in status


def test_healthz_waits_three_ticks_before_it_calls_the_worker_stopped(deps, server, clock):
    Worker(deps).tick()
    clock.advance(minutes=14)
    with urllib.request.urlopen(server + "/healthz?worker=1", timeout=10) as r:
        assert r.status == 200 and json.loads(r.read())["ok"] is True
    clock.advance(timedelta(minutes=2))
    with pytest.raises(urllib.error.HTTPError) as stopped:
        urllib.request.urlopen(server + "/healthz?worker=1", timeout=10)
    body = json.loads(stopped.value.read())
    assert (stopped.value.code, body["error"]) == (503, "the worker has not ticked in 15 minutes")
