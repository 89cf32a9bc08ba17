"""A service's DRI is told when they become it, and the one they replace that they no longer
are (not whoever made the change)."""

from __future__ import annotations


def dms(slack, uid: str) -> list[str]:
    return [m["text"] for m in slack.posted(uid)]


def test_a_new_dri_and_the_one_replaced_are_told(driver, slack, catalog):
    driver.command("/owner", "set billing-api dri=<@U0ANA> tier=2", user="U0LEAD")
    assert dms(slack, "U0ANA") == [
        ":bust_in_silhouette: <@U0LEAD> made you the DRI of `billing-api` (payments)."
    ]
    assert dms(slack, "U0BEN") == [
        ":bust_in_silhouette: <@U0ANA> is now the DRI of `billing-api` (payments) instead of "
        "you, set by <@U0LEAD>."
    ]
    slack.reset()
    driver.command("/owner", "set billing-api tier=1", user="U0LEAD")  # the DRI stays
    driver.command("/owner", "set ledger dri=<@U0LEAD>", user="U0LEAD")  # she knows
    assert slack.posted("U0LEAD") == [] and slack.posted("U0BEN") == []
    assert dms(slack, "U0ANA") == [
        ":bust_in_silhouette: <@U0LEAD> is now the DRI of `ledger` (payments) instead of you."
    ]
