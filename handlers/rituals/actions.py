"""The rituals list's buttons (add and edit a standup, a retro or the page-load digest in a
form, pause, resume, remove) and the form's submission: the `rituals:` section's rules, audited."""

from __future__ import annotations

import json
import re
from zoneinfo import ZoneInfo

from bot.deps import CommandRequest, Deps, command_request
from bot.later import direct_message, replace_message
from bot.render import section, state_value
from bot.slack import lookup_user
from handlers.rituals.blocks import (
    ADD_RITUAL,
    EDIT_RITUAL,
    FORMS,
    PAUSE_RITUAL,
    REMOVE_RITUAL,
    RESUME_RITUAL,
    RITUAL_VIEW,
    ritual_view,
)
from handlers.rituals.commands import led_teams, may_set_rituals, next_run_text, rituals_reply
from models.config import RITUAL_KINDS
from models.core.config import ConfigError, ImportContext
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.numbers import whole_number
from models.core.people import get_team
from models.rituals.config import RitualsSection, dump_ritual, remove_ritual, set_ritual
from models.rituals.rituals import Ritual, find_ritual
from models.standup.standups import questions


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


def save_ritual(req: CommandRequest, meta: dict, values: dict) -> Ritual:
    """A submitted ritual form (`meta`: the ritual changed, or the kind added); a wrong value
    is an error on its input."""
    if meta.get("ritual") is not None:
        ritual = chosen_ritual(req, meta["ritual"])
        kind, entry = ritual.kind, dump_ritual(ritual)
        entry.pop("questions", None)  # the form has them all: none typed is the defaults
    else:
        kind = str(meta.get("kind") or "")
        if kind not in FORMS:
            raise UserError("That form is out of date: open it again from `/upkeep rituals`.")
        team = get_team(req.db, req.workspace, state_value(values, "team"))
        name = FORMS[kind].name
        if not may_set_rituals(req, team):
            raise PermissionDenied(
                f"Only {team.possessive} leads or an admin can add its {name}.", field="team"
            )
        if find_ritual(req.db, team, kind) is not None:
            raise UserError(
                f"{team.name} has a {name} already: Edit it in `/upkeep rituals`.", field="team"
            )
        entry = {"kind": kind, "team": team.name}
    entry |= FORMS[kind].read(values)
    try:
        return set_ritual(context_of(req), RitualsSection(kinds=RITUAL_KINDS), entry)
    except ConfigError as error:
        field = error.fieldname if error.fieldname in values else "team"  # the form's inputs
        raise UserError(error.problem_sentence, field=field) from None


def listeners(app, deps: Deps) -> None:
    def open_form(req: CommandRequest, trigger: str, kind: str, ritual: Ritual | None, name: str):
        teams = led_teams(req)
        if not teams:
            raise PermissionDenied("Only a team's leads or an admin can add its rituals.")
        team = next((t for t in teams if t.name == name), None)
        options = ritual.options if ritual else {}
        today = req.now().astimezone(ZoneInfo(team.tz if team else req.tz)).date()
        view = ritual_view(
            kind, teams, ritual, team=team, questions=questions(options, False), today=today
        )
        req.client.views_open(trigger_id=trigger, view=view)

    @app.action(re.compile(rf"^{ADD_RITUAL}_\d+$"))
    def add_ritual(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        kind, _, name = str(body["actions"][0].get("value") or "").partition(" ")
        if kind not in FORMS:
            raise UserError("That button is out of date: `/upkeep rituals` shows new ones.")
        open_form(req, body["trigger_id"], kind, None, name)

    @app.action(EDIT_RITUAL)
    def edit_ritual(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        ritual = chosen_ritual(req, body["actions"][0].get("value"))
        open_form(req, body["trigger_id"], ritual.kind, ritual, ritual.team.name)

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
            req.later(replace_message(body, rituals_reply(req, team)))

        listener.__name__ = action
        return listener

    for action in (PAUSE_RITUAL, RESUME_RITUAL, REMOVE_RITUAL):
        app.action(action)(change_listener(action))

    @app.view(RITUAL_VIEW)
    def save_ritual_form(ack, body: dict, context) -> None:
        req = command_request(deps, context)
        meta = json.loads(body["view"].get("private_metadata") or "{}")
        ritual = save_ritual(req, meta, body["view"]["state"]["values"])
        ack()
        text = (
            f"Saved *{ritual.team.name}*'s {FORMS[ritual.kind].name}. Next: "
            f"{next_run_text(ritual, req.now(), req.person)}."
        )
        user = req.person.slack_user_id
        req.later(direct_message(user=user, text=text, blocks=[section(text)]))
