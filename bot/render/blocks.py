"""Block Kit blocks: sections, headers, buttons. Pure: data in, blocks out."""

from __future__ import annotations

from typing import Any

from bot.render.limits import (
    BUTTON_TEXT_LIMIT,
    CONTEXT_TEXT_LIMIT,
    FIELD_TEXT_LIMIT,
    HEADER_LIMIT,
    SECTION_TEXT_LIMIT,
)
from bot.render.text import as_plain, truncate


def header(text: str) -> dict:
    """A header: plain text, so user text in it shows as words (`bot.render.text.as_plain`)."""
    plain = truncate(as_plain(text), HEADER_LIMIT)
    return {"type": "header", "text": {"type": "plain_text", "text": plain}}


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
            {"type": "mrkdwn", "text": truncate(f"*{k}*\n{v}", FIELD_TEXT_LIMIT)}
            for k, v in pairs[:10]
        ],
    }


def context(text: str, *, block_id: str | None = None) -> dict:
    block: dict[str, Any] = {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(text, CONTEXT_TEXT_LIMIT)}],
    }
    if block_id:
        block["block_id"] = block_id
    return block


def divider() -> dict:
    return {"type": "divider"}


def button(
    text: str, action_id: str, value: str = "", style: str | None = None, url: str | None = None
) -> dict:
    b: dict[str, Any] = {
        "type": "button",
        "text": {
            "type": "plain_text",
            "text": truncate(as_plain(text), BUTTON_TEXT_LIMIT),
            "emoji": True,
        },
        "action_id": action_id,
    }
    if value:
        b["value"] = value
    if style:
        b["style"] = style
    if url:
        b["url"] = url
    return b


def checkboxes(action_id: str, options: dict[str, str], checked: set[str] | None = None) -> dict:
    """Boxes to tick (`options`: value -> label, plain text), those in `checked` ticked."""
    made = [
        {"text": {"type": "plain_text", "text": truncate(as_plain(label), 75)}, "value": value}
        for value, label in options.items()
    ]
    element: dict[str, Any] = {"type": "checkboxes", "action_id": action_id, "options": made}
    ticked = [o for o in made if o["value"] in (checked or set())]
    if ticked:
        element["initial_options"] = ticked
    return element


def actions(*elements: dict, block_id: str | None = None) -> dict:
    block: dict[str, Any] = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


MAX_SECTIONS = 40  # of lines, in one message: room left for a header, buttons and a footer


def line_sections(lines: list[str], empty: str) -> list[dict]:
    """Lines packed into as few sections as fit; what doesn't fit is counted at the end."""
    if not lines:
        return [section(empty)]
    blocks: list[dict] = []
    chunk: list[str] = []
    for i, line in enumerate(lines):
        if sum(len(x) + 1 for x in chunk) + len(line) > SECTION_TEXT_LIMIT - 100:
            blocks.append(section("\n".join(chunk)))
            chunk = []
            if len(blocks) == MAX_SECTIONS:
                blocks.append(context(f"…and {len(lines) - i} more"))
                return blocks
        chunk.append(line)
    blocks.append(section("\n".join(chunk)))
    return blocks
