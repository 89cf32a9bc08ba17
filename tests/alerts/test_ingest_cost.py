"""What alerting adds to a webhook batch stays small: a team's alerting is kept between batches
(read again at once when this process changes it), and a batch's open groups and its
integration's recent starts are one query."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from models.alerts.intake import AlertIntake, KeptAlertings
from models.core.people import find_team
from models.pages.formats import PARSERS
from models.pages.ingest import ingest_batch
from models.pages.integrations import Hook, add_integration, integration_by_token
from models.pages.timelines import KeptTimelines
from tests.alerts.conftest import ALERTING, groups
from tests.conftest import START
from tests.factories import CATALOG, configure, lookup


def hook_of(db, workspace) -> Hook:
    team = find_team(db, workspace, "payments")
    _, token = add_integration(db, workspace, team, source="generic", now=START, severities="*")
    db.commit()
    return Hook.of(integration_by_token(db, token))


def alerts(key: str, group: str):
    body = {"key": key, "title": "HighErrorRate", "service": "billing-api", "group_key": group}
    return PARSERS["generic"]({**body, "severity": "critical"}, START)


def test_a_new_alert_costs_three_statements_once_its_team_is_known(db, engine, alerting):
    hook = hook_of(db, alerting)
    kept, timelines = KeptAlertings(), KeptTimelines()
    ingest_batch(db, [(hook, alerts("a1", "g1"), START)], timelines, AlertIntake(kept))
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()[:12]))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        intake = AlertIntake(kept)
        at = START + timedelta(seconds=5)
        ingest_batch(db, [(hook, alerts("a2", "g2"), at)], timelines, intake)
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    # open groups and recent starts (one query), who is on call (the rotation's version), the
    # page and the group (one statement on PostgreSQL, which commits it): 14 at first, then 5.
    # Its service and rotation were read by the first batch, kept for the catalog's version.
    expected = 3 if engine.dialect.name == "postgresql" else 4
    assert len(statements) == expected, "\n".join(statements)
    assert not [s for s in statements if "NOTIFY" in s], "alerts change nothing who asks reads"
    assert [g.group_key for g in groups(db)] == ["g1", "g2"] and len(intake.touched) == 1


def test_a_change_to_alerting_in_this_process_is_seen_by_the_next_batch(db, clock, slack):
    workspace = configure(db, clock, CATALOG + ALERTING, lookup=lookup(slack))
    hook = hook_of(db, workspace)
    kept = KeptAlertings(ttl=3600)
    assert kept.get(db, hook.team_id).default == "standard"

    configure(db, clock, CATALOG + ALERTING.replace("name: standard", "name: calm"))

    assert kept.get(db, hook.team_id).default == "calm"
