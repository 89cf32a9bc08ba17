"""The error-budget policy, ticked through by the worker: 50% and 25% told in the team's channel
once, 25% suggesting one reliability item (again only in a later window), shown in `/priority
suggestions` like page-driven suggestions, 0% calling for
reliability before features, which `/priority budget` shows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, select

from models.priorities.backlog import BacklogItem
from models.priorities.suggestions import PageSuggestion
from models.slos.slos import BudgetCrossing, SliCount, Slo, find_slo
from tests.factories import CATALOG, configure
from tests.slos.entries import pushed

SLOS = "slos:" + pushed("checkout", "billing-api") + pushed("monthly", "ledger", window="month")


@pytest.fixture
def policy(db, clock, slack, scheduler):
    """`set_errors(n)`: checkout's counts in the last hour become n errors in 1,000 (1% budget:
    n=6 leaves 40%); `refresh()`: the worker's next refresh and the tick after it."""
    workspace = configure(db, clock, CATALOG + SLOS)
    scheduler.tick()

    def set_errors(errors: int, name: str = "checkout", total: int = 1000) -> None:
        target = find_slo(db, workspace.id, name)
        db.execute(delete(SliCount).where(SliCount.slo_id == target.id))
        start = clock.now() - timedelta(hours=1)
        db.add(
            SliCount(
                slo_id=target.id,
                start=start,
                end=clock.now(),
                good=total - errors,
                total=total,
            )
        )
        db.commit()

    def refresh(no_data: bool = False) -> list[str]:
        """What the channel was told (of budgets; with `no_data`, of no data too)."""
        before = len(slack.posted("C0PAYMENTS"))
        clock.advance(minutes=5)
        scheduler.tick()
        clock.advance(minutes=1)
        scheduler.tick()
        new = slack.posted("C0PAYMENTS")[before:]
        texts = [m["text"] for m in new if not m["text"].startswith("SLO report")]
        return [t for t in texts if no_data or "has no data" not in t]

    return set_errors, refresh


def suggested(db) -> list[tuple[str, str]]:
    """The reliability items the SLOs' budgets suggested, with each suggestion's state."""
    db.expire_all()
    rows = db.execute(
        select(PageSuggestion.title, PageSuggestion.state)
        .where(PageSuggestion.source == "slo")
        .order_by(PageSuggestion.id)
    )
    return [tuple(row) for row in rows]


TITLE = "Reliability: checkout (billing-api) is burning its error budget"


def test_each_threshold_is_told_once_and_25_percent_suggests_one_item(db, clock, driver, policy):
    set_errors, refresh = policy
    set_errors(6)
    (told,) = refresh()
    assert told == (
        "*checkout* (`billing-api`) has 40% of its error budget left (99% over 30d), below the "
        "policy's 50%."
    )
    assert refresh() == [] and suggested(db) == []  # still 40%: nothing new
    set_errors(8)
    (told,) = refresh()
    assert "has 20% of its error budget left (99% over 30d), below the policy's 25%." in told
    assert (
        f"Suggested for the backlog: {TITLE}. A lead accepts or dismisses it in "
        "`/priority suggestions`."
    ) in told
    assert suggested(db) == [(TITLE, "open")]
    assert db.scalar(select(BacklogItem).where(BacklogItem.source == "slo")) is None

    # Shown like a page-driven suggestion, with its Accept and Dismiss, until a lead decides.
    shown = driver.command("/priority", "suggestions", channel="C0PAYMENTS", user="U0LEAD")
    assert shown.text == "1 suggestion for payments"
    blocks = shown.json["blocks"]
    assert blocks[1]["text"]["text"] == (
        f"*{TITLE}*: 20% of the error budget left on 2026-03-02 (objective 99% over 30d)"
    )
    accept = blocks[2]["elements"][0]
    driver.action(accept["action_id"], accept["value"], user="U0LEAD")
    item = db.scalar(select(BacklogItem).where(BacklogItem.source == "slo"))
    assert (item.title, item.category, item.status) == (TITLE, "reliability", "proposed")
    assert item.evidence.startswith("20% of the error budget left on 2026-03-02")
    assert suggested(db) == [(TITLE, "accepted")]
    again = driver.command("/priority", "suggestions", channel="C0PAYMENTS", user="U0LEAD")
    assert again.text.startswith("No open suggestions for payments")

    # Recovering and falling again in the same window suggests nothing more.
    set_errors(2)
    assert refresh() == []
    set_errors(8)
    assert refresh() == [] and len(suggested(db)) == 1

    # A window later (30 days on), falling again is a new crossing: told, and suggested again.
    clock.advance(days=31)
    set_errors(2)
    refresh()
    set_errors(8)
    told = refresh()
    assert len(told) == 2  # 50% and 25%, both a window after the first
    assert "Suggested for the backlog" in told[1]
    assert suggested(db) == [(TITLE, "accepted"), (TITLE, "open")]


