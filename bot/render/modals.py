"""Modals and their inputs: built and read back in one place. Every input's element has the
action id `value`, so a submitted form is read with `state_value(values, block_id)`.

A form answers a wrong value under its input (`response_action: errors`, the error's `field`
naming the input block: `errors_under` sets it where the check doesn't know the form), and
anything else (who may, what no longer exists) on top of the form as it was (`with_note`), so
what was typed stays."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from bot.render.limits import INPUT_LABEL_LIMIT
from bot.render.text import as_plain, from_slack, truncate
from models.core.errors import UserError

VALUE = "value"  # the action id of every input's element
NOTE = "upkeep_note"  # the block id of the note `with_note` puts on top of a form
VIEW_KEYS = ("type", "callback_id", "title", "submit", "close", "private_metadata")


def plain(text: str) -> dict:
    """A plain_text object: user text in it shows as words, with no entities."""
    return {"type": "plain_text", "text": as_plain(text)}


def modal(
    callback_id: str,
    title: str,
    blocks: list[dict],
    *,
    metadata: dict | str | None = None,
    submit: str = "Save",
    close: str = "Cancel",
) -> dict:
    """A modal view; `metadata` (a dict is sent as JSON) comes back with the submission."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title),
        "submit": plain(submit),
        "close": plain(close),
        "blocks": blocks,
    }
    if metadata is not None:
        view["private_metadata"] = metadata if isinstance(metadata, str) else json.dumps(metadata)
    return view


def _input(block_id: str, label: str, element: dict, *, optional: bool, hint: str | None) -> dict:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": truncate(as_plain(label), INPUT_LABEL_LIMIT)},
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def text_input(
    block_id: str,
    label: str,
    value: str | None = None,
    *,
    optional: bool = False,
    multiline: bool = False,
    max_length: int | None = None,
    hint: str | None = None,
    action_id: str = VALUE,
) -> dict:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id}
    if multiline:
        element["multiline"] = True
    if max_length:
        element["max_length"] = max_length
    if value:  # what is stored, as typed (text kept Slack-escaped before comes back unescaped)
        element["initial_value"] = from_slack(value)
    return _input(block_id, label, element, optional=optional, hint=hint)


def option(value: str, text: str | None = None) -> dict:
    return {"text": plain(text if text is not None else value), "value": value}


def select_input(
    block_id: str,
    label: str,
    options: Sequence[dict],
    value: str | None = None,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict:
    """A static select of `options` (from `option()`), with the one whose value is `value`."""
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": VALUE,
        "options": list(options),
    }
    chosen = [o for o in options if o["value"] == value]
    if chosen:
        element["initial_option"] = chosen[0]
    return _input(block_id, label, element, optional=optional, hint=hint)


def _picker(
    block_id: str,
    label: str,
    kind: str,
    initial: tuple[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
    **extra: Any,
) -> dict:
    """An input whose element picks something (`kind`), with its initial pick when there is
    one: `initial` is (the element's key for it, the value)."""
    element: dict[str, Any] = {"type": kind, "action_id": VALUE, **extra}
    key, value = initial
    if value:
        element[key] = value
    return _input(block_id, label, element, optional=optional, hint=hint)


def user_input(
    block_id: str, label: str, user: str | None = None, *, optional: bool = False
) -> dict:
    """Pick one person; `user` is a Slack user id."""
    return _picker(block_id, label, "users_select", ("initial_user", user), optional=optional)


def users_input(
    block_id: str,
    label: str,
    users: Sequence[str] = (),
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict:
    """Pick several people (in the order picked); `users` are Slack user ids."""
    initial = ("initial_users", list(users))
    return _picker(block_id, label, "multi_users_select", initial, optional=optional, hint=hint)


def channel_input(block_id: str, label: str, channel: str | None = None, *, hint: str = ""):
    """Pick a public or private channel (a conversations_select that lists channels only)."""
    only = {"include": ["public", "private"], "exclude_bot_users": True}
    initial = ("initial_conversation", channel)
    return _picker(block_id, label, "conversations_select", initial, hint=hint, filter=only)


def date_input(block_id: str, label: str, day: str | None = None, *, hint: str | None = None):
    """Pick a day; `day` is YYYY-MM-DD."""
    return _picker(block_id, label, "datepicker", ("initial_date", day), hint=hint)


def time_input(block_id: str, label: str, at: str | None = None, *, hint: str | None = None):
    """Pick a time of day; `at` is HH:MM."""
    return _picker(block_id, label, "timepicker", ("initial_time", at), hint=hint)


def state_users(values: dict, block_id: str) -> list[str]:
    """The people picked in a `users_input`, in the order picked."""
    entry = (values.get(block_id) or {}).get(VALUE) or {}
    return list(entry.get("selected_users") or [])


def state_value(values: dict, block_id: str) -> str:
    """What was entered in an input: text, the chosen option's value, a user id, a date, a time
    or a channel id."""
    entry = (values.get(block_id) or {}).get(VALUE) or {}
    kind = entry.get("type")
    if kind == "static_select":
        return (entry.get("selected_option") or {}).get("value") or ""
    if kind == "users_select":
        return entry.get("selected_user") or ""
    if kind == "datepicker":
        return entry.get("selected_date") or ""
    if kind == "timepicker":
        return entry.get("selected_time") or ""
    if kind == "conversations_select":
        return entry.get("selected_conversation") or ""
    return entry.get("value") or ""


@contextmanager
def errors_under(block_id: str | None, *, fields: Collection[str] = ()) -> Iterator[None]:
    """A mistake found inside (by a check that knows no form) is shown under the form's input
    `block_id`: one that names no field, or one whose field is among `fields` (the check's name
    for what the form calls `block_id`). None: as it is (not a form)."""
    try:
        yield
    except UserError as error:
        if block_id and (error.field is None or error.field in fields):
            error.field = block_id
        raise


def input_blocks(view: dict) -> set[str]:
    return {b.get("block_id", "") for b in view.get("blocks") or [] if b.get("type") == "input"}


def with_note(view: dict, note: str) -> dict:
    """A submitted form as it was, with `note` (mrkdwn) on top: Slack keeps what was typed in
    inputs whose block and action ids are unchanged. A note from before is replaced."""
    blocks = [b for b in view.get("blocks") or [] if b.get("block_id") != NOTE]
    top = {"type": "section", "block_id": NOTE, "text": {"type": "mrkdwn", "text": note}}
    return {**{k: view[k] for k in VIEW_KEYS if k in view}, "blocks": [top, *blocks]}
