"""`/priority`: the team's RICE-scored backlog, its engineering budget, suggestions from pages."""

from __future__ import annotations

import difflib
import json
import re

from bot.commands import (
    Command,
    no_extra_words,
    parse_user,
    split_options,
    truncate_word,
    usage_on_errors,
)
from bot.deps import CommandRequest, Deps, command_request
from bot.feature import Intent
from bot.later import direct_message, post_ephemeral
from bot.render import Reply, actions, button, context, escape, header, section
from bot.slack import lookup_user
from handlers.priorities.blocks import (
    SURVEY_ACTION,
    SURVEY_QUESTION,
    budget_blocks,
    budget_text,
    item_details,
    item_line,
    lines_text,
    top_blocks,
    top_text,
)
from models.core.errors import NotFound, UserError
from models.core.people import (
    ensure_person,
    find_team,
    get_team,
    is_lead,
    is_member,
    relevant_teams,
    require_lead,
    teams_of_person,
)
from models.core.workspace import Person, Team
from models.priorities.backlog import (
    CATEGORIES,
    CONFIDENCES,
    DEFAULT_CATEGORY,
    DONE,
    DROPPED,
    IMPACT_NAMES,
    RICE_FIELDS,
    SCALES,
    BacklogItem,
    accept_suggestion,
    add_item,
    budget,
    check_status,
    check_values,
    dismiss_suggestion,
    ensure_settings,
    find_item,
    get_suggestion,
    open_suggestions,
    parse_target,
    ranked,
    set_status,
    settings_of,
    update_item,
)
from models.priorities.schedule import apply_settings, describe

ADD_VIEW = "priority_add"
SURVEY_VIEW = "priority_survey"
ACCEPT = "priority_suggestion_accept"
DISMISS = "priority_suggestion_dismiss"
TOP = 10
ADD_USAGE = (
    "/priority add <title> reach=<n> impact=<n> confidence=<n> effort=<n> [category=<c>] "
    "[link=<url>] [owner=@someone] [status=<s>]"
)
SET_FIELDS = ("title", "link", "category", *RICE_FIELDS, "status", "owner", "goal")
SET_USAGE = "/priority set <id> <field>=<value> ... (fields: " + ", ".join(SET_FIELDS) + ")"

priority = Command(
    "/priority",
    "the team's RICE-scored backlog and engineering budget",
    usage_hint="add <title> reach= impact= confidence= effort= | budget | help",
)


# -- finding the team and the people ------------------------------------------------------------


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


def require_team_member(team: Team, person: Person, what: str, item: BacklogItem | None = None):
    if item is not None and item.owner_id == person.id:
        return
    if not (is_member(team, person) or is_lead(team, person) or person.is_admin):
        raise UserError(f"Only {team.name}'s members, leads or a workspace admin can {what}.")


def person_of(req: CommandRequest, token: str, usage: str) -> Person | None:
    if token.lower() in ("", "none", "nobody", "-"):
        return None
    uid = parse_user(token)
    if uid is None:
        raise UserError(f"`owner={token}` is not a person; mention them, like `owner=@ana`.", usage)
    return ensure_person(
        req.db, req.workspace, uid, req.now(), lambda u: lookup_user(req.client, u)
    )


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
    items = ranked(req.db, team)[:TOP]
    return Reply(text=top_text(team, items), blocks=top_blocks(team, items))


@priority.sub("show", "/priority show <id> [team=<team>]", "one item with its RICE inputs")
def show(req: CommandRequest, args: list[str]) -> Reply:
    usage = priority.usage("show")
    words, options = split_options(args, usage)
    team = team_for(req, options, usage)
    if len(words) != 1:
        raise UserError("Which item? Give its id, like `#12`.", usage)
    text = item_details(find_item(req.db, team, words[0], usage))
    return Reply(text=text, blocks=[section(text)])


# -- adding -------------------------------------------------------------------------------------


@priority.sub("add", ADD_USAGE, "add an item (alone: opens a form)")
def add(req: CommandRequest, args: list[str]) -> Reply:
    words, options = split_options(args, ADD_USAGE)
    team = team_for(req, options, ADD_USAGE)
    require_team_member(team, req.person, "add items to its backlog")
    if not words and not options:
        req.client.views_open(trigger_id=req.trigger_id, view=add_view(team, req.channel_id))
        return Reply(text="Opening the form…")
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
            req.now(),
            values=values,
            created_by=req.person,
            link=options.get("link"),
            status=check_status(options.get("status", "proposed")),
        )
        if "owner" in options or "goal" in options:
            extra = {k: options[k] for k in ("owner", "goal") if k in options}
            owner = person_of(req, options.get("owner", ""), ADD_USAGE)
            update_item(item, extra, req.now(), owner)
    record(req, "priority.add", item, None)
    return Reply(text=f"Added {team.name} {item_line(item)}")


