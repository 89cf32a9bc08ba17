"""Block Kit for retros. Pure: data in, (text, blocks) out."""

from __future__ import annotations

from datetime import date, datetime

from bot.render import actions, button, context, header, local_time, section, user_text
from models.retro.retros import RetroAction, RetroTopic

DONE_ACTION = "retro_action_done"
SNOOZE_ACTION = "retro_action_snooze"


def _items(lines: list[str], limit: int = 30) -> str:
    shown = "\n".join(f"• {line}" for line in lines[:limit])
    more = f"\n…and {len(lines) - limit} more" if len(lines) > limit else ""
    return shown + more


def action_lines(actions: list[RetroAction], today: date) -> list[str]:
    return [escape_label(a, today) for a in actions]


def escape_label(action: RetroAction, today: date) -> str:
    due = f" (due {action.due:%a %d %b})" if action.due else ""
    late = " :warning: *overdue*" if action.overdue(today) else ""
    return f"#{action.id} {user_text(action.text)} · {action.owner.mention}{due}{late}"


def retro_reminder(
    team: str,
    starts: datetime,
    tz: str,
    topics: list[RetroTopic],
    open_items: list[RetroAction],
    today: date,
) -> tuple[str, list[dict]]:
    text = f"Retro for {team} tomorrow, {local_time(starts, tz)}."
    blocks = [header(f"Retro tomorrow · {team}"), section(text)]
    if topics:
        blocks.append(section("*Topics so far*\n" + _items([user_text(t.text) for t in topics])))
    else:
        blocks.append(section("No topics yet: add one with `/retro topic <text>` (anonymous)."))
    overdue = sum(1 for a in open_items if a.overdue(today))
    if open_items:
        title = f"*Open action items* ({len(open_items)}, {overdue} overdue)"
        blocks.append(section(title + "\n" + _items(action_lines(open_items, today))))
    else:
        blocks.append(section("No open action items."))
    blocks.append(context("`/retro topic <text>` · `/retro actions`"))
    summary = (
        f"{text} {len(topics)} topics, {len(open_items)} open action items ({overdue} overdue)."
    )
    return summary, blocks


def action_due_dm(action: RetroAction) -> tuple[str, list[dict]]:
    said = user_text(action.text)
    text = f"Your retro action item for {action.team.name} is due today: {said}"
    value = str(action.id)
    return text, [
        section(f"Due today, from {action.team.possessive} retro:\n*#{action.id}* {said}"),
        actions(
            button("Done", DONE_ACTION, value, style="primary"),
            button("Snooze 3 days", SNOOZE_ACTION, value),
        ),
    ]


def action_list(team: str, open_items: list[RetroAction], today: date) -> tuple[str, list[dict]]:
    if not open_items:
        text = f"{team} has no open retro action items."
        return text, [section(text)]
    lines = action_lines(open_items, today)
    text = f"Open action items for {team}:\n" + "\n".join(lines)
    return text, [header(f"Action items · {team}"), section(_items(lines))]
