"""The Set up a team button and the team form's submission."""

from __future__ import annotations

import json

from bot.deps import Deps, command_request
from bot.home import home_view
from bot.later import direct_message, publish_home
from bot.render import section
from handlers.setup.blocks import SET_UP_TEAM, TEAM_VIEW
from handlers.setup.commands import members_from_channel, save_team, saved_text, team_form
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
        values = body["view"]["state"]["values"]
        team, created, from_channel = save_team(req, meta.get("team"), values)
        ack()
        user = req.person.slack_user_id
        if from_channel:  # they are told once the channel's people are in
            req.later(
                members_from_channel(
                    team_id=team.id,
                    channel=team.channel_id or "",
                    actor_id=req.person.id,
                    created=created,
                )
            )
        else:
            text = saved_text(team, created)
            req.later(direct_message(user=user, text=text, blocks=[section(text)]))
        req.later(publish_home(user_id=user, view=home_view(deps, req)))
