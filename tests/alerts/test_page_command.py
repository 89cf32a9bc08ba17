"""`/oncall page <rotation|team|@person> <message>`: the same flow as an alert, with no source;
what was typed is shown, never broadcast."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.alerts.conftest import action_ids, groups, shown_text
from tests.conftest import START


def test_paging_a_rotation_dms_whoever_is_on_call_and_escalates_to_the_leads(
    db, alerting, slack, http_driver, scheduler, clock
):
    scheduler.tick()
    answer = http_driver.command("/oncall", "page payments-primary ledger is down <!channel>")

    assert answer.status == 200
    assert answer.text.startswith(
        ":rotating_light: Paging whoever is on call in *payments-primary*"
    )
    (dm,) = slack.posted("U0ANA")
    text = shown_text(dm)
    assert "ledger is down @channel" in text and "<!channel>" not in text
    assert action_ids(dm) == ["alert_ack", "alert_resolve", "alert_escalate"]
    assert len(slack.posted("C0PAYMENTS")) == 1
    clock.set(START + timedelta(minutes=15))
    assert scheduler.tick().sent == ["alert:1:1:U0LEAD"]  # then the team's leads


def test_paging_a_person_dms_them(db, alerting, slack, http_driver):
    answer = http_driver.command("/oncall", "page <@U0BEN|ben> can you look at the ledger?")

    assert "Paging <@U0BEN>" in answer.text
    assert "can you look at the ledger?" in shown_text(slack.posted("U0BEN")[0])
    assert groups(db)[0].labels == {"paged_by": "U0ANA"}


def test_paging_a_team_follows_its_default_policy(db, alerting, slack, http_driver):
    http_driver.command("/oncall", "page payments checkout is slow")

    assert groups(db)[0].policy == "standard"
    assert len(slack.posted("U0ANA")) == 1  # standard's first step: payments-primary


@pytest.mark.parametrize(
    "text, said",
    [
        ("page", "Say whom to page and why."),
        ("page payments-primary", "Say whom to page and why."),
        ("page nobody help", "`nobody` is no rotation, team or person I know."),
        ("page <@U0NOBODY|x> help", "I don't know <@U0NOBODY>."),
    ],
)
def test_bad_pages_say_how_and_page_no_one(db, alerting, slack, http_driver, text, said):
    answer = http_driver.command("/oncall", text)

    assert said in answer.text
    assert "/oncall page <rotation|team|@person> <message>" in answer.text
    assert groups(db) == [] and slack.posted() == []
