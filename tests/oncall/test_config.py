"""The `rotations:` config section: upsert by name, errors name the entry and field, export
writes the same format back."""

from __future__ import annotations

import copy
import re
from datetime import date

import pytest
import yaml
from sqlalchemy import func, select

from models import AuditEntry, Rotation
from models.config import export_config, import_config
from models.core.config import ConfigError
from models.core.people import ensure_workspace
from models.oncall.rotations import find_rotation
from models.oncall.shifts import on_call_at
from tests.conftest import PEOPLE
from tests.factories import CREATED, utc
from tests.slack_requests import TEAM_ID

CONFIG = """
teams:
  - name: payments
    channel: C0PAYMENTS
    timezone: Europe/Berlin
    leads: [U0LEAD]
    members: [U0ANA, U0BEN, U0CHO]
rotations:
  - name: payments-primary
    team: payments
    handoff: monday 10:00
    every: 1w
    start: 2026-11-02
    members: [U0ANA, U0BEN, U0CHO]
    channel: C0PAYONCALL
  - name: payments-nights
    team: payments
    timezone: America/New_York
    handoff: "02:30"
    every: 2d
    start: 2026-03-01
    members: [U0BEN, U0CHO, U0ANA]
    away: [U0CHO]
    reminder_hours: 4
"""


def lookup(uid: str):
    name, tz, extra = PEOPLE.get(uid, (uid, "UTC", {}))
    return {"id": uid, "real_name": name, "tz": tz, **extra}


def load(db, data):
    workspace = ensure_workspace(db, TEAM_ID, CREATED)
    try:
        report = import_config(db, workspace, data, CREATED, lookup)
        db.commit()
        return workspace, report
    except ConfigError:
        db.rollback()
        raise


def test_import_creates_rotations_that_answer_who_is_on_call(db):
    workspace, report = load(db, yaml.safe_load(CONFIG))
    assert report.created == [
        "team payments",
        "rotation payments-primary",
        "rotation payments-nights",
    ]
    primary = find_rotation(db, workspace, "payments-primary")
    assert (primary.tz, primary.every, primary.reminder_hours) == ("Europe/Berlin", "1w", 24)
    assert on_call_at(db, primary, utc(2026, 11, 9, 9)).slack_user_id == "U0BEN"
    nights = find_rotation(db, workspace, "payments-nights")
    # Ben, Cho (away: the others take her slots in turn), Ana: every two days from 1 Mar 02:30
    # New York
    assert on_call_at(db, nights, utc(2026, 2, 28, 8)) is None  # before the start
    got = [on_call_at(db, nights, utc(2026, 3, day, 8)).slack_user_id for day in (1, 3, 5, 7, 9)]
    assert got == ["U0BEN", "U0ANA", "U0ANA", "U0BEN", "U0BEN"]
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == 2


