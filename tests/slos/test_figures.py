"""SLO figures from a real Prometheus over series the test backfills, against hand-computed values:
a steady 0.05% error rate, a burst that burns 2% of a 30-day budget in an hour, too little
traffic, no data, and a calendar month across Berlin's spring-forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from models.slos.figures import latest_figures, refresh_figures
from models.slos.prometheus import Prometheus
from models.slos.slos import LOW_TRAFFIC, NO_DATA, OK, Slo, SloFigure, window_bounds
from tests.factories import CATALOG, configure
from tests.slos.prometheus_server import STEP, Backfill, prometheus_serving

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the test clock's START
# The end of March 2026 in Berlin (00:00 CEST on 1 April); clocks went forward on 29 March.
MARCH_END = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
MARCH_START = datetime(2026, 2, 28, 23, 0, tzinfo=UTC)  # 00:00 CET on 1 March
PER_STEP = 10 * STEP  # 10 requests a second
BURST_RATIO = 0.0144  # 14.4 x a 99.9% budget: 2% of 30 days' budget in one hour


def query(scenario: str, code: str = "") -> str:
    matcher = f',code="{code}"' if code else ""
    return f'sum(rate(http_requests_total{{scenario="{scenario}"{matcher}}}[{{{{.window}}}}]))'


def slo(name: str, scenario: str, *, window: str = "30d", min_events: int = 100) -> str:
    return f"""
  - name: {name}
    service: billing-api
    objective: 99.9
    window: {window}
    min_events: {min_events}
    indicator:
      errors: '{query(scenario, "500")}'
      total: '{query(scenario)}'"""


SLOS = (
    "slos:"
    + "".join(
        [
            slo("steady", "steady"),
            slo("burst", "burst"),
            slo("quiet", "quiet", min_events=1000),
            slo("silent", "none"),
            slo("idle", "idle"),
            slo("march", "march", window="month"),
        ]
    )
    + """
  - name: broken
    service: ledger
    objective: 99
    window: 30d
    indicator:
      errors: 'sum(rate(http_requests_total{scenario="steady"}[{{.window}}])))'
      total: 'sum(rate(http_requests_total{scenario="steady"}[{{.window}}]))'
  - name: sloth
    service: ledger
    objective: 99.9
    window: 30d
    indicator: {sloth: {service: ledger, slo: availability}}
"""
)
# What Sloth's recording rules say for ledger's availability SLO.
SLOTH_RULES = {
    "slo:sli_error:ratio_rate30d": 0.0003,
    "slo:sli_error:ratio_rate1h": 0.002,
    "slo:sli_error:ratio_rate6h": 0.001,
    "slo:sli_error:ratio_rate1d": 0.0005,
    "slo:sli_error:ratio_rate3d": 0.0004,
    "slo:period_error_budget_remaining:ratio": 0.7,
}


def requests(scenario: str, errors, start: datetime, end: datetime, backfill: Backfill) -> None:
    """`scenario`'s requests, PER_STEP each step, `errors(t)` of them failing (code 500)."""
    backfill.counter(f'scenario="{scenario}",code="500"', start, end, errors)
    backfill.counter(
        f'scenario="{scenario}",code="200"', start, end, lambda t: PER_STEP - errors(t)
    )


@pytest.fixture(scope="module")
def prometheus_url(tmp_path_factory):
    backfill = Backfill()
    since = NOW - timedelta(days=31)
    requests("steady", lambda t: PER_STEP * 0.0005, since, NOW, backfill)
    burst_from = (NOW - timedelta(hours=1)).timestamp()
    requests(
        "burst", lambda t: PER_STEP * BURST_RATIO if t > burst_from else 0, since, NOW, backfill
    )
    backfill.counter('scenario="quiet",code="500"', since, NOW, lambda t: 0)
    backfill.counter('scenario="quiet",code="200"', since, NOW, lambda t: STEP / 3600)
    for code in ("500", "200"):  # series that exist, but count nothing: zero traffic
        backfill.counter(f'scenario="idle",code="{code}"', since, NOW, lambda t: 0)

    # March in Berlin: 3,600 errors in February's last hour (not March's), 1,800 in March's first.
    feb_last_hour = (MARCH_START - timedelta(hours=1)).timestamp()
    march_first_hour = (MARCH_START + timedelta(hours=1)).timestamp()

    def march_errors(t: int) -> float:
        if feb_last_hour < t <= MARCH_START.timestamp():
            return 300
        return 150 if MARCH_START.timestamp() < t <= march_first_hour else 0

    for rule, value in SLOTH_RULES.items():
        labels = 'sloth_service="ledger",sloth_slo="availability",sloth_id="ledger-availability"'
        backfill.gauge(rule, labels, NOW - timedelta(hours=1), NOW, lambda t, v=value: v)
    requests("march", march_errors, MARCH_START - timedelta(days=2), MARCH_END, backfill)
    with prometheus_serving(backfill, tmp_path_factory.mktemp("prometheus")) as url:
        yield url


