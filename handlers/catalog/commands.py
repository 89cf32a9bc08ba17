"""`/owner`: who owns a service, its DRI, who is on call for it, its links and dependencies; what
has nobody; and edits by the owning team's leads (in text or in a form)."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.commands import Command, no_extra_words, parse_channel, parse_user
from bot.deps import CommandRequest, Deps, command_request
from bot.feature import Intent
from bot.later import direct_message
from bot.render import Reply, actions, button, context, fields, header, local_time, section
from bot.slack import lookup_user
from models.catalog.config import apply_fields, record, set_dependencies
from models.catalog.services import (
    LIFECYCLES,
    LINKS,
    TIERS,
    Service,
    can_edit,
    dependencies,
    dependents,
    describe,
    find_service,
    load_service,
    lookup_service,
    new_service,
    services_of,
    unowned,
)
from models.core.config import ConfigError, ImportContext
from models.core.errors import PermissionDenied, UserError
from models.core.people import get_team, is_lead, relevant_teams, teams_of_person
from models.oncall.shifts import current_and_next

owner = Command(
    "/owner",
    "who owns a service: team, DRI, on call, runbook, dependencies",
    usage_hint="<service> | team <team> | unowned | set <service> key=value | help",
)
LOOKUP = "/owner <service>"
SET_FIELDS = (
    "title",
    "description",
    "team",
    "dri",
    "tier",
    "lifecycle",
    *LINKS,
    "channel",
    "rotation",
    "tags",
    "depends_on",
)
SET = "/owner set <service> " + " ".join(f"{f}=..." for f in ("team", "dri", "tier", "runbook"))
SET_USAGE = f"{SET} (fields: {', '.join(SET_FIELDS)})"
EDIT = "owner_edit"
EDIT_VIEW = "owner_edit_view"
MAX_LIST = 40
ALL_OWNED = (
    "Every service has a team with people, a DRI, a runbook and, for tiers 1-2, an on-call "
    "rotation."
)


# -- one service --


@owner.fallback(LOOKUP, "the owning team, DRI, who is on call, links, tier and dependencies")
def lookup(req: CommandRequest, args: list[str]) -> Reply:
    if not args:
        return team_services(req, relevant_teams(req.db, req.workspace, req.channel_id, req.person))
    return card(req, find_service(req.db, req.workspace, " ".join(args), LOOKUP))


def on_call_line(req: CommandRequest, service: Service) -> str:
    if service.rotation is None:
        return "no rotation"
    current, following = current_and_next(req.db, service.rotation, req.now())
    who = current.person.mention if current.person else "nobody"
    return f"{who} until {local_time(current.end, req.tz)} (`{service.rotation.name}`)"


def card(req: CommandRequest, service: Service) -> Reply:
    team = service.team
    owners = "none"
    if team is not None:
        leads = ", ".join(p.mention for p in team.leads)
        owners = f"*{team.name}*" + (f" (leads {leads})" if leads else "")
    dri = service.dri.mention if service.dri else "none"
    if service.dri is not None and service.dri.deleted:
        dri += " (has left)"
    links = " · ".join(f"<{getattr(service, k)}|{k}>" for k in LINKS if getattr(service, k))
    used_by = dependents(req.db, service)
    depends = ", ".join(f"`{n}`" for n in dependencies(req.db, service)) or "nothing"
    pairs = [
        ("Team", owners),
        ("DRI", dri),
        ("On call now", on_call_line(req, service)),
        ("Tier", str(service.tier) if service.tier else "not set"),
        ("Lifecycle", service.lifecycle),
        ("Links", links or "none (add a runbook!)"),
        ("Depends on", depends),
        ("Used by", ", ".join(f"`{n}`" for n in used_by) or "nothing known"),
    ]
    blocks = [header(service.title or service.name)]
    if service.description:
        blocks.append(section(service.description))
    blocks.append(fields(*pairs))
    notes = [f"`{service.name}`"]
    if service.tags:
        notes.append("tags: " + ", ".join(service.tags))
    if service.last_reviewed:
        notes.append(f"reviewed {service.last_reviewed.isoformat()}")
    blocks.append(context(" · ".join(notes)))
    if may_edit(service, req):
        blocks.append(actions(button("Edit", EDIT, str(service.id))))
    text = f"{service.label}\n" + "\n".join(f"{k}: {v}" for k, v in pairs)
    return Reply(text=text, blocks=blocks)


def may_edit(service: Service, req: CommandRequest) -> bool:
    """Leads of the owning team and admins; any team's lead may claim a service with no team."""
    if service.team is None:
        return req.person.is_admin or bool(teams_led(req))
    return can_edit(service, req.person)


