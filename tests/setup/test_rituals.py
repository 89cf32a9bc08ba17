"""Rituals from Slack with no import: `/upkeep rituals` lists rituals with their next run and,
for leads, Add a standup, a retro or a page-load digest, Edit, Pause, Resume and Remove; the
forms' wrong values are field errors; what they make runs at its time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import deps_of
from bot.jobs.engine import DeliveryEngine
from models import AuditEntry
from models.config import export_config, import_config
from models.core.people import find_team
from models.pages.integrations import add_integration
from models.rituals.rituals import Ritual
from tests.factories import tick_through, utc
from tests.setup.forms import filled, inputs_of
from tests.setup.test_first_answer import start_team
from tests.setup.test_teams import button_in, workspace_of


def click(driver, view_or_message: dict, text: str, user: str = "U0LEAD"):
    button = button_in(view_or_message, text)
    return driver.action(button["action_id"], button.get("value", ""), user=user)


def latest(slack) -> dict:
    """The rituals list as last sent through the response URL."""
    return [c.body for c in slack.calls_to("response_url")][-1]


def test_a_standup_from_its_form_listed_paused_edited_and_removed(driver, slack, db, clock):
    start_team(driver, slack)  # backend: lead U0LEAD, members U0ANA (Berlin), U0BEN
    empty = driver.command("/upkeep", "rituals", user="U0LEAD")
    assert "No rituals are set up yet" in empty.text
    click(driver, empty.json, "Add a standup")
    form = slack.calls_to("views.open")[-1].body["view"]
    inputs = inputs_of(form)
    assert inputs["team"]["initial_option"]["value"] == "backend"
    assert inputs["questions"]["initial_value"].startswith("What did you do yesterday?")

    def send(**typed):
        return driver.view_submission(
            form["callback_id"],
            filled(form, **typed),
            user="U0LEAD",
            private_metadata=form["private_metadata"],
        )

    wrong = send(days="funday")
    assert wrong.json["response_action"] == "errors" and list(wrong.json["errors"]) == ["days"]
    many = send(questions="\n".join(f"Question {i}?" for i in range(11)))
    assert many.json["errors"] == {"questions": "At most 10 questions."}
    assert db.scalars(select(Ritual)).all() == []
    saved = send(days="mon,wed,fri", time="11:00", questions="What shipped?\nWhat's next?")
    assert saved.body == ""
    assert "Saved *backend*'s standup. Next: " in slack.posted("D0LEAD")[-1]["text"]

    listed = driver.command("/upkeep", "rituals", user="U0LEAD")
    assert "backend · standup · mon,wed,fri 11:00 (each member's own zone), every week" in (
        listed.text
    )
    assert "next: Mon 02 Mar 11:00" in listed.text
    # not a lead: the list, with no buttons
    seen = driver.command("/upkeep", "rituals", user="U0ANA")
    assert "standup" in seen.text and "Pause" not in json.dumps(seen.json["blocks"])

    # the standup made in Slack prompts at its time: 11:00 in Berlin is 10:00 UTC
    engine = DeliveryEngine.from_deps(deps_of(driver.app))
    engine.tick()
    assert not slack.posted("U0ANA")
    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    engine.tick()
    [prompt] = slack.posted("U0ANA")  # the prompt, in her DM
    assert prompt["text"] == "Standup for *backend*, Mon 02 Mar."

    click(driver, listed.json, "Pause")
    assert "(paused)" in latest(slack)["text"] and "not scheduled" in latest(slack)["text"]
    click(driver, latest(slack), "Resume")
    assert "(paused)" not in latest(slack)["text"]
    click(driver, latest(slack), "Edit")
    edit = slack.calls_to("views.open")[-1].body["view"]
    edit_inputs = inputs_of(edit)
    assert edit_inputs["days"]["initial_value"] == "mon,wed,fri"
    assert edit_inputs["questions"]["initial_value"] == "What shipped?\nWhat's next?"
    values = filled(edit, days="mon-fri")
    driver.view_submission(
        edit["callback_id"], values, user="U0LEAD", private_metadata=edit["private_metadata"]
    )
    db.expire_all()
    [ritual] = db.scalars(select(Ritual)).all()
    assert ritual.days == "12345" and ritual.at.hour == 11 and ritual.enabled

    # what Slack made is in the export, and importing it changes nothing
    exported = export_config(db, workspace_of(db))
    assert exported["rituals"] == [
        {
            "kind": "standup",
            "team": "backend",
            "days": "mon-fri",
            "time": "11:00",
            "cadence": "1w",
            "questions": ["What shipped?", "What's next?"],
        }
    ]
    report = import_config(db, workspace_of(db), exported, clock.now())
    assert not report.created and not report.changed
    db.rollback()

    click(driver, latest(slack), "Remove")
    assert "No rituals are set up yet" in latest(slack)["text"]
    db.expire_all()
    assert db.scalars(select(Ritual)).all() == []
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("ritual.%")).order_by(AuditEntry.id)
    ).all()
    assert actions == ["ritual.set"] * 4 + ["ritual.remove"]


def test_a_retro_and_the_digest_from_their_forms_are_listed_and_delivered_at_their_time(
    driver, slack, db, clock
):
    start_team(driver, slack)  # backend in Berlin, channel C0BACKEND: lead U0LEAD
    listed = driver.command("/upkeep", "rituals", user="U0LEAD")
    opened = len(slack.calls_to("views.open"))
    click(driver, listed.json, "Add a retro", user="U0ANA")  # not a lead: no form
    assert len(slack.calls_to("views.open")) == opened
    assert slack.calls_to("chat.postEphemeral")[-1].body["text"] == (
        "Only a team's leads or an admin can add its rituals."
    )
    click(driver, listed.json, "Add a retro")
    form = slack.calls_to("views.open")[-1].body["view"]
    assert form["title"]["text"] == "Add a retro"
    inputs = inputs_of(form)
    assert inputs["days"]["initial_option"]["value"] == "thursday"
    assert inputs["time"]["initial_time"] == "15:00"
    assert inputs["cadence"]["initial_value"] == "4"
    assert inputs["start"]["initial_date"] == "2026-03-02"  # today, in Berlin

    def send(view, user="U0LEAD", **typed):
        return driver.view_submission(
            view["callback_id"],
            filled(view, **typed),
            user=user,
            private_metadata=view["private_metadata"],
        )

    late = send(form, time="25:00")
    assert late.json == {
        "response_action": "errors",
        "errors": {"time": "`25:00` is not a time of day (like 09:30)."},
    }
    never = send(form, cadence="0")
    assert never.json["errors"] == {"cadence": "`0` is not a cadence in weeks (like 1w or 4w)."}
    refused = send(form, user="U0ANA", cadence="2")
    assert refused.json["errors"] == {"team": "Only backend's leads or an admin can add its retro."}
    assert db.scalars(select(Ritual)).all() == []
    assert send(form, cadence="2").body == ""
    assert "Saved *backend*'s retro. Next: Thu 05 Mar 15:00" in slack.posted("D0LEAD")[-1]["text"]

    listed = driver.command("/upkeep", "rituals", user="U0LEAD")
    assert (
        "backend · retro · thursday 15:00 (Europe/Berlin), every 2 weeks · next: Thu 05 Mar 15:00"
        in (listed.text)
    )
    assert "Add a retro" not in json.dumps(listed.json["blocks"])
    click(driver, listed.json, "Add a page-load digest")
    digest_form = slack.calls_to("views.open")[-1].body["view"]
    assert digest_form["title"]["text"] == "Add a digest"
    assert send(digest_form, days="friday", time="16:00").body == ""
    listed = driver.command("/upkeep", "rituals", user="U0LEAD")
    digest_line = "backend · pageload-digest · friday 16:00 (Europe/Berlin), every week"
    assert f"{digest_line} · next: Fri 06 Mar 16:00" in listed.text

    # what the forms made runs: the retro's reminder the day before at its time (15:00 in
    # Berlin is 14:00 UTC), and the digest on Friday at 16:00 in Berlin
    engine = DeliveryEngine.from_deps(deps_of(driver.app))
    sent = tick_through(engine, clock, clock.now(), utc(2026, 3, 6, 18), timedelta(hours=1))
    assert sent["retro-reminder:backend:2026-03-05"] == [utc(2026, 3, 4, 14)]
    assert sent["pageload-digest:backend:2026-03-06"] == [utc(2026, 3, 6, 15)]
    reminder, digest = slack.posted("C0BACKEND")
    assert reminder["text"].startswith("Retro for backend tomorrow, Thu 05 Mar 15:00 CET.")
    assert digest["text"] == "No pages this week for *backend*. :sleeping:"

    # the digest's form shows what it has, and the export imports unchanged
    click(driver, listed.json, "Edit")  # the first ritual listed: the digest
    edit = slack.calls_to("views.open")[-1].body["view"]
    edit_inputs = inputs_of(edit)
    assert edit["title"]["text"] == "Edit the digest"
    assert edit_inputs["days"]["initial_option"]["value"] == "friday"
    exported = export_config(db, workspace_of(db))
    assert exported["rituals"] == [
        {
            "kind": "pageload-digest",
            "team": "backend",
            "days": "fri",
            "time": "16:00",
            "cadence": "1w",
        },
        {
            "kind": "retro",
            "team": "backend",
            "days": "thu",
            "time": "15:00",
            "cadence": "2w",
            "start": "2026-03-02",
        },
    ]
    report = import_config(db, workspace_of(db), exported, clock.now())
    assert not report.created and not report.changed


def test_the_default_digest_of_a_team_with_alert_hooks_is_listed_until_set_in_its_form(
    driver, slack, db, clock
):
    start_team(driver, slack)
    workspace = workspace_of(db)
    add_integration(
        db, workspace, find_team(db, workspace, "backend"), source="generic", now=clock.now()
    )
    db.commit()
    listed = driver.command("/upkeep", "rituals", user="U0LEAD")
    default = (
        "backend · pageload-digest · monday 09:00 (Europe/Berlin), every week (the default for "
        "a team with alert hooks; Add a page-load digest to change it) · next: Mon 09 Mar 09:00"
    )
    assert default in listed.text
    assert "Pause" not in json.dumps(listed.json["blocks"])  # nothing of its own to pause
    click(driver, listed.json, "Add a page-load digest")
    form = slack.calls_to("views.open")[-1].body["view"]
    assert inputs_of(form)["days"]["initial_option"]["value"] == "monday"
    saved = driver.view_submission(
        form["callback_id"],
        filled(form, time="08:00"),
        user="U0LEAD",
        private_metadata=form["private_metadata"],
    )
    assert saved.body == ""
    listed = driver.command("/upkeep", "rituals", user="U0LEAD")
    assert "the default" not in listed.text
    assert "backend · pageload-digest · monday 08:00 (Europe/Berlin), every week" in listed.text


def test_install_to_the_first_standup_prompt_in_six_steps(driver, slack, db, clock):
    """App Home -> Set up a team -> the team form -> `/upkeep rituals` -> Add a standup -> the
    standup form; the prompt then comes at its time with nobody doing anything more."""
    from tests.setup.test_teams import home_of, submit

    slack.channel_members["C0BACKEND"] = ["U0LEAD", "U0ANA", "U0BEN", "U0UPKEEP"]
    steps = 0

    def step(result):
        nonlocal steps
        steps += 1
        return result

    home = step(home_of(driver, slack, "U0LEAD"))  # 1
    step(click(driver, home, "Set up a team"))  # 2
    team_form = slack.calls_to("views.open")[-1].body["view"]
    assert step(submit(driver, team_form, name="backend", channel="C0BACKEND")).body == ""  # 3
    listed = step(driver.command("/upkeep", "rituals", user="U0LEAD"))  # 4
    step(click(driver, listed.json, "Add a standup"))  # 5
    form = slack.calls_to("views.open")[-1].body["view"]
    values = filled(form, days="mon-fri", time="09:30")
    saved = driver.view_submission(
        form["callback_id"], values, user="U0LEAD", private_metadata=form["private_metadata"]
    )
    assert step(saved).body == ""  # 6
    assert steps == 6

    engine = DeliveryEngine.from_deps(deps_of(driver.app))
    engine.tick()  # Monday 10:00 in Berlin: today's 09:30 has passed
    clock.set(utc(2026, 3, 3, 8, 29))  # Tuesday 09:29 in Berlin, the team's zone and Ana's
    engine.tick()
    assert not slack.posted("U0ANA")
    clock.set(utc(2026, 3, 3, 8, 30))
    engine.tick()
    [prompt] = slack.posted("U0ANA")
    assert prompt["text"] == "Standup for *backend*, Tue 03 Mar."
