"""The `upkeep` command line: what it says when it can't do what was asked."""

from __future__ import annotations

import pytest

from bot.cli import main


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
