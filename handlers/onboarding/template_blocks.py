"""Onboarding templates in Slack: the list with its buttons, the New from built-in form, the
template form (its steps, each with Edit, Up, Down and Remove) and the step form. Pure: data in,
blocks out."""

from __future__ import annotations

from typing import Any

from bot.render import (
    MAX_BLOCKS_MESSAGE,
    MAX_BLOCKS_VIEW,
    actions,
    button,
    context,
    header,
    section,
    user_text,
)
from bot.render.modals import modal, option, select_input, text_input, time_input
from models.core.workspace import Team
from models.onboarding.config import CHECKLIST_LIMIT, MAX_DAY, MAX_STEPS
from models.onboarding.templates import (
    BODY_LIMIT,
    BUILT_IN,
    DEFAULT,
    TITLE_LIMIT,
    OnboardingTemplate,
)

NEW_TEMPLATE = "onboarding_template_new"
EDIT_TEMPLATE = "onboarding_template_edit"  # value: the template's id
REMOVE_TEMPLATE = "onboarding_template_remove"
NEW_TEMPLATE_VIEW = "onboarding_template_new_view"
TEMPLATE_VIEW = "onboarding_template_view"
ADD_STEP = "onboarding_step_add"  # value: the template's id
EDIT_STEP = "onboarding_step_edit"  # the others' value: "<template id>:<step index>"
STEP_UP = "onboarding_step_up"
STEP_DOWN = "onboarding_step_down"
REMOVE_STEP = "onboarding_step_remove"
STEP_VIEW = "onboarding_step_view"
MAX_LISTED = (MAX_BLOCKS_MESSAGE - 4) // 2  # templates in the list: a line and buttons each
USE = "`/onboard @hire <template>`"


def _confirmed(b: dict, title: str, text: str) -> dict:
    b["confirm"] = {
        "title": {"type": "plain_text", "text": title},
        "text": {"type": "plain_text", "text": text},
        "confirm": {"type": "plain_text", "text": "Remove"},
        "deny": {"type": "plain_text", "text": "Keep it"},
    }
    return b


def template_line(name: str, team: str | None, steps: list[dict[str, Any]], note: str = "") -> str:
    days = max((s["day"] for s in steps), default=0) + 1
    whose = f"*{user_text(team)}*'s" if team else "any team's"
    return f"• `{name}`{note}: {whose}, {len(steps)} steps over {days} workdays"


def templates_message(
    rows: list[OnboardingTemplate], changeable: set[int], *, may_create: bool
) -> tuple[str, list[dict]]:
    """The templates `/onboard` offers, the built-in one first unless a `default` replaces it;
    Edit and Remove on those the reader may change, New from built-in for leads."""
    blocks: list[dict] = [header("Onboarding templates")]
    lines = []
    if not any(r.name == DEFAULT and r.team is None for r in rows):
        built_in = [s.to_dict() for s in BUILT_IN.steps]
        lines.append(template_line(DEFAULT, None, built_in, " (built in)"))
        blocks.append(section(lines[-1]))
    for row in rows[:MAX_LISTED]:
        lines.append(template_line(row.name, row.team.name if row.team else None, row.steps))
        blocks.append(section(lines[-1]))
        if row.id in changeable:
            remove = button("Remove", REMOVE_TEMPLATE, str(row.id), style="danger")
            gone = f"`{row.name}` goes; walkthroughs started with it carry on."
            blocks.append(
                actions(
                    button("Edit", EDIT_TEMPLATE, str(row.id)),
                    _confirmed(remove, "Remove it?", gone),
                )
            )
    if may_create:
        blocks.append(actions(button("New from built-in", NEW_TEMPLATE, "")))
    how = f"{USE} starts a walkthrough with one; a team's own is used when none is named."
    blocks.append(context(how))
    return "\n".join([*lines, how]), blocks


