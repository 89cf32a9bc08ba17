"""`/upkeep audit` and `upkeep audit`: who changed what, and who was refused. Admins read every
team's entries, leads their own teams', anyone else is refused (and that is audited too)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.cli import build_parser
from bot.deps import Cli
from bot.features import FEATURES
from bot.render import MAX_BLOCKS_MESSAGE
from models.core.people import audit, find_person
from tests import factories
from tests.factories import configure, lookup

# The tests' teams, but Ben leads search (Lea, payments): a lead reads their own team's entries.
TEAMS = factories.TEAMS.replace(
    "leads: [U0LEAD]\n    members: [U0CHO]", "leads: [U0BEN]\n    members: [U0CHO]"
)


@pytest.fixture
def workspace(db, clock, slack):
    assert TEAMS != factories.TEAMS
    return configure(db, clock, teams=TEAMS, lookup=lookup(slack))


@pytest.fixture
def history(workspace, driver, clock):
    """A change and a refusal in payments at 09:00 UTC, a change in search at 10:00, and Ana
    (no lead) refused the audit log at 11:00."""
    driver.command("/retro", "action Fix the deploy script <@U0BEN>", user="U0ANA")
    driver.command("/retro", "topic Your deploys team=payments", user="U0CHO")
    clock.advance(hours=1)
    driver.command("/retro", "action Reindex <@U0CHO> team=search", user="U0CHO")
    clock.advance(hours=1)
    return driver.command("/upkeep", "audit", user="U0ANA")


def lines(resp) -> list[str]:
    """The entries a reply lists, one a line."""
    return [line for line in resp.text.splitlines()[1:] if " · " in line]


def test_others_are_refused_and_that_is_audited(history, driver):
    assert history.json["response_type"] == "ephemeral"
    assert history.text == "Only workspace admins and team leads can read the audit log."
    latest = driver.command("/upkeep", "audit limit=1", user="U0ADMIN")
    refused = "Mon 02 Mar 11:00 UTC · :no_entry: <@U0ANA> was refused `/upkeep audit`"
    assert lines(latest) == [refused]


def test_leads_read_their_teams_entries_in_their_own_zone(history, driver):
    lea = driver.command("/upkeep", "audit", user="U0LEAD")  # Berlin
    assert lea.json["response_type"] == "ephemeral"
    assert lea.text.splitlines()[0] == "Audit log: payments, newest first (2 entries)"
    assert lines(lea) == [
        "Mon 02 Mar 10:00 CET · payments · :no_entry: <@U0CHO> was refused `/retro topic`",
        "Mon 02 Mar 10:00 CET · payments · <@U0ANA> retro.action #1",
    ]
    ben = driver.command("/upkeep", "audit", user="U0BEN")  # New York
    assert lines(ben) == ["Mon 02 Mar 05:00 EST · search · <@U0CHO> retro.action #2"]


def test_a_lead_asking_for_another_team_is_refused_and_its_leads_see_it(history, driver):
    other = driver.command("/upkeep", "audit team=payments", user="U0BEN")
    assert other.text == (
        "Only payments' leads or a workspace admin can read its audit log. Ask <@U0LEAD>."
    )
    assert lines(driver.command("/upkeep", "audit", user="U0LEAD"))[0] == (
        "Mon 02 Mar 12:00 CET · payments · :no_entry: <@U0BEN> was refused `/upkeep audit`"
    )


def test_admins_read_everything_and_filter_by_team_and_since(history, driver, clock):
    help_line = "`/upkeep audit [team=<team>] [limit=<n>] [since=<date>]` who changed what"
    assert help_line in driver.command("/upkeep", "help", user="U0ADMIN").text
    everything = driver.command("/upkeep", "audit", user="U0ADMIN")
    assert everything.text.splitlines()[0] == "Audit log: all teams, newest first (4 entries)"
    assert [line.split(" · ")[1] for line in lines(everything)] == [
        ":no_entry: <@U0ANA> was refused `/upkeep audit`",
        "search",
        "payments",
        "payments",
    ]
    search = driver.command("/upkeep", "audit team=search", user="U0ADMIN")
    assert lines(search) == ["Mon 02 Mar 10:00 UTC · search · <@U0CHO> retro.action #2"]
    clock.advance(days=2)
    assert len(lines(driver.command("/upkeep", "audit since=2026-03-02", user="U0ADMIN"))) == 4
    later = driver.command("/upkeep", "audit since=2026-03-03", user="U0ADMIN")
    assert later.text == "Nothing in the audit log for all teams since Tue 03 Mar."


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("audit limit=0", "`limit=` takes a number from 1 to 100."),
        ("audit limit=lots", "`limit=` takes a number from 1 to 100."),
        ("audit since=soon", "`soon` is not a date"),
        ("audit since=2026-03-09", "`since=` can't be after today."),
        ("audit team=nope", "There is no team called `nope`"),
        ("audit colour=red", "`colour=` is not something `/upkeep audit` takes."),
        ("audit everything", "I don't know what to do with `everything`."),
    ],
)
def test_mistakes_show_the_usage(workspace, driver, text, error):
    resp = driver.command("/upkeep", text, user="U0ADMIN")
    assert error in resp.text
    assert "Usage: /upkeep audit [team=<team>] [limit=<n>] [since=<date>]" in resp.text


def test_a_long_log_stays_within_slacks_block_limit_and_says_how_many_more(
    workspace, driver, db, clock
):
    ana = find_person(db, workspace, "U0ANA")
    for n in range(150):
        at = clock.now() - timedelta(minutes=n)
        audit(db, workspace=workspace, actor=ana, action="x.y", subject=f"n{n}", now=at)
    db.commit()
    first = driver.command("/upkeep", "audit", user="U0ADMIN")
    assert len(lines(first)) == 20 and lines(first)[0].endswith("x.y n0")
    assert len(first.json["blocks"]) <= MAX_BLOCKS_MESSAGE
    more = "…and 130 more: add `limit=<n>` (up to 100), `team=` or `since=`."
    assert more in str(first.json["blocks"][-1]) and first.text.endswith(more)
    most = driver.command("/upkeep", "audit limit=100", user="U0ADMIN")
    assert len(most.json["blocks"]) <= MAX_BLOCKS_MESSAGE
    shown = "\n".join(b["text"]["text"] for b in most.json["blocks"] if b["type"] == "section")
    assert shown.count("x.y n") == 100 and "x.y n99" in shown and "x.y n100" not in shown
    assert "…and 50 more" in str(most.json["blocks"][-1])


def upkeep_cli(settings, clock, *argv: str) -> int:
    args = build_parser().parse_args(["audit", *argv])
    return args.func(Cli(settings, FEATURES, clock), args)


def test_the_cli_prints_every_teams_entries_in_utc(history, settings, clock, capsys):
    assert upkeep_cli(settings, clock) == 0
    assert capsys.readouterr().out.splitlines() == [
        "2026-03-02 11:00 UTC  -         Ana Alves (U0ANA)  refused: /upkeep audit "
        "(Only workspace admins and team leads can read the audit log.)",
        "2026-03-02 10:00 UTC  search    Cho Chen (U0CHO)  retro.action #2",
        "2026-03-02 09:00 UTC  payments  Cho Chen (U0CHO)  refused: /retro topic "
        "(Only payments' members, leads or a workspace admin can add retro topics. "
        "You can use search.)",
        "2026-03-02 09:00 UTC  payments  Ana Alves (U0ANA)  retro.action #1",
    ]
    assert upkeep_cli(settings, clock, "--team", "payments", "--limit", "1") == 0
    assert capsys.readouterr().out.splitlines() == [
        "2026-03-02 09:00 UTC  payments  Cho Chen (U0CHO)  refused: /retro topic "
        "(Only payments' members, leads or a workspace admin can add retro topics. "
        "You can use search.)",
        "… and 1 more (--limit)",
    ]


def test_the_cli_on_an_empty_log_and_an_unknown_team(workspace, settings, clock, capsys):
    assert upkeep_cli(settings, clock) == 0
    assert capsys.readouterr().out == "No audit entries yet.\n"
    assert upkeep_cli(settings, clock, "--team", "nope") == 1
    assert "There is no team called `nope`" in capsys.readouterr().err
