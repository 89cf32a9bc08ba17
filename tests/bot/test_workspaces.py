"""One workspace, known for sure: what writes works on the bot token's workspace and refuses a
database that holds another's; the console and the demo have a database of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.console.emulator import TEAM_ID
from models.core.people import LOCAL_TEAM_ID, ensure_workspace
from models.core.workspace import Person, Team, Workspace
from tests.conftest import BOT_TOKEN, START
from tests.factories import TEAMS
from tests.processes import process_env, upkeep

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def with_token(monkeypatch, tmp_path, db_url, slack):
    """The CLI as an operator runs it: a bot token the fake Slack knows (workspace TEAM_ID)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    config = tmp_path / "teams.yaml"
    config.write_text(TEAMS)
    return config


def counts(db) -> tuple[int, int, int]:
    db.expire_all()
    return tuple(db.scalar(select(func.count()).select_from(t)) for t in (Workspace, Team, Person))


def test_import_with_another_workspaces_token_refuses_and_writes_nothing(with_token, db, capsys):
    ensure_workspace(db, "T0OTHER", START)  # say, a demo seeded here by an older version
    db.commit()
    before = counts(db)
    with pytest.raises(SystemExit) as refused:
        main(["import", str(with_token)])
    assert "another Slack workspace (T0OTHER)" in str(refused.value)
    assert f"the bot token belongs to ({TEAM_ID})" in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert counts(db) == before


def test_import_works_on_the_tokens_workspace(with_token, db, capsys):
    assert main(["import", str(with_token)]) == 0
    assert [w.slack_team_id for w in db.scalars(select(Workspace))] == [TEAM_ID]


def test_a_workspace_made_before_any_token_is_taken_over_by_the_tokens(
    with_token, db, monkeypatch, capsys
):
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    assert main(["import", str(with_token)]) == 0  # no token yet: a local workspace
    assert [w.slack_team_id for w in db.scalars(select(Workspace))] == [LOCAL_TEAM_ID]
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    assert main(["export"]) == 0
    assert "name: payments" in capsys.readouterr().out
    db.expire_all()
    assert [w.slack_team_id for w in db.scalars(select(Workspace))] == [TEAM_ID]


def test_serve_exits_with_a_plain_message_when_slack_refuses_the_token(slack, db_url, tmp_path):
    slack.fail("auth.test", "invalid_auth")
    with upkeep(["serve"], process_env(slack, db_url, PORT="0"), tmp_path) as proc:
        assert proc.wait(30) != 0
    assert "Slack refused the bot token (invalid_auth)" in proc.output
    assert "Traceback" not in proc.output


def test_serve_refuses_a_database_of_another_workspace(slack, db_url, tmp_path, db):
    ensure_workspace(db, "T0OTHER", START)
    db.commit()
    with upkeep(["worker"], process_env(slack, db_url), tmp_path) as proc:
        assert proc.wait(30) != 0
    assert "another Slack workspace (T0OTHER)" in proc.output
    assert "Traceback" not in proc.output


def test_the_demo_never_touches_the_database_that_serve_uses(tmp_path, db_url, db):
    """`upkeep run` with no Slack credentials opens the console with the demo team: in a
    database of its own, fresh each run. DATABASE_URL's rows stay as they were."""
    ensure_workspace(db, "T0REAL", START)
    db.commit()
    before = counts(db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= {"DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)}
    for _ in range(2):  # and the second run starts as fresh as the first
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run"],
            input="/oncall payments-primary\n:quit\n",
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert "*payments-primary*" in done.stdout  # the demo's rotation answered
    assert counts(db) == before
    assert [w.slack_team_id for w in db.scalars(select(Workspace))] == ["T0REAL"]
