"""Block Kit for standups. Pure: data in, (text, blocks) or a view out."""

from __future__ import annotations

from datetime import date

from bot.render import (
    MAX_BLOCKS_MESSAGE,
    actions,
    button,
    context,
    divider,
    header,
    local_time,
    modal,
    section,
    text_input,
    user_text,
)
from models.core.workspace import Person
from models.standup.standups import Summary

ANSWER_ACTION = "standup_answer"
ANSWER_VIEW = "standup_answer"
ANSWER_FIELD = "answer"


def day_label(day: date) -> str:
    return day.strftime("%a %d %b")


def standup_prompt(
    team: str, day: date, oncall: bool, overdue: list[str], value: str
) -> tuple[str, list[dict]]:
    text = f"Standup for *{team}*, {day_label(day)}."
    if oncall:
        text += " You're on call today, so I'll ask about on call instead of project work."
    blocks = [section(text)]
    if overdue:
        items = "\n".join(f"• {user_text(item)}" for item in overdue[:10])
        blocks.append(section(f":hourglass: Your overdue retro action items:\n{items}"))
    blocks.append(actions(button("Answer", ANSWER_ACTION, value, style="primary")))
    blocks.append(context("Away? `/standup skip today`, `/standup ooo until <date>`."))
    return text, blocks


def standup_reminder(team: str, day: date, value: str) -> tuple[str, list[dict]]:
    text = f"Reminder: your standup for *{team}* ({day_label(day)}) is waiting for you."
    return text, [section(text), actions(button("Answer", ANSWER_ACTION, value, style="primary"))]


def standup_modal(team: str, day: date, questions: list[str], metadata: dict) -> dict:
    """The answer form: one box a question; the first must be answered."""
    answers = [
        text_input(
            f"q{i}",
            q,
            optional=i > 0,
            multiline=True,
            max_length=3000,
            action_id=ANSWER_FIELD,
        )
        for i, q in enumerate(questions)
    ]
    blocks = [section(f"*{user_text(team)}* · {day_label(day)}"), *answers]
    return modal(ANSWER_VIEW, "Standup", blocks, metadata=metadata, submit="Send")


def _names(people: list[Person]) -> str:
    return ", ".join(user_text(p.display_name) for p in people)


def standup_summary(s: Summary) -> tuple[str, list[dict]]:
    """The day's answers, then who is waited for (those already asked, by name: nobody is
    pinged), asked later, skipping or away."""
    title = f"Standup · {s.team.name} · {day_label(s.day)}"
    blocks: list[dict] = [header(title)]
    room = MAX_BLOCKS_MESSAGE - 4
    shown = s.answers[: room // 2]
    for answer in shown:
        tag = " :pager: on call" if answer.oncall else ""
        lines = [f"*{user_text(answer.person.display_name)}*{tag}"]
        for pair in answer.answers:
            if pair["a"].strip():
                lines.append(f"_{user_text(pair['q'])}_\n{user_text(pair['a'].strip())}")
        blocks.append(section("\n".join(lines)))
        owners = s.owners.get(answer.id)
        if owners:
            blocks.append(context("Blocker owners: " + " · ".join(owners)))
    if len(s.answers) > len(shown):
        blocks.append(context(f"…and {len(s.answers) - len(shown)} more answers."))
    if not s.answers:
        blocks.append(section("Nobody has answered yet."))
    blocks.append(divider())
    status = []
    if s.waiting:
        status.append("Waiting for: " + _names(s.waiting))
    if s.later:
        later = ", ".join(
            f"{user_text(p.display_name)} ({local_time(at, s.team.tz, with_date=False)})"
            for p, at in s.later
        )
        status.append(f"Asked later today: {later}")
    if s.skipping:
        status.append("Skipping today: " + _names(s.skipping))
    if s.away:
        status.append("Out of office: " + _names(s.away))
    if s.off:
        status.append("Day off: " + _names(s.off))
    if not s.waiting and not s.later:
        status.append("Everyone has answered." if s.answers else "Nobody to wait for.")
    blocks.append(context(" · ".join(status)))
    text = f"{title}: {len(s.answers)} answered, {len(s.waiting)} waiting"
    return text, blocks
