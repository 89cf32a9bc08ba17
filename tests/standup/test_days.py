"""Working days and public holidays: no standup prompt on a member's day off or on their public
holiday (the team's calendar, or their own), set in YAML or with `/standup days` and
`/standup holidays`; bad values are refused with the usage."""

from __future__ import annotations

import json
from datetime import timedelta

import yaml

from models.config import export_config, import_config
from models.core.people import find_person
from tests.factories import configure, lookup, tick_through, utc

# Payments is in Berlin and takes German (Berlin) holidays off; it stands up every day at 09:30,
# and each member is asked on their own working days. Dana works Sunday to Thursday.
TEAMS = """
teams:
  - name: payments
    channel: C0PAYMENTS
    timezone: Europe/Berlin
    holidays: {country: DE, region: BE}
    leads: [U0LEAD]
    members: [U0ANA, U0BEN, U0DANA]
"""
RITUALS = """
rituals:
  - kind: standup
    team: payments
    days: mon-sun
    time: "09:30"
people:
  - id: U0DANA
    work_days: sun-thu
"""
STEP = timedelta(minutes=30)


def asked(sent: dict, user: str) -> list[str]:
    return sorted(k.rsplit(":", 1)[1] for k in sent if k.startswith(f"standup:payments:{user}:"))


def setup(db, clock, slack, more: str = ""):
    slack.add_user("U0DANA", "Dana Dror", "Europe/Berlin")
    return configure(db, clock, RITUALS + more, teams=TEAMS, lookup=lookup(slack))


def test_no_prompt_on_a_german_holiday_nor_a_members_day_off(db, clock, slack, scheduler):
    setup(db, clock, slack)
    # Thu 30 Apr to Mon 4 May 2026: Fri 1 May is Labour Day in Germany.
    sent = tick_through(scheduler, clock, utc(2026, 4, 30), utc(2026, 5, 5), STEP)
    assert asked(sent, "U0ANA") == ["2026-04-30", "2026-05-04"]
    # Dana works Sunday to Thursday: asked on Sunday, not on Friday (a holiday anyway) or Saturday.
    assert asked(sent, "U0DANA") == ["2026-04-30", "2026-05-03", "2026-05-04"]
    # No summary on the team's holiday; on Sunday it says whose day off it is.
    summaries = sorted(k for k in sent if k.startswith("standup-summary:"))
    assert "standup-summary:payments:2026-05-01" not in summaries
    sunday = next(m for m in slack.posted("C0PAYMENTS") if "Sun 03 May" in json.dumps(m["blocks"]))
    assert "Day off: Ana Alves" in json.dumps(sunday["blocks"])


def test_a_sunday_to_thursday_worker_is_asked_on_the_dst_sunday_not_on_friday(
    db, clock, slack, scheduler
):
    setup(db, clock, slack)
    # Berlin springs forward on Sun 29 Mar 2026: Dana's 09:30 is 07:30 UTC that day.
    sent = tick_through(scheduler, clock, utc(2026, 3, 27), utc(2026, 3, 30), timedelta(minutes=15))
    assert "standup:payments:U0DANA:2026-03-27" not in sent  # Friday
    assert sent["standup:payments:U0DANA:2026-03-29"] == [utc(2026, 3, 29, 7, 30)]
    assert sent["standup:payments:U0ANA:2026-03-27"] == [utc(2026, 3, 27, 8, 30)]
    assert "standup:payments:U0ANA:2026-03-29" not in sent


def test_a_member_with_holidays_of_their_own_is_asked_on_the_teams_holiday(
    db, clock, slack, scheduler
):
    setup(db, clock, slack, "  - id: U0BEN\n    holidays: US-NY\n")
    # Thu 3 Oct 2030 is German Unity Day; Ben (New York) takes US holidays instead.
    sent = tick_through(scheduler, clock, utc(2030, 10, 3), utc(2030, 10, 4), STEP)
    assert asked(sent, "U0ANA") == [] and asked(sent, "U0DANA") == []
    assert asked(sent, "U0BEN") == ["2030-10-03"]
    # Thanksgiving (Thu 28 Nov 2030) is his holiday, not theirs.
    sent = tick_through(scheduler, clock, utc(2030, 11, 28), utc(2030, 11, 29, 6), STEP)
    assert asked(sent, "U0BEN") == [] and asked(sent, "U0ANA") == ["2030-11-28"]


