"""`/owner` through really signed requests: the card, lists, unowned, edits (text and form),
mentions, `/oncall <service>`, the App Home, and a constant number of queries per lookup."""

from __future__ import annotations

import json

from sqlalchemy import select

from models import AuditEntry
from models.catalog.services import lookup_service, new_service
from models.config import import_config
from tests.factories import statements_run
from tests.slack_requests import typed_value


def test_owner_card_shows_team_dri_on_call_links_and_dependencies(driver, catalog):
    answer = driver.command("/owner", "billing", user="U0ANA")
    assert answer.status == 200
    assert "`billing` could be `billing-api`, `billing-worker`" in answer.text
    card = driver.command("/owner", "billing-api", user="U0ANA")
    text = card.text
    assert text.startswith("Billing API (`billing-api`)")
    assert "Team: *payments* (leads <@U0LEAD>)" in text and "DRI: <@U0BEN>" in text
    # 2 Mar 2026 09:00 UTC: Ana's week of payments-primary, until Mon 9 Mar 10:00 Berlin.
    assert "On call now: <@U0ANA> until Mon 09 Mar 10:00 CET (`payments-primary`)" in text
    assert "Depends on: `ledger`" in text and "Tier: 1" in text
    assert "<https://runbooks.example.com/billing-api|runbook>" in text
    assert "Used by: `billing-api`" in driver.command("/owner", "ledger").text


def test_a_near_miss_suggests(driver, catalog):
    assert "Did you mean `ledger`?" in driver.command("/owner", "ledgr").text


def test_bare_owner_lists_the_channels_team_and_owner_team_another(driver, catalog):
    bare = driver.command("/owner", "", channel="C0PAYMENTS")
    assert "Services of payments" in bare.text
    assert "`billing-api` · tier 1 · DRI <@U0BEN>" in bare.text
    assert "search-indexer" not in bare.text
    search = driver.command("/owner", "team search")
    assert "`search-indexer` · tier 1 · DRI <@U0GONE>" in search.text
    assert "There is no team called" in driver.command("/owner", "team nobody").text or (
        "Teams:" in driver.command("/owner", "team nobody").text
    )


def test_unowned_lists_the_gaps(driver, catalog):
    text = driver.command("/owner", "unowned").text
    assert text.startswith("2 services need an owner's attention")
    assert "`billing-worker`: no DRI, no runbook" in text
    assert "`search-indexer`: DRI <@U0GONE> has left, no runbook, tier 1 with no on-call" in text


def test_leads_set_fields_audited_and_nothing_half_written(driver, db, catalog):
    denied = driver.command("/owner", "set billing-api tier=2", user="U0ANA")
    assert "Only payments' leads or an admin can change `billing-api`" in denied.text
    bad = driver.command(
        "/owner", "set billing-api tier=2 runbook=<not-a-link> dri=<@U0ANA>", user="U0LEAD"
    )
    assert "`runbook`: `runbook` must be an http(s) link" in bad.text
    db.expire_all()
    assert lookup_service(db, catalog, "billing-api").tier == 1  # nothing half-written
    done = driver.command(
        "/owner",
        "set billing-api tier=2 dri=<@U0ANA|ana> runbook=<https://wiki.example.com/billing>",
        user="U0LEAD",
    )
    assert "DRI: <@U0ANA>" in done.text and "Tier: 2" in done.text
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "service.set")).one()
    assert entry.before["tier"] == 1 and entry.after["tier"] == 2
    assert entry.after["runbook"] == "https://wiki.example.com/billing"


def test_set_creates_with_a_team_and_refuses_typos(driver, db, catalog):
    typo = driver.command("/owner", "set billing-apj tier=1", user="U0LEAD")
    assert "Did you mean `billing-api`" in typo.text
    made = driver.command("/owner", "set refunds team=payments tier=2", user="U0LEAD")
    assert made.text.startswith("`refunds`") and "Team: *payments*" in made.text
    other = driver.command("/owner", "set crawler team=search", user="U0BEN")
    assert "Only search's leads or an admin" in other.text
    assert lookup_service(db, catalog, "crawler") is None