def test_a_spent_budget_calls_for_reliability_first_in_the_channel_and_in_priority_budget(
    db, clock, driver, policy
):
    set_errors, refresh = policy
    set_errors(15)
    told = refresh()
    assert len(told) == 3  # 50%, 25% and 0% at once
    assert told[2] == (
        "*checkout* (`billing-api`) has spent its error budget (99% over 30d). payments' "
        "error-budget policy calls for reliability work before features until it recovers "
        "(`/priority budget`)."
    )
    budget = driver.command("/priority", "budget", channel="C0PAYMENTS").text
    assert (
        "Error-budget policy: `checkout` (`billing-api`) spent the error budget, so payments' "
        "policy calls for reliability work before features until it recovers (`/slo`)."
    ) in budget
    set_errors(0)
    refresh()
    assert "Error-budget policy" not in driver.command("/priority", "budget").text


def test_a_calendar_window_records_each_crossing_once_per_month(db, clock, policy):
    set_errors, refresh = policy
    set_errors(8, "monthly")
    assert len(refresh()) == 2
    set_errors(2, "monthly")
    refresh()
    set_errors(8, "monthly")
    assert refresh() == []
    slo = db.scalar(select(Slo).where(Slo.name == "monthly"))
    starts = set(
        db.scalars(select(BudgetCrossing.window_start).where(BudgetCrossing.slo_id == slo.id))
    )
    assert starts == {datetime.fromisoformat("2026-02-28T23:00:00+00:00")}  # March in Berlin
    clock.advance(days=31)  # April
    set_errors(8, "monthly")
    assert len(refresh()) == 2


def test_a_teams_own_thresholds_and_where_it_proposes(db, clock, slack, scheduler):
    policy = """
slo_policies:
  - team: payments
    thresholds: [75, 10, 0]
    propose_at: 10
"""
    workspace = configure(db, clock, CATALOG + SLOS + policy)
    slo = find_slo(db, workspace.id, "checkout")
    db.add(
        SliCount(
            slo_id=slo.id,
            start=clock.now(),
            end=clock.now() + timedelta(hours=1),
            good=994,
            total=1000,
        )
    )
    db.commit()
    scheduler.tick()
    clock.advance(hours=1, minutes=5)
    scheduler.tick()
    clock.advance(minutes=1)
    scheduler.tick()
    told = [m["text"] for m in slack.posted("C0PAYMENTS") if "has no data" not in m["text"]]
    assert len(told) == 1 and "has 40% of its error budget left" in told[0]
    assert "below the policy's 75%." in told[0] and "Proposed" not in told[0]
    assert suggested(db) == []


def test_no_data_is_told_once_to_the_owners_not_shown_as_100_percent(policy):
    _set_errors, refresh = policy
    told = refresh(no_data=True)  # nothing pushed for either SLO
    assert told == [
        "*checkout* (`billing-api`) (DRI <@U0BEN>) has no data: its indicator returned nothing "
        "for the window, so its figures are unknown (not 100%). Check its queries or pushed "
        "counts (`/slo`).",
        "*monthly* (`ledger`) (DRI <@U0ANA>) has no data: its indicator returned nothing for the "
        "window, so its figures are unknown (not 100%). Check its queries or pushed counts "
        "(`/slo`).",
    ]
    assert refresh(no_data=True) == []  # once