@pytest.fixture
def figures(db, clock, slack, prometheus_url):
    """Every SLO's figures, refreshed at `at` from the real Prometheus, read back as stored."""
    workspace = configure(db, clock, CATALOG + SLOS)
    slos = {s.name: s for s in db.scalars(select(Slo))}

    def refresh(at: datetime = NOW) -> dict[str, SloFigure]:
        refresh_figures(db, list(slos.values()), Prometheus(prometheus_url, retries=0), at)
        db.commit()
        stored = latest_figures(db, [s.id for s in slos.values()])
        return {name: stored[s.id] for name, s in slos.items() if s.id in stored}

    refresh.workspace = workspace
    return refresh


def test_a_steady_error_rate_of_005_percent_spends_half_a_999_budget(figures):
    steady = figures()["steady"]
    assert steady.status == OK
    assert steady.at == NOW
    assert steady.sli == pytest.approx(0.9995, rel=1e-9)
    assert steady.events == pytest.approx(10 * 30 * 86400, rel=1e-9)
    assert steady.budget_remaining == pytest.approx(0.5, rel=1e-9)
    for burn in (steady.burn_1h, steady.burn_6h, steady.burn_1d, steady.burn_3d):
        assert burn == pytest.approx(0.5, rel=1e-9)
    # Half the budget left, spent at half the sustainable rate: 30 more days.
    assert steady.exhausted_at == NOW + timedelta(days=30)


def test_a_burst_that_burns_2_percent_of_the_budget_in_an_hour_burns_at_144(figures):
    burst = figures()["burst"]
    assert burst.status == OK
    assert burst.burn_1h == pytest.approx(14.4, rel=1e-9)
    assert burst.burn_6h == pytest.approx(2.4, rel=1e-9)
    assert burst.burn_1d == pytest.approx(0.6, rel=1e-9)
    assert burst.burn_3d == pytest.approx(0.2, rel=1e-9)
    assert burst.budget_remaining == pytest.approx(0.98, rel=1e-9)
    # 98% of 720 hours' budget at 14.4 times the sustainable rate: 49 hours.
    assert abs(burst.exhausted_at - (NOW + timedelta(hours=49))) < timedelta(seconds=1)


def test_too_little_traffic_says_so_instead_of_a_ratio(figures):
    quiet = figures()["quiet"]
    assert quiet.status == LOW_TRAFFIC
    assert quiet.events == pytest.approx(720, rel=1e-9)  # one an hour for 30 days
    assert (quiet.sli, quiet.budget_remaining, quiet.exhausted_at) == (None, None, None)


def test_a_query_that_returns_nothing_is_no_data_not_100_percent(figures):
    silent = figures()["silent"]
    assert silent.status == NO_DATA
    assert (silent.sli, silent.events, silent.budget_remaining) == (None, None, None)
    assert silent.burn_1h is None


def test_zero_traffic_is_too_little_traffic_not_no_data(figures):
    """The series exist and count nothing: Prometheus answered, so this is not "no data" (which
    tells the owners their queries are broken); it is a window with 0 events."""
    idle = figures()["idle"]
    assert idle.status == LOW_TRAFFIC
    assert idle.events == 0
    assert (idle.sli, idle.budget_remaining, idle.burn_1h) == (None, None, None)