def test_days_and_holidays_from_standup(db, clock, slack, scheduler, driver):
    setup(db, clock, slack)
    answer = driver.command("/standup", "days sun - thu", user="U0ANA").text
    assert answer == "OK: You work sun-thu; public holidays off: DE-BE (payments's)."
    answer = driver.command("/standup", "holidays us-ca", user="U0ANA").text
    assert answer == "OK: You work sun-thu; public holidays off: US-CA (your own)."
    assert "You work sun-thu" in driver.command("/standup", "", user="U0ANA").text
    # Fri 1 May is no holiday in California, but Ana no longer works Fridays; Sunday she does.
    sent = tick_through(scheduler, clock, utc(2026, 5, 1), utc(2026, 5, 4), STEP)
    assert asked(sent, "U0ANA") == ["2026-05-03"]
    # Memorial Day (Mon 25 May) is her holiday now.
    sent = tick_through(scheduler, clock, utc(2026, 5, 25), utc(2026, 5, 26), STEP)
    assert asked(sent, "U0ANA") == []
    back = driver.command("/standup", "holidays team", user="U0ANA").text
    assert back == "OK: You work sun-thu; public holidays off: DE-BE (payments's)."
    changes = [(e.action, e.after) for e in _audit(db)]
    assert ("standup.days", {"days": "sun-thu"}) in changes
    assert ("standup.holidays", {"own": "US-CA"}) in changes


def _audit(db):
    from tests.factories import audit_entries

    return audit_entries(db)


def test_bad_days_and_holidays_are_refused_with_the_usage(db, clock, slack, driver):
    setup(db, clock, slack)
    for words, says in [
        ("days", "Say which days you work."),
        ("days funday", "`funday` is not a day"),
        ("holidays", "Give one country"),
        ("holidays XX", "`XX` is not a country I have public holidays for"),
        ("holidays DE-ZZ", "`ZZ` is not a region of DE I know (its regions: BB, BE, BW, BY"),
        ("holidays DE BY", "Give one country"),
    ]:
        text = driver.command("/standup", words, user="U0ANA").text
        assert says in text, words
        usage = "days <days>" if words.startswith("days") else "holidays <country[-region]>"
        assert f"Usage: /standup {usage}" in text, words
    ana = find_person(db, configure(db, clock, teams=TEAMS), "U0ANA")
    db.refresh(ana)
    assert (ana.work_days, ana.holiday_country) == ("12345", None)


def test_bad_codes_in_the_config_file_name_the_field(db, clock, slack):
    workspace = setup(db, clock, slack)
    for data, says in [
        (
            {"teams": [{"name": "x", "holidays": {"country": "ZZ"}}]},
            "teams[0] (x).holidays: `ZZ` is not a country",
        ),
        (
            {"teams": [{"name": "x", "holidays": {"country": "DE", "region": "XX"}}]},
            "teams[0] (x).holidays: `XX` is not a region of DE",
        ),
        (
            {"teams": [{"name": "x", "holidays": ["DE"]}]},
            "teams[0] (x).holidays: must be a country",
        ),
        ({"people": [{"id": "U0ANA", "work_days": "mon-fun"}]}, "people[0].work_days: `mon-fun`"),
        ({"people": [{"id": "U0ANA", "holidays": "XX-1"}]}, "people[0].holidays: `XX`"),
        ({"people": [{"id": "ana"}]}, "people[0].id: 'ana' is not a Slack user id"),
    ]:
        try:
            import_config(db, workspace, data, clock.now())
        except Exception as e:  # ConfigError
            assert says in str(e), (says, str(e))
        else:
            raise AssertionError(f"{data} was accepted")
        db.rollback()


def test_export_round_trips_days_and_holidays(db, clock, slack):
    workspace = setup(db, clock, slack, "  - id: U0BEN\n    holidays: {country: US, region: NY}\n")
    exported = export_config(db, workspace)
    assert exported["teams"][0]["holidays"] == {"country": "DE", "region": "BE"}
    assert exported["people"] == [
        {"id": "U0BEN", "holidays": {"country": "US", "region": "NY"}},
        {"id": "U0DANA", "work_days": "sun-thu"},
    ]
    again = import_config(db, workspace, yaml.safe_load(yaml.safe_dump(exported)), clock.now())
    assert not again.changed and not again.created
    after = export_config(db, workspace)  # (members' order is the database's, so not compared)
    assert after["people"] == exported["people"]
    assert after["teams"][0]["holidays"] == exported["teams"][0]["holidays"]
