"""A walkthrough's course: started from a template, re-planned when its start date moves or it
resumes, paused, cancelled, and ticked off step by step until it is done.

Starting a walkthrough copies the template's steps, so a later change to the template leaves
running walkthroughs alone. Each step's due instant comes from `workdays`; the scheduler sends
what is due. A step sent and not done two workdays later marks the walkthrough "needs attention".

Keys: a step's delivery key carries its `plan`, bumped whenever an unsent step is re-planned
(a new start date, a resume), so a re-planned step is sent once more even if its earlier plan was
dropped, and a step already sent is never re-planned."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from models.core.errors import UserError
from models.core.people import is_lead
from models.core.time import local_instant
from models.core.workspace import Person, Team
from models.onboarding.templates import BODY_LIMIT, TITLE_LIMIT, Template
from models.onboarding.walkthroughs import (
    ACTIVE,
    CANCELLED,
    CURRENT,
    DONE,
    PAUSED,
    Walkthrough,
    WalkthroughStep,
    current_walkthrough,
)
from models.onboarding.workdays import (
    date_in_zone,
    overdue_instant,
    step_due,
)

WELCOME_AT = time(9, 0)
MARGIN = timedelta(minutes=1)  # a re-planned step already in the past goes out on the next tick
FEEDBACK_LIMIT = 3000


# -- planning ----------------------------------------------------------------------------------


def _plan_welcome(w: Walkthrough, now: datetime) -> None:
    if w.welcome_sent_at is not None:
        return
    first = w.calendar.first_working_day(w.start_date)
    w.welcome_at = max(local_instant(first, WELCOME_AT, w.tz), now + MARGIN)
    w.welcome_plan += 1


def _plan_step(w: Walkthrough, step: WalkthroughStep, now: datetime) -> None:
    cal = w.calendar
    step.due_at = max(step_due(w.start_date, step.day, step.at, zone=w.tz, cal=cal), now + MARGIN)
    step.overdue_at = overdue_instant(step.due_at, w.tz, cal)
    step.plan += 1


def replan(w: Walkthrough, now: datetime) -> None:
    """Recompute every step not yet sent (and the welcome) from the start date, in the hire's
    current zone; a step that would fall in the past goes out on the next tick."""
    w.tz = w.hire.zone(w.team.tz)
    _plan_welcome(w, now)
    for step in w.steps:
        if step.sent_at is None:
            _plan_step(w, step, now)


def onboarding_lead(team: Team, hire: Person, starter: Person) -> Person:
    """Who follows the hire's progress: the starter when they lead the team, else the team's first
    lead, else the starter. Never the hire: then the starter, or another lead when the hire
    started it themselves."""
    lead = starter if is_lead(team, starter) else next(iter(team.leads), starter)
    if lead.id != hire.id:
        return lead
    if starter.id != hire.id:
        return starter
    other = next((p for p in team.leads if p.id != hire.id), None)
    if other is None:
        raise UserError(
            f"{hire.mention} can't lead their own onboarding, and {team.name} has no other lead. "
            "Ask a workspace admin to start it."
        )
    return other


def start_walkthrough(
    db: Session,
    team: Team,
    hire: Person,
    *,
    template: Template,
    start: date,
    now: datetime,
    lead: Person | None,
    buddy: Person | None,
) -> Walkthrough:
    if not template.steps:
        raise UserError(f"The onboarding template `{template.name}` has no steps.")
    existing = current_walkthrough(db, team.workspace_id, hire)
    if existing is not None:
        raise UserError(
            f"{hire.mention} is already onboarding with {existing.team.name} "
            f"(since {existing.start_date:%a %d %b}). See `/onboard status {hire.mention}`."
        )
    if buddy is not None and buddy.id == hire.id:
        raise UserError("A hire can't be their own buddy.")
    if lead is not None and lead.id == hire.id:
        raise UserError("A hire can't lead their own onboarding.")
    w = Walkthrough(
        workspace_id=team.workspace_id,
        team=team,
        hire=hire,
        lead=lead,
        buddy=buddy,
        template=template.name,
        tz=hire.zone(team.tz),
        start_date=start,
        status=ACTIVE,
        welcome_plan=-1,
        needs_attention=False,
        created_at=now,
    )
    for i, s in enumerate(sorted(template.steps, key=lambda s: (s.day, s.at))):
        w.steps.append(
            WalkthroughStep(
                index=i,
                day=s.day,
                at=s.at,
                title=s.title[:TITLE_LIMIT],
                body=s.body[:BODY_LIMIT],
                links=[{"label": link.label, "url": link.url} for link in s.links],
                checklist=list(s.checklist),
                shadow=s.shadow,
                plan=-1,
            )
        )
    replan(w, now)
    db.add(w)
    db.flush()
    return w


def change_start(w: Walkthrough, start: date, now: datetime) -> None:
    require_current(w)
    w.start_date = start
    replan(w, now)


def set_buddy(w: Walkthrough, buddy: Person) -> None:
    require_current(w)
    if buddy.id == w.hire_id:
        raise UserError("A hire can't be their own buddy.")
    w.buddy = buddy


def pause(w: Walkthrough, now: datetime) -> None:
    if w.status != ACTIVE:
        raise UserError(f"{w.hire.possessive} onboarding is {w.status}, not active.")
    w.status = PAUSED
    w.paused_at = now


def resume(w: Walkthrough, now: datetime) -> None:
    """Carry on where the hire left off: the start date moves by the working days spent paused,
    and steps sent but not done get two fresh working days before they count as overdue."""
    if w.status != PAUSED or w.paused_at is None:
        raise UserError(f"{w.hire.possessive} onboarding is {w.status}, not paused.")
    cal = w.calendar
    paused_for = cal.working_days_between(date_in_zone(w.paused_at, w.tz), date_in_zone(now, w.tz))
    w.start_date = cal.add_working_days(w.start_date, paused_for)
    w.status = ACTIVE
    w.paused_at = None
    replan(w, now)
    for step in w.steps:
        if step.sent_at is not None and step.done_at is None:
            step.overdue_at = max(step.overdue_at, overdue_instant(now, w.tz, cal))
            step.plan += 1


def cancel(w: Walkthrough, now: datetime) -> None:
    require_current(w)
    w.status = CANCELLED
    w.finished_at = now


def require_current(w: Walkthrough) -> None:
    if w.status not in CURRENT:
        raise UserError(f"{w.hire.possessive} onboarding is already {w.status}.")


# -- progress ----------------------------------------------------------------------------------


def mark_done(step: WalkthroughStep, now: datetime) -> bool:
    """Tick a step off; True when it was the hire's last open step (the walkthrough is done)."""
    w = step.walkthrough
    if step.done_at is None:
        step.done_at = now
    if w.needs_attention and not w.overdue(now):
        w.needs_attention = False
    if w.status == ACTIVE and all(s.done_at is not None for s in w.steps):
        w.status = DONE
        w.finished_at = now
        return True
    return False


