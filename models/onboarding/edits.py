"""Onboarding templates changed one step at a time (the template form in Slack): a new one copied
from the built-in template, a step added, changed, moved or removed. Each change writes the rows
the `onboarding:` section writes (its steps through the same `parse_step`), so an export of a
template made here imports unchanged.

Steps stay in the order they are sent (by workday, then time). Moving a step up or down swaps it
with its neighbour and keeps the two slots (workday and time) where they were: the step moves,
the schedule stays."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models.core.config import ConfigError
from models.core.errors import NotFound, UserError
from models.core.workspace import Team, Workspace
from models.onboarding.config import MAX_STEPS, parse_step
from models.onboarding.templates import (
    BUILT_IN,
    TEMPLATE_NAME,
    OnboardingTemplate,
    stored_templates,
)

STEP = "step"  # the label a step's ConfigError starts with: `step.title: must be text`


def template_snapshot(row: OnboardingTemplate) -> dict[str, Any]:
    """A template as the config file has it (the audit log's before and after)."""
    entry: dict[str, Any] = {"name": row.name}
    if row.team is not None:
        entry["team"] = row.team.name
    entry["steps"] = list(row.steps)
    return entry


def step_problem(error: ConfigError) -> tuple[str, str]:
    """Which field of a step a ConfigError is about (`links` for `step.links[0].url`), and the
    problem in words."""
    rest = error.where[len(STEP) + 1 :]
    return re.split(r"[.\[]", rest)[0], error.problem


def template_from_built_in(
    db: Session, workspace: Workspace, *, name: str, team: Team | None, now: datetime
) -> OnboardingTemplate:
    """A new template named `name` (for `team`, or any), with the built-in template's steps;
    `default` for no team replaces the built-in template in the workspace."""
    name = name.strip().lower()
    if not TEMPLATE_NAME.match(name):
        raise UserError(
            f"`{name}`: template names are lowercase letters, digits, - and _.", field="name"
        )
    if any(row.name == name for row in stored_templates(db, workspace)):
        raise UserError(f"There is a template called `{name}` already.", field="name")
    steps = [parse_step(STEP, step.to_dict()) for step in BUILT_IN.steps]
    row = OnboardingTemplate(
        workspace_id=workspace.id,
        name=name,
        team=team,
        team_id=team.id if team else None,
        steps=steps,
        created_at=now,
        updated_at=now,
    )
    db.add(row)
    db.flush()
    return row


def _in_order(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(steps, key=lambda s: (s["day"], s["at"]))


def _step_at(row: OnboardingTemplate, index: int) -> dict[str, Any]:
    if not 0 <= index < len(row.steps):
        raise NotFound("That step is gone: the template changed since this form opened.")
    return row.steps[index]


def save_step(
    row: OnboardingTemplate, index: int | None, entry: dict[str, Any], now: datetime
) -> int:
    """Step `index` changed to `entry` (a new step when None), checked as the config file's
    steps are; a step keeps its shadowing. Where it is now."""
    steps = list(row.steps)
    if index is None and len(steps) >= MAX_STEPS:
        raise UserError(f"A template has at most {MAX_STEPS} steps.")
    if index is not None and _step_at(row, index).get("shadow"):
        entry = {**entry, "shadow": True}
    step = parse_step(STEP, entry)
    if index is None:
        steps.append(step)
    else:
        steps[index] = step
    ordered = _in_order(steps)
    row.steps = ordered
    row.updated_at = now
    return next(i for i, s in enumerate(ordered) if s is step)


def move_step(row: OnboardingTemplate, index: int, by: int, now: datetime) -> None:
    """Step `index` one place earlier (`by` -1) or later (1): it takes its neighbour's workday
    and time, and the neighbour takes its own."""
    step = _step_at(row, index)
    other = index + by
    if not 0 <= other < len(row.steps):
        return
    steps = list(row.steps)
    neighbour = steps[other]
    slot = lambda s: {"day": s["day"], "at": s["at"]}  # noqa: E731
    steps[index] = {**neighbour, **slot(step)}
    steps[other] = {**step, **slot(neighbour)}
    row.steps = _in_order(steps)
    row.updated_at = now


def remove_step(row: OnboardingTemplate, index: int, now: datetime) -> None:
    _step_at(row, index)
    if len(row.steps) == 1:
        raise UserError("A template needs at least one step: remove the template instead.")
    row.steps = [s for i, s in enumerate(row.steps) if i != index]
    row.updated_at = now
