"""The `slos:` section: each indicator kind loads, exports and round-trips; a bad entry is refused
with the entry and the field, and nothing of the file is applied."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from models.config import export_config, import_config
from models.core.config import ConfigError
from models.slos.config import objective_of
from models.slos.slos import PUSHED, RATIO, SLOTH, Slo, find_slo
from tests.factories import CATALOG, TEAMS, audit_entries, configure

SLOS = """
slos:
  - name: billing-availability
    service: billing-api
    description: Checkout requests that don't fail
    objective: 99.9
    window: 30d
    min_events: 1000
    indicator:
      errors: sum(rate(http_requests_total{job="billing",code=~"5.."}[{{.window}}]))
      total: sum(rate(http_requests_total{job="billing"}[{{.window}}]))
  - name: ledger-latency
    service: ledger
    objective: 99
    window: 28d
    indicator: {sloth: {service: ledger, slo: latency}}
  - name: billing-worker-runs
    service: billing-worker
    objective: "99.5%"
    window: month
    indicator: pushed
  - name: ledger-good
    service: ledger
    objective: 95
    window: quarter
    indicator:
      good: sum(rate(ledger_ok_total[{{.window}}]))
      total: sum(rate(ledger_all_total[{{.window}}]))
"""


@pytest.fixture
def slos(db, clock, slack):
    return configure(db, clock, CATALOG + SLOS)


def test_each_indicator_kind_loads(db, slos):
    billing = find_slo(db, slos.id, "billing-availability")
    assert (billing.service.name, billing.objective, billing.window) == ("billing-api", 99.9, "30d")
    assert billing.indicator == RATIO and billing.min_events == 1000
    assert billing.budget == pytest.approx(0.001)
    assert "{{.window}}" in billing.errors_query and billing.good_query is None
    ledger = find_slo(db, slos.id, "ledger-latency")
    assert (ledger.indicator, ledger.sloth_service, ledger.sloth_slo) == (
        SLOTH,
        "ledger",
        "latency",
    )
    worker = find_slo(db, slos.id, "billing-worker-runs")
    assert (worker.indicator, worker.objective, worker.window) == (PUSHED, 99.5, "month")
    assert find_slo(db, slos.id, "ledger-good").good_query.startswith("sum(rate(ledger_ok")


def test_export_round_trips_and_an_unchanged_import_changes_nothing(db, clock, slos):
    exported = export_config(db, slos)
    assert [e["name"] for e in exported["slos"]] == [
        "billing-availability",
        "billing-worker-runs",
        "ledger-good",
        "ledger-latency",
    ]
    assert exported["slos"][1] == {
        "name": "billing-worker-runs",
        "service": "billing-worker",
        "objective": 99.5,
        "window": "month",
        "indicator": "pushed",
    }
    written = yaml.safe_dump(exported)
    report = import_config(db, slos, yaml.safe_load(written), clock.now())
    assert not report.created and not report.changed
    assert len(report.unchanged) >= 4
    assert export_config(db, slos) == exported


def test_an_import_that_changes_an_slo_is_audited(db, clock, slos):
    data = yaml.safe_load(TEAMS) | yaml.safe_load(CATALOG) | yaml.safe_load(SLOS)
    data["slos"][0]["objective"] = 99.95
    report = import_config(db, slos, data, clock.now())
    assert report.changed == ["slo billing-availability"]
    entry = [e for e in audit_entries(db) if e.action == "slo.import"][-1]
    assert entry.subject == "billing-availability"
    assert (entry.before["objective"], entry.after["objective"]) == (99.9, 99.95)


QUERY = "sum(rate(x[{{.window}}]))"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"service": "ghost"}, r"slos\[0\] \(new-slo\)\.service: there is no service called"),
        ({"objective": 100}, r"\(new-slo\)\.objective: must be more than 0 and less than 100"),
        ({"objective": "high"}, r"\.objective: must be a percentage such as 99.9"),
        ({"objective": True}, r"\.objective: must be a percentage such as 99.9"),
        ({"window": "7d"}, r"\.window: must be one of 28d, 30d, month, quarter"),
        ({"min_events": -1}, r"\.min_events: must be a whole number of events"),
        ({"indicator": "prometheus"}, r"\.indicator: must be `pushed`"),
        ({"indicator": {"errors": "sum(rate(x[5m]))", "total": QUERY}}, r"\.indicator\.errors: "),
        ({"indicator": {"errors": QUERY}}, r"\.indicator: must be `pushed`"),
        ({"indicator": {"errors": QUERY, "good": QUERY, "total": QUERY}}, r"\.indicator: must"),
        ({"indicator": {"errors": QUERY, "total": QUERY, "ratio": 1}}, r"\.indicator\.ratio: is"),
        ({"indicator": {"sloth": {"service": "x"}}}, r"\.indicator\.sloth\.slo: is required"),
        (
            {"window": "month", "indicator": {"sloth": {"service": "x", "slo": "y"}}},
            r"\.indicator: Sloth's rules are for a rolling window",
        ),
        ({"colour": "red"}, r"\.colour: is not a field I know"),
        ({"name": "New SLO"}, r"slos\[0\] \(New SLO\)\.name: must be a slug"),
    ],
)
def test_a_bad_entry_is_refused_with_its_field_and_nothing_is_applied(
    db, clock, slos, entry, message
):
    good = {"name": "new-slo", "service": "ledger", "objective": 99, "window": "30d"}
    data = {
        "slos": [
            {**good, "indicator": "pushed", **entry},
            {**good, "name": "another-new-one", "indicator": "pushed"},
        ]
    }
    with pytest.raises(ConfigError, match=message):
        import_config(db, slos, data, clock.now())
    db.rollback()
    names = set(db.scalars(select(Slo.name)))
    assert "new-slo" not in names and "another-new-one" not in names


def test_an_slo_named_twice_is_refused(db, clock, slos):
    entry = {"name": "x", "service": "ledger", "objective": 99, "window": "30d"}
    data = {"slos": [{**entry, "indicator": "pushed"}, {**entry, "indicator": "pushed"}]}
    with pytest.raises(ConfigError, match=r"slos\[1\] \(x\)\.name: appears twice"):
        import_config(db, slos, data, clock.now())


@given(st.one_of(st.text(max_size=12), st.floats(), st.integers(), st.booleans(), st.none()))
def test_objective_reading_never_fails_unexpectedly(value):
    try:
        number = objective_of(value)
    except ValueError:
        return
    assert 0 < number < 100


POLICIES = """
slo_policies:
  - team: payments
    thresholds: [25, 75, 0]
    propose_at: 0
    sla_channel: C0STAKEHOLDERS
  - team: search
    propose_at: off
