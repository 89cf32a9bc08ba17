"""The structured form for the common case: a team's default escalation policy, as fields. Each
row is a step (whom: on call in a rotation, a person, a team's leads or its channel; the
person, for a person step; minutes to wait before the next step), then how many times the
whole policy repeats. Saving merges the policy into the team's `alerting:` entry and checks the
whole entry with the config file's rules, so what the form saves is what `upkeep export`
writes and `upkeep import` reads back; a mistake is shown under its field and nothing is saved.
Routes, other policies and the urgent severities stay in the YAML form (`Edit as YAML`), which
fits any number of them where fields would not (Slack's modals hold 100 blocks)."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from bot.deps import CommandRequest
from bot.later import direct_message
from bot.render import modal, option, section, select_input, state_value, text_input, user_input
from bot.render.text import truncate
from models.alerts.config import AlertingSection
from models.alerts.policies import (
    BUILTIN,
    CHANNEL,
    DEFAULT_WAIT,
    LEADS,
    MAX_REPEAT,
    MAX_WAIT,
    PERSON,
    ROTATION,
    AlertSettings,
)
from models.core.config import ConfigError, ImportContext
from models.core.errors import NotFound, UserError
from models.core.people import require_lead, teams_of_workspace
from models.core.workspace import Team
from models.oncall.rotations import rotations_of

STEPS_FORM = "alerting_steps_form"
TO_YAML = "alerting_steps_yaml"
ROWS_MIN, ROWS_MAX = 3, 10  # step rows shown: the policy's steps and one empty, within these
OPTIONS_MAX = 100  # a static select's options
OPTION_TEXT_MAX = 75  # characters of an option's text
NEW_POLICY = "standard"  # the default policy's name when the team has none yet
REPEAT = "repeat"
GENERAL = "step_0_who"  # where a mistake that names no field is shown


def block(i: int, field: str) -> str:
    """A step row's input: `who`, `person` or `wait`."""
    return f"step_{i}_{field}"


def lead_team(req: CommandRequest, team_id: int) -> Team:
    """The team a form or button is about, if the presser may change its policies."""
    team = req.db.get(Team, team_id)
    if team is None or team.workspace_id != req.workspace.id:
        raise NotFound("That team no longer exists.")
    require_lead(team, req.person, "change its escalation policies")
    return team


def stored_entry(req: CommandRequest, team: Team) -> dict[str, Any]:
    entry = req.db.scalar(select(AlertSettings.entry).where(AlertSettings.team_id == team.id))
    return {k: v for k, v in (entry or {}).items() if k != "team"}


def default_policy(entry: dict[str, Any]) -> tuple[int | None, dict[str, Any]]:
    """The index of the default policy among the entry's escalations (None: a new one), and it."""
    policies = entry.get("escalations") or []
    name = entry.get("default", policies[0]["name"] if policies else BUILTIN)
    for i, policy in enumerate(policies):
        if policy["name"] == name:
            return i, policy
    return None, {"name": NEW_POLICY, "steps": [], "repeat": 0}


def who_options(req: CommandRequest, team: Team, steps: list[dict]) -> list[dict]:
    """Whom a step may notify: the team's own first, then the rest of the workspace."""
    teams = sorted(teams_of_workspace(req.db, req.workspace), key=lambda t: t.id != team.id)
    rotations = sorted(rotations_of(req.db, req.workspace), key=lambda r: r.team_id != team.id)
    out = [option(PERSON, "A person (pick them below)")]
    out += [shown(f"{ROTATION}:{r.name}", f"On call in {r.name}") for r in rotations]
    out += [shown(f"{LEADS}:{t.name}", f"{t.possessive} leads") for t in teams]
    out += [shown(f"{CHANNEL}:{t.name}", f"{t.possessive} channel") for t in teams]
    chosen = {step_value(s) for s in steps}
    kept = [o for o in out if o["value"] in chosen]
    return kept + [o for o in out if o not in kept][: OPTIONS_MAX - len(kept)]


def shown(value: str, text: str) -> dict:
    """An option, its text within Slack's 75 characters."""
    return option(value, truncate(text, OPTION_TEXT_MAX))


def step_value(step: dict[str, Any]) -> str:
    kind = next(k for k in step if k != "wait")
    return PERSON if kind == PERSON else f"{kind}:{step[kind]}"


