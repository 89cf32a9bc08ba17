"""Block Kit for alerts (pure): the notification a group is told in (a DM, the channel post),
the repeat note in its thread, the morning summary and the heartbeat posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.render.text import as_plain, escape, link_to, local_time, truncate, user_text

ACK, RESOLVE, ESCALATE = "alert_ack", "alert_resolve", "alert_escalate"
ACK_ALL = "alert_ack_all"  # a summary's groups (their ids, comma-separated), acked at once
BUTTONS = (ACK, RESOLVE, ESCALATE)
SUMMED_UP = 20  # groups a summary shows one by one with their buttons (Slack: 50 blocks)
SHOWN_LABELS = 12
LABELS_ROOM = 2800  # characters of a context element's 3000 the labels may take


@dataclass(frozen=True)
class Shown:
    """A group as its messages show it (plain values)."""

    id: int
    title: str
    status: str  # firing, acked, resolved
    severity: str
    labels: list[tuple[str, str]]
    fired: int
    service: str | None = None
    owner: str | None = None  # a Slack user id
    runbook: str | None = None
    acked_by: str | None = None  # a Slack user id
    acked_at: datetime | None = None
    resolved_by: str | None = None  # a Slack user id; None with resolved_at: by the source
    resolved_at: datetime | None = None
    tz: str = "UTC"  # the zone its times are written in
    escalated_to: str | None = None  # "Step 2: <@U0BEN>" when told by an escalation


STATUS_ICON = {"firing": ":rotating_light:", "acked": ":eyes:", "resolved": ":white_check_mark:"}


def status_line(shown: Shown) -> str:
    if shown.status == "resolved":
        who = f"<@{shown.resolved_by}>" if shown.resolved_by else "the source"
        at = local_time(shown.resolved_at, shown.tz) if shown.resolved_at else ""
        return f"{STATUS_ICON['resolved']} *Resolved* by {who} at {at}"
    if shown.status == "acked":
        at = local_time(shown.acked_at, shown.tz) if shown.acked_at else ""
        return f"{STATUS_ICON['acked']} *Acked* by <@{shown.acked_by}> at {at}"
    return f"{STATUS_ICON['firing']} *Firing*"


def notice_text(shown: Shown) -> str:
    """The message's text (notifications, screen readers): plain, no mention made live."""
    return escape(truncate(f"[{shown.status}] {as_plain(shown.title)}", 300))


def code(text: str, limit: int) -> str:
    """Words from outside in a code span: shown as they are (Slack's escaping once), nothing
    made live, no backtick to close the span early."""
    return "`" + escape(truncate(as_plain(text), limit).replace("`", "'")) + "`"


def labels_text(labels: list[tuple[str, str]]) -> str:
    """The first labels that fit in one context element, and how many more there are."""
    shown: list[str] = []
    room = LABELS_ROOM
    for key, value in labels[:SHOWN_LABELS]:
        pair = code(f"{truncate(key, 40)}={truncate(value, 80)}", 130)
        if len(pair) + 2 > room:
            break
        shown.append(pair)
        room -= len(pair) + 2
    more = len(labels) - len(shown)
    return ", ".join(shown) + (f" …and {more} more labels" if more else "")


def notice_blocks(shown: Shown, *, here: bool = False) -> list[dict]:
    head = f"{status_line(shown)} · *{user_text(truncate(shown.title, 200))}*"
    if here and shown.status == "firing":
        head = f"<!here> {head}"
    facts = [f"severity {code(shown.severity or 'none', 40)}"]
    if shown.fired > 1:
        facts.append(f"fired {shown.fired} times")
    else:
        facts.append("fired once")
    if shown.service:
        facts.append(f"service *{user_text(shown.service)}*")
    if shown.owner:
        facts.append(f"owner <@{shown.owner}>")
    if shown.runbook:
        facts.append(link_to(shown.runbook, "runbook"))
    blocks: list[dict] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": head}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(facts)}]},
    ]
    if shown.labels:
        text = labels_text(shown.labels)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
    if shown.escalated_to:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": shown.escalated_to}]}
        )
    if shown.status != "resolved":
        blocks.append(
            {"type": "actions", "block_id": f"alert_{shown.id}", "elements": buttons(shown)}
        )
    return blocks


