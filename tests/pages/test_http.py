"""Alert webhooks through the real HTTP server: tokens, signatures, refusals that store nothing,
idempotent repeats; and `upkeep hooks add|list`."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select, text

from bot.cli import main as cli
from bot.db import make_engine
from handlers.pages.http import MAX_BODY
from models import AuditEntry, Integration, Page, Team, Workspace
from models.pages.integrations import add_integration
from tests.conftest import START, _postgres_url
from tests.factories import alert as generic_alert
from tests.factories import make_rotation, oncall_team

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alerts"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def team(db) -> Team:
    team = oncall_team(db)
    db.commit()
    return team


@pytest.fixture
def hook(db, team):
    """Makes an integration; returns its token."""

    def make(source: str, **kw) -> str:
        workspace = db.get(Workspace, team.workspace_id)
        _, token = add_integration(db, workspace, team, source=source, now=START, **kw)
        db.commit()
        return token

    return make


def post(
    url: str,
    body: bytes,
    token: str | None = None,
    *,
    query_token: bool = False,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict]:
    all_headers = {"content-type": "application/json", **(headers or {})}
    if token and not query_token:
        all_headers["authorization"] = f"Bearer {token}"
    if token and query_token:
        url += f"?token={token}"
    request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def count_pages(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Page))


def test_alertmanager_payload_is_stored_and_repeats_change_nothing(server, hook, db, team):
    token = hook("alertmanager")
    body = fixture_bytes("alertmanager_v4.json")
    status, answer = post(f"{server}/hooks/alertmanager", body, token)
    assert (status, answer) == (
        200,
        {"ok": True, "created": 2, "resolved": 0, "repeated": 0, "ignored": 0},
    )
    status, answer = post(f"{server}/hooks/alertmanager", body, token)
    assert (status, answer["created"], answer["repeated"]) == (200, 0, 2)
    assert count_pages(db) == 2
    resolved = json.loads(body)
    resolved["status"] = "resolved"
    for alert in resolved["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = "2026-11-20T02:45:00Z"
    status, answer = post(f"{server}/hooks/alertmanager", json.dumps(resolved).encode(), token)
    assert (status, answer["resolved"]) == (200, 2)
    db.expire_all()
    assert {p.resolved_at.isoformat() for p in db.scalars(select(Page))} == {
        "2026-11-20T02:45:00+00:00"
    }


def test_token_in_the_query_string_for_senders_without_headers(server, hook, db):
    token = hook("opsgenie")
    body = fixture_bytes("opsgenie_create.json")
    status, answer = post(f"{server}/hooks/opsgenie", body, token, query_token=True)
    assert (status, answer["created"]) == (200, 1)
    page = db.scalar(select(Page))
    assert (page.source, page.service_name, page.severity) == ("opsgenie", "checkout", "P2")


@pytest.mark.parametrize(
    ("token", "path"),
    [(None, "alertmanager"), ("upk_wrong", "alertmanager"), ("right", "generic")],
)
def test_a_wrong_or_missing_token_is_401_and_stores_nothing(server, hook, db, token, path):
    good = hook("alertmanager")
    status, answer = post(
        f"{server}/hooks/{path}",
        fixture_bytes("alertmanager_v4.json"),
        good if token == "right" else token,
    )
    assert status == 401 and answer["ok"] is False and "token" in answer["error"]
    assert count_pages(db) == 0


def test_pagerduty_signature_is_checked_when_a_secret_is_set(server, hook, db):
    token = hook("pagerduty", signing_secret="whsec")
    body = fixture_bytes("pagerduty_v3_incident_triggered.json")
    signature = hmac.new(b"whsec", body, hashlib.sha256).hexdigest()
    url = f"{server}/hooks/pagerduty"
    status, answer = post(url, body, token, headers={"X-PagerDuty-Signature": f"v1={'0' * 64}"})
    assert (status, answer["error"]) == (401, "X-PagerDuty-Signature does not match")
    assert post(url, body, token)[0] == 401
    assert count_pages(db) == 0
    rotated = f"v1={'1' * 64},v1={signature}"
    status, answer = post(url, body, token, headers={"X-PagerDuty-Signature": rotated})
    assert (status, answer["created"]) == (200, 1)
    assert db.scalar(select(Page.external_key)) == "Q2NL3NDCWCP4NQ"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "the body is not JSON"),
        (b"\xff\xfe", "the body is not JSON"),
        (b'{"version": "4", "alerts": [{"labels": {}}]}', "`alerts[0].fingerprint` is missing"),
        (b"[]", "`body` must be a JSON object"),
    ],
)
def test_malformed_bodies_are_400_with_the_reason(server, hook, db, body, reason):
    token = hook("alertmanager")
    status, answer = post(f"{server}/hooks/alertmanager", body, token)
    assert status == 400 and reason in answer["error"]
    assert count_pages(db) == 0


def test_one_bad_alert_rejects_the_whole_request(server, hook, db):
    token = hook("alertmanager")
    body = json.loads(fixture_bytes("alertmanager_v4.json"))
    body["alerts"][1]["startsAt"] = "yesterday"
    status, answer = post(f"{server}/hooks/alertmanager", json.dumps(body).encode(), token)
    assert status == 400 and "alerts[1].startsAt" in answer["error"]
    assert count_pages(db) == 0


def test_bodies_over_1_mb_are_413(server, hook, db):
    token = hook("generic")
    padding = "x" * MAX_BODY
    body = json.dumps({"key": "k", "title": "t", "padding": padding}).encode()
    status, answer = post(f"{server}/hooks/generic", body, token)
    assert status == 413 and "over" in answer["error"]
    small = json.dumps({"key": "k", "title": "t"}).encode()
    assert post(f"{server}/hooks/generic", small, token)[0] == 200


def test_a_lying_content_length_is_cut_at_the_limit(app, deps, hook, db):
    """A sender that declares a small body but streams more is refused on the bytes read."""
    import io

    from handlers.pages.http import HooksApp

    token = hook("generic")
    body = json.dumps({"key": "k", "title": "t", "p": "x" * MAX_BODY}).encode()
    answers = []
    environ = {
        "PATH_INFO": "/hooks/generic",
        "REQUEST_METHOD": "POST",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(body),
    }
    out = HooksApp(deps)(environ, lambda status, headers: answers.append(status))
    assert answers == ["413 Content Too Large"] and b"over" in b"".join(out)
    assert count_pages(db) == 0


@pytest.mark.parametrize(
    ("declared", "status"),
    [("²", "400 Bad Request"), ("-5", "400 Bad Request"), ("9" * 30, "413 Content Too Large")],
)
def test_a_content_length_that_is_not_a_plain_number_is_refused(
    app, deps, hook, db, declared, status
):
    """`"²".isdigit()` is true but `int("²")` fails: a server that passes the header on as sent
    made that a 500."""
    import io

    from handlers.pages.http import HooksApp

    token = hook("generic")
    answers = []
    environ = {
        "PATH_INFO": "/hooks/generic",
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": declared,
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(b'{"key": "k", "title": "t"}'),
    }
    HooksApp(deps)(environ, lambda status, headers: answers.append(status))
    assert answers == [status]
    assert count_pages(db) == 0


def test_unknown_sources_and_other_methods(server, hook):
    assert post(f"{server}/hooks/nagios", b"{}", hook("generic"))[0] == 404
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"{server}/hooks/generic", timeout=5)
    assert e.value.code == 405


def with_time(source: str, field: str, when: str) -> tuple[bytes, str]:
    """A fixture's body with one time replaced, and where the error should point."""
    if source == "generic":
        return json.dumps({"key": "k", "title": "t", field: when}).encode(), f"body.{field}"
    if source == "opsgenie":  # epoch seconds: -62135596800 is 0001-01-01T00:00:00Z
        body = json.loads(fixture_bytes("opsgenie_create.json"))
        body["alert"][field] = int(datetime.fromisoformat(when).timestamp())
        return json.dumps(body).encode(), f"alert.{field}"
    if source == "pagerduty":
        body = json.loads(fixture_bytes("pagerduty_v3_incident_triggered.json"))
        body["event"]["data"][field] = when
        return json.dumps(body).encode(), f"event.data.{field}"
    body = json.loads(fixture_bytes("alertmanager_v4.json"))
    body["alerts"][1] |= {"status": "resolved", field: when}
    return json.dumps(body).encode(), f"alerts[1].{field}"


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
@pytest.mark.parametrize(
    ("source", "field"),
    [
        ("alertmanager", "startsAt"),
        ("alertmanager", "endsAt"),
        ("pagerduty", "created_at"),
        ("opsgenie", "createdAt"),
        ("generic", "started_at"),
        ("generic", "resolved_at"),
    ],
)
def test_a_time_out_of_range_is_400_naming_it(server, hook, db, source, field, when):
    """They were stored as they came, or were 500s where a rotation was asked who was on call
    (its timeline ran past the years a datetime holds): Alertmanager retries a 500 with the
    whole batch, forever."""
    if source == "opsgenie" and when.startswith("9999"):
        pytest.skip("Opsgenie's epoch numbers read that far ahead as milliseconds (1978)")
    make_rotation(db)
    token = hook(source, rotation="payments-primary")
    body, where = with_time(source, field, when)
    status, answer = post(f"{server}/hooks/{source}", body, token)
    assert status == 400, answer
    assert answer["error"].startswith(f"`{where}` is out of range")
    assert answer["error"].endswith("give a time from 1970 to 2200")
    assert count_pages(db) == 0