def test_edit_button_opens_a_form_whose_errors_are_per_field(driver, slack, db, catalog):
    card = driver.command("/owner", "ledger", user="U0LEAD")
    edit = next(b for b in card.json["blocks"] if b["type"] == "actions")["elements"][0]
    driver.action("owner_edit", edit["value"], user="U0LEAD")
    view = slack.calls_to("views.open")[-1].body["view"]
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert {"team", "dri", "tier", "lifecycle", "runbook", "rotation", "depends_on"} <= set(inputs)

    def submit(**values):
        state = {k: {"value": typed_value(v)} for k, v in values.items()}
        return driver.view_submission(
            "owner_edit_view", state, user="U0LEAD", private_metadata=view["private_metadata"]
        )

    wrong = submit(rotation="nope", title="Ledger")
    assert wrong.json == {
        "response_action": "errors",
        "errors": {"rotation": "There is no rotation called 'nope'"},
    }
    db.expire_all()
    assert lookup_service(db, catalog, "ledger").title == ""
    ok = submit(title="The Ledger", rotation="payments-primary", depends_on="billing-worker")
    assert ok.status == 200 and ok.body == ""
    db.expire_all()
    ledger = lookup_service(db, catalog, "ledger")
    assert ledger.title == "The Ledger" and [d.name for d in ledger.depends_on] == [
        "billing-worker"
    ]
    assert slack.posted("D0LEAD")[-1]["text"].startswith("Saved. The Ledger (`ledger`)")


def test_every_wrong_value_in_the_edit_form_is_a_field_error_and_the_rest_stays(
    driver, slack, db, catalog
):
    """An error in the Edit form (team `paymnts`) replaced the whole form with a message and lost
    what was typed; a bad runbook link got a field error."""
    card = driver.command("/owner", "ledger", user="U0LEAD")
    edit = next(b for b in card.json["blocks"] if b["type"] == "actions")["elements"][0]
    driver.action("owner_edit", edit["value"], user="U0LEAD")
    view = slack.calls_to("views.open")[-1].body["view"]

    def submit(user: str = "U0LEAD", **values):
        state = {k: {"value": typed_value(v)} for k, v in values.items()}
        return driver.view_submission("owner_edit_view", state, user=user, view=view)

    team = submit(team="paymnts", title="The Ledger")
    assert team.json == {
        "response_action": "errors",
        "errors": {"team": "There is no team called `paymnts`. Teams: payments, search."},
    }
    runbook = submit(runbook="not a link", title="The Ledger")
    assert set(runbook.json["errors"]) == {"runbook"}
    db.expire_all()
    assert lookup_service(db, catalog, "ledger").title == ""

    # Not a value: who may save. The form stays, with what was typed, and says why on top.
    refused = submit(user="U0BEN", title="The Ledger")
    assert refused.json["response_action"] == "update"
    kept = refused.json["view"]
    assert kept["callback_id"] == "owner_edit_view"
    assert kept["private_metadata"] == view["private_metadata"]
    assert (
        "Only payments' leads or an admin can change `ledger`" in kept["blocks"][0]["text"]["text"]
    )
    assert kept["blocks"][1:] == view["blocks"]
    again = submit(user="U0BEN", title="The Ledger")  # the note is not stacked
    assert again.json["view"]["blocks"][1:] == view["blocks"]
    db.expire_all()
    assert lookup_service(db, catalog, "ledger").title == ""


def test_only_leads_see_and_use_the_edit_button(driver, slack, db, catalog):
    card = driver.command("/owner", "ledger", user="U0ANA")
    assert not [b for b in card.json["blocks"] if b["type"] == "actions"]
    ledger = lookup_service(db, catalog, "ledger")
    driver.action("owner_edit", str(ledger.id), user="U0ANA")  # a button kept from elsewhere
    assert not slack.calls_to("views.open")
    assert "Only the owning team's leads" in slack.calls_to("chat.postEphemeral")[-1].body["text"]


def test_mentions_answer_who_owns_and_who_is_on_call_for_a_service(driver, slack, catalog):
    driver.mention("who owns billing-api?")
    assert "DRI: <@U0BEN>" in slack.posted("C0PAYMENTS")[-1]["text"]
    driver.mention("who is on call for ledger?")
    reply = slack.posted("C0PAYMENTS")[-1]
    assert reply["thread_ts"] and "*payments-primary*: <@U0ANA>" in reply["text"]


def test_oncall_takes_a_service_name(driver, catalog):
    assert "*payments-primary*: <@U0ANA>" in driver.command("/oncall", "billing-api").text
    no_rotation = driver.command("/oncall", "search-indexer")  # nor has its team, search
    assert "Service `search-indexer` has no on-call rotation" in no_rotation.text