def record(req: CommandRequest, action: str, item: BacklogItem, before: dict | None) -> None:
    req.audit(action, f"{item.team.name}{item.ref}", before=before, after=item.snapshot())


def _option(value: str, text: str) -> dict:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _select(block_id: str, label: str, options: list[dict], initial: int) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": options,
            "initial_option": options[initial],
        },
    }


def _text(block_id: str, label: str, hint: str, *, optional: bool = False) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "hint": {"type": "plain_text", "text": hint},
        "element": {"type": "plain_text_input", "action_id": "value", "max_length": 200},
    }


def add_view(team: Team, channel_id: str) -> dict:
    impacts = [_option(str(v).removesuffix(".0"), f"{v:g} · {n}") for v, n in IMPACT_NAMES.items()]
    confidences = [_option(str(c), f"{c}%") for c in CONFIDENCES]
    categories = [_option(c, c) for c in CATEGORIES]
    return {
        "type": "modal",
        "callback_id": ADD_VIEW,
        "private_metadata": json.dumps({"team": team.id, "channel": channel_id}),
        "title": {"type": "plain_text", "text": "Add a priority"},
        "submit": {"type": "plain_text", "text": "Add"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"A backlog item for *{team.name}*, scored with RICE."),
            _text("title", "Title", "What would the team do?"),
            _text("link", "Link", "An issue or doc (https://...)", optional=True),
            _select("category", "Category", categories, CATEGORIES.index(DEFAULT_CATEGORY)),
            _text("reach", "Reach", "People or events per quarter, e.g. 500"),
            _select("impact", "Impact", impacts, 2),
            _select("confidence", "Confidence", confidences, 1),
            _text("effort", "Effort", "Person-months, at least 0.5"),
        ],
    }


def state_value(values: dict, block_id: str) -> str:
    entry = (values.get(block_id) or {}).get("value") or {}
    if entry.get("type") == "static_select":
        return ((entry.get("selected_option") or {}).get("value")) or ""
    return entry.get("value") or ""


def modal_team(req: CommandRequest, metadata: dict) -> Team:
    team = req.db.get(Team, int(metadata.get("team", 0)))
    if team is None or team.workspace_id != req.workspace.id:
        raise NotFound("That team no longer exists.")
    return team


def on_add_submitted(ack, body: dict, req: CommandRequest) -> None:
    view = body["view"]
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = view["state"]["values"]
    team = modal_team(req, metadata)
    require_team_member(team, req.person, "add items to its backlog")
    fields = {f: state_value(values, f) for f in (*RICE_FIELDS, "category")}
    fields["category"] = fields["category"] or DEFAULT_CATEGORY  # none chosen: the form's default
    clean, errors = check_values(fields)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    item = add_item(
        req.db,
        team,
        state_value(values, "title"),
        req.now(),
        values=clean,
        created_by=req.person,
        link=state_value(values, "link"),
    )
    record(req, "priority.add", item, None)
    ack()
    text = f"Added {team.name} {item_line(item)}"
    if metadata.get("channel"):
        req.later(
            post_ephemeral(channel=metadata["channel"], user=req.person.slack_user_id, text=text)
        )
    else:
        req.later(direct_message(req.person.slack_user_id, text=text))


# -- changing -----------------------------------------------------------------------------------


def _item_from(req: CommandRequest, args: list[str], usage: str):
    words, options = split_options(args, usage)
    team = team_for(req, options, usage)
    if not words:
        raise UserError("Which item? Give its id, like `#12`.", usage)
    item = find_item(req.db, team, words[0], usage)
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
    require_team_member(item.team, req.person, "change items", item)
    owner = person_of(req, changes["owner"], SET_USAGE) if "owner" in changes else None
    before = item.snapshot()
    with usage_on_errors(SET_USAGE):
        update_item(item, changes, req.now(), owner)
    record(req, "priority.set", item, before)
    return Reply(text=f"Updated {item.team.name} {item_line(item)}")