def teams_led(req: CommandRequest):
    return [t for t in teams_of_person(req.db, req.person) if is_lead(t, req.person)]


# -- lists --


@owner.sub("team", "/owner team <team>", "the services a team owns")
def team_command(req: CommandRequest, args: list[str]) -> Reply:
    if not args:
        raise UserError("Which team?", "/owner team <team>")
    no_extra_words(args[1:], "/owner team <team>")
    return team_services(req, [get_team(req.db, req.workspace, args[0], "/owner team <team>")])


def service_line(service: Service) -> str:
    parts = [f"`{service.name}`"]
    if service.tier:
        parts.append(f"tier {service.tier}")
    parts.append(f"DRI {service.dri.mention}" if service.dri else "no DRI")
    if service.lifecycle != "production":
        parts.append(service.lifecycle)
    return " · ".join(parts)


def team_services(req: CommandRequest, teams) -> Reply:
    if not teams:
        raise UserError(
            "This channel has no team and you are in none: ask about a service by name, or a "
            "team with `/owner team <team>`.",
            LOOKUP,
        )
    found = services_of(req.db, req.workspace, teams)
    title = "Services of " + ", ".join(t.name for t in teams)
    lines = [service_line(s) for s in found[:MAX_LIST]]
    if len(found) > MAX_LIST:
        lines.append(f"… and {len(found) - MAX_LIST} more")
    body = "\n".join(lines) or "No services yet. Add them under `services:` in the config file."
    blocks = [header(title), section(body), context("Details: `/owner <service>`.")]
    return Reply(text=f"{title}\n{body}", blocks=blocks)


@owner.sub("unowned", "/owner unowned", "services with no owner, no DRI, no runbook or no on-call")
def unowned_command(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args, owner.usage("unowned"))
    found = unowned(req.db, req.workspace)
    lines = [f"`{gap.service.name}`: {', '.join(gap.reasons)}" for gap in found[:MAX_LIST]]
    if len(found) > MAX_LIST:
        lines.append(f"… and {len(found) - MAX_LIST} more")
    title = (
        f"{len(found)} services need an owner's attention" if found else "Every service is owned"
    )
    body = "\n".join(lines) or ALL_OWNED
    blocks = [header(title), section(body), context(f"Fix with `{SET}`.")]
    return Reply(text=f"{title}\n{body}", blocks=blocks)


# -- changes --


@owner.sub("set", SET, "change (or create) a service: team leads and admins")
def set_command(req: CommandRequest, args: list[str]) -> Reply:
    if len(args) < 2 or "=" in args[0]:
        raise UserError("Name the service and what to set, like `tier=1`.", SET_USAGE)
    name = args[0].lower()
    changes = {}
    for word in args[1:]:
        key, sep, value = word.partition("=")
        key = key.lower()
        if not sep or key not in SET_FIELDS:
            raise UserError(f"`{word[:40]}` isn't `field=value` with a field I know.", SET_USAGE)
        if key in changes:
            raise UserError(f"`{key}=` is given twice.", SET_USAGE)
        changes[key] = text_value(key, value)
    service = lookup_service(req.db, req.workspace, name)
    if service is None and "team" not in changes:
        near = find_service(req.db, req.workspace, name, SET_USAGE)  # raises on a real miss
        raise UserError(
            f"Did you mean `{near.name}`? `/owner set` needs the exact name; with `team=` it "
            f"creates a new service called `{name}`.",
            SET_USAGE,
        )
    return change(req, service, changes, name)


def text_value(key: str, value: str) -> Any:
    """A value typed in Slack, as the config file would spell it."""
    value = value.strip()
    if value.lower() in ("", "none", "-"):
        return [] if key in ("tags", "depends_on") else None
    if key == "dri":
        uid = parse_user(value)
        if uid is None:
            raise UserError(f"`dri={value[:40]}` is not a person; mention them.", SET_USAGE)
        return uid
    if key == "channel":
        return parse_channel(value) or value
    if key in ("tags", "depends_on"):
        return [v for v in re.split(r"[,\s]+", value.lower()) if v]
    return value.strip("<>").split("|")[0] if key in LINKS else value


