"""The rituals list's buttons (add and edit a standup in a form, pause, resume, remove) and the
standup form's submission: the `rituals:` section's rules, audited."""

from __future__ import annotations

import json

from bot.deps import CommandRequest, Deps, command_request
from bot.later import direct_message, respond_later
from bot.render import section, state_value
from bot.slack import lookup_user
from handlers.rituals.blocks import (
    ADD_STANDUP,
    EDIT_RITUAL,
    MAX_QUESTIONS,
    PAUSE_RITUAL,
    REMOVE_RITUAL,
    RESUME_RITUAL,
    STANDUP_VIEW,
    standup_view,
)
from handlers.rituals.commands import led_teams, may_set_rituals, next_run_text, rituals_reply
from models.config import RITUAL_KINDS
from models.core.config import ConfigError, ImportContext
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.numbers import whole_number
from models.core.people import get_team
from models.rituals.config import RitualsSection, dump_ritual, remove_ritual, set_ritual
from models.rituals.rituals import Ritual
from models.standup.standups import STANDUP_KIND, questions


def chosen_ritual(req: CommandRequest, value: str | int | None) -> Ritual:
    """A ritual named by a button or a form, that the asker may change."""
    ritual_id = whole_number(str(value or ""), 1)
    ritual = req.db.get(Ritual, ritual_id) if ritual_id is not None else None
    if ritual is None or ritual.workspace_id != req.workspace.id:
        raise NotFound("That ritual is gone.")
    if not may_set_rituals(req, ritual.team):
        raise PermissionDenied(f"Only {ritual.team.possessive} leads or an admin can change it.")
    return ritual


def context_of(req: CommandRequest) -> ImportContext:
    lookup = lambda uid: lookup_user(req.client, uid)  # noqa: E731
    return ImportContext(req.db, req.workspace, req.now(), lookup, actor=req.person)


def save_standup(req: CommandRequest, ritual_id: int | None, values: dict) -> Ritual:
    """The submitted standup form; a wrong value is an error on its input."""
    if ritual_id is not None:
        ritual = chosen_ritual(req, ritual_id)
        entry = dump_ritual(ritual)
    else:
        team = get_team(req.db, req.workspace, state_value(values, "team"))
        if not may_set_rituals(req, team):
            raise PermissionDenied(
                f"Only {team.possessive} leads or an admin can add its standup.", field="team"
            )
        entry = {"kind": STANDUP_KIND, "team": team.name}
    asked = [q.strip() for q in state_value(values, "questions").splitlines() if q.strip()]
    if len(asked) > MAX_QUESTIONS:
        raise UserError(f"At most {MAX_QUESTIONS} questions.", field="questions")
    entry |= {"days": state_value(values, "days"), "time": state_value(values, "time")}
    if asked:
        entry["questions"] = asked
    try:
        return set_ritual(context_of(req), RitualsSection(kinds=RITUAL_KINDS), entry)
    except ConfigError as error:
        field = error.fieldname if error.fieldname in ("days", "time", "questions") else "team"
        problem = error.problem
        raise UserError(f"{problem[:1].upper()}{problem[1:]}.", field=field) from None


def listeners(app, deps: Deps) -> None:
    def open_form(req: CommandRequest, trigger_id: str, ritual: Ritual | None, team_name: str):
        teams = led_teams(req)
        team = next((t for t in teams if t.name == team_name), None)
        options = ritual.options if ritual else {}
        view = standup_view(teams, ritual, team=team, questions=questions(options, False))
        req.client.views_open(trigger_id=trigger_id, view=view)

    @app.action(ADD_STANDUP)
    def add_standup(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        open_form(req, body["trigger_id"], None, body["actions"][0].get("value", ""))

    @app.action(EDIT_RITUAL)
    def edit_ritual(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        ritual = chosen_ritual(req, body["actions"][0].get("value"))
        open_form(req, body["trigger_id"], ritual, ritual.team.name)

    def change_listener(action: str):
        def listener(ack, body: dict, context) -> None:
            ack()
            req = command_request(deps, context)
            ritual = chosen_ritual(req, body["actions"][0].get("value"))
            team = ritual.team
            if action == REMOVE_RITUAL:
                remove_ritual(context_of(req), ritual)
            else:
                entry = dump_ritual(ritual) | {"enabled": action == RESUME_RITUAL}
                set_ritual(context_of(req), RitualsSection(kinds=RITUAL_KINDS), entry)
            req.db.flush()
            reply = rituals_reply(req, team)
            url = body.get("response_url", "")
            req.later(
                respond_later(
                    response_url=url, replace_original=True, text=reply.text, blocks=reply.blocks
                )
            )

        listener.__name__ = action
        return listener

    for action in (PAUSE_RITUAL, RESUME_RITUAL, REMOVE_RITUAL):
        app.action(action)(change_listener(action))

    @app.view(STANDUP_VIEW)
    def save_standup_form(ack, body: dict, context) -> None:
        req = command_request(deps, context)
        meta = json.loads(body["view"].get("private_metadata") or "{}")
        ritual = save_standup(req, meta.get("ritual"), body["view"]["state"]["values"])
        ack()
        text = (
            f"Saved *{ritual.team.name}*'s standup. Next: "
            f"{next_run_text(ritual, req.now(), req.person)}."
        )
        user = req.person.slack_user_id
        req.later(direct_message(user=user, text=text, blocks=[section(text)]))
