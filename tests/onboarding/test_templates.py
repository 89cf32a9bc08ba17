"""Onboarding templates made in Slack: `/onboard templates` lists them, a team's leads make one
from the built-in template and add, change, move and remove its steps in forms; `/onboard @hire
<template>` sends the steps as edited; wrong values are field errors; the rows are the ones the
`onboarding:` section writes, so the export imports unchanged. And `/onboard` in a team's channel
takes that team."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.features import all_jobs
from bot.jobs.engine import DeliveryEngine
from bot.slack import build_client
from handlers.onboarding.template_blocks import (
    ADD_STEP,
    EDIT_STEP,
    EDIT_TEMPLATE,
    NEW_TEMPLATE,
    REMOVE_STEP,
    STEP_DOWN,
    STEP_UP,
)
from models.config import export_config, import_config
from models.core.workspace import Workspace
from models.onboarding.templates import BUILT_IN, OnboardingTemplate
from models.onboarding.walkthroughs import Walkthrough
from tests.factories import audit_entries, configure, lookup
from tests.setup.test_teams import button_in, submit

CHO = "<@U0CHO>"  # the hire, in Tokyo; a member of search
EDITOR = "V0000001"  # the id the fake Slack gives the form the app opened and then updated


@pytest.fixture
def workspace(db, clock, slack) -> Workspace:
    """payments (#C0PAYMENTS: lead Lea, members Ana and Ben) and search (#C0SEARCH: lead Lea,
    member Cho, in Tokyo)."""
    return configure(db, clock, lookup=lookup(slack))


def press(driver, view_or_message: dict, text: str, user: str = "U0LEAD", **kw):
    button = button_in(view_or_message, text)
    return driver.action(button["action_id"], button.get("value", ""), user=user, **kw)


def press_in_form(driver, view: dict, action: str, value: str, user: str = "U0LEAD"):
    """A button of the template form (open as EDITOR) pressed."""
    return driver.action(action, value, user=user, channel=None, view={**view, "id": EDITOR})


def opened(slack, method: str = "views.open") -> dict:
    return slack.calls_to(method)[-1].body["view"]


def shown_form(slack) -> dict:
    """The template form as the app last updated it."""
    call = slack.calls_to("views.update")[-1].body
    assert call["view_id"] == EDITOR
    return call["view"]


def step_lines(view: dict) -> list[str]:
    return [
        b["text"]["text"]
        for b in view["blocks"]
        if b["type"] == "section" and b["text"]["text"][:1] == "*"
    ]


def template_row(db) -> OnboardingTemplate:
    db.expire_all()
    return db.scalars(select(OnboardingTemplate)).one()


def new_backend_template(driver, slack) -> dict:
    """`backend-eng` for payments, made from the built-in by Lea: the template form."""
    listed = driver.command("/onboard", "templates", user="U0LEAD")
    press(driver, listed.json, "New from built-in")
    made = submit(driver, opened(slack), name="backend-eng", team="payments")
    assert made.json["response_action"] == "update"
    return made.json["view"]


def test_a_lead_makes_a_template_edits_and_reorders_its_steps_and_onboard_sends_them(
    driver, slack, db, clock, workspace, session_factory, settings
):
    listed = driver.command("/onboard", "templates", user="U0LEAD")
    assert "• `default` (built in): any team's, 13 steps over 10 workdays" in listed.text
    press(driver, listed.json, "New from built-in")
    form = opened(slack)
    teams = {b["block_id"]: b for b in form["blocks"] if b["type"] == "input"}["team"]
    assert [o["value"] for o in teams["element"]["options"]] == ["payments", "search"]

    wrong = submit(driver, form, name="Backend Eng!", team="payments")
    assert wrong.json == {
        "response_action": "errors",
        "errors": {
            "name": "`backend eng!`: template names are lowercase letters, digits, - and _."
        },
    }
    assert db.scalars(select(OnboardingTemplate)).all() == []
    editor = submit(driver, form, name="backend-eng", team="payments").json["view"]
    again = submit(driver, form, name="backend-eng", team="payments")
    assert again.json["errors"] == {"name": "There is a template called `backend-eng` already."}
    lines = step_lines(editor)
    assert len(lines) == 13 and lines[1] == "*2.* Day 0, 11:00: *Meet your buddy* · 1 to tick off"

    # Step 2 changed in its form (pushed over the template form): wrong values first
    press_in_form(driver, editor, EDIT_STEP, f"{template_row(db).id}:1")
    step_form = opened(slack, "views.push")
    fields = {b["block_id"]: b["element"] for b in step_form["blocks"] if b["type"] == "input"}
    assert fields["title"]["initial_value"] == "Meet your buddy"
    assert fields["time"]["initial_time"] == "11:00"
    bad_day = submit(driver, step_form, day="first")
    assert bad_day.json["errors"] == {"day": "`first` is not a workday number: 0, 1, 2 …"}
    too_late = submit(driver, step_form, day="61")
    assert too_late.json["errors"] == {"day": "Must be a workday number from 0 to 60."}
    no_label = submit(driver, step_form, links="https://wiki.example.com")
    assert no_label.json["errors"] == {
        "links": "`https://wiki.example.com`: write a label before the address, like Handbook "
        "https://wiki.example.com"
    }
    not_web = submit(driver, step_form, links="Wiki ftp://wiki.example.com")
    assert not_web.json["errors"] == {"links": "'ftp://wiki.example.com' is not a web address."}
    saved = submit(
        driver,
        step_form,
        title="Coffee with your buddy",
        body="{buddy} buys the coffee.",
        checklist="Book the coffee\n\nFind the kitchen",
        links="Team wiki https://wiki.example.com",
    )
    assert saved.body == ""  # the step form closes; the template form shows the change
    editor = shown_form(slack)
    assert step_lines(editor)[1] == "*2.* Day 0, 11:00: *Coffee with your buddy* · 2 to tick off"

    # reordered: the coffee moves up and takes 10:00; the company moves to 11:00
    press_in_form(driver, editor, STEP_UP, f"{template_row(db).id}:1")
    assert step_lines(shown_form(slack))[:2] == [
        "*1.* Day 0, 10:00: *Coffee with your buddy* · 2 to tick off",
        "*2.* Day 0, 11:00: *The company and the team* · 3 to tick off",
    ]
    press_in_form(driver, editor, STEP_DOWN, f"{template_row(db).id}:1")  # and back
    assert (
        step_lines(shown_form(slack))[2]
        == "*3.* Day 0, 14:00: *The company and the team* · 3 to tick off"
    )
    press_in_form(driver, editor, STEP_UP, f"{template_row(db).id}:2")
    # a step added at 09:00 on day 0 goes first; the last one is removed
    press_in_form(driver, editor, ADD_STEP, str(template_row(db).id))
    added = opened(slack, "views.push")
    submit(driver, added, day="0", time="09:00", title="Your badge", body="Pick up your badge.")
    press_in_form(driver, editor, REMOVE_STEP, f"{template_row(db).id}:13")
    lines = step_lines(shown_form(slack))
    assert len(lines) == 13 and lines[:3] == [
        "*1.* Day 0, 09:00: *Your badge*",
        "*2.* Day 0, 10:00: *Coffee with your buddy* · 2 to tick off",
        "*3.* Day 0, 11:00: *The company and the team* · 3 to tick off",
    ]
    assert lines[-1] == "*13.* Day 8, 10:00: *Shadow the on-call rotation* · 2 to tick off · " + (
        "shadows on call"
    )

    # /onboard offers it and sends its steps as edited (in #payments: payments' onboarding)
    wrong_name = driver.command("/onboard", f"{CHO} backend start 2026-03-05", user="U0LEAD")
    assert wrong_name.text.startswith(
        "There is no onboarding template called `backend`. Templates: backend-eng, default.\n"
        "Usage: /onboard <@user> [template]"
    )
    started = driver.command("/onboard", f"{CHO} backend-eng start 2026-03-05", user="U0LEAD")
    assert started.text.startswith(
        f"Onboarding for {CHO} with *payments* starts Thu 05 Mar (13 steps over 9 workdays, "
        "template `backend-eng`"
    )
    ticker = DeliveryEngine(
        session_factory, build_client(settings, clock), clock, settings, jobs=all_jobs()
    )
    ticker.tick()
    for hour, minute in ((0, 0), (2, 30)):  # 09:00 in Tokyo: the welcome; 11:30, three steps
        clock.set(datetime(2026, 3, 5, hour, minute, tzinfo=UTC))
        ticker.tick()
    steps = [m["text"] for m in slack.posted("U0CHO")[1:]]  # after the welcome
    assert steps[0].startswith("Step 1 of 13: Your badge\nPick up your badge.")
    assert steps[1].startswith("Step 2 of 13: Coffee with your buddy\n<@U0ANA> buys the coffee.")
    assert steps[2].startswith("Step 3 of 13: The company and the team")
    coffee = json.dumps(slack.posted("U0CHO")[2]["blocks"])
    assert "Find the kitchen" in coffee and "https://wiki.example.com" in coffee

    # the export holds what Slack made, as the config file writes it; importing it changes nothing
    exported = export_config(db, workspace)["onboarding"]
    assert [(e["name"], e["team"], len(e["steps"])) for e in exported] == [
        ("backend-eng", "payments", 13)
    ]
    assert exported[0]["steps"][1] == {
        "day": 0,
        "at": "10:00",
        "title": "Coffee with your buddy",
        "body": "{buddy} buys the coffee.",
        "links": [{"label": "Team wiki", "url": "https://wiki.example.com"}],
        "checklist": ["Book the coffee", "Find the kitchen"],
    }
    report = import_config(db, workspace, {"onboarding": exported}, clock.now())
    assert report.unchanged == ["onboarding backend-eng"] and not report.changed
    db.rollback()
    assert [a.action for a in audit_entries(db)].count("onboarding.template.set") == 7


def test_a_template_is_for_its_teams_leads_and_admins(driver, slack, db, workspace):
    editor = new_backend_template(driver, slack)
    row = template_row(db)
    ana = driver.command("/onboard", "templates", user="U0ANA")
    assert "`backend-eng`: *payments*'s, 13 steps over 10 workdays" in ana.text
    assert not any(b["type"] == "actions" for b in ana.json["blocks"])  # no buttons for her

    # buttons she found elsewhere do nothing
    press_in_form(driver, editor, STEP_UP, f"{row.id}:1", user="U0ANA")
    driver.action(NEW_TEMPLATE, user="U0ANA")
    driver.action(EDIT_TEMPLATE, str(row.id), user="U0ANA")
    refusals = [c.body["text"] for c in slack.calls_to("chat.postEphemeral")]
    assert refusals == [
        "Only a team's leads or an admin can make onboarding templates.",
        "Only payments' leads can change `backend-eng`.",
    ]
    assert [m["text"] for m in slack.posted("D0ANA")] == [
        "Only payments' leads can change `backend-eng`."
    ]  # the button in a form: told in her DM
    assert template_row(db).steps[1]["title"] == "Meet your buddy"
    # nor does the form, sent by hand
    lead_form = opened(slack)
    forged = submit(driver, lead_form, user="U0ANA", name="mine", team="payments")
    assert forged.json["errors"] == {
        "team": "Only payments' leads or an admin can make its templates."
    }
    assert len(db.scalars(select(OnboardingTemplate)).all()) == 1
    assert audit_entries(db, refused=True)[-1].action == "form onboarding_template_new_view"

    # an admin may, and may remove it: the list is answered again
    admin = driver.command("/onboard", "templates", user="U0ADMIN")
    press(driver, admin.json, "Remove", user="U0ADMIN")
    assert "backend-eng" not in slack.calls_to("response_url")[-1].body["text"]
    assert db.scalars(select(OnboardingTemplate)).all() == []


def test_a_template_with_the_most_steps_fits_its_form(driver, slack, db, clock, workspace):
    steps = [{"day": i // 2, "at": f"{10 + i % 2}:00", "title": f"Step {i}"} for i in range(40)]
    entry = {"name": "long", "team": "payments", "steps": steps}
    import_config(db, workspace, {"onboarding": [entry]}, clock.now())
    db.commit()
    listed = driver.command("/onboard", "templates", user="U0LEAD")
    press(driver, listed.json, "Edit")
    view = opened(slack)  # the fake Slack refuses a view over Slack's limits
    assert len(view["blocks"]) == 81 and "Add a step" not in json.dumps(view)
    assert not slack.calls_to("chat.postEphemeral")  # nothing went wrong


def test_the_template_is_named_when_there_are_others(driver, slack, db, workspace):
    new_backend_template(driver, slack)
    started = driver.command("/onboard", f"{CHO} start 2026-03-05", user="U0LEAD")
    assert "template `backend-eng`" in started.text  # payments' own: its only one
    assert started.text.endswith(
        "Other templates: `default`. To use one, `/onboard cancel` this and "
        "`/onboard @hire <template>`."
    )
    assert db.scalars(select(Walkthrough)).one().template == "backend-eng"


def test_onboard_in_a_teams_channel_takes_that_team(driver, db, workspace):
    """Cho is in search; onboarded from #payments without a team, she joins payments."""
    there = driver.command("/onboard", f"{CHO} start 2026-03-05", user="U0LEAD")
    assert there.text.startswith(f"Onboarding for {CHO} with *payments*")
    driver.command("/onboard", f"cancel {CHO}", user="U0LEAD")
    elsewhere = driver.command(
        "/onboard", f"{CHO} start 2026-03-05", user="U0LEAD", channel="C0RANDOM"
    )
    assert elsewhere.text.startswith(f"Onboarding for {CHO} with *search*")  # her own team
    # someone in no team, from a channel of none: Lea leads two, so which?
    which = driver.command("/onboard", "<@U0ADMIN>", user="U0LEAD", channel="C0RANDOM")
    assert which.text.startswith("Which team? This could be payments, search: add `team <name>`.")
    assert BUILT_IN.name == "default"
