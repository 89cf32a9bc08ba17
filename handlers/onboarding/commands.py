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
    require_lead,
    teams_of_channel,
    teams_of_person,
)
from models.core.when import parse_date, read_date
from models.core.workspace import Person, Team
from models.onboarding.buddies import buddy_busy, suggest_buddy
from models.onboarding.lifecycle import (
    cancel,
    change_start,
    onboarding_lead,
    pause,
    resume,
    set_buddy,
    start_walkthrough,
)
from models.onboarding.templates import DEFAULT, find_template, stored_templates
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
AHEAD = timedelta(days=365)  # a start further ahead is a typo (`2062` for `2026`)
HOME_LIMIT = 10

onboard = Command(
    "/onboard",
    "onboarding walkthroughs: a new teammate's first two weeks, step by step in DMs",
    usage_hint="<@user> [template] [start <date>] [buddy <@user>] | status | templates | help",
)


# -- parsing ------------------------------------------------------------------------------------


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


def split_keywords(
    args: list[str], keywords: set[str], usage: str, today: date
) -> tuple[list[str], dict]:
    """Positional words, and `keyword value` (or `keyword=value`) pairs; `start`'s value is as
    many words as its date takes (`start next monday`)."""
    words: list[str] = []
    found: dict[str, str] = {}
    i = 0
    while i < len(args):
        key, sep, value = args[i].partition("=")
        key = key.lower()
        if key in keywords:
            rest = ([value] if sep else []) + args[i + 1 :]
            if not rest:
                raise UserError(f"`{key}` needs a value.", usage)
            used = read_date(rest, today, usage)[1] if key == "start" else 1
            if key in found:
                raise UserError(f"`{key}` is given twice.", usage)
            found[key] = " ".join(rest[:used])
            i += used - 1 if sep else used
        else:
            words.append(args[i])
        i += 1
    return words, found


