"""The Edit button on a service card and the form it opens: the same rights and checks as
`/owner set`, with a bad field's error shown next to it in the form."""

from __future__ import annotations

import json
from typing import Any

from bot.deps import Deps, command_request
from bot.later import direct_message
from bot.render import state_value
from handlers.catalog.blocks import EDIT, EDIT_VIEW, edit_view
from handlers.catalog.commands import change, may_edit, text_value
from models.catalog.services import load_service
from models.core.errors import PermissionDenied


def form_changes(values: dict[str, Any]) -> dict[str, Any]:
    """What the form says, as `/owner set` takes it: one entry per input (its block id is the
    field), dependencies as a list of names."""
    changes: dict[str, Any] = {block_id: state_value(values, block_id) for block_id in values}
    if "depends_on" in changes:
        changes["depends_on"] = text_value("depends_on", changes["depends_on"])
    return changes


def listeners(app, deps: Deps) -> None:
    @app.action(EDIT)
    def open_edit(ack, body: dict, context, client) -> None:
        ack()
        req = command_request(deps, context)
        service = load_service(req.db, int(body["actions"][0]["value"]))
        if service.workspace_id != req.workspace.id or not may_edit(service, req):
            raise PermissionDenied(
                "Only the owning team's leads or an admin can edit this service.",
                team=service.team if service.workspace_id == req.workspace.id else None,
            )
        client.views_open(trigger_id=body["trigger_id"], view=edit_view(service))

    @app.view(EDIT_VIEW)
    def save_edit(ack, body: dict, context) -> None:
        req = command_request(deps, context)
        meta = json.loads(body["view"].get("private_metadata") or "{}")
        service = load_service(req.db, int(meta["service"]))
        if service.workspace_id != req.workspace.id:
            raise PermissionDenied("That service belongs to another workspace.")
        changes = form_changes(body["view"]["state"]["values"])
        reply = change(req, service, changes, service.name, field_errors=True)
        ack()
        text = "Saved. " + reply.text
        req.later(direct_message(user=req.person.slack_user_id, text=text, blocks=reply.blocks))
