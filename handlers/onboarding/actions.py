"""The hire's buttons on a step's DM (*Done*, *I need help*, *Share feedback*) and the feedback
form. Who else hears of it (the buddy, the lead) gets a DM after the answer."""

from __future__ import annotations

from collections.abc import Callable

from bot.deps import CommandRequest, Deps, command_request
from bot.jobs.deferred import Deferred, in_turn
from bot.later import post_message, update_message
from bot.render import state_value, user_text
from handlers.onboarding.blocks import (
    CHECK,
    DONE,
    FEEDBACK,
    FEEDBACK_VIEW,
    HELP,
    check_target,
    feedback_quote,
    feedback_view,
    step_actions,
    step_message,
)
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.numbers import whole_number
from models.core.workspace import LEAD, Person
from models.onboarding.lifecycle import mark_done, record_feedback, request_help, tick_item
from models.onboarding.walkthroughs import Walkthrough, WalkthroughStep


def dm_work(person: Person, text: str) -> Deferred:
    """A DM to make later (posting to a user id opens the app's DM with them)."""
    return post_message(channel=person.slack_user_id, text=text)


def hires_step(req: CommandRequest, value: str) -> WalkthroughStep:
    number = whole_number(value)
    step = req.db.get(WalkthroughStep, number) if number is not None else None
    if step is None or step.walkthrough.workspace_id != req.workspace.id:
        raise NotFound("That onboarding step no longer exists.")
    if step.walkthrough.hire_id != req.person.id:
        raise PermissionDenied(
            f"This step is {step.walkthrough.hire.possessive} to tick off.",
            team=step.walkthrough.team,
        )
    return step


def on_done(req: CommandRequest, value: str) -> None:
    step = hires_step(req, value)
    w = step.walkthrough
    finished = mark_done(step, req.now())
    if step.channel_id and step.message_ts:
        text, blocks = step_message(step)
        blocks[-1] = step_actions(step)
        req.later(
            update_message(channel=step.channel_id, ts=step.message_ts, text=text, blocks=blocks)
        )
    if finished:
        for lead in [w.lead] if w.lead else w.team.people(LEAD):
            text = f":tada: {w.hire.mention} finished all {len(w.steps)} onboarding steps."
            req.later(dm_work(lead, text))


def on_check(req: CommandRequest, action: dict, body: dict) -> None:
    """A checklist item's box, ticked or unticked: remembered, and the DM says so again (so it
    reads the same on every device, and after *Done*)."""
    target = check_target(action.get("block_id") or "")
    if target is None:
        raise NotFound("That checklist item no longer exists.")
    step = hires_step(req, str(target[0]))
    ticked = bool(action.get("selected_options"))
    tick_item(step, target[1], ticked)
    if step.channel_id and step.message_ts:
        text, blocks = step_message(step)
        blocks[-1] = step_actions(step)
        req.later(
            update_message(channel=step.channel_id, ts=step.message_ts, text=text, blocks=blocks)
        )


def on_help(req: CommandRequest, value: str) -> None:
    """The buddy and the lead hear of it, as the welcome promised."""
    step = hires_step(req, value)
    w = step.walkthrough
    people = request_help(step, req.now())
    if not people:
        where = f"<#{w.team.channel_id}>" if w.team.channel_id else "your team's channel"
        raise UserError(f"You have no buddy or lead set yet; ask in {where}.")
    asked = (
        f":raising_hand: {w.hire.mention} asked for help with onboarding step {step.index + 1}, "
        f"*{user_text(step.title)}*."
    )
    buddy = w.buddy if w.buddy in people else None
    pings = []
    for person in people:
        if person is buddy:
            text = f"{asked} A quick message or a call would unblock them."
        else:
            also = f"I pinged their buddy {buddy.mention} too" if buddy else "They have no buddy"
            text = f"{asked} {also}; `/onboard status {w.hire.mention}` shows where they are."
        pings.append(dm_work(person, text))
    roles = [f"{p.mention}, {help_role(w, p)}" for p in people]
    reply = f"I pinged {', and '.join(roles)}; they'll get back to you."
    channel = step.channel_id or w.hire.slack_user_id
    req.later(in_turn(*pings, post_message(channel=channel, thread_ts=step.message_ts, text=reply)))


def help_role(w: Walkthrough, person: Person) -> str:
    if w.buddy is not None and person.id == w.buddy.id:
        return "your buddy"
    return "your lead" if w.lead is not None and person.id == w.lead.id else "a team lead"


def on_feedback_open(req: CommandRequest, value: str, trigger_id: str) -> None:
    number = whole_number(value)
    w = req.db.get(Walkthrough, number) if number is not None else None
    if w is None or w.workspace_id != req.workspace.id:
        raise NotFound("That onboarding no longer exists.")
    if w.hire_id != req.person.id:
        raise PermissionDenied(f"This feedback is {w.hire.possessive} to give.", team=w.team)
    req.client.views_open(trigger_id=trigger_id, view=feedback_view(w))


def on_feedback(ack, body: dict, req: CommandRequest) -> None:
    view = body["view"]
    metadata = view.get("private_metadata") or ""
    number = whole_number(metadata)
    w = req.db.get(Walkthrough, number) if number is not None else None
    if w is None or w.workspace_id != req.workspace.id or w.hire_id != req.person.id:
        raise NotFound("That onboarding no longer exists.")
    record_feedback(w, state_value(view["state"]["values"], "feedback"), req.now())
    ack()
    quote = feedback_quote(w.feedback or "")
    passed = [
        dm_work(lead, f":memo: {w.hire.possessive} feedback on their onboarding:\n{quote}")
        for lead in ([w.lead] if w.lead else w.team.people(LEAD))
    ]
    lead_name = w.lead.mention if w.lead else "your team's leads"
    thanks = dm_work(w.hire, f"Thank you! I passed your feedback to {lead_name}.")
    req.later(in_turn(*passed, thanks))


def listeners(app, deps: Deps) -> None:
    def button(handle: Callable[[CommandRequest, str], None]):
        def listener(ack, body: dict, context) -> None:
            ack()
            handle(command_request(deps, context), body["actions"][0].get("value", ""))

        return listener

    app.action(DONE)(button(on_done))
    app.action(HELP)(button(on_help))

    @app.action(CHECK)
    def checked(ack, body: dict, context) -> None:
        ack()
        on_check(command_request(deps, context), body["actions"][0], body)

    @app.action(FEEDBACK)
    def feedback_open(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        on_feedback_open(req, body["actions"][0].get("value", ""), body.get("trigger_id", ""))

    @app.view(FEEDBACK_VIEW)
    def feedback_submitted(ack, body: dict, context) -> None:
        on_feedback(ack, body, command_request(deps, context))
