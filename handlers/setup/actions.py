"""The Set up a team button and the team form's submission."""

from __future__ import annotations

import json

from bot.deps import Deps, command_request
from bot.home import home_view
from bot.later import direct_message, publish_home
from bot.render import section
from handlers.setup.blocks import SET_UP_TEAM, TEAM_VIEW
from handlers.setup.commands import save_team, team_form
from models.core.people import get_team


def listeners(app, deps: Deps) -> None:
    @app.action(SET_UP_TEAM)
    def open_team_form(ack, body: dict, context, client) -> None:
        ack()
        req = command_request(deps, context)
        name = body["actions"][0].get("value") or ""
        team = get_team(req.db, req.workspace, name) if name else None
        client.views_open(trigger_id=body["trigger_id"], view=team_form(req, team))

    @app.view(TEAM_VIEW)
    def save_team_form(ack, body: dict, context) -> None:
        req = command_request(deps, context)
        meta = json.loads(body["view"].get("private_metadata") or "{}")
        team, created = save_team(req, meta.get("team"), body["view"]["state"]["values"])
        ack()
        channel = f" in <#{team.channel_id}>" if team.channel_id else ""
        verb = "is set up" if created else "is saved"
        text = (
            f"Team *{team.name}* {verb}{channel}: {len(team.leads)} leads, "
            f"{len(team.members)} members, {team.tz}. Next: an on-call rotation (`/oncall set`, "
            "or the button on my App Home)."
        )
        user = req.person.slack_user_id
        req.later(direct_message(user=user, text=text, blocks=[section(text)]))
        req.later(publish_home(user_id=user, view=home_view(deps, req)))
