"""The SLO form through really signed requests: `/slo set` opens it, a lead saves an SLO
(audited), a wrong value is an error under its input and nothing is saved, and only the owning
team's leads (or admins) may save."""

from __future__ import annotations

import pytest

from models.slos.slos import PUSHED, RATIO, SLOTH, find_slo
from tests.factories import CATALOG, audit_entries, configure
from tests.slack_requests import typed_value

QUERY = 'sum(rate(http_requests_total{job="ledger",code=~"5.."}[{{.window}}]))'
TOTAL = 'sum(rate(http_requests_total{job="ledger"}[{{.window}}]))'


@pytest.fixture
def form(driver, slack, db, clock):
    workspace = configure(db, clock, CATALOG)

    def open_and_submit(user: str = "U0LEAD", text: str = "set", **values):
        driver.command("/slo", text, user=user)
        view = slack.calls_to("views.open")[-1].body["view"]
        state = {}
        for key, value in values.items():
            if key in ("window", "indicator"):
                state[key] = {
                    "value": {"type": "static_select", "selected_option": {"value": value}}
                }
            else:
                state[key] = {"value": typed_value(value)}
        return driver.view_submission("slo_form_view", state, user=user, view=view)

    open_and_submit.workspace = workspace
    open_and_submit.clock = clock
    return open_and_submit


def test_a_lead_adds_an_slo_in_the_form_and_it_is_audited(form, db, slack):
    answer = form(
        name="ledger-errors",
        service="ledger",
        objective="99.5",
        window="28d",
        indicator="errors",
        query=QUERY,
        total=TOTAL,
    )
    assert answer.status == 200 and answer.body == ""
    db.expire_all()
    slo = find_slo(db, form.workspace.id, "ledger-errors")
    assert (slo.indicator, slo.objective, slo.window, slo.errors_query) == (
        RATIO,
        99.5,
        "28d",
        QUERY,
    )
    [entry] = [e for e in audit_entries(db) if e.action == "slo.set"]
    assert entry.subject == "ledger-errors" and entry.before is None
    assert slack.posted("D0LEAD")[-1]["text"].startswith(
        "Saved the SLO *ledger-errors* of `ledger`"
    )
    # Changed in the same form, opened filled in.
    changed = form(
        text="set ledger-errors",
        name="ledger-errors",
        service="ledger",
        objective="99.9",
        window="30d",
        indicator="sloth",
        sloth="ledger/availability",
    )
    assert changed.status == 200
    view = slack.calls_to("views.open")[-1].body["view"]
    assert view["private_metadata"] == '{"slo": "ledger-errors"}'
    db.expire_all()
    slo = find_slo(db, form.workspace.id, "ledger-errors")
    assert (slo.indicator, slo.sloth_service, slo.sloth_slo) == (SLOTH, "ledger", "availability")


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (
            {"objective": "100"},
            {"objective": "Must be more than 0 and less than 100 (a percentage such as 99.9)."},
        ),
        ({"service": "ghost"}, {"service": "There is no service called `ghost`."}),
        (
            {"indicator": "errors", "query": "sum(x)", "total": TOTAL},
            {"query": "Must say where the range goes with {{.window}}."},
        ),
        (
            {"indicator": "sloth", "sloth": "ledger"},
            {"sloth": "Is required (the name Sloth uses)."},
        ),
        (
            {"window": "month", "indicator": "sloth", "sloth": "a/b"},
            {"indicator": "Sloth's rules are for a rolling window (28d or 30d)."},
        ),
        ({"name": "Not A Slug"}, {"name": "A slug: lowercase letters, digits, - and _."}),
        ({"min_events": "lots"}, {"min_events": "Give a whole number of events."}),
    ],
)
def test_a_wrong_value_is_an_error_under_its_input_and_nothing_is_saved(form, db, values, errors):
    good = {
        "name": "ledger-ok",
        "service": "ledger",
        "objective": "99",
        "window": "30d",
        "indicator": "pushed",
    }
    answer = form(**(good | values))
    assert answer.json == {"response_action": "errors", "errors": errors}
    db.expire_all()
    assert find_slo(db, form.workspace.id, "ledger-ok") is None


def test_only_the_owning_teams_leads_may_save(form, db):
    refused = form(
        user="U0ANA", name="x", service="ledger", objective="99", window="30d", indicator="pushed"
    )
    assert refused.json["response_action"] == "update"
    assert "Only payments' leads or an admin can set the SLOs of `ledger`." in str(refused.json)
    admin = form(
        user="U0ADMIN", name="x", service="ledger", objective="99", window="30d", indicator="pushed"
    )
    assert admin.status == 200
    db.expire_all()
    assert find_slo(db, form.workspace.id, "x").indicator == PUSHED
    assert len(audit_entries(db, refused=True)) == 1  # the refusal is in the audit log


def test_changing_an_slo_in_the_form_keeps_what_the_form_does_not_show_and_renames_it(form, db):
    """The form has no description: saving it keeps the SLO's. A new name in the form of an
    existing SLO renames that SLO (its counts and figures stay with it), not a copy beside it."""
    configure(
        db,
        form.clock,
        CATALOG
        + """
slos:
  - name: ledger-writes
    service: ledger
    description: Writes that commit within 2 s
    objective: 99
    window: 30d
    indicator: pushed
""",
    )
    slo_id = find_slo(db, form.workspace.id, "ledger-writes").id
    values = {"service": "ledger", "objective": "99.5", "window": "30d", "indicator": "pushed"}
    assert form(text="set ledger-writes", name="ledger-writes", **values).status == 200
    db.expire_all()
    slo = find_slo(db, form.workspace.id, "ledger-writes")
    assert (slo.objective, slo.description) == (99.5, "Writes that commit within 2 s")

    assert form(text="set ledger-writes", name="ledger-commits", **values).status == 200
    db.expire_all()
    assert find_slo(db, form.workspace.id, "ledger-writes") is None
    renamed = find_slo(db, form.workspace.id, "ledger-commits")
    assert (renamed.id, renamed.description) == (slo_id, "Writes that commit within 2 s")
