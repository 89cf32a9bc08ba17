"""The `requests:` section: validated field by field, exported and imported back unchanged."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from models.config import export_config, import_config
from models.core.config import ConfigError
from models.core.errors import UserError
from models.requests.hours import (
    MAX_SLA_MINUTES,
    duration_as_written,
    parse_duration,
    parse_span,
)
from models.requests.requests import RequestSettings
from tests.factories import REQUESTS, TEAMS, configure


def test_export_round_trips(db, clock, requests_workspace):
    exported = export_config(db, requests_workspace)
    assert exported["requests"] == [
        {
            "team": "payments",
            "channel": "C0PAYREQ",
            "shield": "payments-shield",
            "emoji": "ticket",
            "skip_emoji": "mega",
            "sla": {"normal": "4h", "urgent": "1h"},
            "hours": "09:00-18:00",
            "days": "mon-fri",
        }
    ]
    report = import_config(db, requests_workspace, exported, clock.now())
    assert "requests payments" in report.unchanged
    again = yaml.safe_load(yaml.safe_dump(exported))
    assert export_config(db, requests_workspace) == again


def test_a_change_is_reported_and_kept(db, clock, requests_workspace):
    data = {
        "requests": [
            {
                "team": "payments",
                "channel": "C0OTHER",
                "emoji": ":raising_hand:",
                "sla": {"normal": "1h30m"},
                "hours": "08:00-16:30",
                "days": "sun-thu",
            }
        ]
    }
    report = import_config(db, requests_workspace, data, clock.now())
    assert report.changed == ["requests payments"]
    settings = db.scalars(select(RequestSettings)).one()
    assert (settings.channel_id, settings.emoji, settings.sla_normal, settings.work_days) == (
        "C0OTHER",
        "raising_hand",
        90,
        "12347",
    )
    assert settings.shield is None  # not named: none


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ({"team": "nope", "channel": "C0X"}, "requests[0].team: no team called 'nope'"),
        ({"team": "payments"}, "requests[0].channel: is required"),
        ({"team": "payments", "channel": "#pay"}, "requests[0].channel: must be a channel id"),
        (
            {"team": "payments", "channel": "C0X", "shield": "nights"},
            "requests[0].shield: no rotation called 'nights'",
        ),
        (
            {"team": "payments", "channel": "C0X", "sla": {"normal": "soon"}},
            "requests[0].sla: `soon` is not a duration in working time",
        ),
        (
            {"team": "payments", "channel": "C0X", "sla": {"low": "4h"}},
            "requests[0].sla: must map urgencies (normal, urgent) to durations",
        ),
        (
            {"team": "payments", "channel": "C0X", "hours": "18:00-09:00"},
            "requests[0].hours: `18:00-09:00`: the end must come after the start",
        ),
        ({"team": "payments", "channel": "C0X", "days": "someday"}, "requests[0].days: `someday`"),
        (
            {"team": "payments", "channel": "C0X", "skip_emoji": "ticket"},
            "requests[0].skip_emoji: must differ from emoji",
        ),
        (
            {"team": "payments", "channel": "C0X", "colour": "red"},
            "requests[0].colour: is not a field",
        ),
    ],
)
def test_bad_entries_name_the_field_and_nothing_is_written(db, clock, entry, error):
    workspace = configure(db, clock, REQUESTS.split("requests:")[0])
    with pytest.raises(ConfigError) as caught:
        import_config(db, workspace, {"requests": [entry]}, clock.now())
    assert error in caught.value.message
    db.rollback()
    assert db.scalars(select(RequestSettings)).all() == []


def test_teams_alone_take_no_requests(db, clock):
    workspace = configure(db, clock, teams=TEAMS)
    assert "requests" not in export_config(db, workspace)


@given(st.text(max_size=30))
def test_durations_and_hours_are_read_or_refused_with_a_reason(text):
    for parse in (parse_duration, parse_span):
        try:
            parse(text)
        except UserError as e:
            assert f"`{text}`" in e.message


@given(st.integers(min_value=1, max_value=MAX_SLA_MINUTES))
def test_a_duration_reads_back_as_written(minutes):
    assert parse_duration(duration_as_written(minutes)) == minutes
