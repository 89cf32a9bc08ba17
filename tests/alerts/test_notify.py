"""An alert reaches people: the webhook over HTTP, the DM to whoever is on call (after
overrides) and the post in the team's channel, each with Ack, Resolve and Escalate now; a repeat
in the thread; a resolve from the source shown in every message."""

from __future__ import annotations

from tests.alerts.conftest import action_ids, covering, groups, shown_text
from tests.conftest import START

BUTTONS = ["alert_ack", "alert_resolve", "alert_escalate"]


def test_an_alert_dms_whoever_is_on_call_after_overrides_and_posts_in_the_channel(
    db, alerting, hooks, slack
):
    covering(db, alerting, "U0BEN", START)

    answer = hooks.fire("a1", group="g1", labels={"env": "prod", "region": "eu-1"})

    assert answer["created"] == 1
    assert slack.wait_for(lambda: slack.posted("U0BEN") and slack.posted("C0PAYMENTS"))
    dm, post = slack.posted("U0BEN")[0], slack.posted("C0PAYMENTS")[0]
    for message in (dm, post):
        text = shown_text(message)
        assert "*Firing*" in text
        assert "HighErrorRate on billing-api (a1)" in text
        assert "owner <@U0BEN>" in text  # billing-api's DRI
        assert "<https://runbooks.example.com/billing-api|runbook>" in text
        assert "fired once" in text
        assert "`env=prod`" in text and "`service=billing-api`" in text
        assert action_ids(message) == BUTTONS
    assert slack.posted("U0ANA") == []  # on call by the rotation, but covered
    assert [g.status for g in groups(db)] == ["firing"]


def test_a_repeat_of_a_group_goes_in_its_thread_and_counts(db, alerting, hooks, slack):
    hooks.fire("a1", group="g1")
    assert slack.wait_for(lambda: slack.posted("C0PAYMENTS") and slack.posted("U0ANA"))
    parent = slack.posted("C0PAYMENTS")[0]

    hooks.fire("a2", group="g1")
    hooks.fire("a2", group="g1")  # the same alert again: no repeat

    assert slack.wait_for(lambda: len(slack.posted("C0PAYMENTS")) == 2)
    note = slack.posted("C0PAYMENTS")[1]
    assert note["thread_ts"] == parent["ts"]
    assert "Fired again: 2 times" in note["text"]
    assert slack.wait_for(lambda: "fired 2 times" in shown_text(slack.posted("U0ANA")[0]))
    assert len(slack.posted("U0ANA")) == 1  # one DM per group and step
    (group,) = groups(db)
    assert group.fired == 2


def test_a_resolve_from_the_source_updates_every_message(db, alerting, hooks, slack):
    hooks.fire("a1", group="g1")
    hooks.fire("a2", group="g1")
    assert slack.wait_for(lambda: slack.posted("U0ANA") and slack.posted("C0PAYMENTS"))

    hooks.fire("a1", group="g1", status="resolved")
    assert groups(db)[0].status == "firing"  # a2 still fires
    hooks.fire("a2", group="g1", status="resolved")

    def resolved(channel: str) -> bool:
        return "*Resolved* by the source" in shown_text(slack.posted(channel)[0])

    assert slack.wait_for(lambda: resolved("U0ANA") and resolved("C0PAYMENTS"))
    assert action_ids(slack.posted("U0ANA")[0]) == []  # nothing left to press
    assert groups(db)[0].status == "resolved"


def test_after_a_resolve_the_same_group_key_starts_a_new_group(db, alerting, hooks, slack):
    hooks.fire("a1", group="g1")
    hooks.fire("a1", group="g1", status="resolved")
    hooks.fire("a9", group="g1")

    assert [g.status for g in groups(db)] == ["resolved", "firing"]


def test_alerts_below_the_integrations_filter_start_nothing(db, alerting, server, slack):
    from models.core.people import find_team
    from models.pages.integrations import add_integration
    from tests.alerts.conftest import Hooks

    team = find_team(db, alerting, "payments")
    _, token = add_integration(db, alerting, team, source="generic", now=START)
    db.commit()
    Hooks(server, token).fire("low", severity="info")

    assert groups(db) == []


def test_a_resolve_and_a_new_firing_of_a_group_in_one_request(db, alerting, hooks, slack):
    hooks.fire("a1", group="g1")
    hooks.post(
        {
            "alerts": [
                {"key": "a1", "title": "t", "group_key": "g1", "status": "resolved"},
                {"key": "a5", "title": "again", "group_key": "g1"},
            ]
        }
    )

    assert [(g.status, g.title) for g in groups(db)] == [
        ("resolved", "HighErrorRate on billing-api (a1)"),
        ("firing", "again"),
    ]
