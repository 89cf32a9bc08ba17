"""Upkeep's real processes (`upkeep serve`, `worker`, `run`, `socket`) started as subprocesses
and pointed at the fake Slack: what the operator runs is what these tests see working."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import BOT_TOKEN, SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0  # seconds: a process that doesn't get going by then has failed


def poll(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Whether `predicate()` comes true within `timeout`, asked every 20 ms: for state another
    process changes (a database row) that nothing here is notified of."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        pause.wait(0.02)
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A running `upkeep <command>`; its output (stdout and stderr) is read as it comes."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def output(self) -> str:
        with self._cond:
            return "".join(self.lines)

    def wait_for_output(self, text: str, timeout: float = START_TIMEOUT) -> None:
        """Block until a line of output contains `text` (case-insensitive)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(text.lower() in line.lower() for line in self.lines):
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(f"never printed {text!r}:\n{''.join(self.lines)}")
                self._cond.wait(min(left, 0.2))

    def signal(self, signum: int = signal.SIGTERM) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float = 30.0) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(5)


def process_env(slack, db_url: str, **extra: str) -> dict[str, str]:
    """The environment an operator would give: the bot token, the signing secret, the fake
    Slack's address and the database; no developer's SLACK_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": db_url,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    return env | extra


@contextmanager
def upkeep(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[Process]:
    """`upkeep <args>` for the length of the block; stopped (SIGTERM, then SIGKILL) after it."""
    process = Process(args, env, cwd)
    watchdog = threading.Timer(300, process.proc.kill)  # never hang the suite
    watchdog.start()
    try:
        yield process
    finally:
        watchdog.cancel()
        process.stop()
