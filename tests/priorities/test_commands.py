"""`/priority` through signed requests: the list, adding (text and form), changes, the budget,
suggestions from pages, the mention and the App Home."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models import PageSuggestion, Workspace
from models.core.workspace import Team
from models.pages.formats import PARSERS
from models.pages.ingest import ingest
from models.pages.integrations import add_integration
from models.priorities.backlog import BacklogItem
from models.priorities.settings import PrioritySettings
from models.priorities.suggestions import suggest_from_pages
from tests.conftest import START
from tests.factories import alert, audit_entries, configure, make_rotation, priorities_team
from tests.slack_requests import typed_value

ADD = "Faster checkout reach=500 impact=2 confidence=80 effort=2"


@pytest.fixture
def team(db) -> Team:
    return priorities_team(db)


def items(db) -> list[BacklogItem]:
    db.expire_all()
    return list(db.scalars(select(BacklogItem).order_by(BacklogItem.number)))


def audits(db, *, refused: bool = False) -> list[tuple[str, str]]:
    return [(a.action, a.subject) for a in audit_entries(db, refused=refused)]


def test_add_scores_the_item_and_audits(driver, db, team):
    resp = driver.command("/priority", "add " + ADD)
    assert resp.json["response_type"] == "ephemeral"
    assert resp.text.startswith("Added payments *#1* Faster checkout · score 400 · feature")
    [item] = items(db)
    assert (item.reach, item.impact, item.confidence, item.effort) == (500, 2, 80, 2)
    assert audits(db) == [("priority.add", "payments#1")]
    assert [e.team.name for e in audit_entries(db)] == ["payments"]  # its leads read it


def test_the_list_is_ranked_by_score_with_status_and_owner(driver, db, team):
    driver.command("/priority", "add Small thing reach=10 impact=1 confidence=100 effort=1")
    driver.command("/priority", "add " + ADD + " owner=<@U0BEN> status=planned")
    driver.command("/priority", 'add "Middle one" reach=100 impact=1 confidence=50 effort=0.5')
    resp = driver.command("/priority")
    lines = resp.text.splitlines()
    assert lines[0] == "payments: top priorities"
    assert lines[1] == "*#2* Faster checkout · score 400 · feature · planned · <@U0BEN>"
    assert lines[2] == "*#3* Middle one · score 100 · feature · proposed · no owner"
    assert lines[3].startswith("*#1* Small thing · score 10")
    assert resp.json["blocks"][0]["text"]["text"] == "payments: top priorities"


def test_values_off_the_scales_are_refused_with_the_scales(driver, db, team):
    resp = driver.command("/priority", "add Thing reach=5 impact=4 confidence=90 effort=0.1")
    assert "Impact 4 is not on the scale." in resp.text
    assert "Confidence 90 is not on the scale." in resp.text
    assert "Effort 0.1 is too small" in resp.text
    assert "impact: 3 massive, 2 high, 1 medium, 0.5 low, 0.25 minimal" in resp.text
    assert "Usage: /priority add <title>" in resp.text
    assert items(db) == []


def test_missing_inputs_are_named(driver, db, team):
    resp = driver.command("/priority", "add Thing reach=5 impact=1")
    assert "An item needs `confidence=`, `effort=`." in resp.text
    assert "confidence: 100, 80 or 50" in resp.text


def test_a_channel_with_no_team_is_told_how_to_name_one(driver, team):
    resp = driver.command("/priority", "", channel="C0ELSEWHERE", user="U0CHO")
    assert "This channel belongs to no team" in resp.text
    assert "payments: top priorities" in driver.command("/priority", "payments", user="U0CHO").text


def test_add_alone_opens_a_form_with_the_scales(driver, slack, team):
    resp = driver.command("/priority", "add")
    assert resp.text == "Opening the form…"
    [call] = slack.calls_to("views.open")
    view = call.body["view"]
    assert call.body["trigger_id"]
    assert view["callback_id"] == "priority_add"
    impact = next(b for b in view["blocks"] if b.get("block_id") == "impact")
    assert [o["value"] for o in impact["element"]["options"]] == ["3", "2", "1", "0.5", "0.25"]
    assert json.loads(view["private_metadata"])["channel"] == "C0PAYMENTS"


def test_add_with_a_title_and_no_scores_opens_the_form_with_it_filled_in(driver, slack, db, team):
    """`/priority add Fix flaky refunds retries` (no scores) was an error."""
    resp = driver.command(
        "/priority", "add Fix flaky refunds retries link=https://issues.example.com/9 category=bug"
    )
    assert resp.text == "Opening the form…"
    [call] = slack.calls_to("views.open")
    assert call.body["trigger_id"]
    blocks = {b.get("block_id"): b for b in call.body["view"]["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "Fix flaky refunds retries"
    assert blocks["link"]["element"]["initial_value"] == "https://issues.example.com/9"
    assert blocks["category"]["element"]["initial_option"]["value"] == "bug"
    assert "initial_value" not in blocks["reach"]["element"]
    assert items(db) == []


def form(reach: str, effort: str, title: str = "From the form") -> dict:
    def select(value: str) -> dict:
        return {"value": {"type": "static_select", "selected_option": {"value": value}}}

    return {
        "title": {"value": typed_value(title)},
        "link": {"value": typed_value("https://issues.example.com/12")},
        "category": select("bug"),
        "reach": {"value": typed_value(reach)},
        "impact": select("0.5"),
        "confidence": select("50"),
        "effort": {"value": typed_value(effort)},
    }


def test_the_form_gives_per_field_errors_then_adds(driver, slack, db, team):
    metadata = json.dumps({"team": team.id, "channel": "C0PAYMENTS"})
    resp = driver.view_submission("priority_add", form("many", "0.2"), private_metadata=metadata)
    assert resp.json["response_action"] == "errors"
    assert set(resp.json["errors"]) == {"reach", "effort"}
    assert "at least 0.5" in resp.json["errors"]["effort"]
    assert items(db) == []

    resp = driver.view_submission("priority_add", form("400", "1"), private_metadata=metadata)
    assert resp.status == 200 and resp.body == ""
    [item] = items(db)
    assert (item.title, item.category, item.score, item.link) == (
        "From the form",
        "bug",
        100.0,
        "https://issues.example.com/12",
    )
    [note] = slack.calls_to("chat.postEphemeral")
    assert note.body["user"] == "U0ANA"
    assert "*#1* <https://issues.example.com/12|From the form> · score 100" in note.body["text"]


def test_the_forms_category_defaults_to_feature(driver, slack, db, team):
    driver.command("/priority", "add")
    [call] = slack.calls_to("views.open")
    category = next(b for b in call.body["view"]["blocks"] if b.get("block_id") == "category")
    assert category["element"]["initial_option"]["value"] == "feature"

    metadata = json.dumps({"team": team.id, "channel": "C0PAYMENTS"})
    values = {k: v for k, v in form("400", "1").items() if k != "category"}
    resp = driver.view_submission("priority_add", values, private_metadata=metadata)
    assert resp.status == 200 and resp.body == ""
    assert [(i.title, i.category) for i in items(db)] == [("From the form", "feature")]


def test_an_empty_category_asks_for_one(driver, db, team):
    resp = driver.command("/priority", "add " + ADD + " category=")
    assert resp.text.startswith("Choose a category: feature, maintenance, bug, reliability.")
    assert items(db) == []


def test_only_the_teams_people_add_items_by_text_or_form(driver, slack, db, team):
    refused = "Only payments' members, leads or a workspace admin can add items to its backlog."
    outsider = driver.command("/priority", "add team=payments " + ADD, user="U0CHO")
    assert outsider.text == f"{refused} You are in no team yet: ask a team's lead to add you."
    form_open = driver.command("/priority", "add team=payments", user="U0CHO")
    assert form_open.text.startswith(refused) and slack.calls_to("views.open") == []

    driver.command("/priority", "add team=payments")
    view = slack.calls_to("views.open")[-1].body["view"]
    submitted = driver.view_submission("priority_add", form("400", "1"), user="U0CHO", view=view)
    assert submitted.json["response_action"] == "update"  # the form stays, with what was typed
    assert refused in submitted.json["view"]["blocks"][0]["text"]["text"]
    assert submitted.json["view"]["blocks"][1:] == view["blocks"]
    assert items(db) == [] and audits(db) == []
    assert audits(db, refused=True) == [
        ("/priority add", "payments"),
        ("/priority add", "payments"),
        ("form priority_add", "payments"),
    ]

    driver.command("/priority", "add team=payments " + ADD, user="U0ADMIN")
    driver.command("/priority", "add " + ADD, user="U0LEAD")
    assert [i.number for i in items(db)] == [1, 2]


def test_set_done_and_drop(driver, db, team):
    driver.command("/priority", "add " + ADD)
    driver.command("/priority", "add Other reach=1 impact=1 confidence=50 effort=1")
    resp = driver.command("/priority", "set #1 status=in-progress owner=<@U0BEN> effort=4")
    assert resp.text == (
        "Updated payments *#1* Faster checkout · score 200 · feature · in progress · <@U0BEN>"
    )
    assert driver.command("/priority", "done 1").text == "payments #1 Faster checkout is done."
    assert driver.command("/priority", "drop #2", user="U0LEAD").json["response_type"] == (
        "in_channel"
    )
    assert [(i.status, i.owner.slack_user_id if i.owner else None) for i in items(db)] == [
        ("done", "U0BEN"),
        ("dropped", None),
    ]
    assert [a for a, _ in audits(db)] == [
        "priority.add",
        "priority.add",
        "priority.set",
        "priority.done",
        "priority.drop",
    ]


def test_set_refuses_outsiders_and_bad_values(driver, db, team):
    driver.command("/priority", "add " + ADD)
    outsider = driver.command("/priority", "set #1 reach=1", user="U0CHO")
    assert "Only payments' members, leads or a workspace admin" in outsider.text
    bad = driver.command("/priority", "set #1 confidence=70")
    assert "Confidence 70 is not on the scale." in bad.text
    assert "Usage:" in bad.text and "confidence: 100, 80 or 50" in bad.text
    missing = driver.command("/priority", "set #7 reach=1")
    assert "payments has no item #7" in missing.text
    assert items(db)[0].reach == 500


def test_a_bad_value_that_the_model_checks_comes_with_the_usage(driver, db, team):
    """Status, a long title, the target and the checkpoint were refused with no usage."""
    driver.command("/priority", "add " + ADD)
    status = driver.command("/priority", "set #1 status=banana").text
    assert "Status `banana` is not one I know" in status and "Usage: /priority set <id>" in status
    title = driver.command(
        "/priority", "add " + "x" * 201 + " reach=1 impact=1 confidence=50 effort=1"
    )
    assert "Keep the title to 200 characters." in title.text
    assert "Usage: /priority add <title>" in title.text
    target = driver.command("/priority", "budget target=lots", user="U0LEAD").text
    assert "`target=lots`" in target and "Usage: /priority budget" in target
    checkpoint = driver.command("/priority", "settings checkpoint=funday@10:00", user="U0LEAD")
    assert (
        "`funday@10:00` is not a weekday and a local time, like `monday 10:00`" in checkpoint.text
    )
    assert "Usage: /priority settings" in checkpoint.text
    assert [i.status for i in items(db)] == ["proposed"]


def test_budget_shows_the_split_and_a_target_asked_for_is_a_what_if(driver, db, team):
    """`/priority budget target=70` changed the team's target for good: a view never writes,
    changing it is `/priority settings`."""
    driver.command(
        "/priority", "add Feature reach=1 impact=1 confidence=50 effort=8 status=planned"
    )
    driver.command(
        "/priority", "add Fix reach=1 impact=1 confidence=50 effort=2 category=bug status=planned"
    )
    resp = driver.command("/priority", "budget")
    assert "Planned and in progress: 10 person-months" in resp.text
    assert "feature 8 (80%) · maintenance 0 (0%) · bug 2 (20%) · reliability 0 (0%)" in resp.text
    assert ":warning: Feature work is 80%, 20 points above the 60% target" in resp.text
    for user in ("U0ANA", "U0LEAD"):
        what_if = driver.command("/priority", "budget target=75", user=user)
        assert "Target: 75% feature, 25% the rest" in what_if.text
        assert ":warning:" not in what_if.text
        assert (
            "What if the target were 75%: payments' target stays 60%. "
            "`/priority settings target=75` changes it (leads)." in what_if.text
        )
    db.expire_all()
    assert db.get(PrioritySettings, team.id) is None
    assert [a for a, _ in audits(db)] == ["priority.add", "priority.add"]
    assert "Target: 60% feature" in driver.command("/priority", "budget").text

    driver.command("/priority", "settings target=75", user="U0LEAD")
    db.expire_all()
    assert db.get(PrioritySettings, team.id).feature_target == 75
    assert audits(db)[-1] == ("priority.settings", "payments")
    assert "Target: 75% feature" in driver.command("/priority", "budget").text


def test_done_twice_posts_once(driver, db, team):
    """`/priority done 3` twice posted "is done" to the channel twice."""
    driver.command("/priority", "add " + ADD)
    first = driver.command("/priority", "done 1")
    assert (first.json["response_type"], first.text) == (
        "in_channel",
        "payments #1 Faster checkout is done.",
    )
    again = driver.command("/priority", "done #1")
    assert again.json["response_type"] == "ephemeral"
    assert again.text == "payments #1 Faster checkout is already done; nothing changed."
    dropped = driver.command("/priority", "drop 1")
    assert dropped.json["response_type"] == "in_channel"
    assert driver.command("/priority", "drop 1").json["response_type"] == "ephemeral"
    assert [a for a, _ in audits(db)] == ["priority.add", "priority.done", "priority.drop"]


def test_a_page_suggestion_is_shown_until_accepted(driver, slack, db, team):
    suggest_from_pages(db, team, {"billing-api": 14}, now=START)
    db.commit()
    resp = driver.command("/priority", "suggestions")
    blocks = resp.json["blocks"]
    assert "*billing-api*: 14 pages in the 4 weeks before 2026-03-02" in blocks[1]["text"]["text"]
    buttons = blocks[2]["elements"]
    assert [b["action_id"] for b in buttons] == [
        "priority_suggestion_accept",
        "priority_suggestion_dismiss",
    ]

    driver.action("priority_suggestion_accept", buttons[0]["value"], user="U0ANA")
    [refused] = slack.calls_to("chat.postEphemeral")
    assert "Only payments' leads" in refused.body["text"]

    driver.action("priority_suggestion_accept", buttons[0]["value"], user="U0LEAD")
    [answer] = [c for c in slack.calls_to("response_url")]
    assert answer.body["text"].startswith(
        "Added payments *#1* Reduce pages from billing-api · unscored · reliability"
    )
    [item] = items(db)
    assert (item.source, item.evidence) == ("pages", "14 pages in the 4 weeks before 2026-03-02")
    assert "No open suggestions" in driver.command("/priority", "suggestions").text
    assert audits(db)[-1] == ("priority.suggestion.accepted", "payments:billing-api")


def test_suggestions_come_from_the_pages_as_they_are(driver, slack, db):
    """`/priority suggestions` said "no service has paged a lot" with 10 pages on `ledger` in 4
    weeks, until Monday's digest ran."""
    rotation = make_rotation(db)
    workspace = db.get(Workspace, rotation.workspace_id)
    integration, _ = add_integration(
        db, workspace, rotation.team, source="generic", now=START, rotation="payments-primary"
    )
    pages = [alert(f"l{i}", f"2026-02-{10 + i}T10:00:00Z", "ledger", "DiskFull") for i in range(10)]
    pages.append(alert("b1", "2026-02-20T10:00:00Z"))  # billing-api: one page is not a lot
    ingest(db, integration, PARSERS["generic"]({"alerts": pages}, START), now=START)
    db.commit()

    resp = driver.command("/priority", "suggestions", user="U0LEAD")
    assert resp.text == "1 suggestion for payments"
    blocks = resp.json["blocks"]
    assert blocks[1]["text"]["text"] == "*ledger*: 10 pages in the 4 weeks before 2026-03-02"
    assert db.scalar(select(PageSuggestion)) is None  # a view writes nothing

    accept = blocks[2]["elements"][0]
    driver.action(accept["action_id"], accept["value"], user="U0LEAD")
    [answer] = slack.calls_to("response_url")
    assert answer.body["text"].startswith("Added payments *#1* Reduce pages from ledger")
    [item] = items(db)
    assert item.evidence == "10 pages in the 4 weeks before 2026-03-02"
    assert audits(db)[-1] == ("priority.suggestion.accepted", "payments:ledger")
    again = driver.command("/priority", "suggestions", user="U0LEAD")
    assert again.text == (
        "No open suggestions for payments: the services that paged it 5 times or more in the 4 "
        "weeks before Mon 02 Mar were accepted or dismissed (ledger)."
    )


