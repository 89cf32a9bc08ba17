"""Requests exactly as Slack sends them: signed bodies for slash commands (form), interactivity
(`payload=` form) and events (JSON), delivered to the app over HTTP or through `app.dispatch`.
The tests, the benchmarks and `upkeep console` all talk to the app through this."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.console.emulator import BOT_USER_ID, TEAM_ID

_ids = itertools.count(1)


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}

    @property
    def text(self) -> str:
        """The message text of a command's synchronous answer."""
        return self.json.get("text", "")


class Signer:
    """Signs `v0:{timestamp}:{body}` with HMAC-SHA256, as Slack does."""

    def __init__(self, secret: str):
        self.verifier = SignatureVerifier(secret)

    def headers(self, body: str, content_type: str, *, age: int = 0) -> dict[str, str]:
        ts = str(int(time.time()) - age)
        return {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": self.verifier.generate_signature(timestamp=ts, body=body),
        }


class SlackDriver:
    """Plays Slack's part: builds payloads, signs them, and sends them to the app.

    A request returns once the app is idle: its answer, and the Slack calls it deferred until
    after the answer (`UpkeepApp.drain`), so what it sent can be looked at. With `settle=False`
    it returns with the answer alone."""

    FORM = "application/x-www-form-urlencoded"

    def __init__(
        self,
        app: App,
        signer: Signer,
        base_url: str | None = None,
        response_url=None,
        *,
        settle: bool = True,
    ):
        self.app = app
        self.signer = signer
        self.base_url = base_url  # when set, requests go over HTTP; else through app.dispatch
        self.response_url = response_url or (lambda: "https://hooks.slack.com/commands/T/1/x")
        self.settle = settle

    # -- transport -------------------------------------------------------------------------
    def send(self, body: str, content_type: str, extra: dict[str, str] | None = None, **kw):
        headers = {**self.signer.headers(body, content_type, age=kw.pop("age", 0)), **(extra or {})}
        headers |= kw.pop("extra_headers", {})  # what a forger would send
        if kw.get("bad_signature"):
            headers["x-slack-signature"] = "v0=" + "0" * 64
        if self.base_url:
            response = self._http(body, headers)
        else:
            resp = self.app.dispatch(BoltRequest(body=body, headers=headers))
            response = Response(resp.status, resp.body, {k: v[0] for k, v in resp.headers.items()})
        if self.settle:
            self.drain()
        return response

    def drain(self) -> None:
        """Wait for the work the app deferred until after its answers."""
        drain = getattr(self.app, "drain", None)
        if drain is not None and not drain():
            raise TimeoutError("the app's work after the response did not finish")

    def _http(self, body: str, headers: dict[str, str]) -> Response:
        request = urllib.request.Request(
            self.base_url.rstrip("/") + "/slack/events",
            data=body.encode(),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return Response(r.status, r.read().decode(), dict(r.headers.items()))
        except urllib.error.HTTPError as e:
            return Response(e.code, e.read().decode(), dict(e.headers.items()))

    # -- payloads --------------------------------------------------------------------------
    def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "U0ANA",
        channel: str = "C0PAYMENTS",
        **kw,
    ) -> Response:
        form = command_form(command, text, user, channel, self.response_url())
        return self.send(urlencode(form), self.FORM, **kw)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        **kw,
    ) -> Response:
        body = event_body(event, event_id)
        extra = {}
        if retry_num is not None:
            extra = {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": "http_timeout"}
        return self.send(json.dumps(body), "application/json", extra, **kw)

    def mention(self, text: str, *, user: str = "U0ANA", channel: str = "C0PAYMENTS", **kw):
        return self.event(mention_event(text, user, channel), **kw)

    def interaction(self, payload: dict[str, Any], **kw) -> Response:
        return self.send(urlencode({"payload": json.dumps(payload)}), self.FORM, **kw)

    def action(
        self,
        action_id: str,
        value: str = "",
        *,
        user: str = "U0ANA",
        channel: str | None = "C0PAYMENTS",
        message: dict | None = None,
        view: dict | None = None,
        block_id: str = "b",
        checked: list[dict] | None = None,
    ) -> Response:
        """A button pressed; with `checked`, a checkboxes element ticked or unticked instead
        (`checked`: the options ticked now, as Slack sends them)."""
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "type": "button",
            "text": {"type": "plain_text", "text": action_id},
            "action_ts": "1763884910.000400",
        }
        if checked is not None:
            action = {
                "action_id": action_id,
                "block_id": block_id,
                "type": "checkboxes",
                "selected_options": checked,
                "action_ts": "1763884910.000400",
            }
        payload: dict[str, Any] = {
            "type": "block_actions",
            **interaction_basics(user),
            "trigger_id": f"{next(_ids)}.738474920.8088930838d88f008e1",
            "team": {"id": TEAM_ID, "domain": "example"},
            "response_url": self.response_url(),
            "actions": [action],
        }
        if channel:
            ts = (message or {}).get("ts", "1763884900.000300")
            payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel}
            payload["channel"] = {"id": channel, "name": "channel"}
            payload["message"] = message or {"type": "message", "ts": ts, "text": "", "blocks": []}
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = view
        return self.interaction(payload)

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        *,
        user: str = "U0ANA",
        private_metadata: str = "",
        view_id: str = "V0000001",
        view: dict[str, Any] | None = None,
    ) -> Response:
        """A form submitted with `values`; `view` is the form as it was opened (as Slack sends
        it back: its blocks, title, buttons and metadata)."""
        shown = view or {"title": {"type": "plain_text", "text": "Upkeep"}, "blocks": []}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "example"},
            **interaction_basics(user),
            "trigger_id": f"{next(_ids)}.738474920.8088930838d88f008e2",
            "view": {
                **shown,
                "id": view_id,
                "team_id": TEAM_ID,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata or shown.get("private_metadata", ""),
                "state": {"values": values},
            },
        }
        return self.interaction(payload)


def command_form(
    command: str, text: str, user: str, channel: str, response_url: str
) -> dict[str, str]:
    """A slash command's fields, as Slack sends them (a form over HTTP, JSON in Socket Mode)."""
    return {
        "token": "verification-token-not-used",
        "team_id": TEAM_ID,
        "team_domain": "example",
        "channel_id": channel,
        "channel_name": "payments",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0UPKEEP",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{next(_ids)}.738474920.8088930838d88f008e0",
    }


def event_body(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """An Events API callback around `event`, as Slack sends it."""
    return {
        "token": "verification-token-not-used",
        "team_id": TEAM_ID,
        "api_app_id": "A0UPKEEP",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
    }


def interaction_basics(user: str) -> dict[str, Any]:
    """What every interaction payload says of who acted, in which app."""
    return {
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0UPKEEP",
        "token": "verification-token-not-used",
    }


def mention_event(text: str, user: str = "U0ANA", channel: str = "C0PAYMENTS") -> dict[str, Any]:
    """`@upkeep <text>` said in a channel."""
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": f"{1_763_884_800 + next(_ids)}.000100",
        "channel": channel,
    }


def typed_value(value: str | None) -> dict[str, Any]:
    """A `state.values` entry for a plain_text_input."""
    return {"type": "plain_text_input", "value": value}
