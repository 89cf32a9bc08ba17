"""The `alerting:` section: escalation policies and routes under a team, checked (an unknown
rotation, person or team is refused naming the entry and the field, and nothing is applied),
exported in the same form and imported back unchanged; routes decide an alert's policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from models import AlertSettings
from models.alerts.groups import AlertGroup, step_times
from models.alerts.policies import EscalationPolicy, Matcher, Step, parse_matcher
from models.config import export_config, import_config
from models.core.config import ConfigError
from tests.alerts.conftest import groups
from tests.conftest import START
from tests.factories import CATALOG, TEAMS, configure, lookup

FULL = """
alerting:
  - team: payments
    urgent: [critical]
    default: standard
    escalations:
      - name: standard
        repeat: 1
        steps:
          - rotation: payments-primary
            wait: 10
          - leads: payments
            wait: 5
      - name: loud
        steps:
          - person: U0LEAD
            wait: 0
          - channel: payments
    routes:
      - match: ['service=~"billing-.*"', severity=critical]
        escalation: loud
      - match: [env!=prod]
        escalation: standard
    heartbeat: {alert: Watchdog, minutes: 15}
"""


def test_the_section_is_exported_as_written_and_imported_back_unchanged(db, clock, slack):
    workspace = configure(db, clock, CATALOG + FULL, lookup=lookup(slack))
    exported = export_config(db, workspace)

    assert exported["alerting"] == [
        {
            "team": "payments",
            "urgent": ["critical"],
            "default": "standard",
            "escalations": [
                {
                    "name": "standard",
                    "steps": [
                        {"rotation": "payments-primary", "wait": 10},
                        {"leads": "payments", "wait": 5},
                    ],
                    "repeat": 1,
                },
                {
                    "name": "loud",
                    "steps": [{"person": "U0LEAD", "wait": 0}, {"channel": "payments", "wait": 15}],
                    "repeat": 0,
                },
            ],
            "routes": [
                {"match": ["service=~billing-.*", "severity=critical"], "escalation": "loud"},
                {"match": ["env!=prod"], "escalation": "standard"},
            ],
            "heartbeat": {"alert": "Watchdog", "minutes": 15},
        }
    ]
    again = yaml.safe_load(yaml.safe_dump(exported))
    report = import_config(db, workspace, again, clock.now(), lookup(slack))
    assert "alerting payments" in report.unchanged


@pytest.mark.parametrize(
    "step, where, message",
    [
        (
            "rotation: payments-nights",
            "alerting[0] (payments).escalations[0] (standard).steps[1].rotation",
            "there is no rotation called 'payments-nights'",
        ),
        (
            "person: U0NOBODY",
            "alerting[0] (payments).escalations[0] (standard).steps[1].person",
            "'U0NOBODY' is not someone I know",
        ),
        (
            "leads: billing",
            "alerting[0] (payments).escalations[0] (standard).steps[1].leads",
            "there is no team called 'billing'",
        ),
        (
            "channel: billing",
            "alerting[0] (payments).escalations[0] (standard).steps[1].channel",
            "there is no team called 'billing'",
        ),
        (
            "{rotation: payments-primary, wait: -1}",
            "alerting[0] (payments).escalations[0] (standard).steps[1].wait",
            "must be whole minutes",
        ),
        (
            "{rotation: payments-primary, person: U0ANA}",
            "alerting[0] (payments).escalations[0] (standard).steps[1]",
            "exactly one of",
        ),
    ],
)
def test_a_step_naming_what_does_not_exist_is_refused_and_nothing_applied(
    db, clock, slack, step, where, message
):
    workspace = configure(db, clock, CATALOG, lookup=lookup(slack))
    text = f"""
alerting:
  - team: payments
    escalations:
      - name: standard
        steps:
          - rotation: payments-primary
          - {step}
