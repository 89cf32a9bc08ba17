"""manifest.yml is a valid Slack app manifest and declares what the app answers: exactly the
scopes the Web API methods it calls and the events it listens to need, every event it listens to
and no other, and every subcommand in its command's usage hint."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.web.base_client import BaseClient

from bot.app import build_app
from bot.feature import all_commands
from bot.features import FEATURES
from bot.slack import build_client

ROOT = Path(__file__).resolve().parent.parent
# Slack's published app manifest schema (MIT, see LICENSE.slack-manifest-schema beside it).
SCHEMA = ROOT / "tests" / "fixtures" / "schemas" / "slack-app-manifest.schema.v1.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_validates_against_slacks_schema(manifest):
    schema = json.loads(SCHEMA.read_text())
    errors = sorted(Draft7Validator(schema).iter_errors(manifest), key=lambda e: e.path)
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_every_registered_command_is_in_the_manifest_with_usage(manifest):
    declared = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    for command in all_commands(FEATURES):
        assert command.name in declared, f"{command.name} is missing from manifest.yml"
        entry = declared[command.name]
        assert entry["should_escape"] is True
        assert entry["description"] and entry["usage_hint"]


# The bot token scopes each Web API method the code calls needs (api.slack.com/methods), by the
# name the code calls it with. A call the table doesn't know fails the test below: add it here,
# and its scopes to manifest.yml.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth_test": set(),
    # chat:write.public: a team's public channel is posted to without the bot being invited.
    "chat_postMessage": {"chat:write", "chat:write.public"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    # A delivery whose answer was lost looks for its marked post (bot/jobs/marked.py) in a
    # team's channel, public or private, or in a DM.
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    # ... and in a thread, for a reply (a request's card in its message's thread).
    "conversations_replies": {"channels:history", "groups:history", "im:history"},
    # The setup form's members default to the channel's, public or private.
    "conversations_members": {"channels:read", "groups:read"},
    "conversations_open": {"im:write"},
    "files_upload_v2": {"files:write"},
    "users_info": {"users:read"},
    "views_open": set(),
    "views_publish": set(),
    "views_push": set(),
    "views_update": set(),
}
# The scopes each event subscription needs (api.slack.com/events).
EVENT_SCOPES: dict[str, set[str]] = {
    "app_home_opened": set(),
    "app_mention": {"app_mentions:read"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
    "reaction_added": {"reactions:read"},
    "team_join": {"users:read"},
    "user_change": {"users:read"},
}
SOURCES = ("bot", "handlers", "models")
CALL = re.compile(r"\.([A-Za-z_]\w*)\(")
API_CALL = re.compile(r"api_call\(\s*[\"']([\w.]+)[\"']")


def web_api_calls() -> dict[str, set[str]]:
    """The Web API methods the source calls (`client.chat_postMessage(...)`, or
    `api_call("chat.postMessage")`), each with the files that call it."""
    calls: dict[str, set[str]] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text()
            names = {m.group(1) for m in CALL.finditer(text)}
            names |= {m.group(1).replace(".", "_") for m in API_CALL.finditer(text)}
            for name in names:
                if callable(getattr(WebClient, name, None)) and not hasattr(BaseClient, name):
                    calls.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return calls


def test_the_scan_finds_the_calls_it_is_meant_to():
    """The scan sees calls through any client (`ctx.client`, `self._client`, `client`)."""
    calls = web_api_calls()
    assert "bot/later.py" in calls["chat_postMessage"]
    assert "handlers/pages/jobs.py" in calls["files_upload_v2"]
    assert "bot/jobs/marked.py" in calls["conversations_history"]


def test_the_bot_scopes_are_exactly_what_the_code_needs(manifest):
    calls = web_api_calls()
    unknown = {name: sorted(files) for name, files in calls.items() if name not in METHOD_SCOPES}
    assert unknown == {}, "add these Web API methods and their scopes to METHOD_SCOPES"
    assert sorted(METHOD_SCOPES) == sorted(calls), "METHOD_SCOPES lists methods no code calls"
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    needed = {"commands"} if manifest["features"]["slash_commands"] else set()
    for name in calls:
        needed |= METHOD_SCOPES[name]
    for event in events:
        needed |= EVENT_SCOPES[event]
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(needed)


@pytest.fixture
def listened(monkeypatch, settings, session_factory, clock) -> set[str]:
    """The event types the app registers listeners for, as it builds itself."""
    seen: set[str] = set()
    register = App.event

    def event(self, constraints, *args, **kwargs):
        seen.add(constraints["type"] if isinstance(constraints, dict) else str(constraints))
        return register(self, constraints, *args, **kwargs)

    monkeypatch.setattr(App, "event", event)
    app = build_app(settings, session_factory, build_client(settings, clock), clock)
    app.after.close()
    return seen


def test_every_event_subscribed_has_a_listener_and_every_listener_a_subscription(
    manifest, listened
):
    subscribed = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {event.split(".")[0] for event in subscribed} == listened
    # Direct messages are answered (bot/mentions.py); of channel messages, replies in requests'
    # threads are a first response (handlers/requests/threads.py), the rest skipped unread.
    messages = [event for event in subscribed if event.startswith("message.")]
    assert messages == ["message.channels", "message.groups", "message.im"]
    wanting = [f.name for f in FEATURES if f.channel_messages is not None]
    assert wanting == ["requests"]
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_every_usage_hint_lists_every_subcommand(manifest):
    hints = {c["command"]: c["usage_hint"] for c in manifest["features"]["slash_commands"]}
    missing = {}
    for command in all_commands(FEATURES):
        words = set(re.findall(r"[a-z][a-z-]*", hints[command.name]))
        left_out = [name for name in [*command.subcommands, "help"] if name not in words]
        if left_out:
            missing[command.name] = left_out
    assert missing == {}
