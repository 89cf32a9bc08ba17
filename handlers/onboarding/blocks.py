"""Block Kit for onboarding: the welcome, each step's DM, progress lines, the feedback form. Pure:
data in, blocks out. Shared by `/onboard`, its buttons and form, and the scheduled DMs (`jobs`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.render import (
    actions,
    button,
    checkboxes,
    context,
    header,
    link_to,
    local_time,
    modal,
    section,
    text_input,
    user_text,
)
from models.core.workspace import Person
from models.onboarding.lifecycle import FEEDBACK_LIMIT, helpers
from models.onboarding.walkthroughs import Shadow, Walkthrough, WalkthroughStep, fill

DONE = "onboarding_step_done"
HELP = "onboarding_step_help"
CHECK = "onboarding_step_check"  # a checklist item's box; its block id ends in the item's index
CHECK_BLOCK = "onboarding-check-"  # + step id, `-`, item index
FEEDBACK = "onboarding_feedback_open"
FEEDBACK_VIEW = "onboarding_feedback"


def welcome_message(w: Walkthrough) -> tuple[str, list[dict]]:
    """The welcome; who it says will hear of *I need help* is who does (`helpers`)."""
    days = w.steps[-1].day + 1
    helping = {p.id for p in helpers(w)}
    who = [
        f"your lead {w.lead.mention}" if w.lead and w.lead.id in helping else "",
        "your team's leads" if w.lead is None and helping - {w.buddy_id} else "",
        f"your buddy {w.buddy.mention}" if w.buddy and w.buddy.id in helping else "",
    ]
    people = " and ".join(p for p in who if p)
    help_ = (
        f" and *I need help* whenever you're stuck: {people} will hear from me."
        if people
        else "; when you're stuck, ask in your team's channel."
    )
    text = (
        f"Welcome to *{w.team.name}*, {w.hire.mention}! :wave: Over your first {days} workdays "
        f"I'll send you {len(w.steps)} short steps here, each on its day. Press *Done* when "
        f"you've finished one{help_}"
    )
    return text, [header(f"Welcome to {w.team.name}!"), section(text)]


def _links(step: WalkthroughStep) -> str:
    return "\n".join(f"• {link_to(link['url'], link['label'])}" for link in step.links)


def checklist_blocks(step: WalkthroughStep, w: Walkthrough) -> list[dict]:
    """Each checklist item with a box the hire ticks off; what is ticked is remembered."""
    blocks = []
    checked = {str(i) for i in step.checked or []}
    for i, item in enumerate(step.checklist):
        box = checkboxes(CHECK, {str(i): "done"}, checked)
        blocks.append(section(fill(item, w), block_id=f"{CHECK_BLOCK}{step.id}-{i}", accessory=box))
    return blocks


def check_target(block_id: str) -> tuple[int, int] | None:
    """(step id, item index) of a checklist box's block."""
    step, _, index = block_id.removeprefix(CHECK_BLOCK).partition("-")
    if not block_id.startswith(CHECK_BLOCK) or not (step.isdigit() and index.isdigit()):
        return None
    return int(step), int(index)


def step_message(
    step: WalkthroughStep, shadow: Shadow | None = None, on_call: Person | None = None
) -> tuple[str, list[dict]]:
    """A step's DM: title, body, links, checklist, and its buttons (or how it was closed)."""
    w = step.walkthrough
    body = fill(step.body, w)
    blocks = [header(step.title), section(body)]
    if step.links:
        blocks.append(section(_links(step)))
    blocks += checklist_blocks(step, w)
    if shadow is not None:
        whom = f"{on_call.mention} on " if on_call is not None else ""
        blocks.append(
            section(
                f":eyes: You're shadowing {whom}*{shadow.rotation}* from "
                f"{local_time(shadow.start, w.tz)} to {local_time(shadow.end, w.tz)}. "
                "You won't be paged."
            )
        )
    where = f"Step {step.index + 1} of {len(w.steps)}"
    buddy = f" · buddy {w.buddy.mention}" if w.buddy else ""
    blocks.append(context(f"{where} · onboarding with {w.team.name}{buddy}"))
    blocks.append(step_actions(step))
    return f"{where}: {user_text(step.title)}\n{body}", blocks