def test_dismissing_a_suggestion(driver, slack, db, team):
    [suggestion] = suggest_from_pages(db, team, {"search": 9}, now=START)
    db.commit()
    driver.action("priority_suggestion_dismiss", str(suggestion.id), user="U0LEAD")
    [answer] = slack.calls_to("response_url")
    assert answer.body["text"] == "Dismissed the suggestion for search; it won't come back."
    assert items(db) == []
    driver.action("priority_suggestion_dismiss", str(suggestion.id), user="U0LEAD")
    [again] = slack.calls_to("chat.postEphemeral")
    assert again.body["text"] == "That suggestion was already accepted or dismissed."


def test_mention_answers_with_the_top_items(driver, slack, team):
    driver.command("/priority", "add " + ADD)
    driver.mention("what are our priorities?")
    [message] = slack.posted("C0PAYMENTS")
    assert message["thread_ts"]
    assert message["text"].startswith("payments: top priorities\n*#1* Faster checkout · score 400")


def test_app_home_shows_top_priorities(driver, slack, team):
    driver.command("/priority", "add " + ADD)
    driver.event({"type": "app_home_opened", "user": "U0ANA", "tab": "home"})
    texts = [b["text"]["text"] for b in slack.home["U0ANA"]["blocks"] if b["type"] == "section"]
    assert any(
        t.startswith("*Top priorities: payments*\n*#1* Faster checkout · score 400") for t in texts
    )


