"""`upkeep audit`: the audit log for the operator, every team's entries, newest first, in UTC."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC

from bot.deps import Cli
from handlers.upkeep.blocks import NOBODY
from models.core.audit import newest_entries
from models.core.errors import UserError
from models.core.people import get_team
from models.core.workspace import AuditEntry


def add_commands(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser(
        "audit", help="the audit log: who changed what, and who was refused (newest first, UTC)"
    )
    audit.add_argument("--team", help="only this team's entries")
    audit.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")
    audit.set_defaults(func=cmd_audit)


def cmd_audit(cli: Cli, args) -> int:
    if args.limit < 1:
        print("error: --limit must be at least 1", file=sys.stderr)
        return 2
    try:
        with cli.transaction() as (db, workspace):
            team = get_team(db, workspace, args.team) if args.team else None
            ids = [team.id] if team else None
            entries, total = newest_entries(db, workspace, team_ids=ids, limit=args.limit)
            rows = [audit_row(entry) for entry in entries]
    except UserError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 1
    if not rows:
        print(f"No audit entries{f' for {args.team}' if args.team else ''} yet.")
        return 0
    width = max(len(team) for _, team, _ in rows)
    for at, team, rest in rows:
        print(f"{at}  {team:<{width}}  {rest}")
    if total > len(rows):
        print(f"… and {total - len(rows)} more (--limit)")
    return 0


def audit_row(entry: AuditEntry) -> tuple[str, str, str]:
    """(when in UTC, the team or `-`, who did what) of one entry."""
    actor = entry.actor
    who = f"{actor.display_name} ({actor.slack_user_id})" if actor else NOBODY
    if entry.refused:
        reason = (entry.after or {}).get("refused", "")
        what = f"refused: {entry.action}" + (f" ({reason})" if reason else "")
    else:
        what = f"{entry.action} {entry.subject}".rstrip()
    at = entry.at.astimezone(UTC)
    return f"{at:%Y-%m-%d %H:%M} UTC", entry.team.name if entry.team else "-", f"{who}  {what}"
