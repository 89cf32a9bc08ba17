"""The service card, a service's line in a list, and the Edit form. Pure: data in, blocks out."""

from __future__ import annotations

from bot.render import (
    Reply,
    actions,
    button,
    context,
    fields,
    header,
    link_to,
    modal,
    option,
    section,
    select_input,
    text_input,
    user_input,
    user_text,
)
from models.catalog.cards import ServiceCard
from models.catalog.services import LIFECYCLES, LINKS, TIERS, Service, describe_service

EDIT = "owner_edit"
EDIT_VIEW = "owner_edit_view"


def service_card(
    card: ServiceCard, *, on_call: str, editable: bool, slos: str | None = None
) -> Reply:
    """Who owns the service and how to reach them, with an Edit button for those who may."""
    owners = "none"
    if card.team_name is not None:
        leads = ", ".join(card.lead_mentions)
        owners = f"*{card.team_name}*" + (f" (leads {leads})" if leads else "")
    dri = card.dri_mention or "none"
    if card.dri_left:
        dri += " (has left)"
    links = " · ".join(link_to(url, kind) for kind, url in card.links)
    pairs = [
        ("Team", owners),
        ("DRI", dri),
        ("On call now", on_call),
        ("Tier", str(card.tier) if card.tier else "not set"),
        ("Lifecycle", card.lifecycle),
        ("Links", links or "none (add a runbook!)"),
        ("Depends on", ", ".join(f"`{n}`" for n in card.depends_on) or "nothing"),
        ("Used by", ", ".join(f"`{n}`" for n in card.used_by) or "nothing known"),
    ]
    if slos:
        pairs.append(("SLOs", slos))
    blocks = [header(card.title or card.name)]
    if card.description:
        blocks.append(section(user_text(card.description)))
    blocks.append(fields(*pairs))
    notes = [f"`{card.name}`"]
    if card.tags:
        notes.append("tags: " + ", ".join(user_text(tag) for tag in card.tags))
    if card.last_reviewed:
        notes.append(f"reviewed {card.last_reviewed.isoformat()}")
    blocks.append(context(" · ".join(notes)))
    if editable:
        blocks.append(actions(button("Edit", EDIT, str(card.id))))
    label = f"{user_text(card.title)} (`{card.name}`)" if card.title else f"`{card.name}`"
    text = f"{label}\n" + "\n".join(f"{k}: {v}" for k, v in pairs)
    return Reply(text=text, blocks=blocks)


def service_line(service: Service) -> str:
    parts = [f"`{service.name}`"]
    if service.tier:
        parts.append(f"tier {service.tier}")
    parts.append(f"DRI {service.dri.mention}" if service.dri else "no DRI")
    if service.lifecycle != "production":
        parts.append(service.lifecycle)
    return " · ".join(parts)


def edit_view(service: Service) -> dict:
    """The Edit form: every field optional, filled in with what the service has now. Each input's
    block id is the `/owner set` field it changes."""
    now = describe_service(service)
    tier = str(service.tier) if service.tier else None
    blocks = [
        section(f"*{service.name}*"),
        text_input("title", "Title", now["title"], optional=True),
        text_input("description", "Description", now["description"], optional=True, multiline=True),
        text_input("team", "Owning team", now["team"], optional=True),
        user_input("dri", "DRI", now["dri"], optional=True),
        select_input(
            "tier",
            "Tier (1 is most critical)",
            [option(str(t)) for t in TIERS],
            tier,
            optional=True,
        ),
        select_input(
            "lifecycle",
            "Lifecycle",
            [option(lifecycle) for lifecycle in LIFECYCLES],
            service.lifecycle,
            optional=True,
        ),
        *[text_input(link, link.capitalize(), now[link], optional=True) for link in LINKS],
        text_input("rotation", "On-call rotation", now["rotation"], optional=True),
        text_input(
            "depends_on",
            "Depends on (comma-separated)",
            ", ".join(now["depends_on"]),
            optional=True,
        ),
    ]
    return modal(EDIT_VIEW, "Edit service", blocks, metadata={"service": service.id})
