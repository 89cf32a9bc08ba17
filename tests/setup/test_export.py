"""What is made in Slack with no import (a team, a rotation, services from `/owner set` and the
Edit form) is in `upkeep export`, and importing that export changes nothing."""

from __future__ import annotations

import yaml
from sqlalchemy import select

from bot.cli import main
from models import AuditEntry, Rotation, Workspace
from models.catalog.services import lookup_service
from tests.setup.forms import filled
from tests.setup.test_first_answer import start_team
from tests.setup.test_teams import workspace_of


def make_everything_in_slack(driver, slack) -> None:
    start_team(driver, slack)
    driver.command("/oncall", "set", user="U0LEAD", channel="C0BACKEND")
    form = slack.calls_to("views.open")[-1].body["view"]
    values = filled(form, name="backend-primary", members="U0ANA,U0BEN", every="2w")
    assert driver.view_submission(form["callback_id"], values, user="U0LEAD").body == ""


def test_services_need_no_import_once_a_team_is_set_up_in_slack(driver, slack, db):
    before = driver.command("/owner", "set api team=backend", user="U0LEAD")
    assert "There is no team called `backend`. No teams are set up yet." in before.text
    make_everything_in_slack(driver, slack)
    made = driver.command(
        "/owner", "set api team=backend rotation=backend-primary dri=<@U0ANA> tier=1", user="U0LEAD"
    )
    assert "api" in made.text and "backend" in made.text
    card = driver.command("/owner", "api", user="U0LEAD")
    edit = next(b for b in card.json["blocks"] if b["type"] == "actions")["elements"][0]
    driver.action("owner_edit", edit["value"], user="U0LEAD")
    view = slack.calls_to("views.open")[-1].body["view"]
    wrong = driver.view_submission(
        "owner_edit_view",
        filled(view, rotation="nope"),
        user="U0LEAD",
        private_metadata=view["private_metadata"],
    )
    assert wrong.json["errors"] == {"rotation": "There is no rotation called 'nope'"}
    ok = driver.view_submission(
        "owner_edit_view",
        filled(view, title="The API", runbook="https://wiki.example/api"),
        user="U0LEAD",
        private_metadata=view["private_metadata"],
    )
    assert ok.body == ""
    db.expire_all()
    api = lookup_service(db, workspace_of(db), "api")
    assert api.title == "The API" and api.rotation.name == "backend-primary"
    assert api.team.name == "backend" and api.dri.slack_user_id == "U0ANA"


def test_an_export_of_what_slack_made_imports_unchanged(
    driver, slack, db, db_url, monkeypatch, tmp_path, capsys
):
    make_everything_in_slack(driver, slack)
    driver.command("/owner", "set api team=backend rotation=backend-primary", user="U0LEAD")
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CLOCK_START", "2026-03-18T09:00:00Z")  # two shifts later
    assert main(["export", "--output", "exported.yaml"]) == 0
    exported = yaml.safe_load((tmp_path / "exported.yaml").read_text())
    assert exported["teams"] == [
        {
            "name": "backend",
            "channel": "C0BACKEND",
            "timezone": "Europe/Berlin",
            "leads": ["U0LEAD"],
            "members": ["U0ANA", "U0BEN"],
        }
    ]
    [rotation] = exported["rotations"]
    assert rotation == {
        "name": "backend-primary",
        "team": "backend",
        "timezone": "Europe/Berlin",
        "handoff": "monday 10:00",
        "every": "2w",
        "start": "2026-03-02",
        "members": ["U0ANA", "U0BEN"],
    }
    assert [s["name"] for s in exported["services"]] == ["api"]
    db.expire_all()
    schedule = db.scalars(select(Rotation.schedule_version)).all()
    catalog = db.scalars(select(Workspace.catalog_version)).all()
    audits = db.scalars(select(AuditEntry.id)).all()
    capsys.readouterr()
    assert main(["import", "exported.yaml"]) == 0
    assert "created: 0\nchanged: 0\nunchanged: 3" in capsys.readouterr().out
    db.expire_all()
    assert db.scalars(select(Rotation.schedule_version)).all() == schedule
    assert db.scalars(select(Workspace.catalog_version)).all() == catalog
    assert db.scalars(select(AuditEntry.id)).all() == audits
