"""Block Kit building blocks. Pure: data in, blocks out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models.core.runtime import WORKER_STALE_AFTER, WorkerHealth

SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Escape user-provided text for mrkdwn (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, HEADER_LIMIT)}}


def section(text: str, *, block_id: str | None = None, accessory: dict | None = None) -> dict:
    block: dict[str, Any] = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_LIMIT)},
    }
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def fields(*pairs: tuple[str, str]) -> dict:
    return {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": truncate(f"*{k}*\n{v}", 2000)} for k, v in pairs[:10]
        ],
    }


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}


def divider() -> dict:
    return {"type": "divider"}


def button(
    text: str, action_id: str, value: str = "", style: str | None = None, url: str | None = None
) -> dict:
    b: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, BUTTON_TEXT_LIMIT), "emoji": True},
        "action_id": action_id,
    }
    if value:
        b["value"] = value
    if style:
        b["style"] = style
    if url:
        b["url"] = url
    return b


def actions(*elements: dict, block_id: str | None = None) -> dict:
    block: dict[str, Any] = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


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


@dataclass
class Reply:
    """What a command answers: text (always, for notifications and the console) and optional blocks.
    Ephemeral unless `public`."""

    text: str
    blocks: list[dict] | None = None
    public: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def ack_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "text": truncate(self.text, 3000),
            "response_type": "in_channel" if self.public else "ephemeral",
        }
        if self.blocks:
            kwargs["blocks"] = self.blocks[:50]
        return kwargs
