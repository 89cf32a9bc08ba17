"""The catalog's rules: loose matching, what counts as unowned, config and Backstage import."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.cli import main
from models.catalog.config import import_backstage
from models.catalog.services import (
    find_service,
    lookup_service,
    loose_matches,
    match_service,
    unowned,
)
from models.config import export_config, import_config
from models.core.config import ConfigError
from models.core.errors import NotFound, UserError
from models.core.people import find_team
from tests.factories import CATALOG, TEAMS

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "catalog-info.yaml"
NAMES = [
    (1, "billing-api", "Billing API"),
    (2, "billing-worker", ""),
    (3, "ledger", "Ledger"),
    (4, "search-indexer", ""),
]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("billing-api", ["billing-api"]),
        ("Billing API", ["billing-api"]),
        ("billing", ["billing-api", "billing-worker"]),  # several: the caller asks which
        ("indexer", ["search-indexer"]),  # a whole word of the name
        ("dex", ["search-indexer"]),  # anywhere in it
        ("LEDGER", ["ledger"]),
        ("nothing", []),
        ("", []),
    ],
)
def test_loose_matching(typed, found):
    assert [name for _, name in loose_matches(NAMES, typed)] == found


@given(st.text(max_size=60))
def test_loose_matching_never_fails(typed):
    for service_id, name in loose_matches(NAMES, typed):
        assert (service_id, name) in [(i, n) for i, n, _ in NAMES]


def test_find_service_explains_several_and_near_misses(db, catalog):
    assert find_service(db, catalog, "ledger").name == "ledger"
    assert find_service(db, catalog, "indexer").name == "search-indexer"
    with pytest.raises(UserError, match="`billing` could be `billing-api`, `billing-worker`"):
        find_service(db, catalog, "billing")
    with pytest.raises(NotFound, match="Did you mean `ledger`"):
        find_service(db, catalog, "ledgr")


def test_match_service_is_exact(db, catalog):
    assert match_service(db, catalog, "Billing API").name == "billing-api"
    assert match_service(db, catalog, "billing") is None


def test_unowned_gives_every_reason(db, catalog):
    gaps = {g.service.name: g.reasons for g in unowned(db, catalog)}
    assert gaps["billing-worker"] == ["no DRI", "no runbook"]
    assert gaps["search-indexer"] == [
        "DRI <@U0GONE> has left",
        "no runbook",
        "tier 1 with no on-call rotation",
    ]
    assert "billing-api" not in gaps and "ledger" not in gaps


def test_import_is_idempotent_and_export_round_trips(db, clock, catalog):
    data = yaml.safe_load(TEAMS) | yaml.safe_load(CATALOG)
    again = import_config(db, catalog, data, clock.now())
    assert not again.created and not again.changed
    exported = export_config(db, catalog)
    billing = next(s for s in exported["services"] if s["name"] == "billing-api")
    assert billing["depends_on"] == ["ledger"] and billing["rotation"] == "payments-primary"
    assert billing["dri"] == "U0BEN" and billing["tier"] == 1
    assert not import_config(db, catalog, exported, clock.now()).changed


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"tier": 7}, r"services\[0\] \(ledger\)\.tier: Tier `7` isn't one of 1"),
        ({"team": "nobody"}, r"services\[0\] \(ledger\)\.team: there is no team called 'nobody'"),
        ({"runbook": "wiki page"}, r"\.runbook: `runbook` must be an http\(s\) link"),
        ({"depends_on": ["ghost"]}, r"\.depends_on: there is no service called 'ghost'"),
        ({"rotation": "nope"}, r"\.rotation: there is no rotation called 'nope'"),
        ({"lifecycle": "zombie"}, r"\.lifecycle: Lifecycle `zombie` isn't one of"),
        ({"colour": "red"}, r"\.colour: is not a field I know"),
        ({"tier": "²"}, r"\.tier: Tier `²` isn't one of 1"),
        ({"last_reviewed": "2026-02-30"}, r"\.last_reviewed: `2026-02-30` is not a date like"),
        ({"last_reviewed": "9999-12-31"}, r"\.last_reviewed: `9999-12-31` is too far off"),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_applied(db, clock, catalog, entry, message):
    data = {"services": [{"name": "ledger", **entry}, {"name": "brand-new", "team": "payments"}]}
    with pytest.raises(ConfigError, match=message):
        import_config(db, catalog, data, clock.now())
    db.rollback()
    assert lookup_service(db, catalog, "brand-new") is None
    assert lookup_service(db, catalog, "ledger").tier == 2


def test_backstage_import_reads_the_descriptors(db, clock, catalog):
    docs = list(yaml.safe_load_all(FIXTURE.read_text()))
    report = import_backstage(db, catalog, docs, now=clock.now(), lookup=None)
    assert report.created == ["service legacy-reports"]
    # The payments Group is the payments team: Cho (handle `cho`) joins it.
    assert sorted(report.changed) == ["service billing-api", "service ledger", "team payments"]
    assert any("group:default/platform" in s for s in report.skipped)
    payments = find_team(db, catalog, "payments")
    assert sorted(p.slack_user_id for p in payments.members) == ["U0ANA", "U0BEN", "U0CHO"]
    billing = lookup_service(db, catalog, "billing-api")
    assert billing.runbook == "https://runbooks.example.com/billing-api"
    assert billing.dashboard == "https://grafana.example.com/d/billing"
    assert billing.repo == "https://github.com/example/billing-api"
    assert billing.tier == 1 and "system:payments" in billing.tags
    assert [d.name for d in billing.depends_on] == ["ledger"]
    assert lookup_service(db, catalog, "legacy-reports").lifecycle == "deprecated"
    again = import_backstage(db, catalog, docs, now=clock.now(), lookup=None)
    assert not again.created and not again.changed


def test_backstage_errors_name_the_document(db, clock, catalog):
    docs = [{"kind": "Component", "metadata": {"name": "x"}, "spec": {"lifecycle": "zombie"}}]
    with pytest.raises(ConfigError, match=r"document 1 \(Component x\)\.lifecycle"):
        import_backstage(db, catalog, docs, now=clock.now(), lookup=None)


def test_upkeep_import_backstage_through_the_cli(tmp_path, db_url, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["import", "--format", "backstage", str(FIXTURE)]) == 0
    out = capsys.readouterr().out
    # An empty workspace: the Group becomes a team, owning what names it; its members are people
    # Upkeep hasn't seen yet, so they are reported, as is the owner with no Group.
    assert (
        "created: 4 (team payments, service billing-api, service ledger, service legacy-reports)"
        in out
    )
    assert "member ana of Group payments (no such Slack handle)" in out
    assert "owner group:default/platform of legacy-reports (no such team)" in out