"""
    data = yaml.safe_load(TEAMS) | yaml.safe_load(text)
    with pytest.raises(ConfigError) as refused:
        import_config(db, workspace, data, clock.now(), lookup(slack))
    db.rollback()

    assert refused.value.where == where
    assert message in refused.value.problem
    assert db.scalar(select(func.count()).select_from(AlertSettings)) == 0


@pytest.mark.parametrize(
    "entry, where, message",
    [
        ("team: billing", "alerting[0] (billing).team", "there is no team called 'billing'"),
        (
            "team: payments\n    routes: [{match: [service=x], escalation: nope}]",
            "alerting[0] (payments).routes[0].escalation",
            "'nope' is not one of the escalations",
        ),
        (
            "team: payments\n    routes: [{match: ['service=~(('], escalation: builtin}]",
            "alerting[0] (payments).routes[0].match[0]",
            "is not a regular expression",
        ),
        (
            "team: payments\n    default: nope",
            "alerting[0] (payments).default",
            "'nope' is not one of the escalations",
        ),
        (
            "team: payments\n    colour: red",
            "alerting[0].colour",
            "is not a field I know",
        ),
    ],
)
def test_bad_entries_are_refused_naming_the_field(db, clock, slack, entry, where, message):
    workspace = configure(db, clock, CATALOG, lookup=lookup(slack))
    data = yaml.safe_load(f"alerting:\n  - {entry}\n")
    with pytest.raises(ConfigError) as refused:
        import_config(db, workspace, data, clock.now(), lookup(slack))

    assert refused.value.where == where
    assert message in refused.value.problem


def test_the_first_matching_route_decides_the_policy(db, clock, slack, server, app):
    from models.core.people import find_team
    from models.pages.integrations import add_integration
    from tests.alerts.conftest import Hooks

    workspace = configure(db, clock, CATALOG + FULL, lookup=lookup(slack))
    team = find_team(db, workspace, "payments")
    _, token = add_integration(db, workspace, team, source="generic", now=START, severities="*")
    db.commit()
    hooks = Hooks(server, token, app)

    hooks.fire("crit", severity="critical", labels={"env": "prod"})
    hooks.fire("page", severity="page", labels={"env": "prod"})
    hooks.fire("staging", severity="page", labels={"env": "staging"})

    assert [g.policy for g in groups(db)] == ["loud", "standard", "standard"]
    assert [g.urgent for g in groups(db)] == [True, False, False]
    # loud: the channel post, Lea, then at once (its first step waits 0) @here in the channel
    here = [
        m for m in slack.posted("C0PAYMENTS") if m["blocks"][0]["text"]["text"][:7] == "<!here>"
    ]
    assert len(slack.posted("C0PAYMENTS")) == 4 and len(here) == 1
    assert len(slack.posted("U0LEAD")) == 1 and len(slack.posted("U0ANA")) == 2


def test_a_policy_repeats_its_steps_and_each_waits_its_minutes():
    policy = EscalationPolicy("p", (Step("rotation", "r", 10), Step("leads", "", 5)), repeat=1)
    group = AlertGroup(base_step=0, base_at=START, status="firing")

    minutes = [(n, (at - START) / timedelta(minutes=1)) for n, at in step_times(group, policy)]

    assert minutes == [(0, 0), (1, 10), (2, 15), (3, 25)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("service=billing-api", Matcher("service", "=", "billing-api")),
        ('service = "billing api"', Matcher("service", "=", "billing api")),
        ("severity!=info", Matcher("severity", "!=", "info")),
        ("env=~prod|staging", Matcher("env", "=~", "prod|staging")),
        ("env!~dev.*", Matcher("env", "!~", "dev.*")),
    ],
)
def test_matchers_read_as_alertmanager_writes_them(text, expected):
    assert parse_matcher(text) == expected


def test_a_regex_matcher_matches_the_whole_value():
    matcher = parse_matcher("service=~billing")
    assert not matcher.matches({"service": "billing-api"})
    assert parse_matcher("service=~billing.*").matches({"service": "billing-api"})
    assert parse_matcher("team!=payments").matches({})  # a missing label is empty


@given(st.text(max_size=60))
def test_any_matcher_text_is_read_or_refused_with_a_reason(text):
    try:
        matcher = parse_matcher(text)
    except ValueError as refused:
        assert str(refused)
    else:
        assert matcher.op in ("=", "!=", "=~", "!~")
        matcher.matches({matcher.label: text})
