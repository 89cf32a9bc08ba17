"""`/owner`: who owns a service, its DRI, who is on call for it, its links and dependencies; what
has nobody; and edits by the owning team's leads, in text here or in the form (`actions.py`)."""

from __future__ import annotations

import re
from typing import Any

from bot.commands import Command, no_extra_words, parse_channel, parse_user
from bot.deps import CommandRequest
from bot.feature import Intent
from bot.later import post_message
from bot.render import Reply, context, errors_under, header, local_time, section
from bot.slack import lookup_user
from handlers.catalog.blocks import service_card, service_line
from models.catalog.cards import ServiceCard, read_card
from models.catalog.config import apply_fields, record_service_changes, set_dependencies
from models.catalog.services import (
    EDITABLE,
    LINKS,
    Service,
    describe_service,
    find_service,
    find_service_id,
    load_service,
    lookup_service,
    may_edit_service,
    new_service,
    services_of,
    unowned,
)
from models.core.config import ConfigError, ImportContext
from models.core.errors import PermissionDenied, UserError
from models.core.people import get_team, is_lead, relevant_teams, teams_of_person
from models.core.words import possessive
from models.core.workspace import Person
from models.oncall.now import RotationRef, on_call_now, rotation_ref_by_id, team_rotation_refs
from models.slos.status import card_line_of, services_with_slos

owner = Command(
    "/owner",
    "who owns a service: team, DRI, on call, runbook, dependencies",
    usage_hint="<service> | team <team> | unowned | set <service> key=value | help",
)
LOOKUP = "/owner <service>"
SET_FIELDS = EDITABLE
SET = "/owner set <service> " + " ".join(f"{f}=..." for f in ("team", "dri", "tier", "runbook"))
SET_USAGE = f"{SET} (fields: {', '.join(SET_FIELDS)})"
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
    workspace = req.asker.workspace
    service_id = find_service_id(req.db, workspace, " ".join(args), usage=LOOKUP)
    return card(req, read_card(req.db, workspace, service_id))


def on_call_line(req: CommandRequest, card: ServiceCard) -> str:
    """Who is on call in the service's rotation; with none of its own, in its team's (said so)."""
    rotation_id, workspace = card.rotation_id, req.asker.workspace
    ref = rotation_ref_by_id(req.db, rotation_id, workspace) if rotation_id is not None else None
    if ref is not None:
        return on_call_in(req, ref)
    refs = team_rotation_refs(req.db, card.team_id) if card.team_id is not None else []
    if not refs or card.team_name is None:
        return "no rotation"
    whose = possessive(card.team_name)
    return f"`{card.name}` has no rotation of its own; {whose}: " + "; ".join(
        on_call_in(req, r) for r in refs
    )


def on_call_in(req: CommandRequest, ref: RotationRef) -> str:
    current, _ = on_call_now(req.db, ref, req.now())
    who = current.person.mention if current.person else "nobody"
    return f"{who} until {local_time(current.end, req.tz)} (`{ref.name}`)"


def card(req: CommandRequest, card: ServiceCard) -> Reply:
    """The service card as the asker sees it (the Edit button only if they may edit)."""
    editable = card.editable_by(req.asker)
    if card.team_id is None:  # any team's lead may claim a service with no team
        editable = req.person.is_admin or bool(teams_led(req))
    return service_card(
        card, on_call=on_call_line(req, card), editable=editable, slos=slo_line(req, card)
    )


def slo_line(req: CommandRequest, card: ServiceCard) -> str | None:
    """The service's SLOs from their stored figures (no query for a service with none)."""
    workspace = req.asker.workspace
    if card.id not in services_with_slos(req.db, workspace):
        return None
    return card_line_of(req.db, workspace, card.id)


def may_edit(service: Service, req: CommandRequest) -> bool:
    """Leads of the owning team and admins; any team's lead may claim a service with no team."""
    if service.team is None:
        return req.person.is_admin or bool(teams_led(req))
    return may_edit_service(service, req.person)


