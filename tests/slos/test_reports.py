"""The weekly SLO report (ritual kind `slo-report`) through the delivery engine: Mondays 09:00 in
the team's zone by default, each SLO lowest budget first with what its figures mean, a chart of
the budget over 30 days, once; a team's own `slo-report` ritual moves or stops it."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from PIL import Image

from models.slos.slos import OK, SliCount, SloFigure, find_slo
from tests.factories import CATALOG, configure, utc
from tests.slos.entries import pushed

SLOS = "slos:" + pushed("checkout", "billing-api") + pushed("ledger-writes", "ledger")
MONDAY_0900_BERLIN = utc(2026, 3, 9, 8, 0)


def history(db, workspace, name: str, start_left: float, daily_drop: float) -> None:
    """A figure at every midnight (UTC) of the 30 days before the report, the budget falling."""
    slo = find_slo(db, workspace.id, name)
    midnight = MONDAY_0900_BERLIN.replace(hour=0)
    for d in range(30, -1, -1):
        at = midnight - timedelta(days=d)
        left = start_left - daily_drop * (30 - d)
        db.add(
            SloFigure(
                slo_id=slo.id,
                at=at,
                status=OK,
                window_start=at - timedelta(days=30),
                sli=1 - 0.01 * (1 - left),
                events=1000.0,
                budget_remaining=left,
            )
        )
    # What the worker's refresh at 09:00 reads: the budget as the history ends.
    start = MONDAY_0900_BERLIN - timedelta(hours=1)
    errors = round(10 * (1 - left))  # of 1,000 events, against a 1% budget
    db.add(
        SliCount(
            slo_id=slo.id,
            start=start,
            end=start + timedelta(hours=1),
            good=1000 - errors,
            total=1000,
        )
    )
    db.commit()


@pytest.fixture
def reported(db, clock, slack, scheduler):
    def run(rituals: str = "") -> list[dict]:
        workspace = configure(db, clock, CATALOG + SLOS + rituals)
        history(db, workspace, "checkout", 1.0, 0.02)  # 40% left on the day
        history(db, workspace, "ledger-writes", 1.0, 0.0)
        clock.set(MONDAY_0900_BERLIN - timedelta(minutes=1))
        scheduler.tick()
        clock.set(MONDAY_0900_BERLIN + timedelta(minutes=1))
        scheduler.tick()
        return [m for m in slack.posted("C0PAYMENTS") if m["text"].startswith("SLO report")]

    return run


def test_the_weekly_report_lists_each_slo_lowest_budget_first_with_a_chart(
    reported, slack, clock, scheduler
):
    [report] = reported()
    assert report["text"] == "SLO report: payments, week to Mon 09 Mar: 2 SLOs, lowest budget first"
    body = json.dumps(report["blocks"])
    assert body.index("*checkout*") < body.index("*ledger-writes*")
    assert "budget 40% left" in body and "budget 100% left" in body
    [complete] = slack.calls_to("files.completeUploadExternal")
    assert complete.body["channel_id"] == "C0PAYMENTS"
    file_id = json.loads(complete.body["files"])[0]["id"]
    assert slack.uploads[file_id]["filename"] == "slo-budgets-payments-2026-03-09.png"
    [upload] = [u for u in slack.uploads.values() if u.get("content")]
    assert Image.open(io.BytesIO(upload["content"])).size == (800, 400)
    clock.advance(minutes=10)
    scheduler.tick()
    assert len([m for m in slack.posted("C0PAYMENTS") if m["text"].startswith("SLO report")]) == 1


def test_a_teams_slo_report_ritual_moves_it(reported, clock, scheduler, slack):
    moved = """
rituals:
  - kind: slo-report
    team: payments
    days: fri
    time: "16:00"
"""
    assert reported(moved) == []  # not on Monday: Friday 16:00 Berlin
    clock.set(utc(2026, 3, 13, 15, 1))
    scheduler.tick()
    [report] = [m for m in slack.posted("C0PAYMENTS") if m["text"].startswith("SLO report")]
    assert report["text"].startswith("SLO report: payments, week to Fri 13 Mar")


def test_a_disabled_slo_report_ritual_stops_it(reported):
    stopped = """
rituals:
  - kind: slo-report
    team: payments
    days: mon
    time: "09:00"
    enabled: false
"""
    assert reported(stopped) == []


SLA = """
slo_policies:
  - team: payments
    sla_channel: C0STAKEHOLDERS
"""
MARCH_1_0900_BERLIN = utc(2026, 3, 1, 8, 0)


def test_the_monthly_sla_report_says_met_or_missed_for_the_calendar_month(
    db, clock, slack, scheduler
):
    workspace = configure(db, clock, CATALOG + SLOS + pushed("worker", "billing-worker") + SLA)
    # February in Berlin: checkout 99.5% good (met, against 99%); ledger-writes 98% (missed);
    # and an hour of errors just before February (Berlin) that is January's, not February's.
    for name, good, at in (
        ("checkout", 995, utc(2026, 2, 10, 12)),
        ("ledger-writes", 980, utc(2026, 2, 27, 12)),
        ("checkout", 0, utc(2026, 1, 31, 22)),
    ):
        slo = find_slo(db, workspace.id, name)
        db.add(
            SliCount(slo_id=slo.id, start=at, end=at + timedelta(hours=1), good=good, total=1000)
        )
    db.commit()
    clock.set(MARCH_1_0900_BERLIN - timedelta(minutes=1))
    scheduler.tick()
    clock.set(MARCH_1_0900_BERLIN + timedelta(minutes=1))
    scheduler.tick()
    [report] = slack.posted("C0STAKEHOLDERS")
    assert report["text"].splitlines() == [
        "SLA report: payments, February 2026",
        "`billing-api` · *checkout* 99%: achieved 99.5%, met",
        "`billing-worker` · *worker* 99%: no data",
        "`ledger` · *ledger-writes* 99%: achieved 98%, *missed*",
    ]
    clock.advance(minutes=10)
    scheduler.tick()
    assert len(slack.posted("C0STAKEHOLDERS")) == 1  # once
