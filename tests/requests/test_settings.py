"""A team's request settings in a form, for its leads: it writes what the `requests:` section
writes, with the same checks (each mistake under its input, nothing written), and what it saved
is what `upkeep export` writes back."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from models.config import export_config, import_config
from models.core.config import ConfigError
from models.core.workspace import Workspace
from tests.factories import audit_entries, configure

CHANGED = {
    "channel": "C0NEWREQ",
    "shield": None,
    "emoji": "sos",
    "skip_emoji": "no_entry_sign",
    "sla": {"normal": "2h", "urgent": "30m"},
    "hours": "08:00-16:30",
    "days": "sun-thu",
}


def form_of(driver, slack, team: str = "payments", user: str = "U0LEAD") -> dict:
    driver.command("/requests", f"settings {team}", user=user, channel="C0PAYMENTS")
    return slack.calls_to("views.open")[-1].body["view"]


def values(entry: dict) -> dict:
    """The form's state as Slack sends it, filled with the config file's spelling of `entry`."""

    def typed(text: str) -> dict:
        return {"value": {"type": "plain_text_input", "value": text}}

    shield = entry["shield"] or "-"
    state = {
        "channel": {
            "value": {"type": "conversations_select", "selected_conversation": entry["channel"]}
        },
        "shield": {"value": {"type": "static_select", "selected_option": {"value": shield}}},
        "sla_normal": typed(entry["sla"]["normal"]),
        "sla_urgent": typed(entry["sla"]["urgent"]),
    }
    return state | {f: typed(entry[f]) for f in ("emoji", "skip_emoji", "hours", "days")}


def stored(db) -> list[dict]:
    db.expire_all()
    return export_config(db, db.scalars(select(Workspace)).one())["requests"]


def test_a_lead_changes_the_settings_and_export_writes_them_back(
    requests_workspace, driver, slack, db, clock
):
    view = form_of(driver, slack)
    shown = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert shown["channel"]["initial_conversation"] == "C0PAYREQ"
    assert shown["shield"]["initial_option"]["value"] == "payments-shield"
    assert [shown[k]["initial_value"] for k in ("emoji", "sla_normal", "hours", "days")] == [
        "ticket",
        "4h",
        "09:00-18:00",
        "mon-fri",
    ]
    answer = driver.view_submission(view["callback_id"], values(CHANGED), user="U0LEAD", view=view)
    assert answer.status == 200 and answer.body == ""
    entry = {"team": "payments"} | {k: v for k, v in CHANGED.items() if v is not None}
    assert stored(db) == [entry]
    exported = export_config(db, requests_workspace)
    report = import_config(
        db, requests_workspace, yaml.safe_load(yaml.safe_dump(exported)), clock.now()
    )
    assert "requests payments" in report.unchanged and report.changed == report.created == []
    [change] = [e for e in audit_entries(db) if e.action == "requests.set"][-1:]
    assert (change.actor.slack_user_id, change.after["channel"]) == ("U0LEAD", "C0NEWREQ")


def test_a_team_that_takes_no_requests_yet_starts_from_the_defaults(
    requests_workspace, driver, slack, db
):
    view = form_of(driver, slack, "search")
    shown = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert "initial_conversation" not in shown["channel"]
    assert [o["value"] for o in shown["shield"]["options"]] == ["-", "payments-shield"]
    entry = CHANGED | {"channel": "C0SEARCHREQ", "shield": "payments-shield"}
    driver.view_submission(view["callback_id"], values(entry), user="U0LEAD", view=view)
    assert [e["team"] for e in stored(db)] == ["payments", "search"]


@pytest.mark.parametrize(
    ("field", "wrong", "under"),
    [
        ("emoji", "not an emoji!", "emoji"),
        ("skip_emoji", "sos", "skip_emoji"),  # the same as the request emoji
        ("sla", {"normal": "2h", "urgent": "soon"}, "sla_urgent"),
        ("sla", {"normal": "100h", "urgent": "1h"}, "sla_normal"),
        ("hours", "18:00-09:00", "hours"),
        ("days", "funday", "days"),
    ],
)
def test_a_wrong_value_is_told_under_its_input_as_the_config_file_tells_it(
    requests_workspace, driver, slack, db, clock, field, wrong, under
):
    before = stored(db)
    entry = CHANGED | {field: wrong}
    view = form_of(driver, slack)
    answer = driver.view_submission(view["callback_id"], values(entry), user="U0LEAD", view=view)
    with pytest.raises(ConfigError) as in_the_file:
        configure(db, clock, yaml.safe_dump({"requests": [{"team": "payments"} | entry]}))
    db.rollback()
    assert answer.json == {
        "response_action": "errors",
        "errors": {under: in_the_file.value.problem_sentence},
    }
    assert stored(db) == before


def test_only_leads_and_admins_change_the_settings(requests_workspace, driver, slack, db):
    before = stored(db)
    refused = driver.command("/requests", "settings payments", user="U0ANA", channel="C0PAYMENTS")
    assert refused.json["text"] == (
        "Only payments' leads or an admin can change how it takes requests."
    )
    unknown = driver.command("/requests", "settings paymnts", user="U0LEAD", channel="C0PAYMENTS")
    assert unknown.json["text"] == (
        "There is no team called `paymnts`.\nUsage: /requests settings [team]"
    )
    view = form_of(driver, slack)  # the lead's form, sent by Ana
    answer = driver.view_submission(view["callback_id"], values(CHANGED), user="U0ANA", view=view)
    assert "Only payments' leads" in str(answer.json)
    assert stored(db) == before
    refusals = audit_entries(db, refused=True)
    assert [(e.actor.slack_user_id, e.team.name) for e in refusals] == [("U0ANA", "payments")] * 2


def test_app_home_has_the_button_for_the_teams_a_lead_leads(requests_workspace, driver, slack):
    driver.event({"type": "app_home_opened", "user": "U0LEAD", "tab": "home"})
    home = str(slack.home["U0LEAD"]["blocks"])
    assert "request_settings_open" in home
    team_id = [
        e["value"]
        for b in slack.home["U0LEAD"]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "request_settings_open"
    ][0]
    driver.action("request_settings_open", team_id, user="U0LEAD", channel=None)
    assert slack.calls_to("views.open")[-1].body["view"]["callback_id"] == "request_settings_form"
    driver.event({"type": "app_home_opened", "user": "U0ANA", "tab": "home"})
    assert "request_settings_open" not in str(slack.home["U0ANA"]["blocks"])
