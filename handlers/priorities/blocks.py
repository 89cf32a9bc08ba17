"""Block Kit for the backlog, the budget, the checkpoint, suggestions and the forms (adding an
item, answering the survey). Pure: data in, blocks out.

Shared by `/priority`, its buttons and forms, and the checkpoint and survey jobs."""

from __future__ import annotations

from bot.render import (
    actions,
    button,
    context,
    header,
    link_to,
    modal,
    option,
    section,
    select_input,
    text_input,
    truncate,
    user_text,
)
from models.core.workspace import Team
from models.priorities.backlog import (
    CATEGORIES,
    CONFIDENCES,
    DEFAULT_CATEGORY,
    IMPACT_NAMES,
    BacklogItem,
)
from models.priorities.budget import Budget
from models.priorities.checkpoint import Checkpoint
from models.priorities.suggestions import NoisyService

MAX_LINES = 15
SURVEY_ACTION = "priority_survey_answer"
ADD_VIEW = "priority_add"
SURVEY_VIEW = "priority_survey"
ACCEPT = "priority_suggestion_accept"
DISMISS = "priority_suggestion_dismiss"
FORM_IMPACT, FORM_CONFIDENCE = 1.0, 80  # where the add form's scales start: medium, 80%
LINE_LENGTH = 200  # the most a one-line field of the forms takes
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
    title = truncate(item.title, 120)
    return link_to(item.link, title) if item.link else user_text(title)


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
        lines.append(f"Goal: {user_text(item.goal)}")
    if item.evidence:
        evidence = user_text(truncate(item.evidence, 500))
        lines.append(f"Evidence ({item.source or 'note'}): {evidence}")
    return "\n".join(lines)


def lines_text(items: list[BacklogItem], empty: str, **kw) -> str:
    if not items:
        return empty
    lines = [item_line(i, **kw) for i in items[:MAX_LINES]]
    if len(items) > MAX_LINES:
        lines.append(f"…and {len(items) - MAX_LINES} more")
    return "\n".join(lines)


def nothing_open(closed: int) -> str:
    """What an empty list of open items says: never "yet" once items were done or dropped."""
    if not closed:
        return "Nothing on the backlog yet."
    items = "1 item is" if closed == 1 else f"{closed} items are"
    return f"Nothing open on the backlog: {items} done or dropped."


def top_blocks(team: Team, items: list[BacklogItem], closed: int = 0) -> list[dict]:
    empty = f"{nothing_open(closed)} Add one with `/priority add`."
    return [
        header(f"{team.name}: top priorities"),
        section(lines_text(items, empty)),
        context(f"{FORMULA} · `/priority budget` · `/priority help`"),
    ]


def top_text(team: Team, items: list[BacklogItem], closed: int = 0) -> str:
    return f"{team.name}: top priorities\n" + lines_text(items, nothing_open(closed))


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
        section(f"*Top items*\n{lines_text(report.top, nothing_open(report.closed))}"),
        section(f"*Budget*\n{budget_text(report.budget)}"),
        context("`/priority` for the whole list · `/priority set <id> status=...` to update"),
    ]


def survey_blocks(team: Team) -> list[dict]:
    return [
        section(f"*{team.possessive} quarterly question*\n{SURVEY_QUESTION}"),
        actions(button("Answer", SURVEY_ACTION, str(team.id), style="primary")),
        context("Your answer becomes a proposed item on the backlog for the lead to score."),
    ]


def suggestion_blocks(team: Team, found: list[NoisyService]) -> list[dict]:
    """Each service to suggest with its evidence, and Accept and Dismiss for the lead."""
    pages_only = all(s.note is None for s in found)
    blocks = [header(f"{team.name}: suggested " + ("from pages" if pages_only else "reliability"))]
    for s in found[:20]:
        blocks.append(section(f"*{user_text(s.label)}*: {user_text(s.evidence)}"))
        blocks.append(
            actions(
                button("Accept", ACCEPT, s.ref, style="primary"),
                button("Dismiss", DISMISS, s.ref),
                block_id=f"suggestion-{s.ref}",
            )
        )
    blocks.append(context("Accepting adds a proposed reliability item for the lead to score."))
    return blocks


# -- forms --------------------------------------------------------------------------------------


def impact_value(value: float) -> str:
    """An impact as the form sends it: `1.0` -> `1`, `0.5` -> `0.5` (what `/priority add` takes)."""
    return str(value).removesuffix(".0")


def add_view(
    team: Team,
    channel_id: str,
    *,
    title: str = "",
    link: str | None = None,
    category: str = DEFAULT_CATEGORY,
) -> dict:
    """The form `/priority add` opens: a title and link, the category and the RICE inputs, with
    what the command said filled in."""
    impacts = [option(impact_value(v), f"{v:g} · {n}") for v, n in IMPACT_NAMES.items()]
    confidences = [option(str(c), f"{c}%") for c in CONFIDENCES]
    categories = [option(c) for c in CATEGORIES]
    blocks = [
        section(f"A backlog item for *{team.name}*, scored with RICE."),
        _line("title", "Title", "What would the team do?", title),
        _line("link", "Link", "An issue or doc (https://...)", link, optional=True),
        select_input("category", "Category", categories, category),
        _line("reach", "Reach", "People or events per quarter, e.g. 500"),
        select_input("impact", "Impact", impacts, impact_value(FORM_IMPACT)),
        select_input("confidence", "Confidence", confidences, str(FORM_CONFIDENCE)),
        _line("effort", "Effort", "Person-months, at least 0.5"),
    ]
    metadata = {"team": team.id, "channel": channel_id}
    return modal(ADD_VIEW, "Add a priority", blocks, metadata=metadata, submit="Add")


def survey_view(team: Team) -> dict:
    """The survey's answer form: what the team would spend 1% of its time on, and why."""
    blocks = [
        section(f"*{team.name}*: {SURVEY_QUESTION}"),
        _line("what", "What would it be?", "A few words: this becomes the item's title"),
        text_input(
            "why",
            "Why?",
            hint="What it would change for the team",
            multiline=True,
            max_length=2000,
        ),
    ]
    return modal(SURVEY_VIEW, "1% of our time", blocks, metadata={"team": team.id}, submit="Send")


def _line(
    block_id: str, label: str, hint: str, value: str | None = None, *, optional: bool = False
) -> dict:
    return text_input(block_id, label, value, optional=optional, max_length=LINE_LENGTH, hint=hint)
