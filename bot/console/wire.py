"""How the emulator reads a request and judges what it was sent, as Slack does: the token, the
body (form, JSON, or a query string, with JSON fields inside forms), and Block Kit's limits."""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
SECTION_TEXT_LIMIT = 3000
JSON_FIELDS = ("blocks", "attachments", "view", "metadata")


def headers_token(headers: dict[str, str], body: dict) -> str | None:
    auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
    if auth.startswith("Bearer ") and len(auth) > 7:
        return auth[7:]
    return body.get("token")


def parse_body(headers: dict[str, str], raw: bytes, query: str) -> dict[str, Any]:
    lowered = {k.lower(): v for k, v in headers.items()}
    body: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
    ctype = lowered.get("content-type", "")
    if raw and "json" in ctype:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = {}
        if isinstance(parsed, dict):
            body.update(parsed)
    elif raw and "form" in ctype:
        body.update({k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()})
    for key in JSON_FIELDS:
        if isinstance(body.get(key), str):
            with contextlib.suppress(ValueError):
                body[key] = json.loads(body[key])
    return body


def message_problem(body: dict) -> dict | None:
    if not body.get("channel"):
        return {"ok": False, "error": "channel_not_found"}
    if not body.get("text") and not body.get("blocks"):
        return {"ok": False, "error": "no_text"}
    problem = block_problem(body.get("blocks"), MESSAGE_BLOCK_LIMIT)
    if problem:
        return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
    if len(body.get("text") or "") > 40_000:
        return {"ok": False, "error": "msg_too_long"}
    return None


def view_problem(view: dict) -> str | None:
    problem = block_problem(view.get("blocks"), VIEW_BLOCK_LIMIT)
    if problem:
        return problem
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError, KeyError) as e:
        return f"view: {e}"
    return None


def block_problem(blocks: Any, limit: int) -> str | None:
    """What breaks Block Kit's limits in `blocks`, or None."""
    if blocks in (None, "", []):
        return None
    if not isinstance(blocks, list):
        return "blocks must be a list"
    if len(blocks) > limit:
        return f"no more than {limit} items allowed [json-pointer:/blocks]"
    for i, raw in enumerate(blocks):
        if not isinstance(raw, dict) or "type" not in raw:
            return f"block {i} has no type"
        if raw["type"] == "section":
            text = (raw.get("text") or {}).get("text", "")
            if len(text) > SECTION_TEXT_LIMIT:
                return (
                    f"section text over {SECTION_TEXT_LIMIT} characters [json-pointer:/blocks/{i}]"
                )
        try:
            block = Block.parse(raw)
            if block is None:
                return f"block {i}: unknown type {raw['type']!r}"
            block.validate_json()
        except (SlackObjectFormationError, TypeError, ValueError, KeyError) as e:
            return f"block {i}: {e}"
    return None