def change(
    req: CommandRequest,
    service: Service | None,
    changes: dict[str, Any],
    name: str,
    *,
    field_errors: bool = False,
) -> Reply:
    """Check rights, apply every change or none, audit, and show the result."""
    target_team = None
    if changes.get("team"):
        target_team = get_team(req.db, req.workspace, str(changes["team"]), SET_USAGE)
        if not (req.person.is_admin or is_lead(target_team, req.person)):
            raise PermissionDenied(
                f"Only {target_team.name}'s leads or an admin can give it services."
            )
    if service is not None and not may_edit(service, req):
        team = service.team.name if service.team else "a team"
        raise PermissionDenied(f"Only {team}'s leads or an admin can change `{service.name}`.")
    ctx = ImportContext(
        req.db, req.workspace, req.now(), lambda uid: lookup_user(req.client, uid), actor=req.person
    )
    label = f"service {name}"
    try:
        with req.db.begin_nested():
            created = service is None
            if service is None:
                service = new_service(req.db, req.workspace, name, req.now())
                req.db.flush()
            ctx.info = {
                "before": {name: None if created else describe(service)},
                "created": {name} if created else set(),
            }
            apply_fields(ctx, service, changes, label)
            if "depends_on" in changes:
                set_dependencies(ctx, service, changes["depends_on"], label)
            record(ctx, [service], "service.set")
    except ConfigError as error:
        field_name = error.where.rsplit(".", 1)[-1]
        message = f"`{field_name}`: {str(error)[len(error.where) + 2 :]}"
        raise UserError(message, SET_USAGE, field=field_name if field_errors else None) from None
    return card(req, load_service(req.db, service.id))


# -- the edit form --


def text_input(block_id: str, label: str, value: str | None, *, multiline: bool = False) -> dict:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
    }
    if value:
        element["initial_value"] = value
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def select_input(block_id: str, label: str, options: list[str], value: str | None) -> dict:
    opts = [{"text": {"type": "plain_text", "text": o}, "value": o} for o in options]
    element: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": opts}
    if value in options:
        element["initial_option"] = opts[options.index(value)]
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def edit_view(service: Service) -> dict:
    now = describe(service)
    dri: dict[str, Any] = {"type": "users_select", "action_id": "value"}
    if service.dri:
        dri["initial_user"] = service.dri.slack_user_id
    blocks = [
        text_input("title", "Title", now["title"]),
        text_input("description", "Description", now["description"], multiline=True),
        text_input("team", "Owning team", now["team"]),
        {
            "type": "input",
            "block_id": "dri",
            "optional": True,
            "label": {"type": "plain_text", "text": "DRI"},
            "element": dri,
        },
        select_input(
            "tier",
            "Tier (1 is most critical)",
            [str(t) for t in TIERS],
            str(service.tier) if service.tier else None,
        ),
        select_input("lifecycle", "Lifecycle", list(LIFECYCLES), service.lifecycle),
        *[text_input(link, link.capitalize(), now[link]) for link in LINKS],
        text_input("rotation", "On-call rotation", now["rotation"]),
        text_input("depends_on", "Depends on (comma-separated)", ", ".join(now["depends_on"])),
    ]
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": json.dumps({"service": service.id}),
        "title": {"type": "plain_text", "text": "Edit service"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [section(f"*{service.name}*"), *blocks],
    }


def form_changes(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block_id, entry in values.items():
        state = entry.get("value") or {}
        if "selected_user" in state:
            out[block_id] = state["selected_user"]
        elif "selected_option" in state:
            out[block_id] = (state["selected_option"] or {}).get("value")
        else:
            raw = state.get("value")
            out[block_id] = text_value(block_id, raw or "") if block_id in ("depends_on",) else raw
    return out


def register(app, deps: Deps) -> None:
    @app.action(EDIT)
    def open_edit(ack, body: dict, context, client) -> None:
        ack()
        req = command_request(deps, context)
        service = load_service(req.db, int(body["actions"][0]["value"]))
        if service.workspace_id != req.workspace.id or not may_edit(service, req):
            raise PermissionDenied(
                "Only the owning team's leads or an admin can edit this service."
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
        req.later(direct_message(req.person.slack_user_id, text=text, blocks=reply.blocks))


# -- mentions and App Home --

NAME = r"[`'\"]?([a-z0-9][a-z0-9._/-]*)"


def answer_owner(req: CommandRequest, match: re.Match[str]) -> Reply:
    return card(req, find_service(req.db, req.workspace, match.group(1).strip("?.,!`'\""), LOOKUP))


MENTIONS = [
    Intent(
        re.compile(r"\b(?:who owns|owner of|who is responsible for) (?:the )?" + NAME),
        "who owns billing-api?",
        answer_owner,
    ),
]


def home_blocks(req: CommandRequest) -> list[dict]:
    teams = teams_of_person(req.db, req.person)
    found = services_of(req.db, req.workspace, teams)[:15] if teams else []
    if not found:
        return []
    return [section("*Services your teams own*\n" + "\n".join(service_line(s) for s in found))]
