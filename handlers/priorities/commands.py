"""`/priority`: the team's RICE-scored backlog, its engineering budget, suggestions from pages."""

from __future__ import annotations

import difflib
import re
from zoneinfo import ZoneInfo

from bot.commands import (
    Command,
    no_extra_words,
    parse_user,
    split_fields,
    split_options,
    truncate_word,
    usage_on_errors,
)
from bot.deps import CommandRequest
from bot.feature import Intent
from bot.render import Reply, context, section, user_text
from bot.slack import lookup_user
from handlers.priorities.blocks import (
    add_view,
    budget_blocks,
    budget_text,
    item_details,
    item_line,
    lines_text,
    nothing_open,
    suggestion_blocks,
    top_blocks,
    top_text,
)
from models.core.errors import UserError
from models.core.people import (
    ensure_person,
    find_team,
    get_team,
    relevant_teams,
    require_lead,
    require_member,
    teams_of_person,
)
from models.core.workspace import Person, Team
from models.pages.load import service_counts
from models.priorities.backlog import (
    DONE,
    DROPPED,
    RICE_FIELDS,
    SCALES,
    BacklogItem,
    add_item,
    check_link,
    check_status,
    check_title,
    check_values,
    closed_count,
    find_item,
    ranked,
    set_status,
    update_item,
)
from models.priorities.budget import budget, parse_target
from models.priorities.schedule import apply_settings, describe_settings
from models.priorities.settings import ensure_settings, settings_of
from models.priorities.suggestions import MANY_PAGES, noisy_services
from models.slos.policy import spent_budgets

TOP = 10
ADD_USAGE = (
    "/priority add <title> reach=<n> impact=<n> confidence=<n> effort=<n> [category=<c>] "
    "[link=<url>] [owner=@someone] [status=<s>]"
)
SET_FIELDS = ("title", "link", "category", *RICE_FIELDS, "status", "owner", "goal")
FORM_FIELDS = ("link", "category")  # what `/priority add` without scores fills in on the form
SET_USAGE = "/priority set <id> <field>=<value> ... (fields: " + ", ".join(SET_FIELDS) + ")"

priority = Command(
    "/priority",
    "the team's RICE-scored backlog and engineering budget",
    usage_hint="add <title> reach= impact= confidence= effort= | budget | help",
)


# -- the team, the people, the audit log --------------------------------------------------------


def team_for(req: CommandRequest, options: dict[str, str], usage: str) -> Team:
    """The team named by `team=`, else the channel's team, else the asker's own team."""
    name = options.pop("team", None)
    if name:
        return get_team(req.db, req.workspace, name, usage)
    teams = relevant_teams(req.db, req.workspace, req.channel_id or None, req.person)
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise UserError(
            "This channel belongs to no team and you are in none. Name one with `team=<name>`.",
            usage,
        )
    names = ", ".join(t.name for t in teams)
    raise UserError(f"Which team? This could be {names}: add `team=<name>`.", usage)


def require_team_member(
    req: CommandRequest, team: Team, what: str, item: BacklogItem | None = None
) -> None:
    """The team's people (and an item's owner, for their item) may `what`."""
    if item is not None and item.owner_id == req.person.id:
        return
    require_member(req.db, team, req.person, what)


def owner_from(req: CommandRequest, token: str, usage: str) -> Person | None:
    """The person `owner=` names; None for nobody."""
    if token.lower() in ("", "none", "nobody", "-"):
        return None
    uid = parse_user(token)
    if uid is None:
        raise UserError(f"`owner={token}` is not a person; mention them, like `owner=@ana`.", usage)
    return ensure_person(
        req.db, req.workspace, uid, req.now(), lambda u: lookup_user(req.client, u)
    )


def audit_item(req: CommandRequest, action: str, item: BacklogItem, before: dict | None) -> None:
    """The audit entry for a change to an item, named like `payments#12`."""
    subject = f"{item.team.name}{item.ref}"
    req.audit(action, subject, before=before, after=item.snapshot(), team=item.team)


