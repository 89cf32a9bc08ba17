"""The rituals the scheduler runs: `/upkeep rituals`, each with when it runs next."""

from __future__ import annotations

from datetime import datetime

from bot.commands import Subcommands, no_extra_words
from bot.deps import CommandRequest
from bot.render import Reply, context, header, local_time, section
from models.core.people import get_team, is_member
from models.core.time import days_at
from models.core.workspace import Person
from models.rituals.rituals import Ritual, workspace_rituals
from models.standup.standups import STANDUP_KIND, member_zone

upkeep = Subcommands("/upkeep")  # `/upkeep rituals` (listed in FEATURE.subcommands)
PER_MEMBER = {STANDUP_KIND}  # rituals that run at the local time of each member, in their own zone


def describe_ritual(ritual: Ritual) -> str:
    """When it runs: days, time and zone, cadence, and whether it is paused."""
    every = "every week" if ritual.cadence_weeks == 1 else f"every {ritual.cadence_weeks} weeks"
    zone = "each member's own zone" if ritual.kind in PER_MEMBER else ritual.team.tz
    state = "" if ritual.enabled else " (paused)"
    return f"{days_at(ritual.days, ritual.at)} ({zone}), {every}{state}"


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


@upkeep.sub("rituals", "/upkeep rituals [team]", "the team rituals and when each runs next")
def rituals(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args[1:], upkeep.usage("rituals"))
    found = workspace_rituals(req.db, req.workspace.id)
    if args:
        team = get_team(req.db, req.workspace, args[0], upkeep.usage("rituals"))
        found = [r for r in found if r.team_id == team.id]
    if not found:
        text = "No rituals are set up yet. Add them under `rituals:` in the config file."
        return Reply(text=text, blocks=[section(text)])
    lines = ritual_lines(found, req.now(), req.person)
    blocks = [header("Rituals"), *(section(f"• {line}") for line in lines[:45])]
    yours = f"your zone, {req.person.tz}" if req.person.tz else "each team's zone"
    blocks.append(context(f"Next runs are in {yours}. Configure rituals under `rituals:`."))
    return Reply(text="\n".join(lines), blocks=blocks)
