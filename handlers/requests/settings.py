"""A team's request settings in a form (`/requests settings [team]`, or App Home's button):
channel, shield rotation, emojis, SLAs, working hours and days, for its leads and admins. It
writes exactly what the `requests:` section of the config file writes, with the same checks: a
wrong value is told under its input, what was typed kept, and nothing is written."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.deps import CommandRequest, Deps, command_request
from bot.later import direct_message
from bot.render import (
    Reply,
    actions,
    button,
    channel_input,
    modal,
    option,
    section,
    select_input,
    state_value,
    text_input,
)
from bot.slack import lookup_user
from handlers.requests.commands import queue_team, requests_command
from handlers.requests.threads import forget_channels
from models.core.config import ConfigError, ImportContext
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.numbers import whole_number
from models.core.people import is_lead, teams_led_by
from models.core.workspace import Team
from models.oncall.rotations import Rotation
from models.requests.config import describe_requests, set_requests
from models.requests.hours import DURATION_FORMAT, HOURS_FORMAT, parse_duration
from models.requests.requests import NORMAL, URGENT, request_settings

SETTINGS_FORM = "request_settings_form"
OPEN_SETTINGS = "request_settings_open"  # App Home's button
SETTINGS_USAGE = "/requests settings [team]"
NO_SHIELD = "-"  # the shield select's option for none (the leads are told)
# The form's inputs are the config file's fields, but for the SLA, one input per urgency.
FIELDS = ("channel", "shield", "emoji", "skip_emoji", "hours", "days")
SLA_INPUTS = {NORMAL: "sla_normal", URGENT: "sla_urgent"}
DEFAULTS = {
    "emoji": "ticket",
    "skip_emoji": "mega",
    "sla": {NORMAL: "4h", URGENT: "1h"},
    "hours": "09:00-18:00",
    "days": "mon-fri",
}


def settings_team(req: CommandRequest, team: Team) -> Team:
    """`team`, if the asker may change its settings: its leads and admins."""
    if not (req.person.is_admin or is_lead(team, req.person)):
        raise PermissionDenied(
            f"Only {team.possessive} leads or an admin can change how it takes requests.",
            team=team,
        )
    return team


def shield_options(req: CommandRequest, team: Team) -> list[dict]:
    """None, then the team's rotations, then the others (a select holds 100 options)."""
    rows = req.db.execute(
        select(Rotation.name, Rotation.team_id)
        .where(Rotation.workspace_id == req.workspace.id)
        .order_by(Rotation.team_id != team.id, Rotation.name)
    ).all()
    none = option(NO_SHIELD, "None: the team's leads are told")
    return [none, *(option(name) for name, _ in rows[:99])]


def settings_form(team: Team, entry: dict, shields: list[dict]) -> dict:
    """The form, filled with `entry` (the config file's spelling of the settings)."""
    sla = entry["sla"]
    blocks = [
        channel_input("channel", "Request channel", entry.get("channel"), hint="A thread each."),
        select_input(
            "shield",
            "Shield rotation (whoever is on call triages)",
            shields,
            entry.get("shield") or NO_SHIELD,
        ),
        text_input("emoji", "Request emoji (reacting with it makes a request)", entry["emoji"]),
        text_input(
            "skip_emoji", "Skip emoji (messages starting with it never do)", entry["skip_emoji"]
        ),
        text_input(SLA_INPUTS[NORMAL], "First response, normal", sla[NORMAL], hint=DURATION_FORMAT),
        text_input(SLA_INPUTS[URGENT], "First response, urgent", sla[URGENT], hint=DURATION_FORMAT),
        text_input("hours", "Working hours, in the team's zone", entry["hours"], hint=HOURS_FORMAT),
        text_input("days", "Working days", entry["days"], hint="Like mon-fri or sun-thu."),
    ]
    title = f"Requests: {team.name}"[:24]
    return modal(SETTINGS_FORM, title, blocks, metadata=json.dumps({"team": team.id}))


def open_settings(req: CommandRequest, team: Team, trigger_id: str) -> None:
    settings_team(req, team)
    settings = request_settings(req.db, team)
    entry = describe_requests(settings) if settings else {"team": team.name, **DEFAULTS}
    req.client.views_open(
        trigger_id=trigger_id, view=settings_form(team, entry, shield_options(req, team))
    )


@requests_command.sub("settings", SETTINGS_USAGE, "how a team takes requests, in a form (leads)")
def settings_command(req: CommandRequest, args: list[str]) -> Reply:
    try:
        team = queue_team(req, [w.lower() for w in args])
    except UserError as error:  # (the queue's usage, were it left)
        error.usage = SETTINGS_USAGE
        raise
    open_settings(req, team, req.trigger_id)
    return Reply(text=f"Opening {team.possessive} request settings…")


def entry_of(team: Team, values: dict) -> dict:
    """The submitted form as the config file would spell the team's entry."""
    entry = {"team": team.name} | {f: state_value(values, f).strip() for f in FIELDS}
    if entry["shield"] in ("", NO_SHIELD):
        entry["shield"] = None
    entry["sla"] = {u: state_value(values, block).strip() for u, block in SLA_INPUTS.items()}
    return entry


def save_settings(req: CommandRequest, view: dict) -> Team:
    meta = json.loads(view.get("private_metadata") or "{}")
    team = req.db.get(Team, whole_number(str(meta.get("team") or ""), 1) or 0)
    if team is None or team.workspace_id != req.workspace.id:
        raise NotFound("That team is gone.")
    settings_team(req, team)
    values = view["state"]["values"]
    entry = entry_of(team, values)
    lookup = lambda uid: lookup_user(req.client, uid)  # noqa: E731
    ctx = ImportContext(req.db, req.workspace, req.now(), lookup, actor=req.person)
    try:
        set_requests(ctx, entry)
    except ConfigError as error:
        raise UserError(error.problem_sentence, field=_input_of(error, entry)) from None
    return team


def _input_of(error: ConfigError, entry: dict) -> str | None:
    """The form's input a mistake in the entry's `field` is under (None: the form's top)."""
    if error.fieldname == "sla":
        for urgency, text in entry["sla"].items():
            try:
                parse_duration(text)
            except UserError:
                return SLA_INPUTS[urgency]
    return error.fieldname if error.fieldname in FIELDS else None


def settings_home(req: CommandRequest) -> list[dict]:
    """App Home: a button to each team's request settings, for its leads and admins."""
    teams = teams_led_by(req.db, req.workspace, req.person)[:25]  # (an actions block holds 25)
    if not teams:
        return []
    buttons = [button(t.name, OPEN_SETTINGS, str(t.id)) for t in teams]
    return [section("*Request settings* of the teams you lead"), actions(*buttons)]


def register(app, deps: Deps) -> None:
    @app.view(SETTINGS_FORM)
    def saved(ack, body: dict, context) -> None:
        req = command_request(deps, context)
        team = save_settings(req, body["view"])
        ack()
        forget_channels(deps)  # a new request channel counts at once here
        text = f"Saved how {team.name} takes requests. `upkeep export` writes it in `requests:`."
        req.later(direct_message(user=req.person.slack_user_id, text=text))

    @app.action(OPEN_SETTINGS)
    def opened(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        team = req.db.get(Team, whole_number(body["actions"][0].get("value") or "", 1) or 0)
        if team is None or team.workspace_id != req.workspace.id:
            raise NotFound("That team is gone.")
        open_settings(req, team, body["trigger_id"])
