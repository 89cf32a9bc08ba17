"""The rituals list with its buttons, and the ritual forms (standup, retro, page-load digest):
one form, whose inputs depend on the kind, built and read back here. Pure: data in, blocks out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.render import actions, button, section, state_value, user_text
from bot.render.modals import date_input, modal, option, select_input, text_input, time_input
from models.core.errors import UserError
from models.core.time import format_days
from models.core.when import WEEKDAYS
from models.core.workspace import Team
from models.pages.load import DIGEST
from models.retro.retros import RETRO_CADENCE_WEEKS, RETRO_KIND
from models.rituals.rituals import Ritual
from models.standup.standups import STANDUP_KIND

ADD_RITUAL = "ritual_add"  # + a number, one per button; the value: "<kind> <team>"
EDIT_RITUAL = "ritual_edit"  # the others' value: the ritual's id
PAUSE_RITUAL = "ritual_pause"
RESUME_RITUAL = "ritual_resume"
REMOVE_RITUAL = "ritual_remove"
RITUAL_VIEW = "ritual_view"
MAX_QUESTIONS = 10
MAX_ADD_BUTTONS = 5  # per kind


@dataclass(frozen=True)
class RitualForm:
    """What a kind's form asks: `name` in the list's words, `inputs(ritual, questions, today)`
    the inputs (each block id is the `rituals:` field it fills), `read(values)` what was
    entered, as the config file spells it."""

    name: str
    inputs: Callable[[Ritual | None, list[str], date], list[dict]]
    read: Callable[[dict], dict]


def weekday_input(ritual: Ritual | None, default: str) -> dict:
    """One weekday; a ritual on several days (set in the config file) keeps them as an option."""
    choices = [option(day, day.capitalize()) for day in WEEKDAYS]
    chosen = default
    if ritual is not None and len(ritual.days) == 1:
        chosen = WEEKDAYS[int(ritual.days) - 1]
    elif ritual is not None:
        chosen = format_days(ritual.days)
        choices.append(option(chosen))
    return select_input("days", "Day", choices, chosen)


def at_of(ritual: Ritual | None, default: str) -> str:
    return ritual.at.strftime("%H:%M") if ritual else default


def standup_inputs(ritual: Ritual | None, questions: list[str], today: date) -> list[dict]:
    days = format_days(ritual.days) if ritual else "mon-fri"
    return [
        text_input("days", "Days", days, hint="Like mon-fri, or mon,wed,fri"),
        time_input("time", "Time", at_of(ritual, "09:30"), hint="Each member's own time zone"),
        text_input(
            "questions",
            "Questions, one a line",
            "\n".join(questions),
            multiline=True,
            hint=f"At most {MAX_QUESTIONS}",
        ),
    ]


def read_standup(values: dict) -> dict:
    asked = [q.strip() for q in state_value(values, "questions").splitlines() if q.strip()]
    if len(asked) > MAX_QUESTIONS:
        raise UserError(f"At most {MAX_QUESTIONS} questions.", field="questions")
    entry = {"days": state_value(values, "days"), "time": state_value(values, "time")}
    return entry | ({"questions": asked} if asked else {})


def retro_inputs(ritual: Ritual | None, questions: list[str], today: date) -> list[dict]:
    weeks = ritual.cadence_weeks if ritual else RETRO_CADENCE_WEEKS
    start = ritual.start_date if ritual else today
    return [
        weekday_input(ritual, "thursday"),
        time_input("time", "Time", at_of(ritual, "15:00"), hint="The team's time zone"),
        text_input("cadence", "Every how many weeks", str(weeks), hint="1 for every week"),
        date_input(
            "start",
            "Counting from",
            start.isoformat() if start else None,
            hint="The weeks are counted from this one; a reminder goes out the day before",
        ),
    ]


def read_retro(values: dict) -> dict:
    entry = {name: state_value(values, name) for name in ("days", "time", "cadence", "start")}
    return {k: v for k, v in entry.items() if v or k != "start"}


def digest_inputs(ritual: Ritual | None, questions: list[str], today: date) -> list[dict]:
    return [
        weekday_input(ritual, "monday"),
        time_input("time", "Time", at_of(ritual, "09:00"), hint="The team's time zone"),
    ]


def read_digest(values: dict) -> dict:
    return {"days": state_value(values, "days"), "time": state_value(values, "time")}


FORMS = {
    STANDUP_KIND: RitualForm("standup", standup_inputs, read_standup),
    RETRO_KIND: RitualForm("retro", retro_inputs, read_retro),
    DIGEST: RitualForm("digest", digest_inputs, read_digest),
}
ADD_LABELS = {STANDUP_KIND: "a standup", RETRO_KIND: "a retro", DIGEST: "a page-load digest"}


def ritual_buttons(ritual: Ritual) -> dict:
    """Edit (the kinds with a form), pause or resume, and remove (after a confirmation)."""
    value = str(ritual.id)
    found = [button("Edit", EDIT_RITUAL, value)] if ritual.kind in FORMS else []
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


def add_buttons(missing: dict[str, list[Team]]) -> list[dict]:
    """For each kind with a form, Add it to the teams (led by the viewer) that lack it."""
    blocks = []
    n = 0
    for kind, teams in missing.items():
        if not teams:
            continue
        label = f"Add {ADD_LABELS[kind]}" + ("" if len(teams) == 1 else " to {}")
        found = []
        for team in teams[:MAX_ADD_BUTTONS]:
            value = f"{kind} {team.name}"
            found.append(button(label.format(team.name), f"{ADD_RITUAL}_{n}", value))
            n += 1
        blocks.append(actions(*found))
    return blocks


def ritual_view(
    kind: str,
    teams: list[Team],
    ritual: Ritual | None,
    *,
    team: Team | None,
    questions: list[str],
    today: date,
) -> dict:
    """A ritual's form: its team (when new), then its kind's inputs, as the config file has
    them."""
    form = FORMS[kind]
    blocks: list[dict] = []
    if ritual is None:
        choices = [option(t.name) for t in teams[:100]]
        blocks.append(select_input("team", "Team", choices, team.name if team else None))
    else:
        blocks.append(section(f"*{user_text(ritual.team.name)}*'s {form.name}"))
    blocks += form.inputs(ritual, questions, today)
    title = f"Add a {form.name}" if ritual is None else f"Edit the {form.name}"
    metadata = {"ritual": ritual.id if ritual else None, "kind": kind}
    return modal(RITUAL_VIEW, title, blocks, metadata=metadata)