def test_a_service_with_no_rotation_of_its_own_is_answered_with_its_teams(driver, slack, catalog):
    """billing-worker has no rotation; its team, payments, has payments-primary: `/oncall`, the
    mention and the card answer with it, and say so."""
    said = "`billing-worker` has no rotation of its own; payments' rotation:"
    now = "*payments-primary*: <@U0ANA> until Mon 09 Mar 10:00 CET · next <@U0BEN>"
    answer = driver.command("/oncall", "billing-worker")
    assert answer.text.splitlines()[:3] == ["On call now:", said, now]
    assert said in json.dumps(answer.json["blocks"])
    driver.mention("who is on call for billing-worker?")
    assert slack.posted("C0PAYMENTS")[-1]["text"].splitlines()[:3] == ["On call now:", said, now]
    card = driver.command("/owner", "billing-worker").text
    assert (
        "On call now: `billing-worker` has no rotation of its own; payments': <@U0ANA> until "
        "Mon 09 Mar 10:00 CET (`payments-primary`)"
    ) in card.splitlines()
    own = driver.command("/owner", "billing-api").text
    assert "On call now: <@U0ANA> until Mon 09 Mar 10:00 CET (`payments-primary`)" in own


def test_app_home_lists_my_teams_services(driver, slack, catalog):
    driver.event({"type": "app_home_opened", "user": "U0BEN", "tab": "home"})
    text = json.dumps(slack.home["U0BEN"]["blocks"])
    assert "Services your teams own" in text and "billing-api" in text
    assert "search-indexer" not in text


def test_a_lookup_runs_the_same_queries_however_big_the_catalog(driver, db, clock, catalog, engine):
    """No N+1: the card of a service with 30 dependencies and 30 dependents costs what the card of
    a service with one does."""

    def statements_for(name: str) -> list[str]:
        with statements_run(engine) as seen:
            answer = driver.command("/owner", name, user="U0ANA")
        assert "On call now" in answer.text
        return seen

    driver.command("/owner", "ledger", user="U0ANA")  # first sight of Ana; the name index
    small = statements_for("billing-api")  # the card is read, and kept
    kept = statements_for("billing-api")
    billing = lookup_service(db, catalog, "billing-api")
    for i in range(30):
        dep = new_service(db, catalog, f"dep-{i:02d}", now=clock.now())
        user = new_service(db, catalog, f"user-{i:02d}", now=clock.now())
        billing.depends_on.append(dep)
        user.depends_on = [billing]
    db.commit()
    big = statements_for("billing-api")  # the catalog changed: the index and the card again
    # The name index and which services have SLOs (`models/slos`) are read again, once each.
    assert len(big) == len(small) + 2, "\n".join(big)
    assert len(small) <= 10, "\n".join(small)
    # Kept while the catalog and the schedules stay the same: one query, for who asks (with the
    # versions that say what this process keeps is still good).
    assert len(statements_for("billing-api")) == len(kept) == 1, "\n".join(kept)


def test_a_service_added_elsewhere_is_found_at_once(driver, db, clock, catalog):
    """The name index is per process; a change made by another (an import) is seen anyway."""
    assert "There is no service called `refunds-ui`" in driver.command("/owner", "refunds-ui").text
    import_config(
        db, catalog, {"services": [{"name": "refunds-ui", "team": "payments"}]}, clock.now()
    )
    db.commit()
    assert driver.command("/owner", "refunds-ui").text.startswith("`refunds-ui`")


def test_set_refuses_what_the_columns_cannot_hold(driver, db, catalog):
    long_title = driver.command("/owner", "set ledger title=" + "T" * 201, user="U0LEAD")
    assert "`title`: keep it to 200 characters" in long_title.text
    assert "Usage: /owner set <service>" in long_title.text
    long_link = "https://wiki.example.com/" + "x" * 500
    link = driver.command("/owner", f"set ledger runbook={long_link}", user="U0LEAD")
    assert "`runbook`: `runbook` is 525 characters long; keep it to 500." in link.text
    channel = driver.command("/owner", "set ledger channel=payments-alerts", user="U0LEAD")
    assert "`channel`: must be a channel id" in channel.text
    db.expire_all()
    ledger = lookup_service(db, catalog, "ledger")
    assert ledger.title == "" and ledger.channel_id is None
    assert ledger.runbook == "https://runbooks.example.com/ledger"
    driver.command("/owner", "set ledger channel=<#C0LEDGER|ledger>", user="U0LEAD")
    db.expire_all()
    assert lookup_service(db, catalog, "ledger").channel_id == "C0LEDGER"