def test_help_lists_every_subcommand_with_its_usage(driver, team):
    text = driver.command("/priority", "help").text
    for usage in [
        "/priority [team=<team>]",
        "/priority add <title> reach=<n> impact=<n> confidence=<n> effort=<n> [category=<c>]",
        "/priority set <id> <field>=<value>",
        "/priority done <id>",
        "/priority drop <id>",
        "/priority budget [target=<feature %>]",
        "/priority suggestions",
        "/priority settings",
    ]:
        assert usage in text
    assert "Did you mean `/priority budget`?" in driver.command("/priority", "budgte").text


def test_show_gives_the_rice_inputs(driver, team):
    driver.command("/priority", "add " + ADD + " goal='Q2 conversion' link=https://x.example/1")
    text = driver.command("/priority", "show #1").text
    assert text == (
        "*#1* <https://x.example/1|Faster checkout> · score 400 · feature · proposed · no owner\n"
        "reach 500 · impact 2 (high) · confidence 80% · effort 2 pm\n"
        "Goal: Q2 conversion"
    )


def test_titles_and_goals_are_words_and_links_only_where_meant(driver, db, team):
    """`/priority done` answers the channel: a title's `<!here>` must not ping it; the item's
    link stays a link, with the title as its words."""
    driver.command(
        "/priority",
        "add <!here> R&amp;D <https://evil.example> reach=1 impact=1 confidence=50 effort=1 "
        "link=<https://issues.example/1|issues.example/1> goal=<!channel>",
    )
    assert items(db)[0].title == "<!here> R&D <https://evil.example>"
    assert items(db)[0].link == "https://issues.example/1"
    shown = driver.command("/priority", "show 1").text
    assert "<https://issues.example/1|@here R&amp;D evil.example>" in shown
    assert "Goal: @channel" in shown
    done = driver.command("/priority", "done 1")
    assert done.json["response_type"] == "in_channel"
    assert done.text == "payments #1 @here R&amp;D `evil.example` is done."
    sent = json.dumps([driver.command("/priority", "").json, done.json])
    assert "<!" not in sent and "<https://evil" not in sent


