"""The rituals the scheduler runs: `/upkeep rituals`, and `upkeep jobs list|run` on the command
line (`run` goes through the same delivery path as the worker's tick)."""

from __future__ import annotations

import sys
from datetime import datetime

from bot.commands import Subcommands, no_extra_words
from bot.deps import Cli, CommandRequest
from bot.jobs.engine import DeliveryEngine
from bot.render import Reply, context, header, local_time, section
from models.core.errors import UserError
from models.core.people import get_team, is_member
from models.core.time import format_days
from models.core.workspace import Person
from models.rituals.rituals import Ritual, workspace_rituals
from models.standup.standups import member_zone

upkeep = Subcommands("/upkeep")  # `/upkeep rituals` (listed in FEATURE.subcommands)
PER_MEMBER = {"standup"}  # rituals that run at the local time of each member, in their own zone


def describe(ritual: Ritual) -> str:
    every = "every week" if ritual.cadence_weeks == 1 else f"every {ritual.cadence_weeks} weeks"
    zone = "each member's own zone" if ritual.kind in PER_MEMBER else ritual.team.tz
    state = "" if ritual.enabled else " (paused)"
    return f"{format_days(ritual.days)} {ritual.at:%H:%M} ({zone}), {every}{state}"


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
        f"{r.team.name} · {r.kind} · {describe(r)} · next: {next_run_text(r, now, viewer)}"
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


# -- the command line ----------------------------------------------------------------------


def add_commands(subparsers) -> None:
    jobs = subparsers.add_parser("jobs", help="the scheduled rituals and their deliveries")
    tasks = jobs.add_subparsers(dest="jobs_command", metavar="TASK", required=True)
    tasks.add_parser(
        "list", help="every ritual with its next run in its own time zone"
    ).set_defaults(func=cmd_jobs_list)
    run = tasks.add_parser("run", help="run one kind of job now, through the delivery path")
    run.add_argument("kind", help="standup, retro-reminder, pageload-digest, handoff, ...")
    run.add_argument("--team", help="only this team")
    run.add_argument("--force", action="store_true", help="send again what was sent already")
    run.set_defaults(func=cmd_jobs_run)


def cmd_jobs_list(cli: Cli, args) -> int:
    with cli.transaction() as (db, workspace):
        lines = ritual_lines(workspace_rituals(db, workspace.id), cli.clock.now())
    print("\n".join(lines) if lines else "no rituals yet (add them under `rituals:`)")
    return 0


def cmd_jobs_run(cli: Cli, args) -> int:
    try:
        team_id = None
        if args.team:
            with cli.transaction() as (db, workspace):
                team_id = get_team(db, workspace, args.team).id
        engine = DeliveryEngine(
            cli.session_factory, cli.client, cli.clock, cli.settings, jobs=cli.jobs
        )
        report = engine.run_kind(args.kind, team_id=team_id, force=args.force)
    except UserError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 2
    for label, keys in (
        ("sent", report.sent),
        ("already delivered", report.already),
        ("retrying later", report.retrying),
        ("failed", report.failed),
    ):
        print(f"{label}: {len(keys)}" + "".join(f"\n  {k}" for k in keys))
    return 1 if report.failed else 0
