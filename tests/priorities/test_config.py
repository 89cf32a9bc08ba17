"""The `priorities:` config section: import, errors that name the field, export."""

from __future__ import annotations

import pytest
import yaml

from models.config import export_config, import_config
from models.core.config import ConfigError
from models.core.workspace import Workspace
from models.priorities.settings import PrioritySettings
from tests.conftest import START
from tests.factories import priorities_team

CONFIG = """
priorities:
  - team: payments
    target: 70
    checkpoint: thu 09:30
    survey: [jan, jul]
"""


@pytest.fixture
def team(db):
    return priorities_team(db)


def load(db, team, text: str):
    return import_config(db, db.get(Workspace, team.workspace_id), yaml.safe_load(text), START)


def test_import_sets_the_teams_settings_and_export_gives_them_back(db, team):
    report = load(db, team, CONFIG)
    assert report.created == ["priorities payments"]
    settings = db.get(PrioritySettings, team.id)
    assert (settings.feature_target, settings.checkpoint_day, settings.checkpoint_time) == (
        70,
        4,
        "09:30",
    )
    assert settings.survey_months == [1, 7]
    exported = export_config(db, db.get(Workspace, team.workspace_id))
    assert exported["priorities"] == [
        {
            "team": "payments",
            "target": 70,
            "checkpoint": "thursday 09:30",
            "survey": ["jan", "jul"],
        }
    ]
    again = load(db, team, yaml.safe_dump(exported))
    assert again.unchanged == ["team payments", "priorities payments"]


def test_off_turns_checkpoint_and_survey_off(db, team):
    load(db, team, "priorities:\n  - team: payments\n    checkpoint: off\n    survey: off\n")
    settings = db.get(PrioritySettings, team.id)
    assert (settings.checkpoint_day, settings.survey_months) == (None, [])


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("team: search", "priorities[0].team: no team called 'search'"),
        ("team: payments\n    checkpoint: someday", "priorities[0].checkpoint: `someday` is not"),
        ("team: payments\n    survey: [jan, smarch]", "priorities[0].survey: `smarch` is not"),
        ("team: payments\n    target: 120", "priorities[0].target: `target=120`"),
        ("team: payments\n    budget: 3", "priorities[0].budget: is not a field I know"),
        ("team: payments\n    survey:", "priorities[0].survey: `None` is not a month"),
        ("team: payments\n    survey: [jan, ²]", "priorities[0].survey: `²` is not a month"),
        ("team: payments\n    target: ²", "priorities[0].target: `target=²`"),
    ],
)
def test_errors_name_the_entry_and_field(db, team, entry, message):
    with pytest.raises(ConfigError) as caught:
        load(db, team, f"priorities:\n  - {entry}\n")
    assert caught.value.message.startswith(message)
