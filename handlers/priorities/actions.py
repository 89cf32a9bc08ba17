"""The priorities' buttons and forms: the add form, the survey's Answer button and its form, and
a suggestion's Accept and Dismiss."""

from __future__ import annotations

import json

from bot.deps import CommandRequest, Deps, command_request
from bot.later import direct_message, post_ephemeral, respond_later
from bot.render import errors_under, state_value
from handlers.priorities.blocks import (
    ACCEPT,
    ADD_VIEW,
    DISMISS,
    SURVEY_ACTION,
    SURVEY_VIEW,
    item_line,
    survey_view,
)
from handlers.priorities.commands import SET_USAGE, audit_item, require_team_member
from models.core.errors import NotFound
from models.core.numbers import whole_number
from models.core.people import require_lead
from models.core.workspace import Team
from models.pages.load import service_counts
from models.priorities.backlog import DEFAULT_CATEGORY, RICE_FIELDS, add_item, check_values
from models.priorities.suggestions import (
    PAGES,
    PageSuggestion,
    accept_suggestion,
    dismiss_suggestion,
    get_suggestion,
    record_suggestion,
)


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
    require_team_member(req, team, "add items to its backlog")
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
        now=req.now(),
        values=clean,
        created_by=req.person,
        link=state_value(values, "link"),
    )
    audit_item(req, "priority.add", item, None)
    ack()
    text = f"Added {team.name} {item_line(item)}"
    if metadata.get("channel"):
        req.later(
            post_ephemeral(channel=metadata["channel"], user=req.person.slack_user_id, text=text)
        )
    else:
        req.later(direct_message(user=req.person.slack_user_id, text=text))


def on_survey_answered(ack, body: dict, req: CommandRequest) -> None:
    view = body["view"]
    team = modal_team(req, json.loads(view.get("private_metadata") or "{}"))
    values = view["state"]["values"]
    why = state_value(values, "why").strip()
    with errors_under("what", fields=("title",)):  # the item's title is the form's `what`
        item = add_item(
            req.db,
            team,
            state_value(values, "what"),
            now=req.now(),
            created_by=req.person,
            source="survey",
            evidence=f"{req.person.display_name}: {why}" if why else req.person.display_name,
        )
    audit_item(req, "priority.survey", item, None)
    ack()
    leads = ", ".join(p.mention for p in team.leads) or "the team's lead"
    text = f"Thanks! It is {team.name} {item.ref}, proposed, for {leads} to score."
    req.later(direct_message(user=req.person.slack_user_id, text=text))


def suggestion_of(req: CommandRequest, value: str) -> PageSuggestion:
    """The suggestion a button names: a recorded one by id, or `<team id>:<service>` from
    `/priority suggestions`, recorded now with the service's pages as they are."""
    team_id, sep, service = value.partition(":")
    if not sep:
        suggestion = get_suggestion(req.db, whole_number(value) or 0)
        if suggestion.team.workspace_id != req.workspace.id:
            raise NotFound("That suggestion does not exist.")
        return suggestion
    team = modal_team(req, {"team": whole_number(team_id) or 0})
    now = req.now()
    pages = service_counts(req.db, team, now).get(service, 0)
    return get_suggestion(req.db, record_suggestion(req.db, team, service, pages, now=now).id)


def decide(req: CommandRequest, value: str, accept: bool) -> str:
    """The lead's Accept or Dismiss on a suggestion; what to tell them."""
    suggestion = suggestion_of(req, value)
    team = suggestion.team
    require_lead(team, req.person, "accept or dismiss suggestions")
    before = {"state": "open", "pages": suggestion.pages}
    if accept:
        item = accept_suggestion(req.db, suggestion, req.person, now=req.now())
        message = f"Added {team.name} {item_line(item)}. Score it with `{SET_USAGE}`."
    else:
        dismiss_suggestion(suggestion, req.now())
        message = (
            f"Dismissed the suggestion for {suggestion.service}; it won't come back."
            if suggestion.source == PAGES
            else f"Dismissed the suggestion {suggestion.item_title}; it won't come back this time."
        )
    req.audit(
        f"priority.suggestion.{suggestion.state}",
        f"{team.name}:{suggestion.service}",
        before=before,
        after={"state": suggestion.state, "item": suggestion.item_id},
        team=team,
    )
    return message


def listeners(app, deps: Deps) -> None:
    def decision(accept: bool):
        def listener(ack, body: dict, context) -> None:
            ack()
            req = command_request(deps, context)
            message = decide(req, body["actions"][0].get("value", ""), accept)
            req.later(
                respond_later(
                    response_url=body.get("response_url", ""),
                    text=message,
                    replace_original=False,
                    response_type="ephemeral",
                )
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
        team = modal_team(req, {"team": whole_number(value) or 0})
        client.views_open(trigger_id=body["trigger_id"], view=survey_view(team))

    @app.view(SURVEY_VIEW)
    def survey_answered(ack, body: dict, context) -> None:
        on_survey_answered(ack, body, command_request(deps, context))