# -- the list -----------------------------------------------------------------------------------


@priority.fallback("/priority [team=<team>]", "the team's top items by score, status and owner")
def top(req: CommandRequest, args: list[str]) -> Reply:
    words, options = split_options(args, priority.usage())
    if len(words) == 1 and "team" not in options:
        word = words.pop()
        guess = difflib.get_close_matches(word.lower(), list(priority.subcommands), n=1)
        if guess and find_team(req.db, req.workspace, word) is None:
            raise UserError(
                f"`/priority {truncate_word(word)}` isn't something I know. "
                f"Did you mean `/priority {guess[0]}`?",
                priority.usage(),
            )
        options["team"] = word
    no_extra_words(words, priority.usage())
    team = team_for(req, options, priority.usage())
    return top_reply(req, team)


def top_reply(req: CommandRequest, team: Team) -> Reply:
    items, closed = ranked(req.db, team)[:TOP], closed_count(req.db, team)
    return Reply(text=top_text(team, items, closed), blocks=top_blocks(team, items, closed))


@priority.sub("show", "/priority show <id> [team=<team>]", "one item with its RICE inputs")
def show(req: CommandRequest, args: list[str]) -> Reply:
    usage = priority.usage("show")
    words, options = split_options(args, usage)
    team = team_for(req, options, usage)
    if len(words) != 1:
        raise UserError("Which item? Give its id, like `#12`.", usage)
    text = item_details(find_item(req.db, team, words[0], usage=usage))
    return Reply(text=text, blocks=[section(text)])


# -- adding -------------------------------------------------------------------------------------


@priority.sub(
    "add", ADD_USAGE, "add an item (without scores: the form, with what you gave filled in)"
)
def add(req: CommandRequest, args: list[str]) -> Reply:
    words, options = split_options(args, ADD_USAGE)
    team = team_for(req, options, ADD_USAGE)
    require_team_member(req, team, "add items to its backlog")
    if set(options) <= set(FORM_FIELDS):  # no scores: the form, with what was said filled in
        return open_add_form(req, team, " ".join(words), options)
    missing = [f for f in RICE_FIELDS if f not in options]
    if not words or missing:
        what = "a title" if not words else "`" + "=`, `".join(missing) + "=`"
        raise UserError(f"An item needs {what}. The scales: {SCALES}", ADD_USAGE)
    unknown = sorted(set(options) - set(SET_FIELDS) - {"team"})
    if unknown:
        raise UserError(f"`{unknown[0]}=` is not a field I know.", ADD_USAGE)
    values, errors = check_values(
        {k: options[k] for k in (*RICE_FIELDS, "category") if k in options}
    )
    if errors:
        raise UserError(" ".join(errors.values()), f"{ADD_USAGE}\nScales: {SCALES}")
    with usage_on_errors(ADD_USAGE):
        item = add_item(
            req.db,
            team,
            " ".join(words),
            now=req.now(),
            values=values,
            created_by=req.person,
            link=options.get("link"),
            status=check_status(options.get("status", "proposed")),
        )
        if "owner" in options or "goal" in options:
            extra = {k: options[k] for k in ("owner", "goal") if k in options}
            owner = owner_from(req, options.get("owner", ""), ADD_USAGE)
            update_item(item, extra, req.now(), owner=owner)
    audit_item(req, "priority.add", item, None)
    return Reply(text=f"Added {team.name} {item_line(item)}")


def open_add_form(req: CommandRequest, team: Team, title: str, options: dict[str, str]) -> Reply:
    """The add form, opened now (its trigger lasts 3 s), with the title, link and category the
    command gave, each checked first."""
    given = {}
    with usage_on_errors(ADD_USAGE):
        if "category" in options:
            clean, errors = check_values({"category": options["category"]})
            if errors:
                raise UserError(errors["category"])
            given["category"] = str(clean["category"])
        if options.get("link"):
            given["link"] = check_link(options["link"])
        if title:
            given["title"] = check_title(title)
    req.client.views_open(trigger_id=req.trigger_id, view=add_view(team, req.channel_id, **given))
    return Reply(text="Opening the form…")


