"""The rituals the scheduler runs: `/upkeep rituals`, each with when it runs next."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.commands import Subcommands, no_extra_words
from bot.deps import CommandRequest
from bot.render import Reply, context, header, local_time, section
from handlers.rituals.blocks import FORMS, add_buttons, ritual_buttons
from models.core.people import (
    get_team,
    is_lead,
    is_member,
    teams_led_by,
)
from models.core.time import days_at
from models.core.workspace import Person, Team
from models.pages.load import DIGEST, digest_plans
from models.rituals.rituals import Ritual, workspace_rituals
from models.standup.standups import STANDUP_KIND, member_zone

upkeep = Subcommands("/upkeep")  # `/upkeep rituals` (listed in FEATURE.subcommands)
MAX_LISTED = 20  # rituals in the list: with their buttons, 2 blocks each of a message's 50
PER_MEMBER = {STANDUP_KIND}  # rituals that run at the local time of each member, in their own zone


def describe_ritual(ritual: Ritual) -> str:
    """When it runs: days, time and zone, cadence, and whether it is paused."""
    every = "every week" if ritual.cadence_weeks == 1 else f"every {ritual.cadence_weeks} weeks"
    zone = "each member's own zone" if ritual.kind in PER_MEMBER else ritual.team.tz
    state = "" if ritual.enabled else " (paused)"
    if ritual.id is None:
        state = " (the default for a team with alert hooks; Add a page-load digest to change it)"
    return f"{days_at(ritual.days, ritual.at)} ({zone}), {every}{state}"


def listed_rituals(db: Session, workspace_id: int) -> list[Ritual]:
    """A workspace's rituals, with the page-load digest a team with alert hooks gets without
    one of its own (unsaved: `id` None), by team and kind."""
    found = workspace_rituals(db, workspace_id)
    own = {r.team_id for r in found if r.kind == DIGEST}
    for team, ritual in digest_plans(db):
        if team.workspace_id == workspace_id and team.id not in own:
            ritual.team = team
            found.append(ritual)
    return sorted(found, key=lambda r: (r.team.name, r.kind))


def next_run_text(ritual: Ritual, now: datetime, viewer: Person | None = None) -> str:
    """The next run in the viewer's zone (the team's without one); a standup the viewer is in
    runs at its time in their own zone."""
    team = ritual.team
    zone = team.tz
    if viewer is not None and ritual.kind in PER_MEMBER and is_member(team, viewer):
        zone = member_zone(viewer, team)
    nxt = ritual.next_run(zone, now) if ritual.enabled else None
    shown = viewer.zone(team.tz) if viewer is not None else team.tz
    return local_time(nxt, shown) if nxt else "not scheduled"


def ritual_lines(rituals: list[Ritual], now: datetime, viewer: Person | None = None) -> list[str]:
    return [
        f"{r.team.name} · {r.kind} · {describe_ritual(r)} · next: {next_run_text(r, now, viewer)}"
        for r in rituals
    ]


RITUALS = "/upkeep rituals [team]"


@upkeep.sub(
    "rituals",
    RITUALS,
    "the team rituals and when each runs next; leads add, edit, pause and remove standups, "
    "retros and the page-load digest there",
)
def rituals(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args[1:], RITUALS)
    team = get_team(req.db, req.workspace, args[0], RITUALS) if args else None
    return rituals_reply(req, team)


def rituals_reply(req: CommandRequest, team: Team | None) -> Reply:
    """The rituals (of one team, or all), each with when it runs next; buttons for those who
    may change them, and Add a standup, a retro or a page-load digest for the teams they lead
    that have none."""
    found = listed_rituals(req.db, req.workspace.id)
    if team is not None:
        found = [r for r in found if r.team_id == team.id]
    now = req.now()
    blocks: list[dict] = [header("Rituals")]
    lines = []
    for ritual in found[:MAX_LISTED]:
        line = ritual_lines([ritual], now, req.person)[0]
        lines.append(line)
        blocks.append(section(f"• {line}"))
        if ritual.id is not None and may_set_rituals(req, ritual.team):
            blocks.append(ritual_buttons(ritual))
    has = {(r.team_id, r.kind) for r in found if r.id is not None}
    led = [t for t in led_teams(req) if team in (None, t)]
    missing = {kind: [t for t in led if (t.id, kind) not in has] for kind in FORMS}
    if not found:
        text = "No rituals are set up yet."
        if led:
            text += " Add them with the buttons below, or under `rituals:` in the config file."
        else:
            text += " A team's leads add them here, or under `rituals:` in the config file."
        lines.append(text)
        blocks.append(section(text))
    blocks += add_buttons(missing)
    if found:
        yours = f"your zone, {req.person.tz}" if req.person.tz else "each team's zone"
        blocks.append(context(f"Next runs are in {yours}. Also under `rituals:` in the config."))
    return Reply(text="\n".join(lines), blocks=blocks)


def may_set_rituals(req: CommandRequest, team: Team) -> bool:
    return req.person.is_admin or is_lead(team, req.person)


def led_teams(req: CommandRequest) -> list[Team]:
    return teams_led_by(req.db, req.workspace, req.person)
