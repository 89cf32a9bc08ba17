"""`/slo` through really signed requests, reading the figures the worker's refresh stored (here
from pushed counts; `test_figures.py` does it from Prometheus)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.core.deliveries import Delivery
from models.slos.slos import SliCount, SloFigure, find_slo
from tests.conftest import START
from tests.factories import CATALOG, configure, statements_run, utc
from tests.slos.entries import pushed

SLOS = """
slos:
  - name: checkout
    service: billing-api
    objective: 99.9
    window: 30d
    indicator: pushed
  - name: ledger-writes
    service: ledger
    objective: 99
    window: 30d
    indicator: pushed
  - name: worker-runs
    service: billing-worker
    objective: 99.5
    window: month
    indicator: pushed
  - name: indexing
    service: search-indexer
    objective: 99
    window: 28d
    indicator: pushed
"""
REFRESHED = START + timedelta(minutes=5)  # the worker's first refresh after START


def push(db, workspace, name: str, hours: int, good, total) -> None:
    slo = find_slo(db, workspace.id, name)
    for h in range(hours, 0, -1):
        start = REFRESHED - timedelta(hours=h)
        db.add(
            SliCount(
                slo_id=slo.id,
                start=start,
                end=start + timedelta(hours=1),
                good=good(h),
                total=total,
            )
        )
    db.commit()


@pytest.fixture
def measured(db, clock, slack, scheduler):
    """checkout: 0.05% errors for 30 days; ledger-writes: 20 errors in its last hour of 48;
    worker-runs: nothing pushed. Then the worker ticks through its first refresh."""
    workspace = configure(db, clock, CATALOG + SLOS)
    push(db, workspace, "checkout", 30 * 24, lambda h: 9995, 10000)
    push(db, workspace, "ledger-writes", 48, lambda h: 980 if h == 1 else 1000, 1000)
    scheduler.tick()
    clock.advance(minutes=5)
    report = scheduler.tick()
    assert f"slo-refresh:{workspace.id}:{REFRESHED.isoformat()}" in report.sent
    return workspace


def test_slo_lists_the_channels_teams_slos_lowest_budget_first(driver, measured):
    answer = driver.command("/slo", "", channel="C0PAYMENTS")
    assert answer.status == 200
    lines = answer.text.splitlines()
    assert lines[0] == "SLOs of payments, lowest budget first"
    assert lines[1] == (
        "*checkout* (`billing-api`) 99.9% over 30d: SLI 99.95% · budget 50% left · "
        "burn 0.5× 1h, 0.5× 6h, 0.5× 1d, 0.5× 3d"
    )
    assert lines[2].startswith("*ledger-writes* (`ledger`) 99% over 30d: SLI 99.958% · budget")
    assert "budget 95.8% left · burn 2× 1h, 0.33× 6h, 0.08× 1d, 0.04× 3d" in lines[2]
    assert lines[3] == "*worker-runs* (`billing-worker`) 99.5% over calendar month: no data"
    assert "indexing" not in answer.text  # search's
    assert "Figures as of Mon 02 Mar 10:05 CET" in str(answer.json["blocks"][-1])


def test_slo_for_a_service_says_what_the_figures_mean(driver, measured):
    ledger = driver.command("/slo", "ledger").text
    assert "SLOs of ledger" in ledger
    # 95.8% of 720 hours' budget at twice the sustainable rate: about 14 days.
    assert "At this rate the budget lasts 14 more days." in ledger
    checkout = driver.command("/slo", "billing-api").text
    assert (
        "At this rate the budget holds: it burns no faster than the objective allows." in checkout
    )
    worker = driver.command("/slo", "billing-worker").text
    assert "No data: the indicator returned nothing for the window (which is not 100%)." in worker


def test_slo_for_another_team_and_mistakes_show_the_usage(driver, measured):
    search = driver.command("/slo", "team search", channel="C0ELSEWHERE").text
    assert "SLOs of search" in search and "*indexing* (`search-indexer`)" in search
    assert "Not measured yet" not in search  # refreshed, with nothing pushed: no data
    assert "no data" in search
    missing = driver.command("/slo", "ledgr").text
    assert "There is no service called `ledgr`" in missing and "Did you mean `ledger`?" in missing
    assert "/slo [<service>]" in missing
    assert "/slo team <team>" in driver.command("/slo", "team").text


def test_an_slo_never_measured_says_so(driver, db, clock, slack):
    configure(db, clock, CATALOG + SLOS)
    answer = driver.command("/slo", "ledger").text
    assert "Not measured yet: the worker refreshes SLO figures every few minutes." in answer


def test_slo_reads_stored_figures_in_a_constant_number_of_queries(driver, engine, measured):
    driver.command("/slo", "", channel="C0PAYMENTS")  # people and workspace looked up once
    with statements_run(engine) as statements:
        answer = driver.command("/slo", "", channel="C0PAYMENTS")
    assert "checkout" in answer.text
    slo_queries = [s for s in statements if "slo_figures" in s]
    assert len(slo_queries) == 1
    assert not any("http" in s for s in statements)


def test_the_owner_card_has_the_slo_line_from_stored_figures(driver, engine, measured):
    card = driver.command("/owner", "ledger", user="U0ANA").text
    assert "SLOs: `ledger-writes` 99%: budget 95.8% left" in card
    worker = driver.command("/owner", "billing-worker").text
    assert "SLOs: `worker-runs` 99.5%: no data" in worker
    with statements_run(engine) as statements:
        assert "SLOs: `ledger-writes`" in driver.command("/owner", "ledger", user="U0ANA").text
    # Kept: the card, which services have SLOs and the SLO line: one query, for who asks (with
    # the versions), as for the card of a service with none (tests/catalog/test_commands.py).
    assert len(statements) == 1 and "slo_figures" not in statements[0], "\n".join(statements)


def test_the_owner_card_shows_figures_stored_since(driver, db, clock, measured, scheduler):
    """A kept SLO line is never stale: the refresh that stores figures bumps the version."""
    assert "no data" in driver.command("/owner", "billing-worker").text
    assert "no data" in driver.command("/owner", "billing-worker").text  # kept
    push(db, measured, "worker-runs", 2, lambda h: 990, 1000)
    clock.advance(minutes=5)
    report = scheduler.tick()
    assert any(key.startswith("slo-refresh:") for key in report.sent)
    card = driver.command("/owner", "billing-worker").text
    assert "`worker-runs` 99.5%: no data" not in card
    assert "SLOs: `worker-runs` 99.5%" in card


def test_app_home_shows_my_teams_lowest_budgets(driver, slack, measured):
    driver.event({"type": "app_home_opened", "user": "U0BEN", "tab": "home"})
    text = json.dumps(slack.home["U0BEN"]["blocks"])
    assert "Your teams' SLOs, lowest budget first" in text
    assert text.index("*checkout*") < text.index("*ledger-writes*") < text.index("*worker-runs*")
    assert "indexing" not in text  # search's


def test_old_figures_are_forgotten_but_each_days_midnight_is_kept(db, clock, measured, scheduler):
    slo = find_slo(db, measured.id, "checkout")

    def stored() -> list:
        db.expire_all()
        return sorted(db.scalars(select(SloFigure.at).where(SloFigure.slo_id == slo.id)))

    for _ in range(36):  # three hours of refreshes, across a midnight
        clock.advance(minutes=5)
        scheduler.tick()
    assert len(stored()) == 25  # the last two hours (24 refreshes and the one at 2h)
    clock.set(utc(2026, 3, 3, 0, 0) - timedelta(minutes=1))
    scheduler.tick()
    clock.set(utc(2026, 3, 3, 0, 0))
    scheduler.tick()
    clock.set(utc(2026, 3, 3, 6, 0))
    scheduler.tick()
    assert stored() == [utc(2026, 3, 3, 0, 0), utc(2026, 3, 3, 6, 0)]


def test_mentions_answer_how_the_slos_are(driver, slack, measured):
    driver.mention("how are our SLOs?")
    reply = slack.posted("C0PAYMENTS")[-1]
    assert reply["thread_ts"] and reply["text"].startswith("SLOs of payments, lowest budget first")
    driver.mention("what are the SLOs of ledger?")
    assert "At this rate the budget lasts 14 more days." in slack.posted("C0PAYMENTS")[-1]["text"]
    driver.mention("why is checkout slow?")  # not about SLOs
    assert slack.posted("C0PAYMENTS")[-1]["text"].startswith("I didn't ca")


def test_a_service_with_many_slos_fits_slacks_block_limits(driver, db, clock, slack):
    """60 SLOs on one service: Slack takes 50 blocks and 3,000 characters a section; every SLO
    is still shown (packed several to a section), none cut off silently."""
    names = [f"route-{i:02d}" for i in range(60)]
    configure(db, clock, CATALOG + "slos:" + "".join(pushed(n, "billing-api") for n in names))
    answer = driver.command("/slo", "billing-api")
    blocks = answer.json["blocks"]
    assert len(blocks) <= 50
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in texts)
    shown = "\n".join(texts)
    assert all(f"*{name}*" in shown for name in names)


def test_the_refreshs_own_deliveries_are_forgotten_after_a_day(db, clock, measured, scheduler):
    """A refresh claims one delivery per workspace every 5 minutes (288 a day): a refresh forgets
    its kind's older than a day. Its key is never asked again (each tick asks for its latest
    slot only, and a slot more than 5 minutes late is dropped), so exactly-once holds."""

    def keys() -> list[str]:
        db.expire_all()
        rows = db.scalars(select(Delivery.key).where(Delivery.kind == "slo-refresh"))
        return sorted(key.split(":", 2)[2] for key in rows)

    for _ in range(3):
        clock.advance(minutes=5)
        scheduler.tick()
    slots = [(REFRESHED + timedelta(minutes=5 * i)).isoformat() for i in range(4)]
    assert keys() == slots
    clock.set(REFRESHED + timedelta(days=1, minutes=10))
    report = scheduler.tick()
    assert len([k for k in report.sent if k.startswith("slo-refresh:")]) == 1
    assert keys() == [*slots[2:], (REFRESHED + timedelta(days=1, minutes=10)).isoformat()]
    again = scheduler.tick()  # the same slot, asked again: claimed already, not refreshed twice
    assert not [k for k in again.sent if k.startswith("slo-refresh:")]


def test_no_counts_in_the_last_hour_is_no_forecast_not_nothing_burned(
    driver, clock, scheduler, measured
):
    """Pushes stopped two hours ago: the last hour's burn is unknown, which is not zero."""
    clock.advance(hours=2)
    scheduler.tick()
    ledger = driver.command("/slo", "ledger").text
    assert "Nothing burned" not in ledger
    assert "No events in the last hour, so no forecast: check they are still measured." in ledger
