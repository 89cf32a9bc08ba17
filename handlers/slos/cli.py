"""`upkeep slo token --team T`: a token for pushing a team's SLO counts to `POST /hooks/sli`,
shown once."""

from __future__ import annotations

import argparse
import sys

from bot.deps import Cli
from handlers.slos.http import PATH
from models.core.errors import UserError
from models.core.people import audit, get_team
from models.slos.pushed import add_sli_token


def cmd_slo_token(cli: Cli, args) -> int:
    now = cli.clock.now()
    try:
        with cli.transaction() as (db, workspace):
            team = get_team(db, workspace, args.team)
            row, token = add_sli_token(db, team, now)
            after = {"team": team.name, "token": row.token_prefix + "…"}
            audit(
                db,
                workspace=workspace,
                actor=None,
                action="slo.token",
                subject=team.name,
                now=now,
                after=after,
                team=team,
            )
    except UserError as e:
        print(f"error: {e.message}\nno token was made", file=sys.stderr)
        return 1
    print(f"url: {cli.settings.public_url}{PATH}")
    print(f"token: {token}")
    print(
        "POST {slo, start, end, good, total} (or a list of them) with "
        "`Authorization: Bearer <token>`. It is shown only this once."
    )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    slo = sub.add_parser("slo", help="SLOs: a token for pushing counts")
    tasks = slo.add_subparsers(dest="slo_command", metavar="TASK", required=True)
    token = tasks.add_parser("token", help="a token for POST /hooks/sli, for a team's SLOs")
    token.add_argument("--team", required=True, help="the team whose SLOs it may push counts for")
    token.set_defaults(func=cmd_slo_token)