def _close(req: CommandRequest, args: list[str], status: str, sub: str) -> Reply:
    item, options = _item_from(req, args, priority.usage(sub))
    no_extra_words(list(options), priority.usage(sub))
    require_team_member(item.team, req.person, f"mark items {status}", item)
    before = item.snapshot()
    set_status(item, status, req.now())
    record(req, f"priority.{sub}", item, before)
    text = f"{item.team.name} {item.ref} {escape(item.title)} is {status}."
    return Reply(text=text, public=True)


@priority.sub("done", "/priority done <id>", "mark an item done")
def done(req: CommandRequest, args: list[str]) -> Reply:
    return _close(req, args, DONE, "done")


@priority.sub("drop", "/priority drop <id>", "drop an item from the backlog")
def drop(req: CommandRequest, args: list[str]) -> Reply:
    return _close(req, args, DROPPED, "drop")


# -- budget -------------------------------------------------------------------------------------

BUDGET_USAGE = "/priority budget [target=<feature %>] [team=<team>]"


@priority.sub("budget", BUDGET_USAGE, "planned effort by category against the target split")
def show_budget(req: CommandRequest, args: list[str]) -> Reply:
    words, options = split_options(args, BUDGET_USAGE)
    no_extra_words(words, BUDGET_USAGE)
    team = team_for(req, options, BUDGET_USAGE)
    if "target" in options:
        with usage_on_errors(BUDGET_USAGE):
            target = parse_target(options.pop("target"))
        require_lead(team, req.person, "change the budget target")
        settings = ensure_settings(req.db, team)
        before = {"feature_target": settings.feature_target}
        settings.feature_target = target
        req.audit("priority.target", team.name, before=before, after={"feature_target": target})
    no_extra_words(list(options), BUDGET_USAGE)
    result = budget(req.db, team)
    return Reply(text=f"{team.name}: {budget_text(result)}", blocks=budget_blocks(team, result))


# -- suggestions --------------------------------------------------------------------------------


@priority.sub(
    "suggestions", "/priority suggestions [team=<team>]", "reliability items suggested by pages"
)
def suggestions(req: CommandRequest, args: list[str]) -> Reply:
    usage = priority.usage("suggestions")
    words, options = split_options(args, usage)
    no_extra_words(words, usage)
    team = team_for(req, options, usage)
    found = open_suggestions(req.db, team)
    if not found:
        return Reply(text=f"No open suggestions for {team.name}: no service has paged a lot.")
    blocks = [header(f"{team.name}: suggested from pages")]
    for s in found[:20]:
        blocks.append(section(f"*{s.service}*: {s.evidence}"))
        blocks.append(
            actions(
                button("Accept", ACCEPT, str(s.id), style="primary"),
                button("Dismiss", DISMISS, str(s.id)),
                block_id=f"suggestion-{s.id}",
            )
        )
    blocks.append(context("Accepting adds a proposed reliability item for the lead to score."))
    return Reply(text=f"{len(found)} suggestions for {team.name}", blocks=blocks)


def decide(req: CommandRequest, value: str, accept: bool) -> str:
    suggestion = get_suggestion(req.db, int(value) if value.isdigit() else 0)
    team = suggestion.team
    if team.workspace_id != req.workspace.id:
        raise NotFound("That suggestion does not exist.")
    require_lead(team, req.person, "accept or dismiss suggestions")
    before = {"state": "open", "pages": suggestion.pages}
    if accept:
        item = accept_suggestion(req.db, suggestion, req.person, req.now())
        message = f"Added {team.name} {item_line(item)}. Score it with `{SET_USAGE}`."
    else:
        dismiss_suggestion(suggestion, req.now())
        message = f"Dismissed the suggestion for {suggestion.service}; it won't come back."
    req.audit(
        f"priority.suggestion.{suggestion.state}",
        f"{team.name}:{suggestion.service}",
        before=before,
        after={"state": suggestion.state, "item": suggestion.item_id},
    )
    return message


# -- settings -----------------------------------------------------------------------------------

SETTINGS_USAGE = (
    "/priority settings [target=<feature %>] [checkpoint=<day>@<HH:MM>|off] "
    "[survey=<months>|off] [team=<team>]"
)


