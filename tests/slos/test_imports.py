"""`upkeep import --sloth FILE` and `--openslo FILE`: examples written from their specs import,
export as `slos:` entries and round-trip; unsupported parts are named and nothing is applied."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.cli import main as cli
from models.config import export_config, import_config
from models.core.config import ConfigError
from models.slos.imports import import_openslo, import_sloth
from models.slos.slos import RATIO, Slo, find_slo
from tests.factories import CATALOG, configure

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slos"


def documents(name: str) -> list:
    return list(yaml.safe_load_all((FIXTURES / name).read_text()))


@pytest.fixture
def catalog_only(db, clock, slack):
    return configure(db, clock, CATALOG)


def names(db) -> list[str]:
    return sorted(db.scalars(select(Slo.name)))


def test_a_sloth_spec_imports_its_slos_and_names_what_it_leaves_out(db, clock, catalog_only):
    report = import_sloth(db, catalog_only, documents("sloth.yaml"), now=clock.now())
    assert report.created == [
        "slo billing-api-requests-availability",
        "slo billing-api-requests-latency",
        "slo ledger-writes",
    ]
    assert report.skipped == [
        "document 1 (sloth billing-api).slos[0] (requests-availability).alerting",
        "document 1 (sloth billing-api).labels",
    ]
    slo = find_slo(db, catalog_only.id, "billing-api-requests-availability")
    assert (slo.service.name, slo.objective, slo.window, slo.indicator) == (
        "billing-api",
        99.9,
        "30d",
        RATIO,
    )
    assert slo.errors_query.startswith("sum(rate(http_request_duration_seconds_count{")
    assert slo.description.startswith("Common SLO based on availability")
    again = import_sloth(db, catalog_only, documents("sloth.yaml"), now=clock.now())
    assert not again.created and not again.changed


def test_an_openslo_file_imports_slos_with_their_slis(db, clock, catalog_only):
    report = import_openslo(db, catalog_only, documents("openslo.yaml"), now=clock.now())
    assert report.created == ["slo billing-api-availability", "slo ledger-monthly-writes"]
    assert report.skipped == [
        "Service billing-api",
        "AlertPolicy billing-burn",
        "document 4 (SLO monthly-writes).spec.timeWindow[0].calendar",
    ]
    availability = find_slo(db, catalog_only.id, "billing-api-availability")
    assert (availability.objective, availability.window) == (99.9, "28d")
    assert availability.good_query.startswith(
        'sum(rate(http_requests_total{job="billing-api",code!~'
    )
    assert availability.errors_query is None
    monthly = find_slo(db, catalog_only.id, "ledger-monthly-writes")
    assert (monthly.objective, monthly.window) == (99.5, "month")
    assert monthly.errors_query == 'sum(rate(ledger_writes_total{result="error"}[{{.window}}]))'


def test_imported_slos_export_and_round_trip(db, clock, catalog_only):
    import_sloth(db, catalog_only, documents("sloth.yaml"), now=clock.now())
    import_openslo(db, catalog_only, documents("openslo.yaml"), now=clock.now())
    exported = export_config(db, catalog_only)
    assert len(exported["slos"]) == 5
    written = yaml.safe_load(yaml.safe_dump(exported))
    report = import_config(db, catalog_only, written, clock.now())
    assert not report.created and not report.changed
    assert export_config(db, catalog_only) == exported


def sloth(change) -> list:
    docs = documents("sloth.yaml")
    change(docs[0]["slos"][1])
    return docs


def openslo(index: int, change) -> list:
    docs = copy.deepcopy(documents("openslo.yaml"))
    change(docs[index])
    return docs


SLOTH_LATENCY = r"document 1 \(sloth billing-api\)\.slos\[1\] \(requests-latency\)"


SLOTH_CASES = [
    (
        sloth(lambda s: s["sli"].update(raw={"error_ratio_query": "x"})),
        rf"{SLOTH_LATENCY}\.sli\.raw: is not supported",
    ),
    (
        sloth(lambda s: s.update(sli={"plugin": {"id": "sloth-common/availability"}})),
        r"\.sli\.plugin: is not supported",
    ),
    (
        sloth(lambda s: s.update(objective=100)),
        r"\(requests-latency\)\.objective: must be more",
    ),
    (
        sloth(lambda s: s["sli"]["events"].update(total_query="sum(x)")),
        r"\(requests-latency\)\.indicator\.total: must say where the range goes",
    ),
    (sloth(lambda s: s.update(window="7d")), r"\(requests-latency\)\.window: is not part of"),
    (
        [{"version": "prometheus/v2", "service": "x", "slos": []}],
        r"document 1 \(sloth x\)\.version: must be 'prometheus/v1'",
    ),
    (
        [
            {
                "version": "prometheus/v1",
                "service": "ghost",
                "slos": [
                    {
                        "name": "a",
                        "objective": 99,
                        "sli": {
                            "events": {
                                "error_query": "a[{{.window}}]",
                                "total_query": "b[{{.window}}]",
                            }
                        },
                    }
                ],
            }
        ],
        r"document 1 \(sloth ghost\)\.slos\[0\] \(a\)\.service: there is no service",
    ),
]


AVAILABILITY = r"document 3 \(SLO availability\)"


OPENSLO_CASES = [
    (
        openslo(2, lambda d: d["spec"].update(budgetingMethod="Timeslices")),
        rf"{AVAILABILITY}\.spec\.budgetingMethod: 'Timeslices' is not supported",
    ),
    (
        openslo(2, lambda d: d["spec"]["objectives"].append({"target": 0.99})),
        rf"{AVAILABILITY}\.spec\.objectives\[1\]: is not supported",
    ),
    (
        openslo(2, lambda d: d["spec"].update(timeWindow=[{"duration": "7d", "isRolling": True}])),
        rf"{AVAILABILITY}\.spec\.timeWindow\[0\]\.duration: '7d' is not supported",
    ),
    (
        openslo(2, lambda d: d["spec"].update(indicatorRef="nope")),
        rf"{AVAILABILITY}\.spec\.indicatorRef: no SLI called 'nope'",
    ),
    (
        openslo(1, lambda d: d["spec"].update(thresholdMetric={})),
        r"document 2 \(SLI billing-good-requests\)\.thresholdMetric: is not supported",
    ),
    (
        openslo(
            1, lambda d: d["spec"]["ratioMetric"]["good"]["metricSource"].update(type="Datadog")
        ),
        r"\.ratioMetric\.good\.metricSource\.type: 'Datadog' is not supported",
    ),
    (
        openslo(3, lambda d: d["spec"]["objectives"][0].update(targetPercent=101)),
        r"document 4 \(SLO monthly-writes\)\.objective: must be more than 0",
    ),
    (
        openslo(2, lambda d: d.update(kind="Gizmo")),
        r"document 3 \(Gizmo availability\)\.kind: 'Gizmo' is not an OpenSLO v1 kind",
    ),
]


@pytest.mark.parametrize(
    ("importer", "docs", "message"),
    [(import_sloth, *case) for case in SLOTH_CASES]
    + [(import_openslo, *case) for case in OPENSLO_CASES],
)
def test_a_bad_file_is_refused_with_the_document_and_field_and_nothing_applied(
    db, clock, catalog_only, importer, docs, message
):
    with pytest.raises(ConfigError, match=message):
        importer(db, catalog_only, docs, now=clock.now())
    db.rollback()
    assert names(db) == []


def test_upkeep_import_sloth_and_openslo_through_the_cli(
    tmp_path, db, db_url, catalog_only, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert cli(["import", "--sloth", str(FIXTURES / "sloth.yaml")]) == 0
    assert "created: 3 (slo billing-api-requests-availability" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (FIXTURES / "openslo.yaml")
        .read_text()
        .replace(
            "Occurrences\n  objectives:\n    - displayName",
            "Timeslices\n  objectives:\n    - displayName",
        )
    )
    assert cli(["import", "--openslo", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "budgetingMethod: 'Timeslices' is not supported" in err and "nothing was applied" in err
    assert cli(["import", "--format", "openslo", str(FIXTURES / "openslo.yaml")]) == 0
    db.expire_all()
    assert len(names(db)) == 5


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=12), kids, max_size=5)
    ),
    max_leaves=25,
)
KEYS = st.sampled_from(["version", "service", "slos", "kind", "apiVersion", "metadata", "spec"])


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.dictionaries(KEYS, JSONISH, max_size=5)
        | st.fixed_dictionaries(
            {"version": st.just("prometheus/v1"), "service": st.just("ledger"), "slos": JSONISH}
        )
        | st.fixed_dictionaries(
            {
                "apiVersion": st.just("openslo/v1"),
                "kind": st.sampled_from(["SLO", "SLI"]),
                "metadata": JSONISH,
                "spec": JSONISH,
            }
        ),
        max_size=3,
    )
)
def test_any_document_is_imported_or_refused_with_a_reason(db, clock, catalog_only, docs):
    for importer in (import_sloth, import_openslo):
        try:
            importer(db, catalog_only, docs, now=clock.now())
        except ConfigError as e:
            assert e.where and e.problem
        finally:
            db.rollback()
