"""The buttons on an alert's messages: **Ack** (anyone may; the escalation stops), **Resolve**
and **Escalate now** (the next step is notified at once). Every message of the group is brought
up to date after the answer, through the delivery engine (`handlers.alerts.jobs`)."""

from __future__ import annotations

from sqlalchemy import select

from bot.deps import CommandRequest, Deps, command_request
from handlers.alerts.blocks import ACK, ACK_ALL, ESCALATE, RESOLVE
from handlers.alerts.form import form_listeners
from handlers.alerts.jobs import notify_now
from handlers.alerts.notify import notify_listeners
from models.alerts.claims import claim_as_read, escalated_just_now, what_became
from models.alerts.groups import (
    FIRING,
    RESOLVED,
    AlertGroup,
    ack_group,
    escalate_now,
    get_group,
    resolve_group,
)
from models.core.errors import NotFound, UserError
from models.core.numbers import whole_number


def listeners(app, deps: Deps) -> None:
    notify_listeners(app, deps)
    form_listeners(app, deps)

    @app.action(ACK)
    def on_ack(ack, body: dict, context) -> None:
        ack()
        req, group = _clicked(deps, body, context)
        if group.status != FIRING:
            raise UserError(what_became(group))
        _claim(req, group)
        ack_group(group, req.person, req.now())
        _done(req, group, "alert.ack")

    @app.action(ACK_ALL)
    def on_ack_all(ack, body: dict, context) -> None:
        """A summary's Ack all: every group of it that still fires."""
        ack()
        req = command_request(deps, context)
        value = (body.get("actions") or [{}])[0].get("value", "")
        ids = [n for n in (whole_number(v) for v in value.split(",")) if n is not None]
        acked = []
        for group in req.db.scalars(select(AlertGroup).where(AlertGroup.id.in_(ids))):
            mine = group.workspace_id == req.workspace.id
            if mine and ack_group(group, req.person, req.now()).changed:
                acked.append(group)
        if not acked:
            raise UserError("Those alerts are acked or resolved already; nothing changed.")
        req.db.flush()
        for group in acked:
            req.audit(
                "alert.ack", f"alert {group.id}", after={"status": group.status}, team=group.team
            )
        req.later(notify_now(group_ids=[g.id for g in acked]))

    @app.action(RESOLVE)
    def on_resolve(ack, body: dict, context) -> None:
        ack()
        req, group = _clicked(deps, body, context)
        if group.status == RESOLVED:
            raise UserError(what_became(group))
        _claim(req, group)
        resolve_group(group, req.person, req.now())
        _done(req, group, "alert.resolve")

    @app.action(ESCALATE)
    def on_escalate(ack, body: dict, context) -> None:
        ack()
        req, group = _clicked(deps, body, context)
        if escalated_just_now(group, req.now()):
            raise UserError(what_became(group))
        _claim(req, group)
        if not escalate_now(req.db, group, req.now()):
            raise UserError(
                "There is no step left to escalate to (or the alert is resolved or held "
                "for the morning)."
            )
        group.changed_at = req.now()
        _done(req, group, "alert.escalate")


def _clicked(deps: Deps, body: dict, context) -> tuple[CommandRequest, AlertGroup]:
    req = command_request(deps, context)
    group_id = whole_number((body.get("actions") or [{}])[0].get("value", ""))
    if group_id is None:
        raise UserError("That button has lost its alert.")
    group = get_group(req.db, group_id)
    if group.workspace_id != req.workspace.id:
        raise NotFound("That alert is gone.")
    return req, group


def _claim(req: CommandRequest, group: AlertGroup) -> None:
    """The group as read is ours to change; else the presser is told what became of it."""
    if not claim_as_read(req.db, group, req.now()):
        raise UserError(what_became(group))


def _done(req: CommandRequest, group: AlertGroup, action: str) -> None:
    req.db.flush()
    req.audit(action, f"alert {group.id}", after={"status": group.status}, team=group.team)
    req.later(notify_now(group_ids=[group.id]))
