"""`/standup`: your standups, skip a day, out of office, back; your working days and holidays."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from bot.commands import Command, no_extra_words, usage_on_errors
from bot.deps import CommandRequest
from bot.jobs import SendContext
from bot.jobs.deferred import deferrable
from bot.render import Reply, local_time, section
from handlers.standup.blocks import day_label
from handlers.standup.jobs import update_summary
from models.core.errors import UserError
from models.core.people import is_member, teams_of_person
from models.core.time import format_days, parse_days
from models.core.when import parse_date
from models.core.working_days import format_holidays, parse_holidays
from models.core.workspace import Team
from models.rituals.rituals import find_ritual
from models.standup import standups as model
from models.standup.standups import STANDUP_KIND

standup = Command(
    "/standup", "standup prompts: skip a day, out of office, back, your working days and holidays"
)
OOO_USAGE = "/standup ooo until <date>"
DAYS_USAGE = "/standup days <days>  (like sun-thu, mon-thu or mon,tue,thu,fri)"
HOLIDAYS_USAGE = "/standup holidays <country[-region]> | team  (like DE, DE-BY, US-CA)"


def asker_today(req: CommandRequest) -> date:
    """Today in the asker's zone: the day a skip, an out-of-office or a return starts."""
    return req.now().astimezone(ZoneInfo(req.tz)).date()


def standup_teams(req: CommandRequest) -> list[Team]:
    teams = teams_of_person(req.db, req.person)
    return [t for t in teams if is_member(t, req.person) and find_ritual(req.db, t, STANDUP_KIND)]


def refresh(req: CommandRequest, day: date) -> None:
    """The day's summaries show who skips and who is away (after the answer)."""
    for team in standup_teams(req):
        req.later(refresh_summary(team_id=team.id, day=day))


@deferrable
def refresh_summary(ctx: SendContext, *, team_id: int, day: date) -> None:
    update_summary(ctx.db, ctx.client, ctx.db.get_one(Team, team_id), day)


@standup.fallback("/standup", "your standups, and whether you are away")
def status(req: CommandRequest, args: list[str]) -> Reply:
    if args:
        raise UserError(f"`/standup {args[0]}` isn't something I know.", standup.usage())
    lines = []
    for team in standup_teams(req):
        ritual = find_ritual(req.db, team, STANDUP_KIND)
        assert ritual is not None
        nxt = ritual.next_run(model.member_zone(req.person, team), req.now())
        when = local_time(nxt, req.tz) if nxt else "not scheduled"
        lines.append(
            f"*{team.name}*: {format_days(ritual.days)} {ritual.at:%H:%M} your time · next {when}"
        )
    if not lines:
        lines.append("You're not in any team with a standup.")
    lines.append(days_text(req))
    today = asker_today(req)
    away = model.absences(req.db, {req.person.id}, today)
    if away:
        lines.append(
            "You're skipping today." if away[req.person.id] == model.SKIP else "You're out."
        )
    return Reply(text="\n".join(lines), blocks=[section("\n".join(lines))])


@standup.sub("skip", "/standup skip", "no standup for you today")
def skip_command(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args, standup.usage("skip"))
    today = asker_today(req)
    model.skip(req.db, req.person, today, now=req.now())
    req.audit("standup.skip", req.person.slack_user_id, after={"day": today.isoformat()})
    req.db.flush()
    refresh(req, today)
    return Reply(text=f"OK, no standup for you today ({day_label(today)}).")


@standup.sub("ooo", OOO_USAGE, "no standup prompts until the day you name (inclusive)")
def ooo(req: CommandRequest, args: list[str]) -> Reply:
    words = [a for a in args if a.lower() != "until"]
    if len(words) != 1:
        raise UserError("Say until when.", OOO_USAGE)
    today = asker_today(req)
    until = parse_date(words[0], today, OOO_USAGE)
    model.out_of_office(req.db, req.person, today, until=until, now=req.now())
    req.audit(
        "standup.ooo",
        req.person.slack_user_id,
        after={"from": today.isoformat(), "until": until.isoformat()},
    )
    req.db.flush()
    refresh(req, today)
    return Reply(text=f"Out of office until {until:%a %d %b %Y}: no standup prompts till then.")


@standup.sub("back", "/standup back", "standup prompts again, from today")
def back_command(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args, standup.usage("back"))
    today = asker_today(req)
    ended = model.back(req.db, req.person, today)
    req.audit("standup.back", req.person.slack_user_id, after={"ended": ended})
    req.db.flush()
    refresh(req, today)
    if not ended:
        return Reply(text="You weren't away: your standup prompts are on.")
    return Reply(text="Welcome back: standup prompts are on again from today.")


def days_text(req: CommandRequest) -> str:
    """The asker's working days and public holidays, as `/standup days` and `holidays` set them."""
    me = req.person
    if me.holiday_country:
        own = f"{format_holidays(me.holiday_country, me.holiday_region)} (your own)"
    else:
        teams = [t for t in teams_of_person(req.db, me) if t.holiday_country]
        own = ", ".join(
            f"{format_holidays(t.holiday_country, t.holiday_region)} ({t.name}'s)" for t in teams
        )
    return f"You work {format_days(me.work_days)}; public holidays off: {own or 'none'}."


@standup.sub("days", DAYS_USAGE, "the days you work: no prompts or onboarding steps on the others")
def days_command(req: CommandRequest, args: list[str]) -> Reply:
    if not args:
        raise UserError("Say which days you work.", DAYS_USAGE)
    with usage_on_errors(DAYS_USAGE):
        days = parse_days(re.sub(r",*-,*", "-", ",".join(args)))  # `sun - thu` too
    before = req.person.work_days
    req.person.work_days = days
    req.audit(
        "standup.days",
        req.person.slack_user_id,
        before={"days": format_days(before)},
        after={"days": format_days(days)},
    )
    req.db.flush()
    return Reply(text=f"OK: {days_text(req)}")


@standup.sub("holidays", HOLIDAYS_USAGE, "your public holidays: your own, or your team's")
def holidays_command(req: CommandRequest, args: list[str]) -> Reply:
    if len(args) != 1:
        raise UserError("Give one country or country-region, or `team`.", HOLIDAYS_USAGE)
    me = req.person
    before = format_holidays(me.holiday_country, me.holiday_region)
    if args[0].lower() == "team":
        me.holiday_country, me.holiday_region = None, None
    else:
        with usage_on_errors(HOLIDAYS_USAGE):
            me.holiday_country, me.holiday_region = parse_holidays(args[0])
    after = format_holidays(me.holiday_country, me.holiday_region)
    req.audit("standup.holidays", me.slack_user_id, before={"own": before}, after={"own": after})
    req.db.flush()
    return Reply(text=f"OK: {days_text(req)}")


def home_blocks(req: CommandRequest) -> list[dict]:
    """App Home: the asker's standups, when the next one is, and whether they are away."""
    if not standup_teams(req):
        return []
    return [section("*Your standups*\n" + status(req, []).text)]
