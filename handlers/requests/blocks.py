"""Block Kit for requests. Pure: data in, (text, blocks) or views out. The action and callback
ids here are the constants the listeners match."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from bot.render import (
    MAX_BLOCKS_MESSAGE,
    SECTION_TEXT_LIMIT,
    actions,
    button,
    context,
    date_input,
    header,
    line_sections,
    link_to,
    modal,
    option,
    section,
    select_input,
    text_input,
    truncate,
    user_input,
    user_text,
)
from models.core.words import possessive
from models.core.workspace import Person
from models.requests.requests import (
    ACCEPTED,
    MAX_REASON,
    MAX_TITLE,
    MAX_WHY,
    NORMAL,
    OPEN,
    UNDECIDED,
    URGENCIES,
    URGENT,
    Request,
)

ACCEPT = "request_accept"
NEED_INFO = "request_need_info"
DECLINE = "request_decline"
DUPLICATE = "request_duplicate"
MOVE = "request_move"
DONE = "request_done"
ADD_INFO = "request_add_info"
WITHDRAW = "request_withdraw"
UPDATE = "request_update"
TRIAGE_BUTTONS = (ACCEPT, NEED_INFO, DECLINE, DUPLICATE, MOVE)
FORM_ACTIONS = (ACCEPT, NEED_INFO, DECLINE, DUPLICATE, MOVE, ADD_INFO)  # each opens a form

ASK_FORM = "request_ask_form"
SHORTCUT = "ask_team"  # the message shortcut's callback id (manifest.yml)
WHAT, WHY, BY_WHEN, URGENCY, TEAM = "what", "why", "by_when", "urgency", "team"
ASSIGNEE, DUE, TEXT = "assignee", "due", "text"

SHOWN_TITLE = 300  # of a request's text, in lists and DMs


def form_id(action: str) -> str:
    """The callback id of the form a triage or asker button opens."""
    return f"{action}_form"


def said(request: Request, limit: int = SHOWN_TITLE) -> str:
    return user_text(truncate(request.title, limit))


def card(request: Request) -> tuple[str, list[dict]]:
    """The request's message in the team's request channel: what, who, state, and the buttons
    that fit its state."""
    urgent = " :rotating_light: *urgent*" if request.urgency == URGENT else ""
    text = f"*{request.label}* from {request.asker.mention}{urgent}: {said(request, MAX_TITLE)}"
    lines = []
    if request.why:
        lines.append(f"*Why:* {user_text(request.why)}")
    if request.due:
        lines.append(f"*By:* {request.due:%a %d %b %Y}")
    if request.source_link:
        lines.append(f"*From:* {link_to(request.source_link, 'the message')}")
    # What was asked fills a section of its own; why, by when and where from, another (each
    # section holds 3,000 characters, and escaping makes text longer).
    blocks = [section(text)]
    if lines:
        tail = "\n".join(lines[1:])
        room = SECTION_TEXT_LIMIT - len(tail) - 1
        blocks.append(section("\n".join([truncate(lines[0], room), *lines[1:]])))
    blocks.append(context(state_line(request)))
    value = str(request.id)
    if request.state in UNDECIDED:
        blocks.append(
            actions(
                button("Accept", ACCEPT, value, style="primary"),
                button("Need info", NEED_INFO, value),
                button("Decline", DECLINE, value, style="danger"),
                button("Duplicate of", DUPLICATE, value),
                button("Move to team", MOVE, value),
            )
        )
    elif request.state == ACCEPTED:
        blocks.append(actions(button("Done", DONE, value, style="primary")))
    summary = (
        f"{request.label} from {request.asker.mention}: {said(request)} ({request.state_word})"
    )
    return summary, blocks


def state_line(request: Request) -> str:
    """What became of the request and by whom: `*Accepted* by @ana, for @ben`."""
    state = f"*{request.state_word.capitalize()}*"
    if request.state != OPEN and request.decided_by is not None:
        state += f" by {request.decided_by.mention}"
    if request.state == ACCEPTED and request.assignee:
        state += f", for {request.assignee.mention}"
    return state


def moved_card(request: Request, told_as: str) -> list[dict]:
    """A request that left the team it was told to: where it went, no buttons."""
    who = request.decided_by.mention if request.decided_by else "someone"
    text = f"~{told_as}~ {said(request, 150)}"
    return [section(text), context(f"*Moved* to {request.team.name} by {who}: {request.label}")]


def asked(request: Request) -> tuple[str, list[dict]]:
    """The asker's confirmation DM, with what they can do."""
    value = str(request.id)
    where = f"<#{request.channel_id}>"
    kept = f"I'll keep you posted here and in {where}"
    text = f"Your request {request.label} is in; {kept}.\n> {said(request)}"
    return text, [
        section(text),
        actions(
            button("Add info", ADD_INFO, value),
            button("Ask for an update", UPDATE, value),
            button("Withdraw", WITHDRAW, value, style="danger"),
        ),
    ]


