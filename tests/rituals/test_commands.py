"""Rituals as config (`rituals:`), `/upkeep rituals` and `upkeep jobs list|run`."""

from __future__ import annotations

from datetime import time

import pytest
import yaml

from bot.cli import build_parser
from bot.deps import Cli
from bot.features import FEATURES
from models.config import export_config
from models.core.config import ConfigError
from models.core.people import find_team
from models.rituals.rituals import Ritual, find_ritual
from tests.factories import configure, lookup

RITUALS = """
rituals:
  - kind: standup
    team: payments
    days: mon-fri
    time: "09:30"
    questions: ["What shipped?", "What is next?", "Blockers?"]
  - kind: retro
    team: payments
    days: thu
    time: 15:00
    start: 2026-03-05
  - kind: standup
    team: search
    days: mon,wed,fri
    time: 10:15
    remind_after: 2h
"""


def test_rituals_import_with_defaults_and_export_round_trips(db, clock):
    workspace = configure(db, clock, RITUALS)
    payments = find_team(db, workspace, "payments")
    standup = find_ritual(db, payments, "standup")
    retro = find_ritual(db, payments, "retro")
    assert (standup.days, standup.at, standup.cadence_weeks) == ("12345", time(9, 30), 1)
    assert standup.options == {"questions": ["What shipped?", "What is next?", "Blockers?"]}
    # Unquoted 15:00 is a YAML 1.1 base-60 number (900); it still means 15:00.
    assert (retro.days, retro.at, retro.cadence_weeks) == ("4", time(15, 0), 4)
    search = find_ritual(db, find_team(db, workspace, "search"), "standup")
    assert (search.days, search.options) == ("135", {"remind_after": 120})

    exported = export_config(db, workspace)["rituals"]
    assert exported[0] == {
        "kind": "retro",
        "team": "payments",
        "days": "thu",
        "time": "15:00",
        "cadence": "4w",
        "start": "2026-03-05",
    }
    again = configure(db, clock, yaml.safe_dump({"rituals": exported}))
    assert again.id == workspace.id
    assert db.query(Ritual).count() == 3


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "{kind: lunch, team: payments, time: '12:00'}",
            "rituals[0] (payments lunch).kind: 'lunch'",
        ),
        ("{kind: standup, team: nope, time: '09:30'}", "rituals[0] (nope standup).team: no team"),
        ("{kind: standup, team: payments, time: '25:00'}", ".time: `25:00` is not a time of day"),
        ("{kind: standup, team: payments, time: '09:30', days: mon-fry}", ".days: `mon-fry`"),
        ("{kind: retro, team: payments, time: '09:30', cadence: 0w}", ".cadence: `0w` is not"),
        ("{kind: standup, team: payments, time: '09:30', colour: red}", ".colour: is not a field"),
        (
            "{kind: retro, team: payments, time: '09:30', start: 9999-12-30}",
            ".start: `9999-12-30` is too far off: give a date from 1970 to 2200.",
        ),
        ("{kind: retro, team: payments, time: '09:30', start: '2026-02-30'}", ".start: `2026-02"),
        ("{kind: standup, team: payments, time: true}", ".time: `True` is not a time of day"),
        ("{kind: standup, team: payments, time: '09:30', remind_after: ²m}", ".remind_after: `²m`"),
    ],
)
def test_ritual_config_errors_name_the_entry_and_field(db, clock, entry, message):
    with pytest.raises(ConfigError) as info:
        configure(db, clock, f"rituals: [{entry}]")
    assert message in info.value.message


def test_upkeep_rituals_shows_each_with_its_next_run_in_its_own_zone(db, clock, driver):
    configure(db, clock, RITUALS)  # START is Monday 2 March 2026, 09:00 UTC = 10:00 in Berlin
    # Someone Slack doesn't know has no zone: each ritual's team zone stands in.
    resp = driver.command("/upkeep", "rituals", user="U0NOBODY")
    assert resp.text.splitlines() == [
        "payments · retro · thursday 15:00 (Europe/Berlin), every 4 weeks · "
        "next: Thu 05 Mar 15:00 CET",
        "payments · standup · mon-fri 09:30 (each member's own zone), every week · "
        "next: Tue 03 Mar 09:30 CET",
        "search · standup · mon,wed,fri 10:15 (each member's own zone), every week · "
        "next: Mon 02 Mar 10:15 EST",
    ]
    # Ana, whom the import knew by id alone, is looked up at her first request: her zone.
    only = driver.command("/upkeep", "rituals search")
    assert only.text.startswith("search · standup") and "payments" not in only.text
    assert only.text.endswith("next: Mon 02 Mar 16:15 CET")
    assert "There is no team called `nope`" in driver.command("/upkeep", "rituals nope").text


def test_upkeep_help_sums_up_upkeep_by_what_it_does(driver):
    """The summary named `settings`, which `/upkeep` has not: it has help, status, the audit log
    and rituals."""
    help_text = driver.command("/upkeep", "help").text
    assert "`/upkeep` help, status, the audit log and the rituals Upkeep runs" in help_text
    assert "`/upkeep rituals [team]`" in help_text


def test_upkeep_status_and_rituals_name_words_they_do_not_take(driver):
    status = driver.command("/upkeep", "status now").text
    assert status == "I don't know what to do with `now`.\nUsage: /upkeep status"
    rituals = driver.command("/upkeep", "rituals payments weekly").text
    assert rituals.startswith("I don't know what to do with `weekly`.")


def test_upkeep_rituals_shows_next_runs_in_the_askers_zone(db, clock, driver, slack):
    """Ben is in New York: his standup runs at 09:30 his time, the rest is shown in his zone."""
    configure(db, clock, RITUALS, lookup=lookup(slack))
    resp = driver.command("/upkeep", "rituals", user="U0BEN")
    assert resp.text.splitlines() == [
        "payments · retro · thursday 15:00 (Europe/Berlin), every 4 weeks · "
        "next: Thu 05 Mar 09:00 EST",
        "payments · standup · mon-fri 09:30 (each member's own zone), every week · "
        "next: Mon 02 Mar 09:30 EST",
        "search · standup · mon,wed,fri 10:15 (each member's own zone), every week · "
        "next: Mon 02 Mar 10:15 EST",
    ]
    assert "Next runs are in your zone, America/New_York." in str(resp.json["blocks"][-1])
    cho = driver.command("/upkeep", "rituals search", user="U0CHO")  # in Tokyo
    assert cho.text.endswith("next: Wed 04 Mar 10:15 JST")  # Monday 10:15 in Tokyo has passed


def test_upkeep_rituals_when_there_are_none(driver):
    assert "No rituals are set up yet" in driver.command("/upkeep", "rituals").text


def test_cli_jobs_list(db, clock, settings, capsys):
    configure(db, clock, RITUALS)
    args = build_parser().parse_args(["jobs", "list"])
    assert args.func(Cli(settings, FEATURES, clock), args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "payments · retro · thursday 15:00 (Europe/Berlin), every 4 weeks · "
        "next: Thu 05 Mar 15:00 CET"
    )
    assert len(out) == 3


def test_cli_jobs_run_unknown_kind(db, clock, settings, capsys):
    configure(db, clock, RITUALS)
    args = build_parser().parse_args(["jobs", "run", "lunch"])
    assert args.func(Cli(settings, FEATURES, clock), args) == 2
    assert "There is no job of kind `lunch`" in capsys.readouterr().err
