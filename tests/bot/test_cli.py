"""The `upkeep` command line: what it says when it can't do what was asked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.cli import main
from models import Team


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
