"""The structured form for a team's default escalation policy: steps as fields (whom, the
person, the wait), the repeat; saved with the config file's rules (a mistake under its field,
nothing saved), and what it saves is what export writes and import reads back."""

from __future__ import annotations

import json

import pytest
import yaml

from models.config import export_config, import_config
from tests.factories import audit_entries, lookup


def opened(slack, method: str = "views.open") -> dict:
    call = slack.calls_to(method)[-1]
    view = call.body["view"]
    return json.loads(view) if isinstance(view, str) else view


def initial(view: dict, block_id: str):
    (block,) = [b for b in view["blocks"] if b.get("block_id") == block_id]
    element = block["element"]
    if "initial_option" in element:
        return element["initial_option"]["value"]
    return element.get("initial_user") or element.get("initial_value")


def row(who: str | None, wait: str = "", person: str | None = None) -> dict:
    return {"who": who, "wait": wait, "person": person}


def submit(http_driver, view: dict, rows: list[dict], repeat: str = "0", user: str = "U0LEAD"):
    values: dict = {"repeat": {"value": {"type": "plain_text_input", "value": repeat}}}
    for i, r in enumerate(rows):
        chosen = {"value": r["who"]} if r["who"] else None
        values[f"step_{i}_who"] = {"value": {"type": "static_select", "selected_option": chosen}}
        values[f"step_{i}_person"] = {
            "value": {"type": "users_select", "selected_user": r["person"]}
        }
        values[f"step_{i}_wait"] = {"value": {"type": "plain_text_input", "value": r["wait"]}}
    return http_driver.view_submission("alerting_steps_form", values, user=user, view=view)


def open_form(http_driver, slack) -> dict:
    answer = http_driver.command("/oncall", "escalation payments", user="U0LEAD")
    assert answer.text == "Opening the form…"
    return opened(slack)


def test_the_form_shows_the_default_policy_as_fields(db, alerting, slack, http_driver):
    view = open_form(http_driver, slack)

    assert view["callback_id"] == "alerting_steps_form"
    assert len(view["blocks"]) <= 100
    assert initial(view, "step_0_who") == "rotation:payments-primary"
    assert initial(view, "step_0_wait") == "5"
    assert initial(view, "step_1_who") == "person"
    assert initial(view, "step_1_person") == "U0LEAD"
    assert initial(view, "step_2_who") == "channel:payments"
    assert initial(view, "step_3_who") is None  # one empty row for a new step
    assert initial(view, "repeat") == "0"


def test_a_lead_saves_steps_and_repeat_and_export_round_trips_them(
    db, alerting, slack, http_driver, clock
):
    view = open_form(http_driver, slack)
    rows = [
        row("rotation:payments-primary", "3"),
        row(None),  # an empty row is left out
        row("person", "", "U0BEN"),
        row("leads:payments", "0"),
    ]

    response = submit(http_driver, view, rows, repeat="2")

    assert response.status == 200 and response.body == "", response.body
    (entry,) = export_config(db, alerting)["alerting"]
    assert entry["default"] == "standard"
    assert entry["escalations"] == [
        {
            "name": "standard",
            "steps": [
                {"rotation": "payments-primary", "wait": 3},
                {"person": "U0BEN", "wait": 15},
                {"leads": "payments", "wait": 0},
            ],
            "repeat": 2,
        }
    ]
    assert entry["urgent"] == ["critical", "page"]  # the rest of the entry as it was
    assert [e.action for e in audit_entries(db)][-1] == "alerting.set"
    assert (
        "Saved payments' default escalation policy (3 step(s))" in slack.posted("D0LEAD")[0]["text"]
    )
    again = yaml.safe_load(yaml.safe_dump(export_config(db, alerting)))
    report = import_config(db, alerting, again, clock.now(), lookup(slack))
    assert "alerting payments" in report.unchanged
    reopened = open_form(http_driver, slack)
    assert initial(reopened, "step_1_person") == "U0BEN" and initial(reopened, "repeat") == "2"


@pytest.mark.parametrize(
    "rows, repeat, field, said",
    [
        ([row("rotation:payments-primary", "soon")], "0", "step_0_wait", "whole minutes"),
        ([row("leads:payments"), row("person")], "0", "step_1_person", "Pick the person"),
        (
            [row("leads:payments"), row(None), row("person", "1", "U0NOPE")],
            "0",
            "step_2_person",
            "'U0NOPE' is not someone I know",
        ),
        ([row("leads:payments", "99999")], "0", "step_0_wait", "0 to 1440"),
        ([row("leads:payments")], "11", "repeat", "0 to 10"),
        ([row(None), row(None)], "0", "step_0_who", "Say whom the first step notifies"),
    ],
)
def test_a_mistake_is_shown_under_its_field_and_nothing_saved(
    db, alerting, slack, http_driver, rows, repeat, field, said
):
    view = open_form(http_driver, slack)
    before = export_config(db, alerting)["alerting"]

    response = submit(http_driver, view, rows, repeat=repeat)

    assert response.json["response_action"] == "errors", response.json
    assert list(response.json["errors"]) == [field]
    assert said in response.json["errors"][field]
    db.expire_all()
    assert export_config(db, alerting)["alerting"] == before


def test_a_team_without_policies_gets_its_first_as_the_default(db, alerting, slack, http_driver):
    http_driver.command("/oncall", "escalation search", user="U0LEAD")
    view = opened(slack)
    assert initial(view, "step_0_who") is None

    response = submit(http_driver, view, [row("leads:search", "5"), row("channel:payments")])

    assert response.body == "", response.body
    entries = {e["team"]: e for e in export_config(db, alerting)["alerting"]}
    assert entries["search"]["default"] == "standard"
    assert entries["search"]["escalations"][0]["steps"] == [
        {"leads": "search", "wait": 5},
        {"channel": "payments", "wait": 15},
    ]


def test_only_leads_save_it(db, alerting, slack, http_driver):
    view = open_form(http_driver, slack)

    response = submit(http_driver, view, [row("leads:payments")], user="U0ANA")

    assert "Only payments' leads or a workspace admin" in json.dumps(response.json)


def test_edit_as_yaml_opens_the_whole_entry(db, alerting, slack, http_driver):
    view = open_form(http_driver, slack)
    (button,) = [b["accessory"] for b in view["blocks"] if "accessory" in b]

    http_driver.action(button["action_id"], button["value"], user="U0LEAD", view=view)

    pushed = opened(slack, "views.push")
    assert pushed["callback_id"] == "alerting_form"
    shown = yaml.safe_load(pushed["blocks"][1]["element"]["initial_value"])
    assert shown["escalations"][0]["steps"][0] == {"rotation": "payments-primary", "wait": 5}