def teams_led(req: CommandRequest):
    return [t for t in teams_of_person(req.db, req.person) if is_lead(t, req.person)]


# -- lists --


TEAM = "/owner team [<team>]"


@owner.sub("team", TEAM, "the services a team owns (this channel's team's, when none is named)")
def team_command(req: CommandRequest, args: list[str]) -> Reply:
    if not args:
        return team_services(req, relevant_teams(req.db, req.workspace, req.channel_id, req.person))
    no_extra_words(args[1:], TEAM)
    return team_services(req, [get_team(req.db, req.workspace, args[0], TEAM)])


def team_services(req: CommandRequest, teams) -> Reply:
    if not teams:
        raise UserError(
            "This channel has no team and you are in none: ask about a service by name, or a "
            f"team with `{TEAM}`.",
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
        near = find_service(req.db, req.workspace, name, usage=SET_USAGE)  # raises on a real miss
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
        with errors_under("team" if field_errors else None):  # in the form: under the team
            target_team = get_team(req.db, req.workspace, str(changes["team"]), SET_USAGE)
            if not (req.person.is_admin or is_lead(target_team, req.person)):
                raise PermissionDenied(
                    f"Only {target_team.possessive} leads or an admin can give it services.",
                    team=target_team,
                )
    if service is not None and not may_edit(service, req):
        team = service.team.possessive if service.team else "a team's"
        raise PermissionDenied(
            f"Only {team} leads or an admin can change `{service.name}`.", team=service.team
        )
    ctx = ImportContext(
        req.db, req.workspace, req.now(), lambda uid: lookup_user(req.client, uid), actor=req.person
    )
    label = f"service {name}"
    was = service.dri if service is not None else None
    try:
        with req.db.begin_nested():
            created = service is None
            if service is None:
                service = new_service(req.db, req.workspace, name, now=req.now())
                req.db.flush()
            ctx.info = {
                "before": {name: None if created else describe_service(service)},
                "created": {name} if created else set(),
            }
            apply_fields(ctx, service, changes, label=label)
            if "depends_on" in changes:
                set_dependencies(ctx, service, changes["depends_on"], label=label)
            record_service_changes(ctx, [service], "service.set")
    except ConfigError as error:
        field_name, said = error.where.rsplit(".", 1)[-1], str(error)[len(error.where) + 2 :]
        if field_errors:  # under the field in the form: it needs no name
            raise UserError(said[:1].upper() + said[1:], field=field_name) from None
        raise UserError(f"`{field_name}`: {said}", SET_USAGE) from None
    changed = load_service(req.db, service.id)
    tell_dri(req, changed, was)
    return card(req, ServiceCard.of(req.db, changed))


def tell_dri(req: CommandRequest, service: Service, was: Person | None) -> None:
    """A new DRI hears that they are it, and the one replaced that they no longer are (not
    whoever made the change)."""
    new = service.dri
    if (new.id if new else None) == (was.id if was else None):
        return
    team = f" ({service.team.name})" if service.team else ""
    actor = req.person
    if new is not None and new.id != actor.id and not new.deleted:
        text = f":bust_in_silhouette: {actor.mention} made you the DRI of `{service.name}`{team}."
        req.later(post_message(channel=new.slack_user_id, text=text))
    if was is not None and was.id != actor.id and not was.deleted:
        now = f"{new.mention} is now the DRI" if new else "There is no DRI"
        by = f", set by {actor.mention}" if new is None or new.id != actor.id else ""
        text = f":bust_in_silhouette: {now} of `{service.name}`{team} instead of you{by}."
        req.later(post_message(channel=was.slack_user_id, text=text))


# -- mentions and App Home --

NAME = r"[`'\"]?([a-z0-9][a-z0-9._/-]*)"


def answer_owner(req: CommandRequest, match: re.Match[str]) -> Reply:
    wanted = match.group(1).strip("?.,!`'\"")
    service_id = find_service_id(req.db, req.workspace, wanted, usage=LOOKUP)
    return card(req, read_card(req.db, req.workspace, service_id))


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
