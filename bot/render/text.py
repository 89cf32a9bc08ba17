"""Text for Slack: truncation, mrkdwn escaping, times in a person's zone, how long ago."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models.core.runtime import WORKER_STALE_AFTER, WorkerHealth


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Escape user-provided text for mrkdwn (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def local_time(instant: datetime, tz: str, *, with_date: bool = True) -> str:
    """An instant shown in a person's zone, e.g. `Mon 23 Nov 10:00 CET`."""
    local = instant.astimezone(ZoneInfo(tz))
    fmt = "%a %d %b %H:%M %Z" if with_date else "%H:%M %Z"
    return local.strftime(fmt)


def ago(delta: timedelta) -> str:
    """`40 s ago`, `12 min ago`, `3 h ago`."""
    seconds = int(delta.total_seconds())
    if seconds < 90:
        return f"{max(seconds, 0)} s ago"
    if seconds < 5400:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def worker_status(health: WorkerHealth, tz: str) -> str:
    """When the worker last ticked (in `tz`), or why that is a problem."""
    if health.last_tick is None or health.age is None:
        return "never seen: is `upkeep worker` (or `upkeep run`) running?"
    text = f"last tick {local_time(health.last_tick, tz)} ({ago(health.age)})"
    if not health.ticking:
        minutes = int(WORKER_STALE_AFTER.total_seconds() // 60)
        text += f" :warning: stopped? it ticks every minute, and none came in {minutes} min"
    return text
