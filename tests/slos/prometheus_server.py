"""A real Prometheus for tests: the series a test writes, backfilled with `promtool tsdb
create-blocks-from openmetrics` into a TSDB of its own, served by `prometheus` on a free port.

Series are counters sampled every `STEP` seconds at whole multiples of it, so every range a test
reads starts and ends on a sample and Prometheus's `rate()` has nothing to extrapolate: each
figure is known exactly. Without the binaries a test skips, saying how to install them, unless
CI is set (CI installs them: `.ci/run`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from tests.processes import free_port, poll

STEP = 300  # seconds between samples
PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")


def require_prometheus() -> tuple[str, str]:
    if PROMETHEUS and PROMTOOL:
        return PROMETHEUS, PROMTOOL
    if os.environ.get("CI"):
        pytest.fail("prometheus and promtool are missing, and CI must run these tests")
    pytest.skip("needs prometheus and promtool on PATH (Debian: apt-get install prometheus)")


@dataclass
class Series:
    """One counter: `increment(t)` is what it gains in the step ending at t (a Unix time)."""

    labels: str  # `scenario="steady",code="500"`
    start: int
    end: int
    increment: Callable[[int], float]
    initial: float = 1000.0
    family: str = "http_requests"
    gauge: bool = False  # then `increment(t)` is the value at t
    step: int = STEP


@dataclass
class Backfill:
    series: list[Series] = field(default_factory=list)
    step: int = STEP

    def counter(self, labels: str, start: datetime, end: datetime, increment) -> None:
        """`http_requests_total{labels}`, gaining `increment(t)` in the step ending at t."""
        first, last = self.steps(start, end)
        self.series.append(Series(labels, first, last, increment, step=self.step))

    def gauge(self, family: str, labels: str, start: datetime, end: datetime, value) -> None:
        """`family{labels}` at `value(t)` (a recording rule's output, as Sloth's)."""
        first, last = self.steps(start, end)
        self.series.append(
            Series(labels, first, last, value, family=family, gauge=True, step=self.step)
        )

    def steps(self, start: datetime, end: datetime) -> tuple[int, int]:
        first, last = int(start.timestamp()), int(end.timestamp())
        assert first % self.step == 0 and last % self.step == 0, "samples fall on whole steps"
        return first, last

    def openmetrics(self) -> str:
        lines = []
        for family in dict.fromkeys(s.family for s in self.series):
            members = [s for s in self.series if s.family == family]
            lines.append(f"# TYPE {family} {'gauge' if members[0].gauge else 'counter'}")
            for s in members:
                lines += samples(s)
        lines.append("# EOF")
        return "\n".join(lines) + "\n"


def samples(s: Series) -> list[str]:
    name = s.family if s.gauge else f"{s.family}_total"
    value = s.initial
    out = []
    for t in range(s.start, s.end + 1, s.step):
        if s.gauge:
            value = s.increment(t)
        elif t > s.start:
            value += s.increment(t)
        out.append(f"{name}{{{s.labels}}} {value!r} {t}")
    return out


@contextmanager
def prometheus_serving(backfill: Backfill, workdir: Path) -> Iterator[str]:
    """Prometheus serving `backfill` on 127.0.0.1; yields its base URL."""
    prometheus, promtool = require_prometheus()
    data = workdir / "data"
    source = workdir / "series.om"
    source.write_text(backfill.openmetrics())
    subprocess.run(
        [
            promtool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=744h",
            str(source),
            str(data),
        ],
        check=True,
        capture_output=True,
    )
    config = workdir / "prometheus.yml"
    config.write_text("scrape_configs: []\n")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=100y",  # the blocks are dated by the test's clock
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def wait_ready(url: str, process: subprocess.Popen) -> None:
    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError("prometheus exited at start; see prometheus.log")
        try:
            with urllib.request.urlopen(url + "/-/ready", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    if not poll(ready, timeout=30.0):
        raise RuntimeError("prometheus did not become ready")