def test_json_nested_deeper_than_python_reads_is_400(server, hook, db):
    """`json.loads` raised RecursionError: a 500, retried by the sender for ever."""
    token = hook("alertmanager")
    body = b'{"alerts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, answer = post(f"{server}/hooks/alertmanager", body, token)
    assert (status, answer["error"]) == (400, "the body is nested too deeply to read")
    assert count_pages(db) == 0


_tokens: dict[str, str] = {}


@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_body_is_answered_2xx_or_400_never_500(server, hook, body):
    if server not in _tokens:  # one integration for all the examples against this server
        _tokens[server] = hook("alertmanager")
    status, answer = post(f"{server}/hooks/alertmanager", body, _tokens[server])
    assert status in (200, 400), answer


# -- upkeep hooks --------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, db_url, team):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("PUBLIC_URL", "https://upkeep.example.com/")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)


def test_hooks_add_prints_url_and_token_that_then_work(cli_env, capsys, server, db):
    assert cli(["hooks", "add", "generic", "--team", "payments", "--severity", "*"]) == 0
    lines = dict(
        line.split(": ", 1) for line in capsys.readouterr().out.splitlines() if ": " in line
    )
    assert lines["url"] == "https://upkeep.example.com/hooks/generic"
    token = lines["token"]
    integration = db.scalar(select(Integration))
    assert (integration.source, integration.severities) == ("generic", "*")
    assert integration.token_hash == hashlib.sha256(token.encode()).hexdigest()
    entry = db.scalar(select(AuditEntry))
    assert (entry.action, entry.subject) == ("hooks.add", "generic:payments")
    body = json.dumps({"key": "k", "title": "t", "severity": "info"}).encode()
    assert post(f"{server}/hooks/generic", body, token)[1]["created"] == 1

    assert cli(["hooks", "list"]) == 0
    out = capsys.readouterr().out
    assert "generic" in out and "team=payments" in out and token[:10] in out
    assert token not in out


