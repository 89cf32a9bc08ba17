"""`upkeep hooks add|list`: alert integrations from the command line, each with the URL to send
to and a token shown only once."""

from __future__ import annotations

import argparse
import sys

from bot.deps import Cli
from bot.settings import Settings
from handlers.pages.http import PREFIX
from models.core.errors import UserError
from models.core.people import audit, get_team
from models.pages.formats import SOURCES
from models.pages.integrations import Integration, add_integration, integrations_of


def hook_url(settings: Settings, source: str) -> str:
    return f"{settings.public_url}{PREFIX}{source}"


def cmd_hooks_add(cli: Cli, args) -> int:
    clock = cli.clock
    try:
        with cli.transaction() as (db, workspace):
            team = get_team(db, workspace, args.team)
            integration, token = add_integration(
                db,
                workspace,
                team,
                source=args.source,
                now=clock.now(),
                rotation=args.rotation,
                severities=args.severity,
                signing_secret=args.signing_secret,
            )
            audit(
                db,
                workspace=workspace,
                actor=None,
                action="hooks.add",
                subject=f"{integration.source}:{team.name}",
                now=clock.now(),
                after=describe_integration(integration),
                team=team,
            )
    except UserError as e:
        print(f"error: {e.message}\nnothing was added", file=sys.stderr)
        return 1
    print(f"url: {hook_url(cli.settings, integration.source)}")
    print(f"token: {token}")
    print(
        "Send it as `Authorization: Bearer <token>` (or add `?token=<token>` to the url). "
        "It is shown only this once."
    )
    return 0


def describe_integration(integration: Integration) -> dict:
    """What the audit log and `upkeep hooks list` show of an integration (never its token)."""
    return {
        "id": integration.id,
        "source": integration.source,
        "team": integration.team.name,
        "rotation": integration.rotation,
        "severities": integration.severities,
        "token": integration.token_prefix + "…",
        "signed": bool(integration.signing_secret),
    }


def cmd_hooks_list(cli: Cli, args) -> int:
    with cli.transaction() as (db, workspace):
        rows = [describe_integration(i) for i in integrations_of(db, workspace)]
    if not rows:
        print("No alert integrations yet: `upkeep hooks add <source> --team <team>`.")
    for row in rows:
        print(
            f"{row['id']}  {row['source']:<12} team={row['team']} "
            f"rotation={row['rotation'] or '-'} severities={row['severities']} "
            f"token={row['token']}{' signed' if row['signed'] else ''}  "
            f"{hook_url(cli.settings, row['source'])}"
        )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    hooks = sub.add_parser("hooks", help="alert webhooks: add an integration, list them")
    tasks = hooks.add_subparsers(dest="hooks_command", metavar="TASK", required=True)
    add = tasks.add_parser("add", help="a webhook URL and token for a team's alerts")
    add.add_argument("source", choices=SOURCES)
    add.add_argument("--team", required=True, help="the team whose pages these are")
    add.add_argument("--rotation", help="the rotation whose on-call person gets paged")
    add.add_argument(
        "--severity", help="comma-separated severities that page (default depends on the source)"
    )
    add.add_argument("--signing-secret", help="PagerDuty's webhook signing secret")
    add.set_defaults(func=cmd_hooks_add)
    tasks.add_parser("list", help="the alert integrations").set_defaults(func=cmd_hooks_list)
