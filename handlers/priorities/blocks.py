"""Block Kit for the backlog, the budget and the checkpoint. Pure: data in, blocks out.

Shared by `/priority` (handlers) and the checkpoint post (bot.jobs)."""

from __future__ import annotations

from bot.render import actions, button, context, escape, header, section, truncate
from models.core.workspace import Team
from models.priorities.backlog import (
    CATEGORIES,
    IMPACT_NAMES,
    BacklogItem,
    Budget,
    Checkpoint,
)

MAX_LINES = 15
SURVEY_ACTION = "priority_survey_answer"
SURVEY_QUESTION = (
    "If you could spend 1% of the team's time on one thing, what would it be, and why?"
)
FORMULA = "score = reach × impact × confidence ÷ effort (person-months)"


def num(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def status_label(status: str) -> str:
    return status.replace("_", " ")


def item_title(item: BacklogItem) -> str:
    title = escape(truncate(item.title, 120))
    return f"<{item.link}|{title}>" if item.link else title


def item_line(item: BacklogItem, *, with_status: bool = True) -> str:
    score = f"score {num(item.score)}" if item.scored else "unscored"
    parts = [f"*{item.ref}* {item_title(item)}", score, item.category]
    if with_status:
        parts.append(status_label(item.status))
    parts.append(item.owner.mention if item.owner else "no owner")
    return " · ".join(parts)


def item_details(item: BacklogItem) -> str:
    rice = (
        f"reach {num(item.reach)} · impact {num(item.impact)} "
        f"({IMPACT_NAMES.get(item.impact or 0, '?')}) · confidence {item.confidence or '?'}% · "
        f"effort {num(item.effort)} pm"
    )
    lines = [item_line(item), rice]
    if item.goal:
        lines.append(f"Goal: {escape(item.goal)}")
    if item.evidence:
        lines.append(f"Evidence ({item.source or 'note'}): {escape(truncate(item.evidence, 500))}")
    return "\n".join(lines)


def lines_text(items: list[BacklogItem], empty: str, **kw) -> str:
    if not items:
        return empty
    lines = [item_line(i, **kw) for i in items[:MAX_LINES]]
    if len(items) > MAX_LINES:
        lines.append(f"…and {len(items) - MAX_LINES} more")
    return "\n".join(lines)


def top_blocks(team: Team, items: list[BacklogItem]) -> list[dict]:
    empty = "Nothing on the backlog yet. Add one with `/priority add`."
    return [
        header(f"{team.name}: top priorities"),
        section(lines_text(items, empty)),
        context(f"{FORMULA} · `/priority budget` · `/priority help`"),
    ]


def top_text(team: Team, items: list[BacklogItem]) -> str:
    return f"{team.name}: top priorities\n" + lines_text(items, "Nothing on the backlog yet.")


def budget_text(budget: Budget) -> str:
    if not budget.total:
        text = "Nothing is planned or in progress with an effort estimate yet."
    else:
        shares = " · ".join(
            f"{c} {num(budget.effort.get(c, 0.0))} ({budget.share(c):.0f}%)" for c in CATEGORIES
        )
        text = (
            f"Planned and in progress: {num(budget.total)} person-months\n{shares}\n"
            f"Target: {budget.target}% feature, {100 - budget.target}% the rest"
        )
    if budget.warning:
        text += f"\n:warning: {budget.warning}"
    if budget.unscored:
        text += f"\n({budget.unscored} planned or in-progress items have no effort estimate.)"
    return text


def budget_blocks(team: Team, budget: Budget) -> list[dict]:
    return [header(f"{team.name}: engineering budget"), section(budget_text(budget))]


def checkpoint_blocks(team: Team, report: Checkpoint) -> list[dict]:
    moved = lines_text(report.moved, "Nothing changed status this week.")
    stuck = lines_text(report.stuck, "Nothing is stuck.", with_status=False)
    return [
        header(f"{team.name}: weekly priorities checkpoint"),
        section(f"*What moved*\n{moved}"),
        section(f"*Stuck* (in progress, no change for 14 days)\n{stuck}"),
        section(f"*Top items*\n{lines_text(report.top, 'Nothing on the backlog yet.')}"),
        section(f"*Budget*\n{budget_text(report.budget)}"),
        context("`/priority` for the whole list · `/priority set <id> status=...` to update"),
    ]


def survey_blocks(team: Team) -> list[dict]:
    return [
        section(f"*{team.name}'s quarterly question*\n{SURVEY_QUESTION}"),
        actions(button("Answer", SURVEY_ACTION, str(team.id), style="primary")),
        context("Your answer becomes a proposed item on the backlog for the lead to score."),
    ]