@pytest.mark.parametrize("ref", ["99999999999999999999", "2147483648", "²", "#²", "٣", "0"])
def test_an_item_id_that_is_not_a_plain_number_is_refused_with_the_usage(driver, db, team, ref):
    """`"²".isdigit()` is true but `int("²")` fails; past 2**31 - 1, int() overflowed or
    PostgreSQL refused the query: each was "something went wrong"."""
    driver.command("/priority", "add " + ADD)
    for sub in ("show", "done", "drop", "set"):
        text = driver.command("/priority", f"{sub} {ref}" + (" reach=1" if sub == "set" else ""))
        assert text.text.startswith(f"`{ref}` is not an item id; they look like `#12`."), sub
        assert f"Usage: /priority {sub} <id>" in text.text
    assert [(i.status, i.reach) for i in items(db)] == [("proposed", 500)]
    assert audits(db) == [("priority.add", "payments#1")]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("survey=²", "`²` is not a month"),
        ("survey=jan,99999999999999999999", "`99999999999999999999` is not a month"),
        ("target=²", "`target=²`: give the feature share in % (0 to 100)"),
        ("target=٣", "`target=٣`: give the feature share in % (0 to 100)"),
        ("target=99999999999999999999", "`target=99999999999999999999`: give the feature"),
    ],
)
def test_settings_take_plain_numbers_only_and_change_nothing_otherwise(
    driver, db, team, option, message
):
    resp = driver.command("/priority", f"settings checkpoint=tue@09:00 {option}", user="U0LEAD")
    assert resp.text.startswith(message) and "Usage: /priority settings" in resp.text
    db.expire_all()
    assert db.get(PrioritySettings, team.id) is None
    assert audits(db) == []


def test_in_a_teams_channel_priority_is_that_teams(driver, db, clock):
    """Lea leads payments and search: in search's channel her item, list and budget are
    search's, with no `team=`; out of both channels she is asked which."""
    configure(db, clock)
    added = driver.command("/priority", f"add {ADD}", user="U0LEAD", channel="C0SEARCH")
    assert added.text.startswith("Added search *#1* Faster checkout")
    search = driver.command("/priority", "", user="U0LEAD", channel="C0SEARCH").text
    assert "Faster checkout" in search
    assert search == driver.command("/priority", "team=search", user="U0LEAD").text
    payments = driver.command("/priority", "", user="U0LEAD", channel="C0PAYMENTS").text
    assert "Faster checkout" not in payments
    budget = driver.command("/priority", "budget", user="U0LEAD", channel="C0SEARCH").text
    assert budget == driver.command("/priority", "budget team=search", user="U0LEAD").text
    elsewhere = driver.command("/priority", "", user="U0LEAD", channel="C0RANDOM").text
    assert elsewhere.startswith("Which team? This could be payments, search: add `team=<name>`.")