def steps_view(req: CommandRequest, team: Team) -> dict:
    entry = stored_entry(req, team)
    _, policy = default_policy(entry)
    steps = policy["steps"]
    options = who_options(req, team, steps)
    intro = (
        f"{team.possessive} default escalation policy (`{policy['name']}`): its steps in "
        "order, each notified when the one before it goes unacked for its wait. Leave a row's "
        "*Whom* empty to leave it out. Routes, other policies and the urgent severities: "
        "*Edit as YAML*."
    )
    head = section(intro)
    head["accessory"] = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Edit as YAML"},
        "action_id": TO_YAML,
        "value": str(team.id),
    }
    blocks = [head]
    for i in range(max(ROWS_MIN, min(len(steps) + 1, ROWS_MAX))):
        step = steps[i] if i < len(steps) else None
        value = step_value(step) if step else None
        person = step.get(PERSON) if step else None
        wait = str(step["wait"]) if step else None
        blocks.append(
            select_input(block(i, "who"), f"Step {i + 1}: whom", options, value, optional=True)
        )
        blocks.append(
            user_input(block(i, "person"), f"Step {i + 1}: the person", person, optional=True)
        )
        blocks.append(
            text_input(
                block(i, "wait"),
                f"Step {i + 1}: minutes to wait for an ack",
                wait,
                optional=True,
                max_length=4,
                hint=f"whole minutes, 0 to {MAX_WAIT}; empty: {DEFAULT_WAIT}",
            )
        )
    blocks.append(
        text_input(
            REPEAT,
            "Run the steps again if nobody acks, this many times",
            str(policy.get("repeat", 0)),
            max_length=2,
            hint=f"0 to {MAX_REPEAT}",
        )
    )
    rows = (len(blocks) - 2) // 3
    return modal(
        STEPS_FORM,
        "Escalation policy",
        blocks,
        metadata={"team": team.id, "rows": rows},
    )


def read_steps(values: dict, rows: int) -> list[dict[str, Any]]:
    """The rows filled in, as the config file writes steps; a mistake under its field."""
    steps = []
    for i in range(rows):
        who = state_value(values, block(i, "who"))
        if not who:
            continue
        kind, _, target = who.partition(":")
        if kind == PERSON:
            target = state_value(values, block(i, "person"))
            if not target:
                raise UserError("Pick the person to notify.", field=block(i, "person"))
        wait_text = state_value(values, block(i, "wait")).strip()
        if not wait_text:
            wait = DEFAULT_WAIT
        elif re.fullmatch(r"\d{1,4}", wait_text) and int(wait_text) <= MAX_WAIT:
            wait = int(wait_text)
        else:
            raise UserError(f"Give whole minutes, 0 to {MAX_WAIT}.", field=block(i, "wait"))
        steps.append({"row": i, kind: target, "wait": wait})
    if not steps:
        raise UserError("Say whom the first step notifies.", field=GENERAL)
    return steps


def read_repeat(values: dict) -> int:
    text = state_value(values, REPEAT).strip()
    if not re.fullmatch(r"\d{1,2}", text) or int(text) > MAX_REPEAT:
        raise UserError(f"Give a number from 0 to {MAX_REPEAT}.", field=REPEAT)
    return int(text)


STEP_FIELD = re.compile(r"\.escalations\[(\d+)\][^.]*\.(?:steps\[(\d+)\]\.?(\w*)|(repeat))")


def field_of(error: ConfigError, index: int, rows: list[int]) -> str:
    """The form's field for a config check's mistake in the default policy (`index`); GENERAL
    for the rest."""
    found = STEP_FIELD.search(error.where)
    if found is None or int(found.group(1)) != index:
        return GENERAL
    if found.group(4):
        return REPEAT
    row = rows[int(found.group(2))]
    field = found.group(3)
    if field == "wait":
        return block(row, "wait")
    return block(row, "person") if field == PERSON else block(row, "who")


def on_steps_submitted(ack, body: dict, req: CommandRequest) -> None:
    view = body["view"]
    metadata = json.loads(view.get("private_metadata") or "{}")
    team = lead_team(req, int(metadata.get("team", 0)))
    values = view["state"]["values"]
    read = read_steps(values, int(metadata.get("rows", ROWS_MIN)))
    repeat = read_repeat(values)
    entry = stored_entry(req, team)
    index, policy = default_policy(entry)
    steps = [{k: v for k, v in s.items() if k != "row"} for s in read]
    changed = {"name": policy["name"], "steps": steps, "repeat": repeat}
    policies = list(entry.get("escalations") or [])
    if index is None:
        index = len(policies)
        policies.append(changed)
    else:
        policies[index] = changed
    merged = {**entry, "escalations": policies, "default": policy["name"]}
    ctx = ImportContext(req.db, req.workspace, req.now(), None, actor=req.person)
    try:
        AlertingSection().load(ctx, [{**merged, "team": team.name}])
    except ConfigError as error:
        where = field_of(error, index, [s["row"] for s in read])
        said = error.message if where == GENERAL else error.problem
        raise UserError(said, field=where) from None
    req.db.flush()
    ack()
    said = f"Saved {team.possessive} default escalation policy ({len(steps)} step(s))."
    req.later(direct_message(user=req.person.slack_user_id, text=said))