# -- changing -----------------------------------------------------------------------------------


def _item_from(req: CommandRequest, args: list[str], usage: str):
    words, options = split_options(args, usage)
    team = team_for(req, options, usage)
    if not words:
        raise UserError("Which item? Give its id, like `#12`.", usage)
    item = find_item(req.db, team, words[0], usage=usage)
    no_extra_words(words[1:], usage)
    return item, options


@priority.sub("set", SET_USAGE, "change an item's fields, scores, status or owner")
def set_fields(req: CommandRequest, args: list[str]) -> Reply:
    item, changes = _item_from(req, args, SET_USAGE)
    if not changes:
        raise UserError("What should change? Give `field=value` pairs.", SET_USAGE)
    unknown = sorted(set(changes) - set(SET_FIELDS))
    if unknown:
        raise UserError(f"`{unknown[0]}=` is not a field I know.", SET_USAGE)
    require_team_member(req, item.team, "change items", item)
    owner = owner_from(req, changes["owner"], SET_USAGE) if "owner" in changes else None
    before = item.snapshot()
    with usage_on_errors(SET_USAGE):
        update_item(item, changes, req.now(), owner=owner)
    audit_item(req, "priority.set", item, before)
    return Reply(text=f"Updated {item.team.name} {item_line(item)}")


def _close(req: CommandRequest, args: list[str], status: str, sub: str) -> Reply:
    item, options = _item_from(req, args, priority.usage(sub))
    no_extra_words(list(options), priority.usage(sub))
    require_team_member(req, item.team, f"mark items {status}", item)
    said = f"{item.team.name} {item.ref} {user_text(item.title)} is"
    if item.status == status:  # said in the channel once: again is a note to the asker alone
        return Reply(text=f"{said} already {status}; nothing changed.")
    before = item.snapshot()
    set_status(item, status, req.now())
    audit_item(req, f"priority.{sub}", item, before)
    return Reply(text=f"{said} {status}.", public=True)


@priority.sub("done", "/priority done <id>", "mark an item done")
def done(req: CommandRequest, args: list[str]) -> Reply:
    return _close(req, args, DONE, "done")


@priority.sub("drop", "/priority drop <id>", "drop an item from the backlog")
def drop(req: CommandRequest, args: list[str]) -> Reply:
    return _close(req, args, DROPPED, "drop")


# -- budget -------------------------------------------------------------------------------------

BUDGET_USAGE = "/priority budget [target=<feature %>] [team=<team>]"


@priority.sub(
    "budget",
    BUDGET_USAGE,
    "planned effort by category against the target split (`target=`: what if it were another)",
)
def show_budget(req: CommandRequest, args: list[str]) -> Reply:
    """A view: `target=` shows the budget against another target and changes nothing
    (`/priority settings target=` does)."""
    words, options = split_options(args, BUDGET_USAGE)
    no_extra_words(words, BUDGET_USAGE)
    team = team_for(req, options, BUDGET_USAGE)
    what_if = None
    if "target" in options:
        with usage_on_errors(BUDGET_USAGE):
            what_if = parse_target(options.pop("target"))
    no_extra_words(list(options), BUDGET_USAGE)
    result = budget(req.db, team)
    blocks = budget_blocks(team, result)
    text = f"{team.name}: {budget_text(result)}"
    if what_if is not None and what_if != result.target:
        note = (
            f"What if the target were {what_if}%: {team.possessive} target stays "
            f"{result.target}%. `/priority settings target={what_if}` changes it (leads)."
        )
        result.target = what_if
        blocks = [*budget_blocks(team, result), context(note)]
        text = f"{team.name}: {budget_text(result)}\n{note}"
    spent = spent_budgets(req.db, team)
    if spent:
        names = ", ".join(f"`{user_text(s.name)}` (`{user_text(s.service)}`)" for s in spent)
        policy = (
            f"Error-budget policy: {names} spent the error budget, so {team.possessive} policy "
            "calls for reliability work before features until it recovers (`/slo`)."
        )
        blocks = [*blocks, section(policy)]
        text = f"{text}\n{policy}"
    return Reply(text=text, blocks=blocks)


