"""The Slack form for a team's escalation policies: opened with the stored entry, saved with
the config file's rules (a bad rotation is shown under the input, nothing saved), leads only."""

from __future__ import annotations

import json

import yaml

from models.config import export_config, import_config
from tests.factories import audit_entries

CHANGED = """
urgent: [critical]
escalations:
  - name: standard
    repeat: 2
    steps:
      - rotation: payments-primary
        wait: 3
      - leads: payments
routes:
  - match: [service=ledger]
    escalation: standard
"""


def opened(slack) -> dict:
    (call,) = slack.calls_to("views.open")
    view = call.body["view"]
    return json.loads(view) if isinstance(view, str) else view


def submit(http_driver, view: dict, text: str, user: str = "U0LEAD"):
    values = {"alerting": {"value": {"type": "plain_text_input", "value": text}}}
    return http_driver.view_submission("alerting_form", values, user=user, view=view)


def test_a_lead_changes_the_policies_in_the_form(db, alerting, slack, http_driver):
    answer = http_driver.command("/oncall", "escalation payments yaml", user="U0LEAD")

    assert answer.text == "Opening the form…"
    view = opened(slack)
    shown = yaml.safe_load(view["blocks"][1]["element"]["initial_value"])
    assert shown["escalations"][0]["name"] == "standard" and "team" not in shown

    response = submit(http_driver, view, CHANGED)

    assert response.status == 200 and response.body == ""
    (entry,) = export_config(db, alerting)["alerting"]
    assert entry["escalations"][0]["repeat"] == 2
    assert entry["routes"] == [{"match": ["service=ledger"], "escalation": "standard"}]
    assert [e.action for e in audit_entries(db)][-1] == "alerting.set"
    assert "Saved payments' escalation policies" in slack.posted("D0LEAD")[0]["text"]


def test_a_policy_naming_an_unknown_rotation_is_shown_under_the_input_and_not_saved(
    db, alerting, slack, http_driver
):
    http_driver.command("/oncall", "escalation payments yaml", user="U0LEAD")
    before = export_config(db, alerting)["alerting"]

    response = submit(http_driver, opened(slack), CHANGED.replace("payments-primary", "nope"))

    assert response.json["response_action"] == "errors"
    said = response.json["errors"]["alerting"]
    assert "escalations[0] (standard).steps[0].rotation" in said
    assert "there is no rotation called 'nope'" in said
    db.expire_all()
    assert export_config(db, alerting)["alerting"] == before


def test_yaml_that_cannot_be_read_is_shown_under_the_input(db, alerting, slack, http_driver):
    http_driver.command("/oncall", "escalation payments yaml", user="U0LEAD")

    response = submit(http_driver, opened(slack), "escalations: [")

    assert "isn't YAML I can read" in response.json["errors"]["alerting"]


def test_only_leads_and_admins_open_it(db, alerting, slack, http_driver):
    answer = http_driver.command("/oncall", "escalation payments yaml", user="U0ANA")

    assert "Only payments' leads or a workspace admin" in answer.text
    assert slack.calls_to("views.open") == []


def test_an_entry_too_long_for_a_slack_form_is_not_cut_but_sent_to_the_config_file(
    db, alerting, slack, http_driver, clock
):
    routes = [
        {"match": [f"service=billing-api-{i:03d}"], "escalation": "standard"} for i in range(90)
    ]
    (entry,) = export_config(db, alerting)["alerting"]
    import_config(db, alerting, {"alerting": [{**entry, "routes": routes}]}, clock.now())
    db.commit()

    http_driver.command("/oncall", "escalation payments yaml", user="U0LEAD")

    view = opened(slack)
    for block in view["blocks"]:
        element = block.get("element") or {}
        assert len(element.get("initial_value", "")) <= element.get("max_length", 3000)
    assert "submit" not in view  # nothing to save: a half entry would drop the rest
    assert "`upkeep export`" in json.dumps(view)
