"""Filling in a form the app opened, as Slack submits it: each input's element gets the raw value
typed or picked (`bot.console.textview.input_value`), and the inputs left alone keep their
initial value."""

from __future__ import annotations

from typing import Any

from bot.console.textview import initial_input, input_value


def filled(view: dict[str, Any], **typed: str) -> dict[str, dict[str, Any]]:
    """`view.state.values` for `view` with `typed` entered (people and days comma-separated)."""
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        raw = typed.get(block["block_id"], initial_input(element))
        if raw is None:
            raw = ""
        values[block["block_id"]] = {element["action_id"]: input_value(element, raw)}
    return values


def inputs_of(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A form's input elements by block id."""
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