# -- suggestions --------------------------------------------------------------------------------


@priority.sub(
    "suggestions",
    "/priority suggestions [team=<team>]",
    "reliability items suggested by pages and SLO budgets",
)
def suggestions(req: CommandRequest, args: list[str]) -> Reply:
    usage = priority.usage("suggestions")
    words, options = split_options(args, usage)
    no_extra_words(words, usage)
    team = team_for(req, options, usage)
    now = req.now()
    found, decided = noisy_services(req.db, team, service_counts(req.db, team, now), now=now)
    if not found:
        day = now.astimezone(ZoneInfo(team.tz))
        weeks = f"{MANY_PAGES} times or more in the 4 weeks before {day:%a %d %b}"
        if decided:
            names = ", ".join(user_text(name) for name in decided)
            why = f"the services that paged it {weeks} were accepted or dismissed ({names})"
        else:
            why = f"no service paged it {weeks}"
        return Reply(text=f"No open suggestions for {team.name}: {why}.")
    blocks = suggestion_blocks(team, found)
    many = "suggestion" if len(found) == 1 else "suggestions"
    return Reply(text=f"{len(found)} {many} for {team.name}", blocks=blocks)


# -- settings -----------------------------------------------------------------------------------

SETTINGS_USAGE = (
    "/priority settings [target=<feature %>] [checkpoint=<weekday HH:MM>|off] "
    "[survey=<months>|off] [team=<team>]"
)


@priority.sub("settings", SETTINGS_USAGE, "budget target, weekly checkpoint and survey months")
def settings(req: CommandRequest, args: list[str]) -> Reply:
    options = split_fields(args, SETTINGS_USAGE, example="checkpoint")  # `friday 16:00` is one
    team = team_for(req, options, SETTINGS_USAGE)
    unknown = sorted(set(options) - {"target", "checkpoint", "survey"})
    if unknown:
        raise UserError(f"`{unknown[0]}=` is not a setting I know.", SETTINGS_USAGE)
    if options:
        require_lead(team, req.person, "change priority settings")
        current = ensure_settings(req.db, team)
        before = describe_settings(current)
        with usage_on_errors(SETTINGS_USAGE):
            apply_settings(current, options)
        req.audit(
            "priority.settings",
            team.name,
            before={"settings": before},
            after={"settings": describe_settings(current)},
            team=team,
        )
    text = f"{team.name}: {describe_settings(settings_of(req.db, team))} (checkpoint in {team.tz})"
    return Reply(text=text)


# -- mentions, home -----------------------------------------------------------------------------


def answer_mention(req: CommandRequest, match: re.Match[str]) -> Reply:
    teams = relevant_teams(req.db, req.workspace, req.channel_id or None, req.person)
    if not teams:
        return Reply(text="This channel belongs to no team. Try `/priority team=<name>`.")
    texts, blocks = [], []
    for team in teams[:3]:
        items, closed = ranked(req.db, team)[:5], closed_count(req.db, team)
        texts.append(top_text(team, items, closed))
        blocks += top_blocks(team, items, closed)
    return Reply(text="\n\n".join(texts), blocks=blocks)


MENTIONS = [Intent(re.compile(r"\bpriorit(?:y|ies)\b"), "what are our priorities?", answer_mention)]


def home_blocks(req: CommandRequest) -> list[dict]:
    blocks = []
    for team in teams_of_person(req.db, req.person)[:5]:
        items = ranked(req.db, team)[:3]
        empty = nothing_open(closed_count(req.db, team))
        blocks.append(section(f"*Top priorities: {team.name}*\n{lines_text(items, empty)}"))
    return blocks
