"""`/onboard`: a new teammate's first two weeks, step by step in DMs, with a buddy and a lead who
can see the progress. The steps themselves are sent by the scheduler (`jobs`); the hire's buttons
and feedback form are `actions`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from bot.commands import Command, no_extra_words, parse_user
from bot.deps import CommandRequest
from bot.feature import Intent
from bot.render import Reply, context, section, user_text
from bot.slack import lookup_user
from handlers.onboarding.actions import dm_work
from handlers.onboarding.blocks import progress_line, status_message
from models.core.errors import PermissionDenied, UserError
from models.core.people import (
    ensure_person,
    get_team,
    is_lead,
    relevant_teams,
    require_lead,
    teams_of_person,
)
from models.core.time import DAY_NAMES
from models.core.when import calendar_date
from models.core.workspace import Person, Team
from models.onboarding.buddies import suggest_buddy
from models.onboarding.lifecycle import (
    cancel,
    change_start,
    onboarding_lead,
    pause,
    resume,
    set_buddy,
    start_walkthrough,
)
from models.onboarding.templates import find_template
from models.onboarding.walkthroughs import (
    Walkthrough,
    current_walkthrough,
    followed_by,
    latest_walkthrough,
    require_current_of,
    team_walkthroughs,
)
from models.onboarding.workdays import date_in_zone

START_USAGE = "/onboard <@user> [template] [start <date>] [buddy <@user>] [team <team>]"
DATE_HINT = "a date like 2026-03-09, today, tomorrow or monday"
AHEAD = timedelta(days=365)  # a start further ahead is a typo (`2062` for `2026`)
HOME_LIMIT = 10

onboard = Command(
    "/onboard",
    "onboarding walkthroughs: a new teammate's first two weeks, step by step in DMs",
    usage_hint="<@user> [template] [start <date>] [buddy <@user>] | status | help",
)


# -- parsing ------------------------------------------------------------------------------------


def parse_start_date(token: str, today: date, usage: str) -> date:
    """`2026-03-09`, `today`, `tomorrow`, or a weekday name (its next occurrence after today:
    `monday` said on a Monday is a week on, unlike `models.core.when.parse_date`)."""
    word = token.strip().lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word[:3] in DAY_NAMES and len(word) >= 3:
        ahead = (DAY_NAMES.index(word[:3]) - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    return calendar_date(token, usage, like=DATE_HINT)


def person_arg(req: CommandRequest, token: str, usage: str) -> Person:
    uid = parse_user(token)
    if uid is None:
        raise UserError(f"`{token}` is not a person; mention them, like @ana.", usage)
    person = ensure_person(
        req.db, req.workspace, uid, req.now(), lambda u: lookup_user(req.client, u)
    )
    if person.deleted or person.is_bot:
        raise UserError(f"{person.mention} can't be onboarded or be a buddy.", usage)
    return person


def split_keywords(args: list[str], keywords: set[str], usage: str) -> tuple[list[str], dict]:
    """Positional words, and `keyword value` (or `keyword=value`) pairs."""
    words: list[str] = []
    found: dict[str, str] = {}
    i = 0
    while i < len(args):
        key, sep, value = args[i].partition("=")
        key = key.lower()
        if key in keywords:
            if not sep:
                if i + 1 >= len(args):
                    raise UserError(f"`{key}` needs a value.", usage)
                i += 1
                value = args[i]
            if key in found:
                raise UserError(f"`{key}` is given twice.", usage)
            found[key] = value
        else:
            words.append(args[i])
        i += 1
    return words, found


def hire_team(req: CommandRequest, hire: Person, name: str | None) -> Team:
    """The named team, else the hire's only team, else the channel's or the asker's only team."""
    if name:
        return get_team(req.db, req.workspace, name, START_USAGE)
    for teams in (
        teams_of_person(req.db, hire),
        relevant_teams(req.db, req.workspace, req.channel_id or None, req.person),
    ):
        if len(teams) == 1:
            return teams[0]
        if len(teams) > 1:
            names = ", ".join(t.name for t in teams)
            raise UserError(f"Which team? This could be {names}: add `team <name>`.", START_USAGE)
    raise UserError("Which team is the hire joining? Add `team <name>`.", START_USAGE)


# -- starting -----------------------------------------------------------------------------------