def hire_team(req: CommandRequest, hire: Person, name: str | None) -> Team:
    """The named team, else the channel's (in a team's channel), else the hire's only team, else
    the asker's only team."""
    if name:
        return get_team(req.db, req.workspace, name, START_USAGE)
    channel = req.channel_id or ""
    for teams in (
        teams_of_channel(req.db, req.workspace, channel) if channel else [],
        teams_of_person(req.db, hire),
        teams_of_person(req.db, req.person),
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
    asked_on = date_in_zone(req.now(), req.tz)  # where `start`'s words end; read in the hire's zone
    words, options = split_keywords(args, {"start", "buddy", "team"}, START_USAGE, asked_on)
    if not words:
        raise UserError("Who is joining? Mention them.", START_USAGE)
    if len(words) > 2:
        raise UserError(f"I don't know what to do with `{' '.join(words[2:])}`.", START_USAGE)
    hire = person_arg(req, words[0], START_USAGE)
    team = hire_team(req, hire, options.get("team"))
    require_lead(team, req.person, "start an onboarding")
    name = words[1] if len(words) > 1 else None
    try:
        template = find_template(req.db, req.workspace, team, name=name)
    except UserError as error:  # which templates there are, and how to name one
        error.usage = START_USAGE
        raise
    zone = hire.zone(team.tz)
    today = date_in_zone(req.now(), zone)
    start_date = (
        parse_date(options["start"].split(), today, START_USAGE) if "start" in options else today
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
    if lead is not None and lead.id != req.person.id:
        req.later(
            dm_work(
                lead,
                f":wave: {req.person.mention} started {hire.possessive} onboarding with "
                f"*{team.name}*, from {first:%a %d %b}; you are their lead: you'll hear when they "
                f"ask for help or fall behind. `/onboard status {hire.mention}` shows their "
                "progress.",
            )
        )
    how = " (suggested: fewest buddies, not on call that week)" if suggested else ""
    buddy_text = (
        f"Buddy: {buddy.mention}{how}." if buddy else "No buddy: nobody in the team is free."
    )
    text = (
        f"Onboarding for {hire.mention} with *{team.name}* starts {first:%a %d %b} "
        f"({len(w.steps)} steps over {w.steps[-1].day + 1} workdays, template `{template.name}`, "
        f"their zone {w.tz}). {buddy_text} Change it with `/onboard buddy {hire.mention} @someone`."
    )
    text += busy_note(req, w) + other_templates(req, template.name if name is None else None)
    return Reply(text=text, blocks=[section(text)])


def other_templates(req: CommandRequest, used: str | None) -> str:
    """When the lead named no template: the others there are, and how to use one instead."""
    names = sorted({DEFAULT, *(r.name for r in stored_templates(req.db, req.workspace))})
    others = [f"`{n}`" for n in names if n != used]
    if used is None or not others:
        return ""
    return (
        f"\nOther templates: {', '.join(others)}. To use one, `/onboard cancel` this and "
        "`/onboard @hire <template>`."
    )


def busy_note(req: CommandRequest, w: Walkthrough) -> str:
    """A buddy on call in the hire's first week (one a lead chose) is said to be busy."""
    busy = buddy_busy(req.db, w)
    if busy is None or w.buddy is None:
        return ""
    days = round(busy / timedelta(days=1))
    length = f"{days} days" if days > 1 else f"{round(busy / timedelta(hours=1))} hours"
    return (
        f"\n:warning: {w.buddy.mention} is on call for {length} of {w.hire.possessive} first "
        f"week: busy for a buddy. `/onboard buddy {w.hire.mention} @someone` changes it."
    )


def tell_buddy(req: CommandRequest, w: Walkthrough) -> None:
    assert w.buddy is not None
    first = w.calendar.first_working_day(w.start_date)
    text = (
        f"You're {w.hire.possessive} onboarding buddy in *{w.team.name}*, from "
        f"{first:%a %d %b}. When they press *I need help* on a step, "
        f"I'll DM you. `/onboard status {w.hire.mention}` shows their progress."
    )
    req.later(dm_work(w.buddy, text))


def whose(reader: Person, w: Walkthrough) -> str:
    return "your" if reader.id == w.hire_id else w.hire.possessive


def tell_involved(
    req: CommandRequest,
    w: Walkthrough,
    text: Callable[[Person], str],
    told: Person | None = None,
) -> None:
    """A DM about a change to the buddy, the lead and (once welcomed) the hire: not to whoever
    made it, nor to whoever was `told` already."""
    hire = w.hire if w.welcome_sent_at is not None else None
    people = {p.id: p for p in (w.buddy, w.lead, hire) if p is not None and not p.deleted}
    for person in people.values():
        if person.id not in (req.person.id, told.id if told else None):
            req.later(dm_work(person, text(person)))


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
        new = parse_date(rest, today, onboard.usage("start-date"))
        check_start(new, today, onboard.usage("start-date"))
        change_start(w, new, req.now())
        pending = sum(1 for s in w.steps if s.sent_at is None)
        first = w.calendar.first_working_day(new)
        tell_involved(
            req,
            w,
            lambda p: (
                f":calendar: {req.person.mention} moved {whose(p, w)} onboarding with "
                f"*{w.team.name}*: it now starts {first:%a %d %b}."
            ),
        )
        return (
            f"{w.hire.possessive} onboarding now starts {first:%a %d %b}; "
            f"{pending} steps still to come were moved."
        )

    return change_walkthrough(
        req,
        args,
        "start-date",
        apply,
        max(1, len(args) - 1),  # the date takes the words after the hire
        "Mention the hire and give the new start date.",
    )


@onboard.sub("buddy", "/onboard buddy <@user> <@buddy>", "change a hire's buddy")
def buddy(req: CommandRequest, args: list[str]) -> Reply:
    def apply(w: Walkthrough, rest: list[str]) -> str:
        old = w.buddy
        new = person_arg(req, rest[0], onboard.usage("buddy"))
        if old is not None and old.id == new.id:
            raise UserError(f"{new.mention} is already {w.hire.possessive} buddy.")
        set_buddy(w, new)
        tell_buddy(req, w)
        if old is None:
            return (
                f"{new.mention} is now {w.hire.possessive} buddy; I told them.{busy_note(req, w)}"
            )
        if old.id != req.person.id and not old.deleted:
            thanks = (
                f":wave: {req.person.mention} made {new.mention} {w.hire.possessive} onboarding "
                f"buddy in *{w.team.name}* instead of you. Thank you for your help!"
            )
            req.later(dm_work(old, thanks))
        tell_involved(
            req,
            w,
            lambda p: (
                f":busts_in_silhouette: {req.person.mention} made {new.mention} "
                f"{whose(p, w)} onboarding buddy, instead of {old.mention}."
            ),
            told=new,
        )
        return (
            f"{new.mention} is now {w.hire.possessive} buddy instead of {old.mention}; "
            f"I told them both.{busy_note(req, w)}"
        )

    return change_walkthrough(req, args, "buddy", apply, 1, "Mention the hire and their new buddy.")


@onboard.sub("pause", "/onboard pause <@user>", "hold the steps (leave, sickness)")
def pause_cmd(req: CommandRequest, args: list[str]) -> Reply:
    def apply(w: Walkthrough, rest: list[str]) -> str:
        pause(w, req.now())
        tell_involved(
            req,
            w,
            lambda p: (
                f":double_vertical_bar: {req.person.mention} paused {whose(p, w)} "
                f"onboarding with *{w.team.name}*: no steps until it resumes."
            ),
        )
        return (
            f"Paused {w.hire.possessive} onboarding. `/onboard resume` carries on where it stopped."
        )

    return change_walkthrough(req, args, "pause", apply)


@onboard.sub("resume", "/onboard resume <@user>", "carry on where it stopped")
def resume_cmd(req: CommandRequest, args: list[str]) -> Reply:
    def apply(w: Walkthrough, rest: list[str]) -> str:
        resume(w, req.now())
        nxt = w.next_step()
        after = f" Next: *{user_text(nxt.title)}*." if nxt is not None else ""
        tell_involved(
            req,
            w,
            lambda p: (
                f":arrow_forward: {req.person.mention} resumed {whose(p, w)} onboarding "
                f"with *{w.team.name}*.{after}"
            ),
        )
        return f"Resumed {w.hire.possessive} onboarding.{after}"

    return change_walkthrough(req, args, "resume", apply)


@onboard.sub("cancel", "/onboard cancel <@user>", "stop a walkthrough for good")
def cancel_cmd(req: CommandRequest, args: list[str]) -> Reply:
    def apply(w: Walkthrough, rest: list[str]) -> str:
        cancel(w, req.now())
        tell_involved(
            req,
            w,
            lambda p: (
                f":no_entry_sign: {req.person.mention} cancelled {whose(p, w)} onboarding "
                f"with *{w.team.name}*: no more steps."
            ),
        )
        return f"Cancelled {w.hire.possessive} onboarding; no more steps will be sent."

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
