"""A team set up from Slack in a workspace with no import: App Home, `/upkeep setup`, the form,
its field errors, and who may use it."""

from __future__ import annotations

import json

from sqlalchemy import select

from models import AuditEntry
from models.config import export_config
from models.core.people import find_team
from models.core.workspace import Workspace
from tests.held import answered_while_held
from tests.setup.forms import filled, inputs_of


def home_of(driver, slack, user: str) -> dict:
    driver.event({"type": "app_home_opened", "user": user, "tab": "home"})
    return slack.home[user]


def button_in(view: dict, text: str) -> dict:
    for block in view["blocks"]:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button" and element["text"]["text"] == text:
                return element
    raise AssertionError(f"no {text!r} button in {json.dumps(view['blocks'])[:400]}")


def open_setup(driver, slack, user: str = "U0LEAD") -> dict:
    button = button_in(home_of(driver, slack, user), "Set up a team")
    driver.action(button["action_id"], button.get("value", ""), user=user, channel=None)
    return slack.calls_to("views.open")[-1].body["view"]


def submit(driver, view: dict, user: str = "U0LEAD", **typed: str):
    return driver.view_submission(
        view["callback_id"],
        filled(view, **typed),
        user=user,
        private_metadata=view.get("private_metadata", ""),
    )


def workspace_of(db) -> Workspace:
    return db.scalar(select(Workspace))


def test_app_home_of_someone_with_no_team_explains_and_sets_up_a_team(driver, slack, db):
    slack.channel_members["C0BACKEND"] = ["U0LEAD", "U0ANA", "U0BEN", "U0UPKEEP"]
    home = home_of(driver, slack, "U0LEAD")
    text = json.dumps(home["blocks"])
    assert "On call" in text and "Set up a team" in text
    view = open_setup(driver, slack)
    assert view["type"] == "modal" and view["callback_id"] == "setup_team_view"
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert blocks["channel"]["element"]["type"] == "conversations_select"
    assert blocks["timezone"]["element"]["initial_value"] == "Europe/Berlin"  # the lead's zone
    assert blocks["leads"]["element"]["initial_users"] == ["U0LEAD"]
    assert blocks["members"]["element"]["type"] == "multi_users_select"

    answer = submit(driver, view, name="backend", channel="C0BACKEND")
    assert answer.status == 200 and answer.body == ""
    db.expire_all()
    team = find_team(db, workspace_of(db), "backend")
    assert team.channel_id == "C0BACKEND" and team.tz == "Europe/Berlin"
    assert [p.slack_user_id for p in team.leads] == ["U0LEAD"]
    # the channel's members, without the bot
    assert sorted(p.slack_user_id for p in team.members) == ["U0ANA", "U0BEN", "U0LEAD"]
    # set up, then its members from the channel, after the answer: both the lead's changes
    made, filled = db.scalars(select(AuditEntry).where(AuditEntry.action == "team.set")).all()
    assert made.subject == "backend" and made.before is None
    assert made.after["channel"] == "C0BACKEND" and made.after["members"] == []
    assert filled.after["members"] == ["U0ANA", "U0BEN", "U0LEAD"]
    assert made.actor_id == filled.actor_id == team.leads[0].id
    assert slack.posted("D0LEAD")[-1]["text"].startswith(
        "Team *backend* is set up in <#C0BACKEND>: 1 leads, 3 members, Europe/Berlin."
    )
    # App Home now shows the team, and no longer the intro
    after = json.dumps(slack.home["U0LEAD"]["blocks"])
    assert "Teams you lead" in after and "Set up a team" not in after


def test_the_team_form_is_answered_before_its_channels_people_are_looked_up(
    answer_driver, slack, db
):
    # Slack gives a form 3 seconds: the channel's people (conversations.members, then users.info
    # for each) are looked up after the answer, here while Slack holds conversations.members.
    slack.channel_members["C0BACKEND"] = ["U0LEAD", "U0ANA", "U0BEN", "U0UPKEEP"]
    answer_driver.command("/upkeep", "setup", user="U0LEAD")
    view = slack.calls_to("views.open")[-1].body["view"]

    def send():
        return submit(answer_driver, view, name="backend", channel="C0BACKEND")

    answered = answered_while_held(slack, "conversations.members", send)
    assert answered.status == 200 and answered.body == ""
    answer_driver.drain()
    looked_up = [c.body["user"] for c in slack.calls_to("users.info")]
    assert {"U0ANA", "U0BEN", "U0UPKEEP"} <= set(looked_up)
    db.expire_all()
    team = find_team(db, workspace_of(db), "backend")
    assert sorted(p.slack_user_id for p in team.members) == ["U0ANA", "U0BEN", "U0LEAD"]
    assert "1 leads, 3 members" in slack.posted("D0LEAD")[-1]["text"]


def test_people_picked_in_the_team_form_are_looked_up_after_the_answer(answer_driver, slack, db):
    # One users.info each, for people Upkeep meets for the first time: thirty of them would
    # take longer than the 3 seconds Slack waits. Here Slack holds users.info.
    answer_driver.command("/upkeep", "setup", user="U0LEAD")
    view = slack.calls_to("views.open")[-1].body["view"]

    def send():
        return submit(answer_driver, view, name="backend", channel="C0BACKEND", members="U0ANA")

    answered = answered_while_held(slack, "users.info", send)
    assert answered.status == 200 and answered.body == ""
    answer_driver.drain()
    db.expire_all()
    [ana] = find_team(db, workspace_of(db), "backend").members
    assert ana.slack_user_id == "U0ANA" and ana.tz == "Europe/Berlin"  # her profile, learnt after