"""


def test_team_policies_load_export_and_round_trip(db, clock, slack):
    workspace = configure(db, clock, CATALOG + SLOS + POLICIES)
    exported = export_config(db, workspace)
    assert exported["slo_policies"] == [
        {
            "team": "payments",
            "thresholds": [75, 25, 0],
            "propose_at": 0,
            "sla_channel": "C0STAKEHOLDERS",
        },
        {"team": "search", "thresholds": [50, 25, 0], "propose_at": "off"},
    ]
    report = import_config(db, workspace, yaml.safe_load(yaml.safe_dump(exported)), clock.now())
    assert not report.created and not report.changed


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"thresholds": [50, 50]}, r"slo_policies\[0\]\.thresholds: names a percentage twice"),
        ({"thresholds": [101]}, r"\.thresholds: 101 is not a whole percentage"),
        ({"thresholds": "50"}, r"\.thresholds: must be a list of percentages"),
        ({"propose_at": 10}, r"\.propose_at: must be one of the thresholds, or off"),
        ({"sla_channel": "general"}, r"\.sla_channel: must be a channel id"),
        ({"team": "nobody"}, r"\.team: no team called 'nobody'"),
        ({"colour": 1}, r"\.colour: is not a field I know"),
    ],
)
def test_a_bad_team_policy_is_refused_with_its_field(db, clock, slos, entry, message):
    with pytest.raises(ConfigError, match=message):
        import_config(db, slos, {"slo_policies": [{"team": "payments", **entry}]}, clock.now())
