"""What an alert's sender writes can't shout or link, and can't break Slack's limits: labels,
severity and summary with broadcasts, links and entities in them; a dozen huge labels. Two
people pressing at once: one outcome, the other told."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from tests.alerts.conftest import groups, shown_text

LIVE = re.compile(r"<(?:!|https?:|mailto:)")  # a broadcast or a link Slack would make live
NASTY = "&lt;!channel&gt; <!here> <https://evil.example|click> &amp;lt;!everyone&amp;gt; `x` <"


def message_texts(message: dict) -> list[str]:
    return [message["text"], shown_text(message)]


def test_labels_severity_and_summary_from_a_sender_never_make_a_broadcast_or_link_live(
    db, alerting, hooks, slack
):
    hooks.fire(
        "a1",
        group="g1",
        severity="critical",
        title=f"Boom {NASTY}",
        labels={"note": NASTY, NASTY[:30]: "v", "env": "R&D"},
    )
    assert slack.wait_for(lambda: slack.posted("U0ANA") and slack.posted("C0PAYMENTS"))
    for message in (slack.posted("U0ANA")[0], slack.posted("C0PAYMENTS")[0]):
        for text in message_texts(message):
            assert not LIVE.search(text.replace("<https://runbooks.example.com/", "")), text
        shown = shown_text(message)
        assert "`env=R&amp;D`" in shown  # Slack's escaping once, not twice
        assert "&amp;amp;" not in shown


def test_a_dozen_huge_labels_stay_within_slacks_limits(db, alerting, hooks, slack):
    labels = {f"k{i}&<>" * 5: "&<>" * 66 for i in range(30)}
    hooks.fire("a1", group="g1", labels=labels, title="<&>" * 100)
    assert slack.wait_for(lambda: slack.posted("U0ANA") and slack.posted("C0PAYMENTS"))
    for message in (slack.posted("U0ANA")[0], slack.posted("C0PAYMENTS")[0]):
        assert len(message["blocks"]) <= 50
        for block in message["blocks"]:
            texts = [block["text"]] if "text" in block else block.get("elements", [])
            for text in texts:
                if text.get("type") == "mrkdwn":
                    assert len(text["text"]) <= 3000
                    assert not re.search(r"&(?!amp;|lt;|gt;)|[<>]", text["text"].split("<@")[0])
        assert "more labels" in shown_text(message)


def _at_once(http_driver, action: str, users: list[str]) -> None:
    barrier = threading.Barrier(len(users))

    def press(user: str) -> None:
        barrier.wait()
        http_driver.action(action, "1", user=user)

    threads = [threading.Thread(target=press, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def told(slack) -> list[str]:
    return [c.body["text"] for c in slack.calls_to("chat.postEphemeral")]


def test_two_people_acking_at_once_one_ack_stands_and_the_other_is_told(
    db, alerting, hooks, slack, http_driver
):
    hooks.fire("a1", group="g1")
    assert slack.wait_for(lambda: slack.posted("U0ANA"))

    _at_once(http_driver, "alert_ack", ["U0ANA", "U0BEN"])

    winner = groups(db)[0].acked_by.slack_user_id
    assert len(told(slack)) == 1, told(slack)
    assert told(slack)[0].startswith(f"<@{winner}> acked that alert already"), told(slack)


def test_two_people_pressing_escalate_now_at_once_move_one_step(
    db, alerting, hooks, slack, http_driver
):
    hooks.fire("a1", group="g1")
    assert slack.wait_for(lambda: slack.posted("U0ANA"))

    _at_once(http_driver, "alert_escalate", ["U0ANA", "U0BEN"])

    group = groups(db)[0]
    assert group.base_step == 1 and group.escalated == 1
    assert len(told(slack)) == 1, told(slack)
    assert "changed that alert just now" in told(slack)[0]


def test_escalate_now_pressed_twice_in_a_row_moves_one_step_and_later_again(
    db, alerting, hooks, slack, http_driver, clock
):
    """The second press may read the group after the first committed: within seconds of an
    Escalate now, another is the same escalation; later, it is a new one."""
    hooks.fire("a1", group="g1")
    assert slack.wait_for(lambda: slack.posted("U0ANA"))

    http_driver.action("alert_escalate", "1", user="U0ANA")
    clock.advance(timedelta(seconds=3))
    http_driver.action("alert_escalate", "1", user="U0BEN")

    assert (groups(db)[0].base_step, groups(db)[0].escalated) == (1, 1)
    assert slack.wait_for(lambda: len(told(slack)) == 1)
    assert "changed that alert just now" in told(slack)[0]

    clock.advance(timedelta(seconds=10))
    http_driver.action("alert_escalate", "1", user="U0BEN")
    assert (groups(db)[0].base_step, groups(db)[0].escalated) == (2, 2)