@priority.sub("settings", SETTINGS_USAGE, "budget target, weekly checkpoint and survey months")
def settings(req: CommandRequest, args: list[str]) -> Reply:
    words, options = split_options(args, SETTINGS_USAGE)
    no_extra_words(words, SETTINGS_USAGE)
    team = team_for(req, options, SETTINGS_USAGE)
    unknown = sorted(set(options) - {"target", "checkpoint", "survey"})
    if unknown:
        raise UserError(f"`{unknown[0]}=` is not a setting I know.", SETTINGS_USAGE)
    if options:
        require_lead(team, req.person, "change priority settings")
        current = ensure_settings(req.db, team)
        before = describe(current)
        with usage_on_errors(SETTINGS_USAGE):
            apply_settings(current, options)
        req.audit(
            "priority.settings",
            team.name,
            before={"settings": before},
            after={"settings": describe(current)},
        )
    text = f"{team.name}: {describe(settings_of(req.db, team))} (checkpoint in {team.tz})"
    return Reply(text=text)


# -- the survey ---------------------------------------------------------------------------------


def survey_view(team: Team) -> dict:
    what = _text("what", "What would it be?", "A few words: this becomes the item's title")
    why = _text("why", "Why?", "What it would change for the team")
    why["element"].update(multiline=True, max_length=2000)
    return {
        "type": "modal",
        "callback_id": SURVEY_VIEW,
        "private_metadata": json.dumps({"team": team.id}),
        "title": {"type": "plain_text", "text": "1% of our time"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [section(f"*{team.name}*: {SURVEY_QUESTION}"), what, why],
    }


def on_survey_answered(ack, body: dict, req: CommandRequest) -> None:
    view = body["view"]
    team = modal_team(req, json.loads(view.get("private_metadata") or "{}"))
    values = view["state"]["values"]
    why = state_value(values, "why").strip()
    item = add_item(
        req.db,
        team,
        state_value(values, "what"),
        req.now(),
        created_by=req.person,
        source="survey",
        evidence=f"{req.person.display_name}: {why}" if why else req.person.display_name,
    )
    record(req, "priority.survey", item, None)
    ack()
    leads = ", ".join(p.mention for p in team.leads) or "the team's lead"
    text = f"Thanks! It is {team.name} {item.ref}, proposed, for {leads} to score."
    req.later(direct_message(req.person.slack_user_id, text=text))


# -- listeners, mentions, home ------------------------------------------------------------------


def register(app, deps: Deps) -> None:
    def decision(accept: bool):
        def listener(ack, body: dict, context, respond) -> None:
            ack()
            req = command_request(deps, context)
            message = decide(req, body["actions"][0].get("value", ""), accept)
            req.later(
                lambda ctx: respond(text=message, replace_original=False, response_type="ephemeral")
            )

        return listener

    app.action(ACCEPT)(decision(True))
    app.action(DISMISS)(decision(False))

    @app.view(ADD_VIEW)
    def add_submitted(ack, body: dict, context) -> None:
        on_add_submitted(ack, body, command_request(deps, context))

    @app.action(SURVEY_ACTION)
    def survey_open(ack, body: dict, context, client) -> None:
        ack()
        req = command_request(deps, context)
        value = body["actions"][0].get("value", "")
        team = modal_team(req, {"team": value if value.isdigit() else 0})
        client.views_open(trigger_id=body["trigger_id"], view=survey_view(team))

    @app.view(SURVEY_VIEW)
    def survey_answered(ack, body: dict, context) -> None:
        on_survey_answered(ack, body, command_request(deps, context))


def answer_mention(req: CommandRequest, match: re.Match[str]) -> Reply:
    teams = relevant_teams(req.db, req.workspace, req.channel_id or None, req.person)
    if not teams:
        return Reply(text="This channel belongs to no team. Try `/priority team=<name>`.")
    texts, blocks = [], []
    for team in teams[:3]:
        items = ranked(req.db, team)[:5]
        texts.append(top_text(team, items))
        blocks += top_blocks(team, items)
    return Reply(text="\n\n".join(texts), blocks=blocks)


MENTIONS = [Intent(re.compile(r"\bpriorit(?:y|ies)\b"), "what are our priorities?", answer_mention)]


def home_blocks(req: CommandRequest) -> list[dict]:
    blocks = []
    for team in teams_of_person(req.db, req.person)[:5]:
        items = ranked(req.db, team)[:3]
        empty = "Nothing on the backlog yet."
        blocks.append(section(f"*Top priorities: {team.name}*\n{lines_text(items, empty)}"))
    return blocks
