"""Changes that come while a group is open: a policy made longer gives the group its new steps;
a repeat that comes while the group's channel post is still on its way gets its thread note
once the post is recorded (retried, not lost)."""

from __future__ import annotations

from datetime import timedelta

from models.core.deliveries import delivery
from tests.alerts.conftest import ALERTING
from tests.conftest import START
from tests.factories import CATALOG, configure

LONGER = ALERTING.replace(
    "          - channel: payments\n",
    "          - channel: payments\n            wait: 10\n          - person: U0LEAD\n",
)


def test_a_longer_policy_reaches_a_group_already_open(db, alerting, hooks, slack, scheduler, clock):
    scheduler.tick()
    hooks.fire("a1", group="g1")
    clock.set(START + timedelta(minutes=1))
    configure(db, clock, CATALOG + LONGER)

    clock.set(START + timedelta(minutes=15))
    assert sorted(scheduler.tick().sent) == ["alert:1:1:U0LEAD", "alert:1:2:C0PAYMENTS"]
    clock.set(START + timedelta(minutes=25))  # the step the policy gained
    assert scheduler.tick().sent == ["alert:1:3:U0LEAD"]


def alert(key: str) -> dict:
    return {"key": key, "title": "Errors", "service": "billing-api", "group_key": "g1"}


def test_a_repeat_before_the_channel_post_is_recorded_still_gets_its_thread_note(
    db, alerting, hooks, app, slack, scheduler, clock
):
    scheduler.tick()
    held = slack.pause("chat.postMessage", "C0PAYMENTS")
    try:
        assert hooks.post({**alert("a1"), "severity": "page"})[0] == 200
        assert slack.wait_for(lambda: slack.posted("U0ANA"))  # the DM; the post is held
        assert hooks.post({**alert("a2"), "severity": "page"})[0] == 200

        def tried() -> bool:
            db.expire_all()
            row = delivery(db, "alert:1:fired:2")
            return row is not None and (row.attempts > 0 or row.status == "sent")

        assert slack.wait_for(tried)
    finally:
        held.set()
    assert app.after.drain()
    clock.set(START + timedelta(minutes=1))
    scheduler.tick()

    parent, note = slack.posted("C0PAYMENTS")
    assert note["thread_ts"] == parent["ts"] and "Fired again: 2 times" in note["text"]
