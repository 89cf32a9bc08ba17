"""`upkeep jobs list|run` on the command line: the rituals with their next runs, and one kind of
job run now (through the same delivery path as the worker's tick)."""

from __future__ import annotations

import sys

from bot.deps import Cli
from bot.jobs.engine import DeliveryEngine
from handlers.rituals.commands import listed_rituals, ritual_lines
from models.core.errors import UserError
from models.core.people import get_team


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
        lines = ritual_lines(listed_rituals(db, workspace.id), cli.clock.now())
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