@onboard.fallback(START_USAGE, "start a walkthrough (team leads and admins)")
def start(req: CommandRequest, args: list[str]) -> Reply:
    words, options = split_keywords(args, {"start", "buddy", "team"}, START_USAGE)
    if not words:
        raise UserError("Who is joining? Mention them.", START_USAGE)
    if len(words) > 2:
        raise UserError(f"I don't know what to do with `{' '.join(words[2:])}`.", START_USAGE)
    hire = person_arg(req, words[0], START_USAGE)
    team = hire_team(req, hire, options.get("team"))
    require_lead(team, req.person, "start an onboarding")
    name = words[1] if len(words) > 1 else None
    template = find_template(req.db, req.workspace, team, name=name)
    zone = hire.zone(team.tz)
    today = date_in_zone(req.now(), zone)
    start_date = (
        parse_start_date(options["start"], today, START_USAGE) if "start" in options else today
    )
    check_start(start_date, today, START_USAGE)
    buddy = person_arg(req, options["buddy"], START_USAGE) if "buddy" in options else None
    suggested = buddy is None
    if buddy is None:
        buddy = suggest_buddy(req.db, team, hire, start=start_date, zone=zone)
    lead = onboarding_lead(team, hire, req.person)
    w = start_walkthrough(
        req.db,
        team,
        hire,
        template=template,
        start=start_date,
        now=req.now(),
        lead=lead,
        buddy=buddy,
    )
    audit_walkthrough(req, "onboarding.start", w, None)
    if buddy is not None:
        tell_buddy(req, w)
    first = w.calendar.first_working_day(start_date)
    how = " (suggested: fewest buddies, not on call that week)" if suggested else ""
    buddy_text = (
        f"Buddy: {buddy.mention}{how}." if buddy else "No buddy: nobody in the team is free."
    )
    text = (
        f"Onboarding for {hire.mention} with *{team.name}* starts {first:%a %d %b} "
        f"({len(w.steps)} steps over {w.steps[-1].day + 1} workdays, template `{template.name}`, "
        f"their zone {w.tz}). {buddy_text} Change it with `/onboard buddy {hire.mention} @someone`."
    )
    return Reply(text=text, blocks=[section(text)])


def tell_buddy(req: CommandRequest, w: Walkthrough) -> None:
    assert w.buddy is not None
    first = w.calendar.first_working_day(w.start_date)
    text = (
        f"You're {w.hire.mention}'s onboarding buddy in *{w.team.name}*, from "
        f"{first:%a %d %b}. When they press *I need help* on a step, "
        f"I'll DM you. `/onboard status {w.hire.mention}` shows their progress."
    )
    req.later(dm_work(w.buddy, text))


def audit_walkthrough(
    req: CommandRequest, action: str, w: Walkthrough, before: dict | None
) -> None:
    subject = f"{w.team.name}:{w.hire.slack_user_id}"
    req.audit(action, subject, before=before, after=w.snapshot(), team=w.team)


# -- status -------------------------------------------------------------------------------------


def may_see(w: Walkthrough, person: Person) -> bool:
    involved = {w.hire_id, w.lead_id, w.buddy_id}
    return person.id in involved or person.is_admin or is_lead(w.team, person)


def sees_feedback(w: Walkthrough, person: Person) -> bool:
    return person.id == w.lead_id or person.is_admin or is_lead(w.team, person)


@onboard.sub("status", "/onboard status [<@user>]", "progress of one hire, or of all you follow")
def status_command(req: CommandRequest, args: list[str]) -> Reply:
    usage = onboard.usage("status")
    if len(args) > 1:
        raise UserError("Name at most one person.", usage)
    if args:
        hire = person_arg(req, args[0], usage)
        w = latest_walkthrough(req.db, req.workspace, hire)
        if not may_see(w, req.person):
            raise PermissionDenied(
                f"Only {hire.mention}, their buddy, their lead or a team lead can see this.",
                team=w.team,
            )
        text, blocks = status_message(
            w, req.now(), req.tz, with_feedback=sees_feedback(w, req.person)
        )
        return Reply(text=text, blocks=blocks)
    return overview(req)


def followed(req: CommandRequest) -> list[Walkthrough]:
    """Walkthroughs the asker leads or buddies, those of the teams they lead, and their own."""
    found = followed_by(req.db, req.person)
    for team in teams_of_person(req.db, req.person):
        if is_lead(team, req.person):
            found += team_walkthroughs(req.db, team)
    own = current_walkthrough(req.db, req.workspace.id, req.person)
    if own is not None:
        found.append(own)
    return list({w.id: w for w in found}.values())


def overview(req: CommandRequest) -> Reply:
    found = followed(req)
    if not found:
        return Reply(
            text="You follow no onboarding. Start one with `/onboard @someone` (team leads)."
        )
    lines = [progress_line(w, req.now(), req.tz) for w in found]
    text = "*Onboarding*\n" + "\n".join(lines)
    return Reply(text=text, blocks=[section(text), context(f"Times in {req.tz}.")])