def test_export_round_trips_and_a_second_import_changes_nothing(db):
    data = yaml.safe_load(CONFIG)
    workspace, _ = load(db, copy.deepcopy(data))
    exported = export_config(db, workspace)
    text = yaml.safe_dump(exported, sort_keys=False)
    _, again = load(db, yaml.safe_load(text))
    assert again.created == [] and again.changed == []
    assert len(again.unchanged) == 3
    nights = next(r for r in exported["rotations"] if r["name"] == "payments-nights")
    assert nights == {
        "name": "payments-nights",
        "team": "payments",
        "timezone": "America/New_York",
        "handoff": "02:30",
        "every": "2d",
        "start": "2026-03-01",
        "members": ["U0BEN", "U0CHO", "U0ANA"],
        "away": ["U0CHO"],
        "reminder_hours": 4,
    }
    data["rotations"][0]["members"] = ["U0CHO", "U0ANA"]
    _, changed = load(db, data)
    assert changed.changed == ["rotation payments-primary"]
    primary = find_rotation(db, workspace, "payments-primary")
    assert [m.person.slack_user_id for m in primary.members] == ["U0CHO", "U0ANA"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("team", "billing", "rotations[0] (payments-primary).team: there is no team"),
        ("timezone", "Europe/Berln", "rotations[0] (payments-primary).timezone"),
        ("handoff", "someday 10:00", "rotations[0] (payments-primary).handoff"),
        ("handoff", "25:00", "rotations[0] (payments-primary).handoff"),
        ("every", "3x", "rotations[0] (payments-primary).every"),
        ("every", "1d", "a weekday needs a shift length in weeks"),
        ("start", "2026-11-03", "2026-11-03 is a tuesday, but handoffs are on mondays"),
        ("start", "soon", "rotations[0] (payments-primary).start"),
        ("start", "2026-02-30", ".start: `2026-02-30` is not a date like 2026-11-24."),
        # Mondays, as the handoffs are: far off, their handoffs ran past the last date there is.
        ("start", date(9999, 12, 27), ".start: `9999-12-27` is too far off: give a date from"),
        ("start", "0001-01-01", ".start: `0001-01-01` is too far off: give a date from 1970"),
        ("members", [], "rotations[0] (payments-primary).members: needs at least one person"),
        ("members", ["U0ANA", "U0ANA"], "lists someone twice"),
        ("away", ["U0LEAD"], "must only name members"),
        ("reminder_hours", 500, "reminder_hours"),
        (
            "channel",
            "payments-oncall",
            "rotations[0] (payments-primary).channel: must be a channel",
        ),
        ("channel", "C" + "0" * 40, "rotations[0] (payments-primary).channel: must be a channel"),
        ("colour", "red", "rotations[0] (payments-primary).colour: is not a field I know"),
    ],
)
def test_a_bad_entry_names_the_field_and_nothing_is_applied(db, field, value, message):
    data = yaml.safe_load(CONFIG)
    data["rotations"][0][field] = value
    with pytest.raises(ConfigError, match=re.escape(message)):
        load(db, data)
    assert db.scalar(select(func.count()).select_from(Rotation)) == 0


def test_a_team_channel_must_be_a_channel_id(db):
    data = yaml.safe_load(CONFIG)
    data["teams"][0]["channel"] = "#payments"
    with pytest.raises(ConfigError, match=re.escape("teams[0] (payments).channel: must be a")):
        load(db, data)


def test_an_export_after_a_handoff_day_change_imports_here_unchanged_and_into_an_empty_workspace(
    db,
):
    now = utc(2026, 11, 20, 12)  # payments-primary has run since Mon 2 Nov
    workspace = ensure_workspace(db, TEAM_ID, CREATED)
    data = yaml.safe_load(CONFIG)
    import_config(db, workspace, copy.deepcopy(data), now, lookup)
    data["rotations"][0]["handoff"] = "tuesday 10:00"
    changed = import_config(db, workspace, copy.deepcopy(data), now, lookup)
    assert changed.changed == ["rotation payments-primary"]
    db.commit()
    exported = yaml.safe_load(yaml.safe_dump(export_config(db, workspace), sort_keys=False))
    primary = next(r for r in exported["rotations"] if r["name"] == "payments-primary")
    assert (primary["handoff"], primary["start"]) == ("tuesday 10:00", "2026-11-03")
    again = import_config(db, workspace, copy.deepcopy(exported), now, lookup)
    assert again.changed == [] and len(again.unchanged) == 3
    elsewhere = ensure_workspace(db, "T0ELSEWHERE", CREATED)
    fresh = import_config(db, elsewhere, copy.deepcopy(exported), now, lookup)
    assert "rotation payments-primary" in fresh.created
    db.commit()
    moved = find_rotation(db, elsewhere, "payments-primary")
    assert on_call_at(db, moved, utc(2026, 11, 24, 10)) is not None  # a Tuesday, after 10:00


@pytest.mark.parametrize("written", ["mon 10:00", "mon@10:00", "Monday at 10am", "mondays 10:00"])
def test_a_handoff_takes_a_weekly_time_written_any_of_the_ways_people_write_it(db, written):
    """One way to write a weekly time (`monday 10:00`, what export writes), and the others
    taken, as `/priority settings checkpoint=` and `/oncall set handoff=` take them."""
    data = yaml.safe_load(CONFIG)
    data["rotations"][0]["handoff"] = written
    workspace, _ = load(db, data)
    rotation = find_rotation(db, workspace, "payments-primary")
    assert (rotation.handoff_weekday, rotation.handoff_time.isoformat()) == (0, "10:00:00")
    [entry] = [r for r in export_config(db, workspace)["rotations"] if r["name"] == rotation.name]
    assert entry["handoff"] == "monday 10:00"
