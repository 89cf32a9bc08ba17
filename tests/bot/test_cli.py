"""The `upkeep` command line: what it says when it can't do what was asked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.cli import main
from models import Rotation, Team, Workspace


@pytest.fixture
def no_slack(monkeypatch, tmp_path, db_url):
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_URL", db_url)


@pytest.mark.parametrize(
    ("command", "missing"),
    [
        ("serve", "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"),
        ("socket", "SLACK_APP_TOKEN"),
        ("worker", "SLACK_BOT_TOKEN"),
    ],
)
def test_processes_that_need_slack_say_what_is_missing(no_slack, capsys, command, missing):
    assert main([command]) == 2
    assert missing in capsys.readouterr().err


def test_db_upgrade_is_idempotent(no_slack, capsys):
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0


def test_no_command_prints_help(no_slack, capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for command in ("run", "serve", "worker", "console", "import", "export", "db"):
        assert command in out


IMPOSSIBLE = """
teams:
  - name: payments
    channel: C0PAYMENTS
    leads: [U0LEAD]
rotations:
  - name: payments-primary
    team: payments
    handoff: monday 10:00
    every: 1w
    start: 2026-02-30
    members: [U0LEAD]
"""


def test_import_of_a_date_that_does_not_exist_names_the_field_and_writes_nothing(
    no_slack, capsys, tmp_path, db
):
    """YAML's reader raised ValueError on 2026-02-30 (a timestamp by its form): a traceback."""
    (tmp_path / "upkeep.yaml").write_text(IMPOSSIBLE)
    assert main(["import", "upkeep.yaml"]) == 1
    assert capsys.readouterr().err == (
        "error: rotations[0] (payments-primary).start: `2026-02-30` is not a date like "
        "2026-11-24.\nnothing was applied\n"
    )
    assert db.scalars(select(Team)).all() == []


@pytest.mark.parametrize(
    ("content", "code", "said"),
    [
        (b"teams:\n  - name: caf\xe9\n", 2, "upkeep.yaml is not valid YAML: it is not UTF-8 text"),
        (b"teams: " + b"[" * 100_000 + b"]" * 100_000, 2, "is not valid YAML: it is nested too"),
        (b"teams:\n  - {name: payments, 1: x, colour: red}\n", 1, "teams[0] (payments).1: is not"),
        (b"{teams: [], 1: x, colour: red}\n", 1, "error: 1: is not a section I know"),
    ],
    ids=["not-utf-8", "nested", "field-names-not-all-text", "section-names-not-all-text"],
)
def test_import_of_a_file_it_cannot_read_says_why(no_slack, capsys, tmp_path, content, code, said):
    """Each was a traceback (UnicodeDecodeError, RecursionError, TypeError)."""
    (tmp_path / "upkeep.yaml").write_bytes(content)
    assert main(["import", "upkeep.yaml"]) == code
    assert said in capsys.readouterr().err


EVERYTHING = """
teams:
  - {name: payments, channel: C0PAYMENTS, timezone: Europe/Berlin, leads: [U0LEAD],
     members: [U0ANA, U0BEN]}
rotations:
  - {name: payments-primary, team: payments, handoff: monday 10:00, every: 1w, start: 2026-03-02,
     members: [U0ANA, U0BEN], channel: C0PAYONCALL}
services:
  - {name: billing-api, team: payments, dri: U0BEN, rotation: payments-primary, tier: 1}
rituals:
  - {kind: standup, team: payments, days: mon-fri, time: "09:30"}
priorities:
  - {team: payments, target: 70}
"""


def versions(db) -> tuple[list[int], list[int]]:
    """Every rotation's `schedule_version` and every workspace's `catalog_version`."""
    db.expire_all()
    schedules = db.scalars(select(Rotation.schedule_version).order_by(Rotation.id)).all()
    return list(schedules), list(db.scalars(select(Workspace.catalog_version)).all())


def test_importing_an_unchanged_export_bumps_no_version_and_a_change_still_does(
    no_slack, monkeypatch, capsys, tmp_path, db
):
    """Every import bumped both: each re-set field marked its row changed, so every process
    read its kept timelines and service cards again, for nothing."""
    monkeypatch.setenv("CLOCK_START", "2026-03-04T09:00:00Z")
    (tmp_path / "upkeep.yaml").write_text(EVERYTHING)
    assert main(["import", "upkeep.yaml"]) == 0
    assert main(["export", "--output", "exported.yaml"]) == 0
    imported = versions(db)
    capsys.readouterr()
    assert main(["import", "exported.yaml"]) == 0
    assert "created: 0\nchanged: 0\nunchanged: 5" in capsys.readouterr().out
    assert versions(db) == imported

    (schedule,), (catalog,) = imported
    reordered = EVERYTHING.replace("[U0ANA, U0BEN], channel", "[U0BEN, U0ANA], channel")
    (tmp_path / "reordered.yaml").write_text(reordered)
    assert main(["import", "reordered.yaml"]) == 0
    assert versions(db) == ([schedule + 1], [catalog])  # who is on call changed; no card did
    (tmp_path / "new-lead.yaml").write_text(reordered.replace("[U0LEAD]", "[U0ANA]"))
    assert main(["import", "new-lead.yaml"]) == 0
    assert versions(db) == ([schedule + 1], [catalog + 1])  # a card shows the team's leads