def check_start(start: date, today: date, usage: str) -> None:
    """From today to a year ahead."""
    if start < today:
        raise UserError(f"{start:%a %d %b %Y} is in the past; use today or later.", usage)
    if start > today + AHEAD:
        raise UserError(
            f"{start:%a %d %b %Y} is more than a year ahead; give a start date by "
            f"{today + AHEAD:%a %d %b %Y}.",
            usage,
        )


# -- changes ------------------------------------------------------------------------------------


def change_walkthrough(
    req: CommandRequest,
    args: list[str],
    sub: str,
    apply: Callable[[Walkthrough, list[str]], str],
    nargs: int = 0,
    needs: str = "Mention the hire.",
) -> Reply:
    """The common shape of a lead's change: find the hire's walkthrough, check, apply, audit.
    The hire comes first, then `nargs` more words; `needs` says what is missing."""
    usage = onboard.usage(sub)
    if len(args) < 1 + nargs:
        raise UserError(needs, usage)
    no_extra_words(args[1 + nargs :], usage)
    hire = person_arg(req, args[0], usage)
    w = require_current_of(req.db, req.workspace, hire)
    require_lead(w.team, req.person, "change an onboarding")
    before = w.snapshot()
    message = apply(w, args[1:])
    audit_walkthrough(req, f"onboarding.{sub}", w, before)
    return Reply(text=message)


@onboard.sub(
    "start-date", "/onboard start-date <@user> <date>", "move the start; pending steps follow"
)
def start_date(req: CommandRequest, args: list[str]) -> Reply:
    def apply(w: Walkthrough, rest: list[str]) -> str:
        today = date_in_zone(req.now(), w.tz)
        new = parse_start_date(rest[0], today, onboard.usage("start-date"))
        check_start(new, today, onboard.usage("start-date"))
        change_start(w, new, req.now())
        pending = sum(1 for s in w.steps if s.sent_at is None)
        first = w.calendar.first_working_day(new)
        return (
            f"{w.hire.mention}'s onboarding now starts {first:%a %d %b}; "
            f"{pending} steps still to come were moved."
        )

    return change_walkthrough(
        req, args, "start-date", apply, 1, "Mention the hire and give the new start date."
    )


@onboard.sub("buddy", "/onboard buddy <@user> <@buddy>", "change a hire's buddy")
def buddy(req: CommandRequest, args: list[str]) -> Reply:
    def apply(w: Walkthrough, rest: list[str]) -> str:
        set_buddy(w, person_arg(req, rest[0], onboard.usage("buddy")))
        tell_buddy(req, w)
        assert w.buddy is not None
        return f"{w.buddy.mention} is now {w.hire.mention}'s buddy; I told them."

    return change_walkthrough(req, args, "buddy", apply, 1, "Mention the hire and their new buddy.")


@onboard.sub("pause", "/onboard pause <@user>", "hold the steps (leave, sickness)")
def pause_cmd(req: CommandRequest, args: list[str]) -> Reply:
    def apply(w: Walkthrough, rest: list[str]) -> str:
        pause(w, req.now())
        return (
            f"Paused {w.hire.mention}'s onboarding. `/onboard resume` carries on where it stopped."
        )

    return change_walkthrough(req, args, "pause", apply)


@onboard.sub("resume", "/onboard resume <@user>", "carry on where it stopped")
def resume_cmd(req: CommandRequest, args: list[str]) -> Reply:
    def apply(w: Walkthrough, rest: list[str]) -> str:
        resume(w, req.now())
        nxt = w.next_step()
        after = f" Next: *{user_text(nxt.title)}*." if nxt is not None else ""
        return f"Resumed {w.hire.mention}'s onboarding.{after}"

    return change_walkthrough(req, args, "resume", apply)


@onboard.sub("cancel", "/onboard cancel <@user>", "stop a walkthrough for good")
def cancel_cmd(req: CommandRequest, args: list[str]) -> Reply:
    def apply(w: Walkthrough, rest: list[str]) -> str:
        cancel(w, req.now())
        return f"Cancelled {w.hire.mention}'s onboarding; no more steps will be sent."

    return change_walkthrough(req, args, "cancel", apply)


# -- mentions and the App Home --------------------------------------------------------------------


def answer_mention(req: CommandRequest, match: re.Match[str]) -> Reply:
    return overview(req)


MENTIONS = [Intent(re.compile(r"\bonboarding\b"), "onboarding status", answer_mention)]


def home_blocks(req: CommandRequest) -> list[dict]:
    found = followed(req)
    if not found:
        return []
    lines = [progress_line(w, req.now(), req.tz) for w in found[:HOME_LIMIT]]
    more = (
        f"\n…and {len(found) - HOME_LIMIT} more: `/onboard status`"
        if len(found) > HOME_LIMIT
        else ""
    )
    return [section("*Onboarding*\n" + "\n".join(lines) + more)]
