"""`/standup`: your standups, skip a day, out of office, back; your working days and holidays."""

from __future__ import annotations

import re
from datetime import date, datetime
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
from models.core.time import days_at, format_days, local_instant, parse_days
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
SKIP_USAGE = "/standup skip [<day>]"
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
    update_summary(ctx.db, ctx.client, ctx.db.get_one(Team, team_id), day, ctx.clock.now())


@standup.fallback("/standup", "your standups, and whether you are away")
def status(req: CommandRequest, args: list[str]) -> Reply:
    if args:
        raise UserError(f"`/standup {args[0]}` isn't something I know.", standup.usage())
    lines = []
    for team in standup_teams(req):
        ritual = find_ritual(req.db, team, STANDUP_KIND)
        assert ritual is not None
        zone = model.member_zone(req.person, team)
        nxt = ritual.next_run(zone, req.now())
        when = local_time(nxt, req.tz) if nxt else "not scheduled"
        off = nxt and model.absences(req.db, {req.person.id}, nxt.astimezone(ZoneInfo(zone)).date())
        if off:
            when += " (you skip it)" if off[req.person.id] == model.SKIP else " (you're out)"
        lines.append(f"*{team.name}*: {days_at(ritual.days, ritual.at)} your time · next {when}")
    if not lines:
        lines.append("You're not in any team with a standup.")
    lines.append(days_text(req))
    away = model.away_on(req.db, req.person, asker_today(req))
    if away is not None:
        lines.append(
            "You're skipping today."
            if away.kind == model.SKIP
            else f"You're out until {away.end:%a %d %b}."
        )
    return Reply(text="\n".join(lines), blocks=[section("\n".join(lines))])


@standup.sub(
    "skip", SKIP_USAGE, "no standup for you on your next one (today's until it is asked), or a day"
)
def skip_command(req: CommandRequest, args: list[str]) -> Reply:
    today = asker_today(req)
    teams = standup_teams(req)
    if not teams:
        raise UserError("You're not in any team with a standup.", SKIP_USAGE)
    if args:
        day = parse_date(args, today, SKIP_USAGE)
        if day < today:
            raise UserError(f"{day:%a %d %b %Y} is in the past.", SKIP_USAGE)
        if not any(standup_on(req, team, day) for team in teams):
            raise UserError(f"You have no standup on {day_label(day)}.", SKIP_USAGE)
        note = "."
    else:
        day, note = next_standup(req, teams, today)
    model.skip(req.db, req.person, day, now=req.now())
    req.audit("standup.skip", req.person.slack_user_id, after={"day": day.isoformat()})
    req.db.flush()
    refresh(req, day)
    if day == today:
        return Reply(text=f"OK, no standup for you today ({day_label(today)}).")
    return Reply(text=f"OK, no standup for you on {day_label(day)}{note}")


def standup_on(req: CommandRequest, team: Team, day: date) -> datetime | None:
    """When the asker's standup with the team is on a day of theirs, if it is one."""
    ritual = find_ritual(req.db, team, STANDUP_KIND)
    if ritual is None or not ritual.schedule.on_date(day):
        return None
    return local_instant(day, ritual.at, model.member_zone(req.person, team))


def next_standup(req: CommandRequest, teams: list[Team], today: date) -> tuple[date, str]:
    """The day of the asker's next standup not yet asked (today's until its time), and what to
    say of it when it isn't today's."""
    upcoming = []
    for team in teams:
        ritual = find_ritual(req.db, team, STANDUP_KIND)
        assert ritual is not None
        zone = model.member_zone(req.person, team)
        nxt = ritual.next_run(zone, req.now())
        if nxt is not None:
            upcoming.append(nxt.astimezone(ZoneInfo(zone)).date())
    if not upcoming:
        raise UserError("Your standups have no day coming up.", SKIP_USAGE)
    asked = sorted(at for at in (standup_on(req, t, today) for t in teams) if at is not None)
    if not asked:
        return min(upcoming), ", your next one."
    when = asked[0].astimezone(ZoneInfo(req.tz))
    return min(upcoming), (
        f", your next one (today's was at {when:%H:%M}; `/standup skip today` skips that one)."
    )


@standup.sub("ooo", OOO_USAGE, "no standup prompts until the day you name (inclusive)")
def ooo(req: CommandRequest, args: list[str]) -> Reply:
    words = args[1:] if args and args[0].lower() in ("until", "till") else args
    if not words:
        raise UserError("Say until when.", OOO_USAGE)
    today = asker_today(req)
    until = parse_date(words, today, OOO_USAGE)
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