def shield_batch(
    requests: list[Request], shield: str | None, told_as: dict[int, str] | None = None
) -> tuple[str, list[dict]]:
    """The shield's DM: the new requests of one team, each with its triage buttons; sent again
    after a change (`told_as`: the labels they were told by), each card as it stands now."""
    told_as = told_as or {}
    team = told_as.get(requests[0].id, requests[0].label).partition("#")[0]
    n = len(requests)
    text = f"{n} new request{'s' if n > 1 else ''} for {team}" + (
        f", {shield}: you're the shield." if shield else "."
    )
    blocks: list[dict] = [section(text)]
    for i, request in enumerate(requests):
        label = told_as.get(request.id, request.label)
        cards = card(request)[1] if label == request.label else moved_card(request, label)
        if len(blocks) + len(cards) > MAX_BLOCKS_MESSAGE - 1:  # room for the line below
            blocks.append(context(f"…and {n - i} more: `/requests {team}`"))
            break
        blocks += cards
    return text, blocks


def age_words(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    return f"{minutes // 60}h" if minutes < 48 * 60 else f"{minutes // (24 * 60)}d"


def queue_lines(requests: list[Request], now: datetime) -> list[str]:
    out = []
    for r in requests:
        age = age_words(now - r.created_at)
        who = f" · {r.assignee.mention}" if r.assignee else " · unassigned"
        late = " · :warning: *SLA breached*" if r.breached_at else ""
        if not late and r.first_response_at is None and r.escalate_at <= now:
            late = " · :hourglass: *SLA at risk*"
        out.append(f"*{r.label}* {said(r, 120)} · {r.state_word}{who} · {age} old{late}")
    return out


def queue(
    team: str, requests: list[Request], now: datetime, only: str | None
) -> tuple[str, list[dict]]:
    which = f" ({only})" if only else ""
    if not requests:
        text = f"{team} has no open requests{which}."
        return text, [section(text)]
    lines = queue_lines(requests, now)
    n = len(requests)
    text = f"{n} open request{'s' if n != 1 else ''} for {team}{which}, oldest first."
    return text, [header(f"Requests · {team}{which}"), *line_sections(lines, ""), context(text)]


def my_requests(requests: list[Request], now: datetime) -> tuple[str, list[dict]]:
    if not requests:
        text = "You have no open requests. Ask a team with `/ask <team> <what you need>`."
        return text, [section(text)]
    text = f"Your open requests ({len(requests)}):"
    return text, [section(text), *line_sections(queue_lines(requests, now), "")]


def _urgency_options() -> list[dict]:
    return [option(u, u.capitalize()) for u in URGENCIES]


def ask_form(team: str | None, teams: list[str], *, what: str = "", metadata: dict) -> dict:
    """What, why, by when, how urgent; with a team to pick when none is given (the shortcut)."""
    blocks = []
    if team is None:
        # (a static select holds 100 options)
        blocks.append(select_input(TEAM, "Team", [option(t) for t in teams[:100]]))
    blocks += [
        text_input(WHAT, "What do you need?", what, multiline=True, max_length=MAX_TITLE),
        text_input(WHY, "Why?", optional=True, multiline=True, max_length=MAX_WHY),
        date_input(BY_WHEN, "By when?", hint="Leave empty if it can wait."),
        select_input(URGENCY, "How urgent?", _urgency_options(), NORMAL),
    ]
    blocks[-2]["optional"] = True
    title = f"Ask {team}" if team else "Ask a team"
    return modal(ASK_FORM, title[:24], blocks, metadata=json.dumps(metadata), submit="Ask")


def accept_form(request: Request, presser: str) -> dict:
    due = request.due.isoformat() if request.due else None
    blocks = [
        section(f"*{request.label}*: {said(request)}"),
        user_input(ASSIGNEE, "Assignee", presser),
        date_input(DUE, "Expected by", due),
    ]
    blocks[-1]["optional"] = True
    return modal(form_id(ACCEPT), "Accept", blocks, metadata=str(request.id), submit="Accept")


TEXT_FORMS = {
    NEED_INFO: ("Need info", "What do you need to know?", "Ask", MAX_REASON),
    DECLINE: ("Decline", "Why not? (the asker is told)", "Decline", MAX_REASON),
    DUPLICATE: ("Duplicate of", "Of which request? (like payments#3)", "Save", 40),
    MOVE: ("Move to team", "To which team?", "Move", 80),
    ADD_INFO: ("Add info", "What do you want to add?", "Add", MAX_WHY),
}


def text_form(action: str, request: Request) -> dict:
    title, label, submit, limit = TEXT_FORMS[action]
    blocks = [
        section(f"*{request.label}*: {said(request)}"),
        text_input(TEXT, label, multiline=limit > 100, max_length=limit),
    ]
    return modal(form_id(action), title, blocks, metadata=str(request.id), submit=submit)


def due_words(day: date | None) -> str:
    return f", expected by {day:%a %d %b}" if day else ""


def handoff_post(
    team: str, shield: Person | None, counts: dict[str, list[Request]], figures: str
) -> tuple[str, list[dict]]:
    """The shield's handoff in the request channel."""
    who = f"{shield.mention} has the shield now" if shield else "Nobody has the shield now"
    numbers = ", ".join(f"{len(found)} {what}" for what, found in counts.items())
    text = f"{who} for {possessive(team)} requests: {numbers}."
    blocks = [section(text)]
    for what, found in counts.items():
        if found:
            labels = ", ".join(f"{r.label} {said(r, 60)}" for r in found[:10])
            more = f" and {len(found) - 10} more" if len(found) > 10 else ""
            blocks.append(section(f"*{what.capitalize()}:* {labels}{more}"))
    blocks.append(context(figures))
    return text, blocks
