"""The clock is injected: code asks it for "now", so tests never sleep or read the real date."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""

    def sleep(self, seconds: float) -> None:
        """Wait; a test clock advances instead."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class FrozenClock:
    """A clock that only moves when told to. `sleep` advances it and records how long was asked."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = instant.astimezone(UTC)

    def advance(self, delta: timedelta | None = None, **kwargs) -> datetime:
        with self._lock:
            self._now += delta if delta is not None else timedelta(**kwargs)
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self._now += timedelta(seconds=seconds)


class ShiftedClock:
    """The system clock, moved forward on request: the console's `:wait 2h` travels in time.
    Given `start`, it reads `start` now and runs on at real speed from there (`CLOCK_START`: a
    process under test lives through a chosen instant without anything else changing)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.offset = timedelta() if start is None else start.astimezone(UTC) - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self.offset += delta
        return self.now()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def clock_for(start: datetime | None) -> Clock:
    """The process clock: the system's, or one that starts at `start` (settings' `clock_start`)."""
    return SystemClock() if start is None else ShiftedClock(start)
