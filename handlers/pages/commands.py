"""Pages: alert webhooks in (`/hooks/<source>`), `upkeep hooks add|list`, classification
buttons on sleep-hour pages, and the page-load figures on demand (`/oncall load`)."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import timedelta

from bot.commands import Subcommands
from bot.deps import Cli, CommandRequest, Deps
from bot.later import update_message
from bot.render import Reply
from bot.settings import Settings
from handlers.pages.blocks import CLASSIFY_PREFIX, classified_block, load_blocks, load_text
from handlers.pages.http import PREFIX
from models.core.errors import UserError
from models.core.people import audit, find_team, get_team, relevant_teams
from models.core.workspace import Team
from models.pages.formats import SOURCES
from models.pages.integrations import Integration, add_integration, integrations_of
from models.pages.load import WINDOWS, load
from models.pages.pages import classify, get_page

# `/oncall load`: pages' figures, on the on-call command (listed in FEATURE.subcommands).
oncall = Subcommands("/oncall")
LOAD_USAGE = "/oncall load [team] [7d|30d|90d]"
WINDOW_LIKE = re.compile(r"\d+[a-z]?")


# -- /oncall load --------------------------------------------------------------------------


@oncall.sub("load", LOAD_USAGE, "page load: pages per person, sleep and off-hours, noisiest alerts")
def load_command(req: CommandRequest, args: list[str]) -> Reply:
    days, names = 7, []
    for word in (a.lower() for a in args):
        if word in WINDOWS:
            days = WINDOWS[word]
        elif WINDOW_LIKE.fullmatch(word) and find_team(req.db, req.workspace, word) is None:
            *some, last = WINDOWS
            known = f"{', '.join(some)} or {last}"
            raise UserError(f"`{word}` isn't a window I know: {known}.", LOAD_USAGE)
        else:
            names.append(word)
    if len(names) > 1:
        raise UserError("Name one team at most.", LOAD_USAGE)
    team = _team(req, names[0] if names else None)
    now = req.now()
    figures = load(req.db, team, now - timedelta(days=days), now)
    return Reply(text=load_text(figures), blocks=load_blocks(figures))


def _team(req: CommandRequest, name: str | None) -> Team:
    if name:
        return get_team(req.db, req.workspace, name, LOAD_USAGE)
    teams = relevant_teams(req.db, req.workspace, req.channel_id, req.person)
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise UserError("Which team? You're in none, and this channel belongs to none.", LOAD_USAGE)
    raise UserError(f"Which team: {', '.join(t.name for t in teams)}?", LOAD_USAGE)


# -- classification buttons ------------------------------------------------------------------


def register(app, deps: Deps) -> None:
    @app.action(re.compile(f"^{CLASSIFY_PREFIX}"))
    def on_classify(ack, body: dict, context) -> None:
        ack()
        action = body["actions"][0]
        kind = action["action_id"][len(CLASSIFY_PREFIX) :]
        if not action.get("value", "").isdigit():
            raise UserError("That button has lost its page.")
        db, workspace, person = context["db"], context["workspace"], context["person"]
        now = deps.clock.now()
        page = get_page(db, workspace, int(action["value"]))
        before = {"classification": page.classification}
        classify(page, kind, person, now)
        audit(
            db,
            workspace=workspace,
            actor=person,
            action="page.classify",
            subject=f"page {page.id}",
            now=now,
            before=before,
            after={"classification": kind},
        )
        message, channel = body.get("message"), (body.get("channel") or {}).get("id")
        if message and channel:
            marker = f"page_{page.id}"
            blocks = [
                classified_block(kind, person.slack_user_id) if b.get("block_id") == marker else b
                for b in message.get("blocks") or []
            ]
            context["later"](
                update_message(
                    channel=channel,
                    ts=message["ts"],
                    text=message.get("text") or "Page load",
                    blocks=blocks,
                )
            )


# -- the command line ----------------------------------------------------------------------


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
                args.source,
                clock.now(),
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
                after=describe(integration),
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


def describe(integration: Integration) -> dict:
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
        rows = [describe(i) for i in integrations_of(db, workspace)]
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