def step_actions(step: WalkthroughStep) -> dict:
    if step.done_at is not None:
        return context(f":white_check_mark: Done {local_time(step.done_at, step.walkthrough.tz)}")
    value = str(step.id)
    elements = [button("Done", DONE, value, style="primary"), button("I need help", HELP, value)]
    if step.is_last:
        elements.append(button("Share feedback", FEEDBACK, str(step.walkthrough_id)))
    return actions(*elements, block_id=f"onboarding-step-{step.id}")


def progress_line(w: Walkthrough, now: datetime, tz: str) -> str:
    """`<@hire> · payments · 3/13 done · next: Access, Mon 02 Mar 14:00 CET · buddy <@ben>`"""
    parts = [w.hire.mention, w.team.name, f"{w.done_count}/{len(w.steps)} done"]
    nxt = w.next_step()
    if w.status != "active":
        parts.append(w.status)
    elif nxt is not None:
        when = "sent" if nxt.sent_at else local_time(nxt.due_at, tz)
        parts.append(f"next: {user_text(nxt.title)} ({when})")
    parts.append(f"buddy {w.buddy.mention}" if w.buddy else "no buddy")
    line = " · ".join(parts)
    if w.needs_attention:
        line = f":warning: {line} · *needs attention*"
    if any(s.help_requested_at and not s.done_at for s in w.steps):
        line += " · :raising_hand: asked for help"
    return line


def step_line(step: WalkthroughStep, now: datetime, tz: str) -> str:
    if step.done_at is not None:
        mark = ":white_check_mark:"
    elif step.is_overdue(now):
        mark = ":warning:"
    elif step.sent_at is not None:
        mark = ":envelope:"
    else:
        mark = ":hourglass:"
    help_ = " · :raising_hand: help asked" if step.help_requested_at and not step.done_at else ""
    ticked = f" · {len(step.checked or [])}/{len(step.checklist)} ticked" if step.checklist else ""
    title = user_text(step.title)
    return f"{mark} {step.index + 1}. {title} · {local_time(step.due_at, tz)}{ticked}{help_}"


def status_message(
    w: Walkthrough, now: datetime, tz: str, *, with_feedback: bool
) -> tuple[str, list[dict]]:
    head = f"Onboarding: {w.hire.display_name} ({w.team.name})"
    started = "Starts" if w.start_date > now.astimezone(ZoneInfo(w.tz)).date() else "Started"
    summary = (
        f"{progress_line(w, now, tz)}\n{started} {w.start_date:%a %d %b %Y} · template "
        f"`{w.template}` · lead {w.lead.mention if w.lead else 'none'} · their zone {w.tz}"
    )
    steps = "\n".join(step_line(s, now, tz) for s in w.steps)
    blocks = [header(head), section(summary), section(steps)]
    text = f"{head}\n{summary}\n{steps}"
    if with_feedback and w.feedback:
        quote = feedback_quote(w.feedback)
        blocks.append(section(f"*Feedback*\n{quote}"))
        text += f"\nFeedback:\n{quote}"
    blocks.append(context(f"Times in {tz}. :envelope: sent · :hourglass: to come"))
    return text, blocks


def feedback_quote(feedback: str) -> str:
    """The hire's feedback (a form's text) quoted in mrkdwn."""
    return "\n".join(f"> {user_text(line)}" for line in feedback.splitlines())


def feedback_view(w: Walkthrough) -> dict:
    """The hire's form at the end of the walkthrough; its id comes back with the submission."""
    ask = (
        "How were your first two weeks? What helped, what was missing, what should the next "
        "hire get earlier? Your lead will read this."
    )
    return modal(
        FEEDBACK_VIEW,
        "Onboarding feedback",
        [
            section(ask),
            text_input("feedback", "Your feedback", multiline=True, max_length=FEEDBACK_LIMIT),
        ],
        metadata=str(w.id),
        submit="Send",
    )