def test_someone_slack_said_nothing_of_after_the_form_is_looked_up_on_their_first_request(
    driver, slack, db
):
    driver.command("/upkeep", "setup", user="U0LEAD")
    view = slack.calls_to("views.open")[-1].body["view"]
    slack.fail("users.info", "fatal_error")  # the look-up after the answer fails
    assert submit(driver, view, name="backend", channel="C0BACKEND", members="U0ANA").body == ""
    driver.drain()
    db.expire_all()
    [ana] = find_team(db, workspace_of(db), "backend").members
    assert (ana.tz, ana.refreshed_at) == (None, None)  # known by her id alone
    driver.command("/upkeep", "help", user="U0ANA")  # her first request
    db.expire_all()
    assert ana.tz == "Europe/Berlin" and ana.refreshed_at is not None


def test_a_wrong_value_is_an_error_on_its_field_and_nothing_is_written(driver, slack, db):
    view = open_setup(driver, slack)
    wrong = submit(driver, view, name="Back End!", channel="C0BACKEND")
    assert wrong.json["response_action"] == "errors"
    assert list(wrong.json["errors"]) == ["name"]
    zone = submit(driver, view, name="backend", channel="C0BACKEND", timezone="Europe/Berln")
    assert zone.json == {
        "response_action": "errors",
        "errors": {"timezone": "'Europe/Berln' is not an IANA time zone (like Europe/Berlin)."},
    }
    db.expire_all()
    assert find_team(db, workspace_of(db), "backend") is None
    ok = submit(driver, view, name="backend", channel="C0BACKEND", members="U0ANA")
    assert ok.body == ""
    again = submit(driver, view, name="backend", channel="C0OTHER")
    assert again.json["errors"]["name"].startswith("There is already a team called backend")


def test_upkeep_setup_opens_the_form_and_changes_a_team_for_its_leads_only(driver, slack, db):
    answer = driver.command("/upkeep", "setup", user="U0LEAD")
    assert answer.text == "Opening the form…"
    view = slack.calls_to("views.open")[-1].body["view"]
    submit(driver, view, name="backend", channel="C0BACKEND", members="U0ANA,U0BEN")
    # someone in no team, once a team exists, is told whom to ask
    home = json.dumps(home_of(driver, slack, "U0CHO")["blocks"])
    assert "Set up a team" not in home and "ask a team lead" in home
    refused = driver.command("/upkeep", "setup", user="U0CHO")
    assert "Only team leads and workspace admins" in refused.text
    not_lead = driver.command("/upkeep", "setup backend", user="U0ANA")
    assert "Only backend's leads" in not_lead.text

    driver.command("/upkeep", "setup backend", user="U0LEAD")
    change = slack.calls_to("views.open")[-1].body["view"]
    blocks = {b["block_id"]: b for b in change["blocks"] if b["type"] == "input"}
    assert "name" not in blocks and blocks["members"]["element"]["initial_users"] == [
        "U0ANA",
        "U0BEN",
    ]
    submit(driver, change, timezone="America/New_York", members="U0ANA")
    db.expire_all()
    team = find_team(db, workspace_of(db), "backend")
    assert team.tz == "America/New_York" and [p.slack_user_id for p in team.members] == ["U0ANA"]
    audits = db.scalars(select(AuditEntry).where(AuditEntry.action == "team.set")).all()
    assert len(audits) == 2 and audits[1].before["timezone"] == "Europe/Berlin"
    # an admin sets up another team and doesn't become its lead
    driver.command("/upkeep", "setup", user="U0ADMIN")
    view = slack.calls_to("views.open")[-1].body["view"]
    submit(driver, view, user="U0ADMIN", name="web", channel="C0WEB", leads="U0BEN")
    db.expire_all()
    web = find_team(db, workspace_of(db), "web")
    assert [p.slack_user_id for p in web.leads] == ["U0BEN"]


def test_the_team_form_sets_the_teams_public_holidays_as_the_config_file_does(driver, slack, db):
    view = open_setup(driver, slack)
    assert "initial_value" not in inputs_of(view)["holidays"]  # none unless given
    wrong = submit(driver, view, name="backend", channel="C0BACKEND", holidays="XX")
    assert wrong.json["errors"] == {
        "holidays": "`XX` is not a country I have public holidays for (give a country code, "
        "optionally with its region (ISO 3166: `DE`, `DE-BY`, `US-CA`))."
    }
    ok = submit(
        driver, view, name="backend", channel="C0BACKEND", members="U0ANA", holidays="de-by"
    )
    assert ok.body == ""
    db.expire_all()
    team = find_team(db, workspace_of(db), "backend")
    assert (team.holiday_country, team.holiday_region) == ("DE", "BY")
    [entry] = export_config(db, workspace_of(db))["teams"]
    assert entry["holidays"] == {"country": "DE", "region": "BY"}

    driver.command("/upkeep", "setup backend", user="U0LEAD")
    change = slack.calls_to("views.open")[-1].body["view"]
    assert inputs_of(change)["holidays"]["initial_value"] == "DE-BY"
    assert submit(driver, change, timezone="America/New_York").body == ""  # kept as it was
    db.expire_all()
    assert find_team(db, workspace_of(db), "backend").holiday_region == "BY"
    assert submit(driver, change, holidays="").body == ""  # emptied: none
    db.expire_all()
    assert find_team(db, workspace_of(db), "backend").holiday_country is None
