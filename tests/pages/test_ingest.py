"""Alert payloads read in the senders' formats (and fuzzed), hour classes in the paged person's
zone, idempotent ingest, severity filters, tokens and PagerDuty signatures."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import hmac
import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models.catalog.services import new_service
from models.core.errors import NotFound, UserError
from models.core.workspace import Person, Team, Workspace
from models.oncall.changes import reschedule, set_active, set_members
from models.oncall.overrides import add_override
from models.oncall.rotations import Rotation
from models.pages.formats import PARSERS, PayloadError, parse_epoch, parse_instant
from models.pages.ingest import ingest, ingest_batch
from models.pages.integrations import (
    Hook,
    add_integration,
    integration_by_token,
    pagerduty_signature_ok,
)
from models.pages.load import load
from models.pages.pages import (
    BUSINESS,
    OFF,
    SLEEP,
    Page,
    WorkHours,
    classify,
    hour_class,
    work_hours,
)
from models.pages.timelines import KeptTimelines
from tests.factories import make_rotation, oncall_team, person, utc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alerts"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def team(db) -> Team:
    return oncall_team(db)


@pytest.fixture
def workspace(db, team) -> Workspace:
    return db.get(Workspace, team.workspace_id)


def pages(db) -> list[Page]:
    return list(db.scalars(select(Page).order_by(Page.started_at)))


# -- parsers -----------------------------------------------------------------------------------


def test_alertmanager_v4_fixture_gives_one_alert_per_entry_keyed_on_fingerprint_and_start():
    alerts = PARSERS["alertmanager"](fixture("alertmanager_v4.json"), NOW)
    assert [a.key for a in alerts] == [
        "3c1f9e5a2b7d8e01:2026-11-20T02:14:05.123000+00:00",
        "9b0e44c1d2a37f65:2026-11-20T02:15:41.900000+00:00",
    ]
    first = alerts[0]
    assert first.title == "billing-api 5xx ratio above 5% for 10m"
    assert (first.alert_name, first.severity, first.services) == (
        "HighErrorRate",
        "page",
        ("billing-api",),
    )
    assert first.started_at == datetime(2026, 11, 20, 2, 14, 5, 123000, tzinfo=UTC)
    assert first.resolved_at is None


def test_alertmanager_resolved_sets_the_end_and_services_fall_back_through_labels():
    body = fixture("alertmanager_v4.json")
    alert = body["alerts"][0]
    alert["status"] = "resolved"
    alert["endsAt"] = "2026-11-20T02:40:00.5+01:00"
    alert["labels"] = {"alertname": "X", "severity": "critical", "app": "ledger", "job": "node"}
    parsed = PARSERS["alertmanager"](body, NOW)[0]
    assert parsed.resolved_at == datetime(2026, 11, 20, 1, 40, 0, 500000, tzinfo=UTC)
    assert parsed.services == ("ledger", "node")


def test_pagerduty_v3_fixture_keys_on_the_incident_and_takes_the_service_summary():
    [alert] = PARSERS["pagerduty"](fixture("pagerduty_v3_incident_triggered.json"), NOW)
    assert (alert.key, alert.title, alert.severity, alert.services) == (
        "Q2NL3NDCWCP4NQ",
        "Ledger replication lag above 120s",
        "high",
        ("ledger",),
    )
    assert alert.started_at == datetime(2026, 11, 21, 22, 41, 7, tzinfo=UTC)
    resolved = fixture("pagerduty_v3_incident_triggered.json")
    resolved["event"]["event_type"] = "incident.resolved"
    resolved["event"]["occurred_at"] = "2026-11-21T23:05:00Z"
    [done] = PARSERS["pagerduty"](resolved, NOW)
    assert done.key == alert.key and done.resolved_at == datetime(2026, 11, 21, 23, 5, tzinfo=UTC)
    acked = fixture("pagerduty_v3_incident_triggered.json")
    acked["event"]["event_type"] = "incident.acknowledged"
    assert PARSERS["pagerduty"](acked, NOW) == []


def test_opsgenie_fixture_keys_on_alert_id_with_entity_and_tags():
    [alert] = PARSERS["opsgenie"](fixture("opsgenie_create.json"), NOW)
    assert (alert.key, alert.title, alert.alert_name, alert.severity, alert.services) == (
        "70413a06-38d6-4c85-92b8-5ebc900d42e2",
        "Checkout latency p99 above 2s",
        "checkout-latency-p99",
        "P2",
        ("checkout",),
    )
    assert alert.started_at == datetime.fromtimestamp(1763777100, UTC)
    close = fixture("opsgenie_create.json")
    close["action"] = "Close"
    close["alert"]["updatedAt"] = 1763780700000000000  # nanoseconds, as Opsgenie sends
    [closed] = PARSERS["opsgenie"](close, NOW)
    assert closed.resolved_at == datetime.fromtimestamp(1763780700, UTC)


def test_generic_format_single_and_batch():
    one = {
        "key": "k1",
        "title": "Disk full",
        "service": "ledger",
        "started_at": "2026-11-20T03:00Z",
    }
    [alert] = PARSERS["generic"](one, NOW)
    assert (alert.key, alert.severity, alert.alert_name, alert.services) == (
        "k1",
        "page",
        "Disk full",
        ("ledger",),
    )
    batch = PARSERS["generic"]({"alerts": [one, {**one, "key": "k2", "status": "resolved"}]}, NOW)
    assert [(a.key, a.resolved_at) for a in batch] == [("k1", None), ("k2", NOW)]


@pytest.mark.parametrize(
    ("source", "body", "reason"),
    [
        ("alertmanager", {"version": "4"}, "`alerts` must be a list"),
        ("alertmanager", {"version": "3", "alerts": []}, "version '3' is not supported"),
        ("alertmanager", {"alerts": [{"labels": {}}]}, "`alerts[0].fingerprint` is missing"),
        (
            "alertmanager",
            {"alerts": [{"labels": {"alertname": "A"}, "fingerprint": "f", "startsAt": "soon"}]},
            "`alerts[0].startsAt` is not an RFC 3339 timestamp",
        ),
        ("pagerduty", {"event": {"event_type": "incident.triggered"}}, "`event.data` must be"),
        ("pagerduty", [], "`body` must be a JSON object"),
        ("opsgenie", {"action": "Create"}, "`alert` must be a JSON object"),
        ("generic", {"title": "no key"}, "`body.key` is missing"),
        ("generic", {"key": "k", "title": "t", "started_at": "2026-11-20T03:00"}, "no time zone"),
    ],
)
def test_malformed_payloads_say_what_is_wrong(source, body, reason):
    with pytest.raises(PayloadError) as e:
        PARSERS[source](body, NOW)
    assert reason in e.value.reason


def test_timestamps():
    assert parse_instant("2026-11-20T02:14:05.123456789Z", "t") == datetime(
        2026, 11, 20, 2, 14, 5, 123456, tzinfo=UTC
    )
    assert parse_epoch(1763777100, "t") == parse_epoch(1763777100000, "t")
    with pytest.raises(PayloadError):
        parse_epoch(True, "t")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


def mutations(body: dict) -> st.SearchStrategy[dict]:
    """The fixture with one value somewhere replaced by anything JSON can hold."""

    def paths(value, prefix=()):
        yield prefix
        if isinstance(value, dict):
            for k, v in value.items():
                yield from paths(v, (*prefix, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from paths(v, (*prefix, i))

    def mutate(path, new):
        out = copy.deepcopy(body)
        if not path:
            return new
        target = out
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = new
        return out

    return st.builds(mutate, st.sampled_from(list(paths(body))), json_values)


FIXTURE_OF = {
    "alertmanager": "alertmanager_v4.json",
    "pagerduty": "pagerduty_v3_incident_triggered.json",
    "opsgenie": "opsgenie_create.json",
    "generic": None,
}


@pytest.mark.parametrize("source", list(PARSERS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_parsers_never_fail_but_with_a_reason(source, data):
    name = FIXTURE_OF[source]
    base = fixture(name) if name else {"key": "k", "title": "t", "status": "resolved"}
    body = data.draw(st.one_of(mutations(base), json_values))
    try:
        alerts = PARSERS[source](body, NOW)
    except PayloadError as e:
        assert e.reason
        return
    for alert in alerts:
        assert alert.key and len(alert.key) <= 200 and alert.title
        assert alert.started_at.tzinfo is not None
        assert len(alert.title) <= 300 and all(len(s) <= 120 for s in alert.services)


# -- hour classes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 11, 23, 8, 0), BUSINESS),  # Monday 08:00
        (datetime(2026, 11, 23, 17, 59), BUSINESS),
        (datetime(2026, 11, 23, 18, 0), OFF),
        (datetime(2026, 11, 23, 21, 59), OFF),
        (datetime(2026, 11, 23, 22, 0), SLEEP),
        (datetime(2026, 11, 24, 7, 59), SLEEP),
        (datetime(2026, 11, 28, 12, 0), OFF),  # Saturday noon
        (datetime(2026, 11, 29, 3, 0), SLEEP),  # Sunday night
    ],
)
def test_hour_classes_with_default_working_hours(local, expected):
    assert hour_class(local) == expected


def test_a_persons_own_working_hours_count_but_sleep_still_wins():
    person = Person(work_start=time(6, 0), work_end=time(15, 0), work_days="1234")
    work = work_hours(person)
    assert work == WorkHours(time(6, 0), time(15, 0), "1234")
    assert hour_class(datetime(2026, 11, 23, 7, 0), work) == SLEEP
    assert hour_class(datetime(2026, 11, 23, 16, 0), work) == OFF
    assert hour_class(datetime(2026, 11, 27, 10, 0), work) == OFF  # Friday is not a work day
    unset = Person(work_start=time(9, 0), work_end=time(18, 0), work_days="12345")
    assert hour_class(datetime(2026, 11, 23, 8, 30), work_hours(unset)) == BUSINESS


def test_a_public_holiday_is_off_hours_for_those_who_take_it():
    """Thu 26 Nov 2026 is Thanksgiving: off-hours for a team with US holidays, unless the person
    takes their own (German) holidays; Good Friday the other way round."""
    ana = Person(work_start=time(9, 0), work_end=time(18, 0), work_days="12345")
    thanksgiving, good_friday = datetime(2026, 11, 26, 10), datetime(2026, 4, 3, 10)
    assert hour_class(thanksgiving, work_hours(ana, ("US", None))) == OFF
    assert hour_class(thanksgiving, work_hours(ana)) == BUSINESS
    ana.holiday_country = "DE"
    assert hour_class(thanksgiving, work_hours(ana, ("US", None))) == BUSINESS
    assert hour_class(good_friday, work_hours(ana, ("US", None))) == OFF


# -- integrations and ingest -------------------------------------------------------------------


def test_tokens_are_stored_hashed_and_found_by_hash(db, team, workspace):
    integration, token = add_integration(db, workspace, team, source="alertmanager", now=NOW)
    assert token.startswith("upk_") and len(token) > 30
    assert integration.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert integration.token_prefix == token[:10]
    assert token not in (integration.token_hash, integration.severities)
    assert integration_by_token(db, token).id == integration.id
    assert integration_by_token(db, token + "x") is None
    assert integration.severities == "page,critical"
    with pytest.raises(UserError, match="not a source"):
        add_integration(db, workspace, team, source="nagios", now=NOW)
    with pytest.raises(UserError, match="Only PagerDuty"):
        add_integration(db, workspace, team, source="opsgenie", now=NOW, signing_secret="s")


def test_pagerduty_signatures_including_rotation_lists():
    body = b'{"event":{}}'
    good = hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert pagerduty_signature_ok("secret", body, f"v1={good}")
    assert pagerduty_signature_ok("secret", body, f"v1={'0' * 64}, v1={good}")
    assert not pagerduty_signature_ok("secret", body, f"v1={'0' * 64}")
    assert not pagerduty_signature_ok("secret", body + b" ", f"v1={good}")
    assert not pagerduty_signature_ok("secret", body, None)


def test_ingest_is_idempotent_and_a_resolve_sets_the_end(db, team, workspace):
    integration, _ = add_integration(db, workspace, team, source="alertmanager", now=NOW)
    body = fixture("alertmanager_v4.json")
    first = ingest(db, integration, PARSERS["alertmanager"](body, NOW), now=NOW)
    assert (first.created, first.repeated) == (2, 0)
    again = ingest(db, integration, PARSERS["alertmanager"](body, NOW), now=NOW)
    assert (again.created, again.repeated) == (0, 2)
    body["alerts"][0]["status"] = "resolved"
    body["alerts"][0]["endsAt"] = "2026-11-20T02:30:00Z"
    resolved = ingest(db, integration, PARSERS["alertmanager"](body, NOW), now=NOW)
    assert (resolved.resolved, resolved.repeated) == (1, 1)
    stored = pages(db)
    assert [p.resolved_at for p in stored] == [datetime(2026, 11, 20, 2, 30, tzinfo=UTC), None]
    page = stored[0]
    assert (page.team_id, page.source, page.service_name, page.service_id) == (
        team.id,
        "alertmanager",
        "billing-api",
        None,
    )
    # No one on call is known: the hour class is read in the team's zone (03:14 in Berlin).
    assert (page.hour_class, page.local_date.isoformat()) == (SLEEP, "2026-11-20")
    # A new firing of the same alert (new startsAt) is a new page.
    body["alerts"][0]["status"] = "firing"
    body["alerts"][0]["startsAt"] = "2026-11-21T10:00:00Z"
    assert ingest(db, integration, PARSERS["alertmanager"](body, NOW), now=NOW).created == 1
    assert len(pages(db)) == 3


def test_the_severity_filter_keeps_only_pages(db, team, workspace):
    integration, _ = add_integration(db, workspace, team, source="alertmanager", now=NOW)
    body = fixture("alertmanager_v4.json")
    body["alerts"][1]["labels"]["severity"] = "warning"
    result = ingest(db, integration, PARSERS["alertmanager"](body, NOW), now=NOW)
    assert (result.created, result.ignored) == (1, 1)
    everything, _ = add_integration(
        db, workspace, team, source="alertmanager", now=NOW, severities="*"
    )
    assert ingest(db, everything, PARSERS["alertmanager"](body, NOW), now=NOW).created == 2


def test_classify_records_who_and_when(db, team, workspace):
    integration, _ = add_integration(db, workspace, team, source="generic", now=NOW)
    ingest(db, integration, PARSERS["generic"]({"key": "a", "title": "t"}, NOW), now=NOW)
    ana = person(db, workspace, "U0ANA")
    [page] = pages(db)
    later = NOW + timedelta(hours=1)
    classify(page, "threshold_wrong", ana, now=later)
    assert (page.classification, page.classified_by_id, page.classified_at) == (
        "threshold_wrong",
        ana.id,
        later,
    )
    with pytest.raises(UserError):
        classify(page, "meh", ana, now=later)


# -- attribution to the person on call ---------------------------------------------------------


def generic_alert(key: str, started: str):
    return PARSERS["generic"]({"key": key, "title": key, "started_at": started}, NOW)


def hook_with_cho_covering(db):
    """The payments rotation (weekly from Mon 2 Mar 2026 10:00 Berlin: Ana, Ben, Cho), a generic
    hook on it, and Cho covering Wed 4 Mar 00:00-06:00 UTC."""
    rotation = make_rotation(db)
    workspace = db.get(Workspace, rotation.workspace_id)
    integration, _ = add_integration(
        db, workspace, rotation.team, source="generic", now=NOW, rotation="Payments-Primary"
    )
    cho = person(db, workspace, "U0CHO")
    add_override(
        db,
        rotation,
        cho,
        start=utc(2026, 3, 4, 0),
        end=utc(2026, 3, 4, 6),
        reason="swap",
        created_by=None,
        now=NOW,
    )
    return rotation, integration


def test_the_person_on_call_is_paged_in_their_own_zone_and_history_is_kept(db):
    rotation, integration = hook_with_cho_covering(db)
    assert integration.rotation == "payments-primary"
    ingest(db, integration, generic_alert("ana-night", "2026-03-03T02:00:00Z"), now=NOW)
    ingest(db, integration, generic_alert("ben-evening", "2026-03-10T01:00:00Z"), now=NOW)
    ingest(db, integration, generic_alert("cho-override", "2026-03-04T01:00:00Z"), now=NOW)
    got = {
        p.external_key: (p.person.slack_user_id, p.hour_class, str(p.local_date)) for p in pages(db)
    }
    assert got == {
        "ana-night": ("U0ANA", SLEEP, "2026-03-03"),  # 03:00 in Berlin
        "ben-evening": ("U0BEN", OFF, "2026-03-09"),  # Monday 21:00 in New York (EDT since 8 Mar)
        "cho-override": ("U0CHO", BUSINESS, "2026-03-04"),  # Wednesday 10:00 in Tokyo
    }
    # Taking Ana out of the rotation later doesn't rewrite who was paged.
    set_active(rotation, db.get(Person, pages(db)[0].person_id), False, now=NOW)
    db.flush()
    assert pages(db)[0].person.slack_user_id == "U0ANA"


def test_one_batch_attributes_like_one_request_at_a_time(db):
    """Requests stored together (group commit) read one timeline over all their instants: the
    same people as alone, an override included, and each request gets its own counts."""
    _, integration = hook_with_cho_covering(db)
    db.commit()
    hook = Hook.of(integration)
    first = [
        *generic_alert("ana", "2026-03-03T02:00:00Z"),
        *generic_alert("ana", "2026-03-03T02:00:00Z"),
    ]
    jobs = [
        (hook, first, NOW),
        (hook, generic_alert("cho", "2026-03-04T01:00:00Z"), NOW),
        (hook, generic_alert("ben", "2026-03-10T01:00:00Z"), NOW + timedelta(seconds=1)),
        (hook, generic_alert("ana", "2026-03-03T02:00:00Z"), NOW),
    ]
    results = [r.as_dict() for r in ingest_batch(db, jobs)]
    assert results == [
        {"created": 1, "resolved": 0, "repeated": 1, "ignored": 0},
        {"created": 1, "resolved": 0, "repeated": 0, "ignored": 0},
        {"created": 1, "resolved": 0, "repeated": 0, "ignored": 0},
        {"created": 0, "resolved": 0, "repeated": 1, "ignored": 0},
    ]
    got = {p.external_key: (p.person.slack_user_id, p.created_at) for p in pages(db)}
    assert got == {
        "ana": ("U0ANA", NOW),
        "cho": ("U0CHO", NOW),
        "ben": ("U0BEN", NOW + timedelta(seconds=1)),
    }


def test_a_resolve_stored_in_the_same_batch_as_its_firing_is_kept(db, team, workspace):
    integration, _ = add_integration(db, workspace, team, source="alertmanager", now=NOW)
    db.commit()
    hook = Hook.of(integration)
    firing = fixture("alertmanager_v4.json")
    resolved = copy.deepcopy(firing)
    resolved["alerts"][0] |= {"status": "resolved", "endsAt": "2026-11-20T02:30:00Z"}
    jobs = [
        (hook, PARSERS["alertmanager"](firing, NOW), NOW),
        (hook, PARSERS["alertmanager"](resolved, NOW), NOW),
    ]
    first, second = ingest_batch(db, jobs)
    assert (first.created, second.resolved, second.repeated) == (2, 1, 1)
    assert [p.resolved_at for p in pages(db)] == [datetime(2026, 11, 20, 2, 30, tzinfo=UTC), None]


def test_an_unknown_rotation_is_refused_when_adding_a_hook(db):
    rotation = make_rotation(db)
    workspace = db.get(Workspace, rotation.workspace_id)
    with pytest.raises(NotFound, match="did you mean|Did you mean"):
        add_integration(
            db, workspace, rotation.team, source="generic", now=NOW, rotation="payments-primry"
        )


def test_the_catalog_names_the_service_and_lends_its_rotation(db):
    rotation = make_rotation(db)  # Ana on call in the week of 2 Mar 2026
    workspace = db.get(Workspace, rotation.workspace_id)
    billing = new_service(db, workspace, "billing-api", now=NOW)
    billing.rotation = rotation
    db.flush()
    integration, _ = add_integration(db, workspace, rotation.team, source="alertmanager", now=NOW)
    body = fixture("alertmanager_v4.json")
    for i, alert in enumerate(body["alerts"]):
        alert["startsAt"] = f"2026-03-03T0{i}:00:00Z"
    # The first alert names an unknown service, then the catalog's one as its component.
    body["alerts"][0]["labels"] |= {"service": "nope", "component": "billing-api"}
    body["alerts"][1]["labels"] = {"alertname": "Other", "severity": "page", "app": "mystery"}
    ingest(db, integration, PARSERS["alertmanager"](body, NOW), now=NOW)
    got = [
        (p.service_name, p.service_id, p.rotation, p.person.slack_user_id if p.person else None)
        for p in pages(db)
    ]
    assert got == [
        ("billing-api", billing.id, "payments-primary", "U0ANA"),
        ("mystery", None, None, None),
    ]
    figures = load(db, rotation.team, start=utc(2026, 3, 2), end=utc(2026, 3, 9))
    assert figures.uncatalogued == [("mystery", 1)]


# -- what page ingest keeps between batches (KeptTimelines) -------------------------------------

RESHUFFLED = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)


def alerts(key: str, started: str, **fields):
    return PARSERS["generic"]({"key": key, "title": key, "started_at": started, **fields}, NOW)


def paged(db, key: str) -> tuple[str | None, str]:
    db.expire_all()
    page = db.scalar(select(Page).where(Page.external_key == key))
    return (page.person.slack_user_id if page.person else None, page.hour_class)


@pytest.fixture
def without_cho(db) -> Hook:
    """Weekly from Mon 2 Mar 10:00 Berlin: Ana, Ben, Cho (Cho's week: 16-23 Mar). On 20 Mar Cho
    leaves (from the handoff on 23 Mar): only the first rule version still names Cho."""
    rotation = make_rotation(db)
    workspace = db.get(Workspace, rotation.workspace_id)
    integration, _ = add_integration(
        db, workspace, rotation.team, source="generic", now=NOW, rotation="payments-primary"
    )
    ana, ben = person(db, workspace, "U0ANA"), person(db, workspace, "U0BEN")
    set_members(rotation, [ana, ben], set())
    reschedule(rotation, datetime(2026, 3, 20, 12, tzinfo=UTC))
    db.commit()
    return Hook.of(integration)


def test_a_kept_timeline_still_knows_people_who_left_the_rotation(db, without_cho):
    kept = KeptTimelines()
    ingest_batch(db, [(without_cho, alerts("new-week", "2026-03-23T11:00:00Z"), NOW)], kept)
    db.close()  # the next batch is another session: the kept timeline outlives this one
    ingest_batch(db, [(without_cho, alerts("chos-week", "2026-03-22T11:00:00Z"), NOW)], kept)
    assert paged(db, "new-week")[0] == "U0ANA"
    assert paged(db, "chos-week") == ("U0CHO", OFF)  # Sunday 20:00 in Tokyo


def test_a_zone_change_of_someone_who_left_is_seen_and_a_status_change_keeps_the_timeline(
    db, without_cho
):
    kept = KeptTimelines()
    ingest_batch(db, [(without_cho, alerts("tokyo", "2026-03-22T11:00:00Z"), NOW)], kept)
    version = db.scalar(select(Rotation.schedule_version))
    cho = db.scalar(select(Person).where(Person.slack_user_id == "U0CHO"))
    cho.real_name, cho.refreshed_at = "Cho (on holiday)", NOW  # as a user_change event does
    db.commit()
    assert db.scalar(select(Rotation.schedule_version)) == version
    cho.holiday_country = "JP"  # their own holidays: kept timelines hold them too
    db.commit()
    assert db.scalar(select(Rotation.schedule_version)) == version + 1
    cho.tz = "America/Los_Angeles"
    db.commit()
    assert db.scalar(select(Rotation.schedule_version)) > version + 1
    db.close()
    ingest_batch(db, [(without_cho, alerts("la", "2026-03-22T11:00:00Z"), NOW)], kept)
    assert paged(db, "tokyo") == ("U0CHO", OFF)  # Sunday 20:00 in Tokyo
    assert paged(db, "la") == ("U0CHO", SLEEP)  # Sunday 04:00 in Los Angeles


def test_a_batch_that_fails_keeps_nothing(db, without_cho):
    kept = KeptTimelines()
    nowhere = dataclasses.replace(without_cho, team_id=999)  # no such team: the insert fails
    with pytest.raises(IntegrityError):
        ingest_batch(db, [(nowhere, alerts("lost", "2026-03-22T11:00:00Z"), NOW)], kept)
    db.rollback()
    rotation_id, version = db.execute(select(Rotation.id, Rotation.schedule_version)).one()
    at = datetime(2026, 3, 22, 11, tzinfo=UTC)
    assert kept.get(rotation_id, version, first=at, last=at) is None
    assert db.scalar(select(func.count()).select_from(Page)) == 0


def test_counts_do_not_depend_on_what_else_is_in_the_batch(db, without_cho):
    fire = alerts("k", "2026-03-23T11:00:00Z")
    resolve = alerts(
        "k", "2026-03-23T11:00:00Z", status="resolved", resolved_at="2026-03-23T12:00:00Z"
    )
    together = ingest_batch(
        db, [(without_cho, fire, NOW), (without_cho, resolve, NOW), (without_cho, resolve, NOW)]
    )
    assert [(r.created, r.resolved, r.repeated) for r in together] == [
        (1, 0, 0),
        (0, 1, 0),
        (0, 0, 1),
    ]
    low = alerts("k", "2026-03-23T11:00:00Z", severity="warning")
    other = alerts(
        "zz", "2026-03-23T11:00:00Z", status="resolved", resolved_at="2026-03-23T12:00:00Z"
    )
    hook = dataclasses.replace(without_cho, severities="page")
    [alone] = ingest_batch(db, [(hook, low, NOW)])
    mixed, _ = ingest_batch(db, [(hook, low, NOW), (hook, other, NOW)])
    assert (
        alone.as_dict()
        == mixed.as_dict()
        == {"created": 0, "resolved": 0, "repeated": 0, "ignored": 1}
    )