def new_template_view(teams: list[Team], *, any_team: bool) -> dict:
    """Name and team of a template copied from the built-in one; `any_team`: the team may be
    left empty (admins)."""
    hint = "Lowercase letters, digits, - and _, like backend-engineer"
    blocks = [
        text_input("name", "Name", max_length=80, hint=hint),
        select_input(
            "team",
            "Team",
            [option(t.name) for t in teams[:100]],
            teams[0].name if len(teams) == 1 else None,
            optional=any_team,
            hint="Its leads may change it; `/onboard` uses it for the team when none is named",
        ),
    ]
    return modal(NEW_TEMPLATE_VIEW, "New onboarding template", blocks, submit="Create")


def template_view(row: OnboardingTemplate) -> dict:
    """The template's steps in the order they are sent, each with Edit, Up, Down and Remove:
    every change is saved as it is made. Two blocks a step, within a modal's 100."""
    whose = f"*{user_text(row.team.name)}*'s" if row.team else "any team's"
    blocks: list[dict] = [
        section(
            f"`{row.name}`: {whose} onboarding template, {len(row.steps)} steps. "
            "Changes are saved as you make them."
        )
    ]
    last = len(row.steps) - 1
    for i, step in enumerate(row.steps):
        ticks = len(step.get("checklist") or [])
        extra = f" · {ticks} to tick off" if ticks else ""
        extra += " · shadows on call" if step.get("shadow") else ""
        blocks.append(
            section(
                f"*{i + 1}.* Day {step['day']}, {step['at']}: *{user_text(step['title'])}*{extra}"
            )
        )
        value = f"{row.id}:{i}"
        found = [button("Edit", EDIT_STEP, value)]
        if i > 0:
            found.append(button("Up", STEP_UP, value))
        if i < last:
            found.append(button("Down", STEP_DOWN, value))
        if last > 0:
            remove = button("Remove", REMOVE_STEP, value, style="danger")
            found.append(_confirmed(remove, "Remove the step?", f"Step {i + 1} goes."))
        blocks.append(actions(*found))
    if len(row.steps) < MAX_STEPS:
        blocks.append(actions(button("Add a step", ADD_STEP, str(row.id))))
    assert len(blocks) <= MAX_BLOCKS_VIEW  # MAX_STEPS keeps it so
    view = modal(TEMPLATE_VIEW, "Onboarding template", blocks, close="Done")
    view.pop("submit")  # nothing to submit: each button saves
    view["private_metadata"] = str(row.id)
    return view


def step_view(row: OnboardingTemplate, index: int | None, editor: str) -> dict:
    """One step's form: workday, time, title, text, checklist and links, as the config file has
    them; `editor` is the template form's view, shown again once this one is saved."""
    step: dict[str, Any] = (
        row.steps[index]
        if index is not None
        else {"day": row.steps[-1]["day"] if row.steps else 0, "at": "10:00"}
    )
    links = "\n".join(f"{x['label']} {x['url']}" for x in step.get("links") or [])
    blocks = [
        text_input(
            "day",
            "Workday",
            str(step["day"]),
            max_length=2,
            hint=f"0 is the first working day, 1 the next; up to {MAX_DAY}",
        ),
        time_input("time", "Time", step["at"], hint="In the hire's own time zone"),
        text_input("title", "Title", step.get("title"), max_length=TITLE_LIMIT),
        text_input(
            "body",
            "Text",
            step.get("body"),
            multiline=True,
            max_length=BODY_LIMIT,
            hint="{hire}, {buddy}, {lead}, {team} and {channel} are filled in",
        ),
        text_input(
            "checklist",
            "To tick off, one a line",
            "\n".join(step.get("checklist") or []),
            optional=True,
            multiline=True,
            hint=f"At most {CHECKLIST_LIMIT}",
        ),
        text_input(
            "links",
            "Links, one a line",
            links,
            optional=True,
            multiline=True,
            hint="A label, then the address: Handbook https://handbook.example.com",
        ),
    ]
    title = "Add a step" if index is None else f"Step {index + 1}"
    meta = {"template": row.id, "step": index, "editor": editor}
    return modal(STEP_VIEW, title, blocks, metadata=meta)
