"""One error handler: what the user got wrong comes back with the right usage; anything else as
"something went wrong (ref X)" with X in the log, and the transaction is rolled back."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from bot.commands import Command
from bot.feature import Feature
from bot.render import Reply
from models import AuditEntry
from models.core.errors import PermissionDenied, UserError
from models.core.people import find_team
from tests.factories import configure


class Broken:
    """A feature whose command writes, then fails."""

    boom = Command("/boom", "fails on purpose")

    @staticmethod
    @boom.sub("user", "/boom user <x>", "a user error after a write")
    def user_error(req, args):
        req.audit("boom", "x")
        req.db.flush()
        raise UserError("That isn't right.", "/boom user <x>")

    @staticmethod
    @boom.sub("crash", "/boom crash", "an unexpected error after a write")
    def crash(req, args):
        req.audit("boom", "x")
        req.db.flush()
        raise RuntimeError("kaboom")

    @staticmethod
    @boom.sub("deny", "/boom deny <x>", "a refusal after a write")
    def deny(req, args):
        req.audit("boom", "x")
        req.db.flush()
        team = find_team(req.db, req.workspace, "payments")
        raise PermissionDenied("That isn't yours to do.", team=team)

    @staticmethod
    @boom.sub("ok", "/boom ok", "writes and succeeds")
    def ok(req, args):
        req.audit("boom", "x")
        return Reply("done")


@pytest.fixture
def broken_driver(driver_for):
    return driver_for(Feature("broken", commands=[Broken.boom]))


def audits(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry))


def test_user_error_is_ephemeral_with_usage_and_rolls_back(broken_driver, db):
    resp = broken_driver.command("/boom", "user")
    assert resp.status == 200
    assert resp.json["response_type"] == "ephemeral"
    assert "That isn't right." in resp.text
    assert "Usage: /boom user <x>" in resp.text
    assert audits(db) == 0


def test_unexpected_error_gives_a_ref_that_is_logged(broken_driver, db, caplog):
    with caplog.at_level(logging.ERROR, logger="upkeep"):
        resp = broken_driver.command("/boom", "crash")
    assert resp.status == 200
    match = re.search(r"ref ([A-Z0-9]{6})", resp.text)
    assert match, resp.text
    assert any(match.group(1) in r.getMessage() for r in caplog.records)
    assert "kaboom" not in resp.text
    assert audits(db) == 0


def test_success_commits(broken_driver, db):
    assert broken_driver.command("/boom", "ok").text == "done"
    assert audits(db) == 1


def test_unexpected_error_in_a_mention_is_answered_in_thread(broken_driver, slack):
    resp = broken_driver.mention("hi", event_id="EvX")
    assert resp.status == 200


def test_a_refusal_is_audited_though_the_request_rolls_back(broken_driver, db, clock):
    """Who tried what, for which team, and that it was refused: written on its own, since the
    request's transaction (and the write it made before the refusal) is rolled back."""
    configure(db, clock)
    resp = broken_driver.command("/boom", "deny the secret words", user="U0CHO")
    assert resp.json["response_type"] == "ephemeral"
    assert resp.text == "That isn't yours to do."
    db.expire_all()
    [entry] = db.scalars(select(AuditEntry)).all()
    assert (entry.actor.slack_user_id, entry.action, entry.subject, entry.team.name) == (
        "U0CHO",
        "/boom deny",
        "payments",
        "payments",
    )
    assert entry.refused and entry.at == clock.now()
    assert entry.after == {"refused": "That isn't yours to do."}  # not the words it was given