def test_words_owner_team_and_unowned_do_not_take_are_named(driver, catalog):
    """`/owner team payments extra` answered "Which team?"; `unowned please` ignored `please`."""
    team = driver.command("/owner", "team payments extra").text
    assert team == "I don't know what to do with `extra`.\nUsage: /owner team [<team>]"
    unowned = driver.command("/owner", "unowned please").text
    assert unowned == "I don't know what to do with `please`.\nUsage: /owner unowned"


def test_a_description_never_pings_or_links_whoever_asks(driver, slack, db, catalog):
    """A description is the owners' words: `<!channel>` in it would ping the channel each time
    someone asked who owns the service."""
    set_it = driver.command(
        "/owner",
        'set billing-api "description=<!channel> ping <https://evil.example|docs> <@U0BEN|ben>"'
        " tags=<!here>",
        user="U0LEAD",
    )
    card = driver.command("/owner", "billing-api", user="U0ANA")
    driver.mention("who owns billing-api?")
    sent = json.dumps([set_it.json, card.json] + [c.body for c in slack.calls])
    assert "<!" not in sent and "<https://evil" not in sent
    [description] = [b for b in card.json["blocks"] if b["type"] == "section" and "text" in b]
    assert description["text"]["text"] == "@channel ping docs (`evil.example`) <@U0BEN>"
    assert "<https://runbooks.example.com/billing-api|runbook>" in card.text  # links we keep


def test_r_and_d_in_a_title_is_shown_as_typed(driver, slack, db, catalog):
    """Slack sends a command's `R&D` as `R&amp;D`, a form's as `R&D`: both are kept as `R&D`,
    escaped once in mrkdwn and not at all in plain text (the header, the form)."""
    made = driver.command("/owner", "set ledger title=R&amp;D", user="U0LEAD")
    assert lookup_service(db, catalog, "ledger").title == "R&D"
    assert made.json["blocks"][0]["text"] == {"type": "plain_text", "text": "R&D"}
    assert made.text.startswith("R&amp;D (`ledger`)")
    edit = next(b for b in made.json["blocks"] if b["type"] == "actions")["elements"][0]
    driver.action("owner_edit", edit["value"], user="U0LEAD")
    view = slack.calls_to("views.open")[-1].body["view"]
    title = next(b for b in view["blocks"] if b.get("block_id") == "title")
    assert title["element"]["initial_value"] == "R&D"
    state = {"title": {"value": typed_value("R&D")}, "description": {"value": typed_value("a<b")}}
    driver.view_submission(
        "owner_edit_view", state, user="U0LEAD", private_metadata=view["private_metadata"]
    )
    db.expire_all()
    assert lookup_service(db, catalog, "ledger").title == "R&D"
    saved = slack.posted("D0LEAD")[-1]
    assert saved["text"].startswith("Saved. R&amp;D (`ledger`)")
    assert saved["blocks"][0]["text"]["text"] == "R&D"
    assert saved["blocks"][1]["text"]["text"] == "a&lt;b"


def test_owner_team_in_a_teams_channel_is_that_teams(driver, catalog):
    """Lea leads payments and search: in each one's channel, `/owner team` is that team's."""
    search = driver.command("/owner", "team", user="U0LEAD", channel="C0SEARCH").text
    assert search.startswith("Services of search\n`search-indexer`")
    assert search == driver.command("/owner", "team search", user="U0LEAD").text
    payments = driver.command("/owner", "team", user="U0LEAD", channel="C0PAYMENTS").text
    assert payments.startswith("Services of payments\n") and "search-indexer" not in payments
    elsewhere = driver.command("/owner", "team", user="U0LEAD", channel="C0RANDOM").text
    assert elsewhere.startswith("Services of payments, search\n")
    nobody = driver.command("/owner", "team", user="U0ADMIN", channel="C0RANDOM").text
    assert nobody.startswith("This channel has no team and you are in none")
    assert nobody.endswith("Usage: /owner <service>")
