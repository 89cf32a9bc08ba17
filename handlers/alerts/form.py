"""The Slack form for a team's escalation policies and routes: `/oncall escalation [team]`
opens the team's `alerting:` entry as the config file writes it, and saving it checks it with
the config file's rules (an unknown rotation, person or team is shown under the input, naming
the entry and the field; nothing is saved). Leads and workspace admins only; audited."""

from __future__ import annotations

import json

import yaml
from sqlalchemy import select

from bot.deps import CommandRequest, Deps, command_request
from bot.later import direct_message
from bot.render import Reply, errors_under, modal, section, state_value, text_input
from handlers.alerts.commands import oncall
from handlers.alerts.policy_form import (
    STEPS_FORM,
    TO_YAML,
    lead_team,
    on_steps_submitted,
    steps_view,
)
from models.alerts.config import AlertingSection
from models.alerts.policies import AlertSettings
from models.core.config import ImportContext
from models.core.errors import UserError
from models.core.people import get_team, relevant_teams, require_lead
from models.core.workspace import Team

FORM = "alerting_form"
ENTRY = "alerting"
TEXT_LIMIT = 3000  # characters a Slack text input holds
FORM_USAGE = "/oncall escalation [team] [yaml]"
EXAMPLE = """\
urgent: [critical]
escalations:
  - name: standard
    steps:
      - rotation: payments-primary
        wait: 10
      - leads: payments
routes:
  - match: [service=billing-api]
    escalation: standard
"""


@oncall.sub(
    "escalation", FORM_USAGE, "a team's escalation policy (or all of it, as YAML), in a form"
)
def escalation_command(req: CommandRequest, args: list[str]) -> Reply:
    as_yaml = bool(args) and args[-1].lower() == "yaml"
    args = args[:-1] if as_yaml else args
    if len(args) > 1:
        raise UserError("Name one team at most.", FORM_USAGE)
    if args:
        team = get_team(req.db, req.workspace, args[0].lower(), FORM_USAGE)
    else:
        teams = relevant_teams(req.db, req.workspace, req.channel_id, req.person)
        if len(teams) != 1:
            raise UserError("Which team? Name it.", FORM_USAGE)
        team = teams[0]
    require_lead(team, req.person, "change its escalation policies")
    view = form_view(req, team) if as_yaml else steps_view(req, team)
    req.client.views_open(trigger_id=req.trigger_id, view=view)
    return Reply(text="Opening the form…")


def form_view(req: CommandRequest, team: Team) -> dict:
    stored = req.db.scalar(select(AlertSettings.entry).where(AlertSettings.team_id == team.id))
    entry = {k: v for k, v in (stored or {}).items() if k != "team"}
    text = yaml.safe_dump(entry, sort_keys=False) if entry else EXAMPLE
    intro = (
        f"{team.possessive} `alerting:` entry, as `upkeep export` writes it: escalation "
        "policies (steps: rotation, person, leads or channel, each with a wait in minutes; "
        "repeat), routes (label matchers such as `service=billing-api` or "
        "`severity=~crit.*`, then a policy), the urgent severities."
    )
    if len(text) > TEXT_LIMIT:  # cut, it would drop the rest when saved: nothing to save here
        too_long = (
            f"It is {len(text):,} characters, more than a Slack form holds ({TEXT_LIMIT:,}): "
            "change it in the config file (`upkeep export`, then `upkeep import`), or the "
            f"default policy with `/oncall escalation {team.name}`."
        )
        view = modal(FORM, "Escalation policies", [section(intro), section(too_long)])
        del view["submit"]
        return view
    return modal(
        FORM,
        "Escalation policies",
        [
            section(intro),
            text_input(ENTRY, "Alerting", text, multiline=True, max_length=TEXT_LIMIT),
        ],
        metadata={"team": team.id},
    )


def on_submitted(ack, body: dict, req: CommandRequest) -> None:
    view = body["view"]
    metadata = json.loads(view.get("private_metadata") or "{}")
    team = lead_team(req, int(metadata.get("team", 0)))
    text = state_value(view["state"]["values"], ENTRY)
    with errors_under(ENTRY):
        try:
            entry = yaml.safe_load(text) or {}
        except yaml.YAMLError as e:
            raise UserError(f"That isn't YAML I can read ({str(e).splitlines()[0]}).") from None
        if not isinstance(entry, dict):
            raise UserError("Give the fields as a mapping (escalations:, routes:, urgent:).")
        ctx = ImportContext(req.db, req.workspace, req.now(), None, actor=req.person)
        AlertingSection().load(ctx, [{**entry, "team": team.name}])
        req.db.flush()
    ack()
    said = f"Saved {team.possessive} escalation policies and routes."
    req.later(direct_message(user=req.person.slack_user_id, text=said))


def form_listeners(app, deps: Deps) -> None:
    @app.view(FORM)
    def submitted(ack, body: dict, context) -> None:
        on_submitted(ack, body, command_request(deps, context))

    @app.view(STEPS_FORM)
    def steps_submitted(ack, body: dict, context) -> None:
        on_steps_submitted(ack, body, command_request(deps, context))

    @app.action(TO_YAML)
    def to_yaml(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        value = (body.get("actions") or [{}])[0].get("value") or ""
        team = lead_team(req, int(value) if value.isdigit() else 0)
        req.client.views_push(trigger_id=body["trigger_id"], view=form_view(req, team))