def buttons(shown: Shown) -> list[dict]:
    value = str(shown.id)
    out = []
    if shown.status == "firing":
        out.append(_button("Ack", ACK, value, "primary"))
    out.append(_button("Resolve", RESOLVE, value))
    out.append(_button("Escalate now", ESCALATE, value, "danger"))
    return out


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def repeat_text(shown: Shown) -> str:
    return f":repeat: Fired again: {shown.fired} times in all."


def morning_text(held: list[Shown]) -> str:
    return f"{len(held)} alert(s) waited for the morning"


def morning_blocks(held: list[Shown]) -> list[dict]:
    lines = []
    for shown in held:
        state = "resolved meanwhile" if shown.status == "resolved" else shown.status
        lines.append(f"• *{user_text(truncate(shown.title, 150))}* ({state}; fired {shown.fired}x)")
    head = (
        f":sunrise: *Good morning.* {len(held)} alert(s) below your team's urgent severity "
        "came in overnight and waited for you:"
    )
    return [{"type": "section", "text": {"type": "mrkdwn", "text": head}}, *summed_up(held, lines)]


def summed_up(groups: list[Shown], lines: list[str]) -> list[dict]:
    """A summary's groups, one line each with its Ack and Resolve (the first SUMMED_UP; the
    rest counted), and Ack all when more than one still fires."""
    blocks: list[dict] = []
    for shown, line in list(zip(groups, lines, strict=True))[:SUMMED_UP]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": line}})
        if shown.status != "resolved":
            value = str(shown.id)
            out = [_button("Resolve", RESOLVE, value)]
            if shown.status == "firing":
                out.insert(0, _button("Ack", ACK, value, "primary"))
            blocks.append({"type": "actions", "block_id": f"alert_{shown.id}", "elements": out})
    if len(groups) > SUMMED_UP:
        more = f"…and {len(groups) - SUMMED_UP} more"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    firing = ",".join(str(g.id) for g in groups if g.status == "firing")
    if firing.count(",") >= 1:
        button = _button("Ack all", ACK_ALL, truncate_ids(firing))
        blocks.append({"type": "actions", "block_id": "alert_all", "elements": [button]})
    return blocks


def truncate_ids(ids: str, limit: int = 2000) -> str:
    """A button's value holds 2000 characters: the ids that fit."""
    return ids if len(ids) <= limit else ids[:limit].rsplit(",", 1)[0]


def burst_text(count: int, source: str) -> str:
    return f"{count} more alert groups from {source} in a minute"


def burst_blocks(groups: list[Shown], source: str) -> list[dict]:
    """A burst's one summary: how many groups, and the first of them with their buttons."""
    head = (
        f":rotating_light: *A burst of alerts:* {len(groups)} more alert groups came from "
        f"{escape(as_plain(source))} within a minute. They are summed up here instead of one "
        "by one:"
    )
    lines = [
        f"• *{user_text(truncate(g.title, 150))}* ({code(g.severity or 'none', 40)})"
        for g in groups
    ]
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": head}},
        *summed_up(groups, lines),
    ]


def heartbeat_text(whose: str, since: datetime, tz: str, *, back: bool) -> str:
    """`whose`: the team's name as a possessive (`payments'`)."""
    if back:
        return (
            f":white_check_mark: The heartbeat from {whose} alerting pipeline is back "
            f"(silent since {local_time(since, tz)})."
        )
    return (
        f":warning: No heartbeat from {whose} alerting pipeline since "
        f"{local_time(since, tz)}: alerts may not be reaching Upkeep."
    )