def test_hooks_add_for_an_unknown_team_says_so_and_adds_nothing(cli_env, capsys, db):
    assert cli(["hooks", "add", "alertmanager", "--team", "nope"]) == 1
    err = capsys.readouterr().err
    assert "There is no team called `nope`" in err and "payments" in err
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Integration)) == 0


def test_who_is_paged_follows_changes_made_between_webhooks(server, db):
    """Page ingest keeps each rotation's timeline between requests; an override, or a change to
    the paged person's zone, made in between is seen by the very next alert."""
    from models.oncall.overrides import add_override
    from models.pages.pages import BUSINESS, SLEEP
    from tests.factories import make_rotation, person, utc

    rotation = make_rotation(db)  # Ana on call from Mon 2 Mar 2026 10:00 Berlin
    workspace = db.get(Workspace, rotation.workspace_id)
    _, token = add_integration(
        db, workspace, rotation.team, source="generic", now=START, rotation="payments-primary"
    )
    db.commit()

    def page(key: str, started: str) -> tuple[str, str]:
        body = {"key": key, "title": key, "started_at": started}
        assert post(f"{server}/hooks/generic", json.dumps(body).encode(), token)[0] == 200
        db.expire_all()
        stored = db.scalar(select(Page).where(Page.external_key == key))
        return stored.person.slack_user_id, stored.hour_class

    assert page("before", "2026-03-03T02:00:00Z") == ("U0ANA", SLEEP)  # 03:00 in Berlin
    cho = person(db, workspace, "U0CHO")
    add_override(
        db,
        rotation,
        cho,
        start=utc(2026, 3, 3, 10),
        end=utc(2026, 3, 3, 12),
        reason="dentist",
        created_by=None,
        now=START,
    )
    db.commit()
    assert page("covered", "2026-03-03T11:00:00Z")[0] == "U0CHO"
    ana = person(db, workspace, "U0ANA")
    ana.tz = "America/New_York"
    db.commit()
    # 22:30 in Berlin would be a sleep-hour page; it is 16:30 in New York now.
    assert page("moved", "2026-03-03T21:30:00Z") == ("U0ANA", BUSINESS)


