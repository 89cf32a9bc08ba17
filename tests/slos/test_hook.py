"""`POST /hooks/sli` through the real HTTP server: a team's token, counts stored whole or not at
all, an interval sent again replacing itself; the figures the worker then computes from them;
and `upkeep slo token`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.cli import main as cli
from models import AuditEntry
from models.core.people import find_team
from models.slos.figures import refresh_figures
from models.slos.pushed import CountsRefused, add_sli_token, parse_counts
from models.slos.slos import SliCount, Slo, find_slo
from tests.conftest import START
from tests.factories import CATALOG, configure
from tests.slos.entries import pushed

SLOS = (
    "slos:"
    + pushed("checkout", "billing-api")
    + pushed("indexing", "search-indexer")
    + """
  - name: ledger-ratio
    service: ledger
    objective: 99
    window: 30d
    indicator:
      errors: sum(rate(x[{{.window}}]))
      total: sum(rate(y[{{.window}}]))
"""
)


@pytest.fixture
def token(db, clock, slack) -> str:
    workspace = configure(db, clock, CATALOG + SLOS)
    _, made = add_sli_token(db, find_team(db, workspace, "payments"), clock.now())
    db.commit()
    return made


def post(url: str, payload, token: str | None) -> tuple[int, dict]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(url + "/hooks/sli", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def count(slo: str, hours_ago: int, good: int, total: int) -> dict:
    start = START - timedelta(hours=hours_ago)
    return {
        "slo": slo,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
        "good": good,
        "total": total,
    }


def stored(db) -> list[tuple[str, int, int]]:
    db.expire_all()
    rows = db.execute(
        select(Slo.name, SliCount.good, SliCount.total)
        .join(Slo, Slo.id == SliCount.slo_id)
        .order_by(SliCount.start)
    )
    return [tuple(row) for row in rows]


def test_counts_are_stored_and_an_interval_sent_again_replaces_itself(server, db, token):
    status, answer = post(
        server, [count("checkout", 2, 990, 1000), count("checkout", 1, 1000, 1000)], token
    )
    assert (status, answer) == (200, {"ok": True, "stored": 2})
    assert post(server, count("checkout", 1, 900, 1000), token) == (200, {"ok": True, "stored": 1})
    assert stored(db) == [("checkout", 990, 1000), ("checkout", 900, 1000)]
    slo = find_slo(db, db.scalar(select(Slo.workspace_id)), "checkout")
    (figure,) = refresh_figures(db, [slo], None, START)
    assert figure.events == 2000 and figure.sli == pytest.approx(0.945)
    assert figure.burn_1h == pytest.approx(10.0)  # 10% errors against a 1% budget


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({**count("checkout", 1, 5, 4)}, "counts[0].good: must not be more than total"),
        ([count("checkout", 1, 1, 1), count("indexing", 1, 1, 1)], "counts[1].slo: 'indexing'"),
        ([count("checkout", 1, 1, 1), count("ledger-ratio", 1, 1, 1)], "counts[1].slo: 'ledger-"),
        ({**count("checkout", 1, 1, 1), "start": "yesterday"}, "counts[0].start: 'yesterday' is"),
        ({**count("checkout", 1, 1, 1), "end": "2026-03-02T09:00:00"}, "needs an offset"),
        ({**count("checkout", 1, 1, 1), "total": -1}, "counts[0].total: must be a whole number"),
        ({**count("checkout", 1, 1, 1), "bad": 1}, "counts[0].bad: is not a field I know"),
        ([], "send 1 to 1000 counts"),
        (
            {**count("checkout", 1, 1, 1), "start": "9999-12-31T23:30:00Z"},
            "counts[0].start: must be a time between 2000 and 2100",
        ),
        (
            {
                **count("checkout", 1, 1, 1),
                "start": "0001-01-01T00:30:00+05:00",
                "end": "0001-01-01T01:00:00+05:00",
            },
            "counts[0].start: must be a time between 2000 and 2100",
        ),
        ({**count("checkout", 1, 1, 10**30)}, "counts[0].total: must be a whole number"),
        (
            json.dumps(count("checkout", 1, 1, 1)).replace('"good": 1', '"good": NaN').encode(),
            "counts[0].good: must be a whole number",
        ),
        (b"{not json", "the body is not JSON"),
    ],
)
def test_a_bad_body_is_refused_with_the_count_and_field_and_nothing_is_stored(
    server, db, token, payload, error
):
    status, answer = post(server, payload, token)
    assert status == 400 and error in answer["error"]
    assert stored(db) == []


def test_a_wrong_token_is_refused_before_the_body_is_judged(server, db, token):
    assert post(server, [], "upk_sli_wrong")[0] == 401
    assert post(server, count("checkout", 1, 1, 1), None) == (
        401,
        {"ok": False, "error": "a valid token for /hooks/sli is needed"},
    )
    assert stored(db) == []


def test_the_alert_hooks_still_answer_next_to_it(server, token):
    status, answer = post(server, {}, token)
    assert status == 400  # /hooks/sli itself, with nothing to store
    request = urllib.request.Request(server + "/hooks/alertmanager", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401  # the alert hooks' own answer


def test_upkeep_slo_token_prints_a_token_once_and_audits_it(
    tmp_path, db, db_url, token, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("PUBLIC_URL", "https://upkeep.example.com")
    assert cli(["slo", "token", "--team", "payments"]) == 0
    out = capsys.readouterr().out
    assert "url: https://upkeep.example.com/hooks/sli" in out
    assert "token: upk_sli_" in out
    assert (
        db.scalar(select(AuditEntry.subject).where(AuditEntry.action == "slo.token")) == "payments"
    )
    assert cli(["slo", "token", "--team", "nobody"]) == 1
    assert "no token was made" in capsys.readouterr().err


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=30),
        lambda kids: (
            st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=6)
        ),
        max_leaves=20,
    )
)
def test_any_json_is_read_or_refused_with_a_reason(payload):
    try:
        counts = parse_counts(payload)
    except CountsRefused as e:
        assert str(e)
        return
    assert all(0 <= c.good <= c.total and c.start < c.end for c in counts)


def test_counts_pushed_each_hour_give_the_last_hours_burn_between_the_hours(server, db, token):
    """Counts pushed for each whole hour, the worker refreshing at 5 past: the last hour's burn
    is read from the interval that overlaps it, not left unknown until the next whole hour."""
    hours = [count("checkout", h, 990, 1000) for h in (3, 2, 1)]
    assert post(server, hours, token)[0] == 200
    slo = find_slo(db, db.scalar(select(Slo.workspace_id)), "checkout")
    (figure,) = refresh_figures(db, [slo], None, START + timedelta(minutes=5))
    assert figure.burn_1h == pytest.approx(1.0)  # 1% errors against a 1% budget
    assert figure.burn_6h == pytest.approx(1.0) and figure.events == 3000