def test_a_calendar_month_across_a_dst_change_is_the_teams_743_hours(figures):
    march = figures(MARCH_END)["march"]
    events = 10 * 743 * 3600  # March in Berlin is an hour short
    assert march.window_start == MARCH_START
    assert march.events == pytest.approx(events, rel=1e-9)
    # February's last hour (Berlin) is not March's: only March's first hour's errors count.
    assert march.sli == pytest.approx(1 - 1800 / events, rel=1e-12)
    assert march.budget_remaining == pytest.approx((0.001 - 1800 / events) / 0.001, rel=1e-9)


def test_sloths_recording_rules_are_read_not_recomputed(figures):
    sloth = figures()["sloth"]
    assert sloth.status == OK and sloth.events is None
    assert sloth.sli == pytest.approx(0.9997, rel=1e-9)
    assert sloth.budget_remaining == pytest.approx(0.7, rel=1e-9)  # Sloth's own figure
    burns = (sloth.burn_1h, sloth.burn_6h, sloth.burn_1d, sloth.burn_3d)
    assert burns == pytest.approx((2.0, 1.0, 0.5, 0.4), rel=1e-9)
    assert sloth.exhausted_at == NOW + timedelta(hours=252)  # 70% of 720 h at twice the rate


def test_an_expression_prometheus_refuses_costs_its_own_slo_only(figures, caplog):
    shown = figures()
    assert "broken" not in shown
    assert {"steady", "burst", "quiet", "silent", "sloth"} <= set(shown)
    assert "Prometheus refused a query" in caplog.text


def test_figures_are_stored_with_their_time_and_the_latest_is_read(figures):
    figures(NOW - timedelta(hours=2))
    latest = figures()
    assert latest["burst"].at == NOW
    assert latest["burst"].burn_1h == pytest.approx(14.4, rel=1e-9)


def test_calendar_windows_follow_the_zone_across_dst():
    spring = window_bounds("month", "Europe/Berlin", MARCH_END)
    assert spring == (MARCH_START, MARCH_END)
    assert window_bounds("month", "Europe/Berlin", MARCH_START + timedelta(seconds=1)) == spring
    assert spring[1] - spring[0] == timedelta(hours=743)
    autumn = window_bounds("month", "Europe/Berlin", datetime(2026, 10, 15, tzinfo=UTC))
    assert autumn[1] - autumn[0] == timedelta(hours=745)
    quarter = window_bounds("quarter", "America/New_York", datetime(2026, 5, 1, tzinfo=UTC))
    assert quarter == (datetime(2026, 4, 1, 4, tzinfo=UTC), datetime(2026, 7, 1, 4, tzinfo=UTC))
    assert window_bounds("28d", "UTC", NOW) == (NOW - timedelta(days=28), NOW)


@pytest.fixture
def settings(settings, prometheus_url):
    """The app's settings, with the test's Prometheus as PROMETHEUS_URL."""
    return settings.model_copy(update={"prometheus_url": prometheus_url})


def test_the_worker_refreshes_from_prometheus_and_slo_reads_what_it_stored(
    db, clock, slack, scheduler, driver
):
    configure(db, clock, CATALOG + SLOS)
    clock.set(NOW - timedelta(minutes=1))
    scheduler.tick()
    clock.set(NOW)
    assert any(key.startswith("slo-refresh:") for key in scheduler.tick().sent)
    answer = driver.command("/slo", "billing-api").text
    assert "*burst* (`billing-api`) 99.9% over 30d: SLI 99.998% · budget 98% left" in answer
    assert "burn 14.4× 1h, 2.4× 6h, 0.6× 1d, 0.2× 3d" in answer
    assert "At this rate the budget lasts 49 more hours." in answer
    assert "Too little traffic to judge: 720 events in the window, fewer than the 1,000" in answer


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(
        ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
    ),
    st.sampled_from(["month", "quarter", "28d", "30d"]),
)
def test_every_instant_falls_in_one_window_of_its_length(at, zone, window):
    start, end = window_bounds(window, zone, at)
    assert start < at <= end
    hours = (end - start).total_seconds() / 3600
    low, high = {"month": (671, 745), "quarter": (2159, 2209)}.get(window, (0, 10**6))
    assert low <= hours <= high
    if window in ("month", "quarter"):
        assert window_bounds(window, zone, end) == (start, end)  # (start, end]
        assert window_bounds(window, zone, start)[1] == start  # the one before ends there