@pytest.mark.postgres_only
@pytest.mark.skipif(not _postgres_url(), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_a_webhook_right_after_a_database_restart_is_stored(server, hook, db, engine):
    """The pooled connections died while in steady use (no idle ping): the batch finds its
    connection dead, and is stored on a new one instead of failing the sender's request."""
    token = hook("generic")
    first = {"alerts": [generic_alert("restart-1", "2026-03-02T08:00:00Z")]}
    assert post(f"{server}/hooks/generic", json.dumps(first).encode(), token)[0] == 200
    end_the_databases_connections()
    second = {"alerts": [generic_alert("restart-2", "2026-03-02T08:05:00Z")]}
    status, answer = post(f"{server}/hooks/generic", json.dumps(second).encode(), token)
    assert (status, answer["created"]) == (200, 1), answer
    assert count_pages(db) == 2


@pytest.mark.postgres_only
@pytest.mark.skipif(not _postgres_url(), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_a_new_token_right_after_a_database_restart_is_looked_up(server, hook, db):
    """A token not seen yet is read from the database: on a connection found dead, it is read
    again on a new one rather than the sender being refused."""
    token, new_token = hook("generic"), hook("generic")
    first = {"alerts": [generic_alert("restart-1", "2026-03-02T08:00:00Z")]}
    assert post(f"{server}/hooks/generic", json.dumps(first).encode(), token)[0] == 200
    end_the_databases_connections()
    second = {"alerts": [generic_alert("restart-2", "2026-03-02T08:05:00Z")]}
    status, answer = post(f"{server}/hooks/generic", json.dumps(second).encode(), new_token)
    assert (status, answer.get("created")) == (200, 1), answer
    assert count_pages(db) == 2


def end_the_databases_connections() -> None:
    """Every other connection to the test database is closed by the server, as a restart would;
    the pool's connections were used within `IDLE_PING`, so nothing pings them first."""
    other_engine = make_engine(_postgres_url())
    try:
        with other_engine.connect() as other:
            ended = other.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        other_engine.dispose()
    assert ended >= 1


def wait_for_a_lock_wait(conn, request: Future, deadline_s: float = 10.0) -> None:
    """Until a backend of this database waits on a lock: a poll of the server, no sleep (each
    poll in a transaction of its own, as the server keeps one activity snapshot per
    transaction)."""
    deadline = time.monotonic() + deadline_s
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while not conn.scalar(query):
        conn.rollback()
        assert not request.done(), f"the webhook didn't wait: {request.result()}"
        assert time.monotonic() < deadline, "the webhook never waited for the other writer"


@pytest.mark.postgres_only
@pytest.mark.skipif(not _postgres_url(), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_a_resolve_raced_by_another_writer_still_resolves_the_page(server, hook, db):
    """Another process stores the firing page after this request looked for it and before this
    request's insert: the insert waits on the other's uncommitted row, finds it stored, and the
    resolve this request carries is applied to that page."""
    token = hook("generic")
    integration = db.scalars(select(Integration)).one()
    started = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    resolve = {
        **generic_alert("raced", started.isoformat()),
        "status": "resolved",
        "resolved_at": "2026-03-02T08:20:00Z",
    }
    other_engine = make_engine(_postgres_url())
    try:
        with other_engine.connect() as other, other_engine.connect() as watcher:
            other.execute(
                insert(Page),
                {
                    "workspace_id": integration.workspace_id,
                    "team_id": integration.team_id,
                    "integration_id": integration.id,
                    "source": "generic",
                    "external_key": "raced",
                    "title": "stored by the other writer",
                    "alert_name": "HighErrorRate",
                    "severity": "page",
                    "started_at": started,
                    "hour_class": "sleep",
                    "local_date": started.date(),
                    "created_at": started,
                },
            )  # not committed yet: the webhook doesn't see it, and its insert will wait on it
            with ThreadPoolExecutor(1) as pool:
                answer = pool.submit(
                    post, f"{server}/hooks/generic", json.dumps(resolve).encode(), token
                )
                wait_for_a_lock_wait(watcher, answer)
                other.commit()
                status, body = answer.result(timeout=10)
    finally:
        other_engine.dispose()
    assert (status, body["created"], body["resolved"]) == (200, 0, 1), body
    db.expire_all()
    page = db.scalars(select(Page)).one()
    assert page.title == "stored by the other writer"
    assert page.resolved_at == datetime(2026, 3, 2, 8, 20, tzinfo=UTC)