def tick_item(step: WalkthroughStep, index: int, ticked: bool) -> None:
    """Tick a checklist item off (or on again); the hire's to do, checked by the caller."""
    if not 0 <= index < len(step.checklist):
        raise UserError("That checklist item is no longer in the step.")
    checked = set(step.checked or [])
    checked = checked | {index} if ticked else checked - {index}
    step.checked = sorted(checked)


def helpers(w: Walkthrough) -> list[Person]:
    """Who hears when the hire asks for help, as the welcome says: their buddy and their lead
    (the team's leads, if it has none)."""
    leads = [w.lead] if w.lead is not None else list(w.team.leads)
    found = [p for p in (w.buddy, *leads) if p is not None and p.id != w.hire_id and not p.deleted]
    return list({p.id: p for p in found}.values())


def request_help(step: WalkthroughStep, now: datetime) -> list[Person]:
    """Record the request; who should hear of it (`helpers`)."""
    step.help_requested_at = now
    return helpers(step.walkthrough)


def flag_attention(w: Walkthrough, now: datetime) -> bool:
    """Mark the walkthrough; True when it wasn't marked already (the lead hears once)."""
    if w.needs_attention:
        return False
    w.needs_attention = True
    w.attention_at = now
    return True


def record_feedback(w: Walkthrough, text: str, now: datetime) -> None:
    text = text.strip()
    if not text:
        raise UserError("Write a few words of feedback first.", field="feedback")
    w.feedback = text[:FEEDBACK_LIMIT]
    w.feedback_at = now
