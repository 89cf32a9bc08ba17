"""Block Kit and mrkdwn as readable terminal text, for `upkeep console`. Pure: data in, lines out.

Buttons (and checkboxes, `[4 ☐ done]`) are numbered as they are drawn (`[3 I'll cover]`) so the
console can click them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

USER_REF = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
CHANNEL_REF = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
SPECIAL_REF = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
DATE_REF = re.compile(r"<!date\^\d+\^[^^>]*\^?[^|>]*\|([^>]*)>")
LINK_REF = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
WIDTH = 78


@dataclass
class Button:
    number: int
    action_id: str
    value: str
    block_id: str
    label: str
    url: str | None = None
    # A checkbox: the options of its element and the values ticked when drawn (a click toggles
    # this one's value).
    boxes: list[dict[str, Any]] | None = None
    ticked: tuple[str, ...] = ()


@dataclass
class Names:
    """How to show user and channel ids."""

    user: Callable[[str], str] = lambda uid: uid
    channel: Callable[[str], str] = lambda cid: cid


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)


def mrkdwn(text: str, names: Names) -> str:
    """Slack's markup as plain text: `<@U1>` -> @Name, `<url|label>` -> label (url)."""
    text = USER_REF.sub(lambda m: "@" + (m.group(2) or names.user(m.group(1))), text)
    text = CHANNEL_REF.sub(lambda m: "#" + (m.group(2) or names.channel(m.group(1))), text)
    text = SPECIAL_REF.sub(lambda m: "@" + m.group(1), text)
    text = DATE_REF.sub(lambda m: m.group(1), text)
    text = LINK_REF.sub(
        lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text
    )
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any, names: Names) -> str:
    if not isinstance(obj, dict):
        return ""
    return (
        mrkdwn(obj.get("text", ""), names) if obj.get("type") == "mrkdwn" else obj.get("text", "")
    )


class Renderer:
    """Renders blocks; button numbers keep counting across calls so every button stays clickable."""

    def __init__(self, names: Names, first_button: int = 1):
        self.names = names
        self.next_button = first_button

    def blocks(self, blocks: list[dict[str, Any]]) -> Rendered:
        out = Rendered()
        for block in blocks:
            self._block(block, out)
        return out

    def message(self, text: str, blocks: list[dict[str, Any]] | None) -> Rendered:
        if blocks:
            return self.blocks(blocks)
        return Rendered(lines=mrkdwn(text or "", self.names).splitlines() or [""])

    def _block(self, block: dict[str, Any], out: Rendered) -> None:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"), self.names)
            out.lines += [title.upper(), "=" * min(len(title), WIDTH)]
        elif kind == "section":
            if block.get("text"):
                out.lines += _text(block["text"], self.names).splitlines()
            for f in block.get("fields") or []:
                out.lines += ["  " + line for line in _text(f, self.names).splitlines()]
            if block.get("accessory"):
                self._elements([block["accessory"]], block.get("block_id", ""), out)
        elif kind == "context":
            parts = [_text(e, self.names) for e in block.get("elements", []) if "text" in e]
            out.lines.append("  " + " · ".join(p for p in parts if p))
        elif kind == "divider":
            out.lines.append("-" * 40)
        elif kind == "actions":
            self._elements(block.get("elements", []), block.get("block_id", ""), out)
        elif kind == "input":
            label = _text(block.get("label"), self.names)
            optional = " (optional)" if block.get("optional") else ""
            element = block.get("element", {})
            hint = element.get("type", "").replace("_", " ")
            initial = initial_input(element)
            now = "" if initial is None else f" = {initial}"
            out.lines.append(f"  {block.get('block_id', '?')}: {label}{optional} [{hint}]{now}")
        elif kind == "image":
            out.lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "rich_text":
            out.lines.append(_rich_text(block))

    def _elements(self, elements: list[dict[str, Any]], block_id: str, out: Rendered) -> None:
        drawn = []
        for element in elements:
            kind = element.get("type")
            if kind not in ("button", "overflow", "static_select", "checkboxes"):
                continue
            options = element.get("options") or [
                {"text": element.get("text", {}), "value": element.get("value", "")}
            ]
            ticked = tuple(o.get("value", "") for o in element.get("initial_options") or [])
            for option in options:
                label = _text(option.get("text"), self.names)
                if kind == "checkboxes":
                    label = ("☑ " if option.get("value") in ticked else "☐ ") + label
                button = Button(
                    self.next_button,
                    element.get("action_id", ""),
                    option.get("value", ""),
                    block_id,
                    label,
                    element.get("url"),
                    options if kind == "checkboxes" else None,
                    ticked,
                )
                self.next_button += 1
                out.buttons.append(button)
                drawn.append(f"[{button.number} {label}]")
        if drawn:
            out.lines.append("  " + "  ".join(drawn))


def _rich_text(block: dict[str, Any]) -> str:
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                texts.append(node.get("text", ""))
            for child in node.get("elements", []) or []:
                walk(child)

    walk(block)
    return "".join(texts)


def view_inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`block_id -> element` for a modal's input blocks."""
    return {
        b["block_id"]: b.get("element", {})
        for b in view.get("blocks", [])
        if b.get("type") == "input" and b.get("block_id")
    }


def input_value(element: dict[str, Any], raw: str) -> dict[str, Any]:
    """What Slack puts in `view.state.values` for an element a user filled with `raw`."""
    kind = element.get("type", "plain_text_input")
    if kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": {"value": raw, "text": _plain(raw)}}
    if kind == "multi_static_select" or kind == "checkboxes":
        values = [v for v in raw.split(",") if v]
        return {"type": kind, "selected_options": [{"value": v, "text": _plain(v)} for v in values]}
    if kind == "users_select":
        return {"type": kind, "selected_user": USER_REF.sub(lambda m: m.group(1), raw)}
    if kind == "multi_users_select":
        users = [USER_REF.sub(lambda m: m.group(1), v) for v in raw.split(",") if v]
        return {"type": kind, "selected_users": users}
    if kind == "conversations_select" or kind == "channels_select":
        key = "selected_conversation" if kind == "conversations_select" else "selected_channel"
        return {"type": kind, key: raw}
    if kind == "datepicker":
        return {"type": kind, "selected_date": raw}
    if kind == "timepicker":
        return {"type": kind, "selected_time": raw}
    return {"type": kind, "value": raw}


def initial_input(element: dict[str, Any]) -> str | None:
    """An element's initial value, typed as `:submit` takes it; None when it has none. Slack
    submits it for an input the user left alone."""
    if element.get("initial_option"):
        return element["initial_option"].get("value", "")
    if element.get("initial_options"):
        return ",".join(o.get("value", "") for o in element["initial_options"])
    if element.get("initial_users"):
        return ",".join(element["initial_users"])
    for key in (
        "initial_value",
        "initial_user",
        "initial_conversation",
        "initial_channel",
        "initial_date",
        "initial_time",
    ):
        if element.get(key):
            return str(element[key])
    return None


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}
