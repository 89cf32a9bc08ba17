"""manifest.yml is a valid Slack app manifest and declares what the app answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from bot.feature import all_commands
from bot.features import FEATURES
from handlers import people

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


def test_manifest_subscribes_to_the_events_we_listen_to(manifest):
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "app_home_opened", "user_change", "team_join"} <= events
    assert people.FEATURE in FEATURES  # user_change and team_join (home and mentions: bot core)
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
