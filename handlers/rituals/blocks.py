"""The rituals list with its buttons, and the standup form. Pure: data in, blocks out."""

from __future__ import annotations

from bot.render import actions, button, section, user_text
from bot.render.modals import modal, option, select_input, text_input, time_input
from models.core.time import format_days
from models.core.workspace import Team
from models.rituals.rituals import Ritual

ADD_STANDUP = "ritual_add_standup"  # its value: the team's name
EDIT_RITUAL = "ritual_edit"  # the others' value: the ritual's id
PAUSE_RITUAL = "ritual_pause"
RESUME_RITUAL = "ritual_resume"
REMOVE_RITUAL = "ritual_remove"
STANDUP_VIEW = "ritual_standup_view"
MAX_QUESTIONS = 10


def ritual_buttons(ritual: Ritual, *, editable: bool) -> dict:
    """Edit (the kinds with a form), pause or resume, and remove (after a confirmation)."""
    value = str(ritual.id)
    found = [button("Edit", EDIT_RITUAL, value)] if editable else []
    if ritual.enabled:
        found.append(button("Pause", PAUSE_RITUAL, value))
    else:
        found.append(button("Resume", RESUME_RITUAL, value))
    remove = button("Remove", REMOVE_RITUAL, value, style="danger")
    remove["confirm"] = {
        "title": {"type": "plain_text", "text": "Remove it?"},
        "text": {
            "type": "plain_text",
            "text": f"{ritual.team.possessive} {ritual.kind} stops, and its settings go.",
        },
        "confirm": {"type": "plain_text", "text": "Remove"},
        "deny": {"type": "plain_text", "text": "Keep it"},
    }
    found.append(remove)
    return actions(*found)


def add_standup_buttons(teams: list[Team]) -> list[dict]:
    if not teams:
        return []
    label = "Add a standup" if len(teams) == 1 else "Add a standup to {}"
    return [actions(*[button(label.format(t.name), ADD_STANDUP, t.name) for t in teams[:5]])]


def standup_view(
    teams: list[Team], ritual: Ritual | None, *, team: Team | None, questions: list[str]
) -> dict:
    """The standup form: days, time and questions (one a line), as the config file has them."""
    blocks: list[dict] = []
    if ritual is None:
        choices = [option(t.name) for t in teams[:100]]
        blocks.append(select_input("team", "Team", choices, team.name if team else None))
    else:
        blocks.append(section(f"*{user_text(ritual.team.name)}*'s standup"))
    days = format_days(ritual.days) if ritual else "mon-fri"
    at = ritual.at.strftime("%H:%M") if ritual else "09:30"
    blocks += [
        text_input("days", "Days", days, hint="Like mon-fri, or mon,wed,fri"),
        time_input("time", "Time", at, hint="Each member's own time zone"),
        text_input(
            "questions",
            "Questions, one a line",
            "\n".join(questions),
            multiline=True,
            hint=f"At most {MAX_QUESTIONS}",
        ),
    ]
    title = "Add a standup" if ritual is None else "Edit the standup"
    return modal(STANDUP_VIEW, title, blocks, metadata={"ritual": ritual.id if ritual else None})
