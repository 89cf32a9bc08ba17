"""Onboarding DMs: the welcome on the start date, each step on its workday at its local time, and
the lead's note when a step has waited two workdays.

Keys: `onboarding:<walkthrough>:welcome`, `onboarding:<walkthrough>:<step index>` and
`onboarding:<walkthrough>:<step index>:attention`, with `.<plan>` added once a step has been
re-planned (a new start date, a resume), so a restart or a second worker never sends one twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from bot.jobs import Due, SendContext
from bot.render import local_time, user_text
from handlers.onboarding.blocks import step_message, welcome_message
from models.onboarding.buddies import shadow_rotation
from models.onboarding.lifecycle import flag_attention
from models.onboarding.walkthroughs import (
    ACTIVE,
    Walkthrough,
    WalkthroughStep,
    steps_due,
    steps_overdue,
    welcomes_due,
)

KIND = "onboarding"


def _plan(plan: int) -> str:
    return f".{plan}" if plan else ""


def welcome_key(w: Walkthrough) -> str:
    return f"{KIND}:{w.id}:welcome{_plan(w.welcome_plan)}"


def step_key(step: WalkthroughStep) -> str:
    return f"{KIND}:{step.walkthrough_id}:{step.index}{_plan(step.plan)}"


def attention_key(step: WalkthroughStep) -> str:
    return f"{step_key(step)}:attention"


def _dm(ctx: SendContext, user_id: str, text: str, blocks: list[dict] | None = None) -> dict:
    return ctx.client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


def send_welcome(walkthrough_id: int, plan: int, ctx: SendContext) -> str | None:
    w = ctx.db.get(Walkthrough, walkthrough_id)
    if w is None or w.status != ACTIVE or w.welcome_sent_at or w.welcome_plan != plan:
        return None
    text, blocks = welcome_message(w)
    ts = _dm(ctx, w.hire.slack_user_id, text, blocks)["ts"]
    w.welcome_sent_at = ctx.clock.now()
    return ts


def send_step(step_id: int, plan: int, ctx: SendContext) -> str | None:
    step = ctx.db.get(WalkthroughStep, step_id)
    if step is None or step.sent_at or step.plan != plan:
        return None
    w = step.walkthrough
    if w.status != ACTIVE:
        return None
    now = ctx.clock.now()
    shadow = shadow_rotation(ctx.db, w, step.due_at, now=now) if step.shadow else None
    text, blocks = step_message(step, *(shadow or (None, None)))
    response = _dm(ctx, w.hire.slack_user_id, text, blocks)
    step.sent_at = now
    step.channel_id = response["channel"]
    step.message_ts = response["ts"]
    return response["ts"]


def send_attention(step_id: int, ctx: SendContext) -> str | None:
    """Mark the walkthrough and tell its lead (the team's leads if it has none), once."""
    step = ctx.db.get(WalkthroughStep, step_id)
    if step is None or step.done_at is not None:
        return None
    w = step.walkthrough
    if w.status != ACTIVE or not flag_attention(w, ctx.clock.now()):
        return None
    buddy = f" Their buddy is {w.buddy.mention}." if w.buddy else " They have no buddy."
    ts = None
    for lead in [w.lead] if w.lead else w.team.leads:
        when = local_time(step.sent_at or step.due_at, lead.zone(w.tz))
        text = (
            f":warning: {w.hire.mention} needs attention: onboarding step {step.index + 1} "
            f"*{user_text(step.title)}* was sent {when} and isn't done two workdays later.{buddy} "
            f"`/onboard status {w.hire.mention}` shows where they are."
        )
        ts = _dm(ctx, lead.slack_user_id, text)["ts"]
    return ts


class OnboardingJob:
    kind = KIND

    def due(self, db: Session, start: datetime, end: datetime) -> Iterator[Due]:
        yield from self._welcomes(db, start, end)
        yield from self._steps(db, start, end)
        yield from self._attention(db, start, end)

    def _welcomes(self, db: Session, start: datetime, end: datetime) -> Iterator[Due]:
        for w in welcomes_due(db, start, end):
            send = partial(send_welcome, w.id, w.welcome_plan)
            yield self._due(welcome_key(w), w.welcome_at, send)

    def _steps(self, db: Session, start: datetime, end: datetime) -> Iterator[Due]:
        for step in steps_due(db, start, end):
            yield self._due(step_key(step), step.due_at, partial(send_step, step.id, step.plan))

    def _attention(self, db: Session, start: datetime, end: datetime) -> Iterator[Due]:
        for step in steps_overdue(db, start, end):
            yield self._due(attention_key(step), step.overdue_at, partial(send_attention, step.id))

    @staticmethod
    def _due(key: str, at: datetime, send) -> Due:
        # Late is better than never for a hire's step: nothing here goes stale.
        return Due(key=key, kind=KIND, due_at=at, send=send, stale_after=None)


JOBS = [OnboardingJob()]
