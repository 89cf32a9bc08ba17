"""Onboarding walkthroughs: a hire's first two weeks as steps sent by DM, one at a time.

A template is a list of steps, each on a workday counted from the start date (day 0 is the first
workday on or after it), at a local time in the hire's own zone. Starting a walkthrough copies the
template's steps, so a later change to the template leaves running walkthroughs alone. Each step's
due instant is computed here (pure functions: weekends are skipped); the scheduler sends what is
due. A step sent and not done two workdays later marks the walkthrough "needs attention".

Keys: a step's delivery key carries its `plan`, bumped whenever an unsent step is re-planned
(a new start date, a resume), so a re-planned step is sent once more even if its earlier plan was
dropped, and a step already sent is never re-planned."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound, UserError
from models.core.people import is_lead
from models.core.time import local_instant
from models.core.workspace import Person, Team, Workspace

try:  # on-call is a feature of its own; onboarding works without it
    from models.oncall import rotations as oncall
    from models.oncall import shifts as oncall_shifts
except ImportError:  # pragma: no cover - depends on which features are installed
    oncall = oncall_shifts = None  # type: ignore[assignment]

ACTIVE, PAUSED, CANCELLED, DONE = "active", "paused", "cancelled", "done"
CURRENT = (ACTIVE, PAUSED)
OVERDUE_WORKDAYS = 2
WELCOME_AT = time(9, 0)
BUSY_ON_CALL = timedelta(days=1)  # on call this long in the hire's first week: not a buddy
MARGIN = timedelta(minutes=1)  # a re-planned step already in the past goes out on the next tick
DEFAULT = "default"
TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
TITLE_LIMIT = 150
BODY_LIMIT = 2500
FEEDBACK_LIMIT = 3000


# -- workdays (pure) ---------------------------------------------------------------------------


def is_workday(day: date) -> bool:
    return day.weekday() < 5


def first_workday(day: date) -> date:
    """The day itself if it is a workday, else the Monday after."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def add_workdays(start: date, n: int) -> date:
    """Workday `n` counted from `start` (day 0 is the first workday on or after `start`)."""
    day = first_workday(start)
    for _ in range(n):
        day = first_workday(day + timedelta(days=1))
    return day


def workdays_between(a: date, b: date) -> int:
    """How many workdays come after `a`, up to and including `b` (0 when b <= a)."""
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        count += is_workday(day)
    return count


def step_due(start: date, day: int, at: time, zone: str) -> datetime:
    """The UTC instant of a step on workday `day` at local time `at` in `zone`."""
    return local_instant(add_workdays(start, day), at, zone)


def overdue_instant(due_at: datetime, zone: str) -> datetime:
    """Two workdays after a step's due instant, at the same local time."""
    local = due_at.astimezone(ZoneInfo(zone))
    return local_instant(add_workdays(local.date(), OVERDUE_WORKDAYS), local.time(), zone)


def local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


# -- templates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class StepTemplate:
    day: int  # workday offset from the start date
    at: time  # local time in the hire's zone
    title: str
    body: str  # mrkdwn; {hire}, {buddy}, {lead}, {team}, {channel} are filled in
    links: tuple[Link, ...] = ()
    checklist: tuple[str, ...] = ()
    shadow: bool = False  # the on-call shadowing step

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "day": self.day,
            "at": self.at.strftime("%H:%M"),
            "title": self.title,
            "body": self.body,
        }
        if self.links:
            out["links"] = [{"label": link.label, "url": link.url} for link in self.links]
        if self.checklist:
            out["checklist"] = list(self.checklist)
        if self.shadow:
            out["shadow"] = True
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepTemplate:
        hour, minute = (int(x) for x in str(data["at"]).split(":"))
        return cls(
            day=int(data["day"]),
            at=time(hour, minute),
            title=str(data["title"]),
            body=str(data.get("body", "")),
            links=tuple(Link(str(x["label"]), str(x["url"])) for x in data.get("links") or []),
            checklist=tuple(str(x) for x in data.get("checklist") or []),
            shadow=bool(data.get("shadow", False)),
        )


@dataclass(frozen=True)
class Template:
    name: str
    steps: tuple[StepTemplate, ...]
    team: str | None = None


def _step(day: int, at: str, title: str, body: str, *checklist: str, **kw: Any) -> StepTemplate:
    hour, minute = (int(x) for x in at.split(":"))
    return StepTemplate(day, time(hour, minute), title, body, checklist=checklist, **kw)


BUILT_IN = Template(
    DEFAULT,
    (
        _step(
            0,
            "10:00",
            "The company and the team",
            "Welcome to *{team}*! Today is for getting your bearings: what the company does, "
            "who its customers are, and what {team} owns. Your lead {lead} will walk you through "
            "the team's services; {channel} is where the team talks.",
            "Read the company handbook",
            "Join {channel} and say hello",
            "Have a first 1:1 with {lead}",
        ),
        _step(
            0,
            "11:00",
            "Meet your buddy",
            "{buddy} is your buddy for these two weeks: the person to ask anything, however "
            "small. Set up a short daily check-in for this week.",
            "Book a 15-minute daily check-in with {buddy} for week 1",
        ),
        _step(
            0,
            "14:00",
            "Access",
            "Ask for the accounts you need. Tick them off as they arrive; if one is stuck for "
            "more than a day, press *I need help*.",
            "Single sign-on and email",
            "Source code hosting",
            "Cloud console (read-only to start)",
            "Monitoring, logs and dashboards",
            "The paging tool (for shadowing in week 2)",
        ),
        _step(
            1,
            "10:00",
            "Ways of working",
            "How {team} plans, reviews and ships: the standup, planning and retro rhythm, how "
            "code review works, and how work moves from idea to production. `/upkeep rituals` "
            "shows the rituals Upkeep runs for the team.",
            "Read the team's working agreement",
            "Sit in on standup",
        ),
        _step(
            1,
            "14:00",
            "Rules that matter",
            "The few rules that keep production and data safe: security and privacy basics, "
            "change management, and what to do when something breaks.",
            "Read the security and data handling policy",
            "Read the incident process",
        ),
        _step(
            2,
            "10:00",
            "Your development environment",
            "Set up your machine: clone the main repositories, build them, run the tests and "
            "start a service locally. Note what the setup guide gets wrong and fix it.",
            "Clone and build the main repositories",
            "Run the test suite",
            "Run one service locally",
        ),
        _step(
            3,
            "10:00",
            "A first small change",
            "Pick a small, well-understood change with {buddy} and take it all the way: branch, "
            "review, merge and deploy.",
            "Pick a starter task with {buddy}",
            "Open a pull request",
            "See it deployed",
        ),
        _step(
            4,
            "15:00",
            "Week 1 wrap-up",
            "Look back on the week with {buddy}: what is still unclear, what slowed you down, "
            "and what the setup docs should say next time.",
        ),
        _step(
            5,
            "10:00",
            "Team communication",
            "Where conversations happen: {channel} for the team, the incident channel when "
            "something breaks, and the places decisions and docs are written down.",
            "Join the incident channel",
            "Find the team's docs and decision records",
        ),
        _step(
            6,
            "10:00",
            "Where we are heading",
            "The direction of current work: the team's priorities (`/priority`), the roadmap, "
            "and why those items are at the top.",
            "Talk through the top priorities with {lead}",
        ),
        _step(
            7,
            "10:00",
            "Step into regular work",
            "Take small tasks from the backlog and work them like everyone else: standup "
            "updates, reviews and deploys.",
            "Take a small task from the backlog",
            "Review a teammate's pull request",
        ),
        _step(
            8,
            "10:00",
            "Shadow the on-call rotation",
            "Shadow the person on call for a shift: watch how alerts are triaged and handed "
            "off. You are never paged as a shadow. `/oncall` shows who is on call.",
            "Read the runbooks of the services {team} owns",
            "Sit with the person on call for their shift",
            shadow=True,
        ),
        _step(
            9,
            "15:00",
            "Two weeks in",
            "You made it through the first two weeks. How was it? Your feedback shapes the next "
            "hire's onboarding: press *Share feedback*.",
            "Share feedback on your onboarding",
        ),
    ),
)


class OnboardingTemplate(Base):
    """A template from the config file (`onboarding:`), optionally a team's own."""

    __tablename__ = "onboarding_templates"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship()

    def template(self) -> Template:
        steps = tuple(StepTemplate.from_dict(s) for s in self.steps)
        return Template(self.name, steps, self.team.name if self.team else None)


def stored_templates(db: Session, workspace: Workspace) -> list[OnboardingTemplate]:
    return list(
        db.scalars(
            select(OnboardingTemplate)
            .where(OnboardingTemplate.workspace_id == workspace.id)
            .order_by(OnboardingTemplate.name)
        )
    )


def find_template(db: Session, workspace: Workspace, team: Team, name: str | None) -> Template:
    """The named template; without a name, the team's own (its `default`, or its only one), else
    the workspace's `default`, else the built-in."""
    stored = stored_templates(db, workspace)
    if name:
        for row in stored:
            if row.name == name.lower():
                return row.template()
        if name.lower() == DEFAULT:
            return BUILT_IN
        known = ", ".join(sorted({DEFAULT, *(r.name for r in stored)}))
        raise NotFound(f"There is no onboarding template called `{name}`. Templates: {known}.")
    own = [r for r in stored if r.team_id == team.id]
    mine = [r for r in own if r.name == DEFAULT] or own
    if len(mine) == 1:
        return mine[0].template()
    if len(mine) > 1:
        names = ", ".join(r.name for r in mine)
        raise UserError(f"{team.name} has several onboarding templates ({names}): name one.")
    general = [r for r in stored if r.name == DEFAULT]
    return general[0].template() if general else BUILT_IN


# -- walkthroughs ------------------------------------------------------------------------------


class Walkthrough(Base):
    """One hire's onboarding: their steps, their buddy and lead, where they got to."""

    __tablename__ = "walkthroughs"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    hire_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    buddy_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    template: Mapped[str] = mapped_column(String(80))
    tz: Mapped[str] = mapped_column(String(64))  # the hire's zone when last planned
    start_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE, index=True)
    welcome_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    welcome_plan: Mapped[int] = mapped_column(Integer, default=0)
    welcome_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    needs_attention: Mapped[bool] = mapped_column(Boolean, default=False)
    attention_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship(lazy="joined")
    hire: Mapped[Person] = relationship(foreign_keys=[hire_id], lazy="joined")
    lead: Mapped[Person | None] = relationship(foreign_keys=[lead_id], lazy="joined")
    buddy: Mapped[Person | None] = relationship(foreign_keys=[buddy_id], lazy="joined")
    steps: Mapped[list[WalkthroughStep]] = relationship(
        back_populates="walkthrough",
        cascade="all, delete-orphan",
        order_by="WalkthroughStep.index",
        lazy="selectin",
    )

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.steps if s.done_at is not None)

    def next_step(self) -> WalkthroughStep | None:
        return next((s for s in self.steps if s.done_at is None), None)

    def overdue(self, now: datetime) -> list[WalkthroughStep]:
        return [s for s in self.steps if s.is_overdue(now)]

    def snapshot(self) -> dict[str, Any]:
        return {
            "hire": self.hire.slack_user_id,
            "team": self.team.name,
            "template": self.template,
            "start": self.start_date.isoformat(),
            "buddy": self.buddy.slack_user_id if self.buddy else None,
            "lead": self.lead.slack_user_id if self.lead else None,
            "status": self.status,
        }


class WalkthroughStep(Base):
    """A step copied from the template, with its due instant in the hire's zone."""

    __tablename__ = "walkthrough_steps"
    __table_args__ = (UniqueConstraint("walkthrough_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    walkthrough_id: Mapped[int] = mapped_column(
        ForeignKey("walkthroughs.id", ondelete="CASCADE"), index=True
    )
    index: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer)
    at: Mapped[time] = mapped_column(Time)
    title: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    body: Mapped[str] = mapped_column(Text)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    shadow: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    overdue_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    plan: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    help_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    walkthrough: Mapped[Walkthrough] = relationship(back_populates="steps")

    @property
    def is_last(self) -> bool:
        return self.index == len(self.walkthrough.steps) - 1

    def is_overdue(self, now: datetime) -> bool:
        return self.sent_at is not None and self.done_at is None and self.overdue_at <= now


class Shadow(Base):
    """A hire shadowing an on-call rotation for a shift: shown with the rotation, never paged."""

    __tablename__ = "onboarding_shadows"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    walkthrough_id: Mapped[int | None] = mapped_column(
        ForeignKey("walkthroughs.id", ondelete="SET NULL")
    )
    rotation: Mapped[str] = mapped_column(String(80), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(lazy="joined")


# -- planning ----------------------------------------------------------------------------------


def _plan_welcome(w: Walkthrough, now: datetime) -> None:
    if w.welcome_sent_at is not None:
        return
    w.welcome_at = max(local_instant(first_workday(w.start_date), WELCOME_AT, w.tz), now + MARGIN)
    w.welcome_plan += 1


def _plan_step(w: Walkthrough, step: WalkthroughStep, now: datetime) -> None:
    step.due_at = max(step_due(w.start_date, step.day, step.at, w.tz), now + MARGIN)
    step.overdue_at = overdue_instant(step.due_at, w.tz)
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
    template: Template,
    start: date,
    now: datetime,
    *,
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
        raise UserError(f"{w.hire.mention}'s onboarding is {w.status}, not active.")
    w.status = PAUSED
    w.paused_at = now


def resume(w: Walkthrough, now: datetime) -> None:
    """Carry on where the hire left off: the start date moves by the workdays spent paused, and
    steps sent but not done get two fresh workdays before they count as overdue."""
    if w.status != PAUSED or w.paused_at is None:
        raise UserError(f"{w.hire.mention}'s onboarding is {w.status}, not paused.")
    paused_for = workdays_between(local_today(w.paused_at, w.tz), local_today(now, w.tz))
    w.start_date = add_workdays(w.start_date, paused_for)
    w.status = ACTIVE
    w.paused_at = None
    replan(w, now)
    for step in w.steps:
        if step.sent_at is not None and step.done_at is None:
            step.overdue_at = max(step.overdue_at, overdue_instant(now, w.tz))
            step.plan += 1


def cancel(w: Walkthrough, now: datetime) -> None:
    require_current(w)
    w.status = CANCELLED
    w.finished_at = now


def require_current(w: Walkthrough) -> None:
    if w.status not in CURRENT:
        raise UserError(f"{w.hire.mention}'s onboarding is already {w.status}.")


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


def request_help(step: WalkthroughStep, now: datetime) -> Person | None:
    """Record the request; who should hear of it: the buddy, else the lead."""
    step.help_requested_at = now
    w = step.walkthrough
    return w.buddy or w.lead


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


# -- queries -----------------------------------------------------------------------------------


def current_walkthrough(db: Session, workspace_id: int, hire: Person) -> Walkthrough | None:
    return db.scalar(
        select(Walkthrough)
        .where(
            Walkthrough.workspace_id == workspace_id,
            Walkthrough.hire_id == hire.id,
            Walkthrough.status.in_(CURRENT),
        )
        .order_by(Walkthrough.id.desc())
        .limit(1)
    )


def latest_walkthrough(db: Session, workspace: Workspace, hire: Person) -> Walkthrough:
    found = db.scalar(
        select(Walkthrough)
        .where(Walkthrough.workspace_id == workspace.id, Walkthrough.hire_id == hire.id)
        .order_by(Walkthrough.id.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound(
            f"{hire.mention} has no onboarding. Start one with `/onboard {hire.mention}`."
        )
    return found


def require_current_of(db: Session, workspace: Workspace, hire: Person) -> Walkthrough:
    found = current_walkthrough(db, workspace.id, hire)
    if found is None:
        latest_walkthrough(db, workspace, hire)  # NotFound when there never was one
        raise UserError(f"{hire.mention}'s onboarding is over; nothing to change.")
    return found


def followed_by(db: Session, person: Person) -> list[Walkthrough]:
    """Current walkthroughs this person leads or is the buddy of, oldest start first."""
    return list(
        db.scalars(
            select(Walkthrough)
            .where(
                Walkthrough.status.in_(CURRENT),
                (Walkthrough.lead_id == person.id) | (Walkthrough.buddy_id == person.id),
            )
            .order_by(Walkthrough.start_date, Walkthrough.id)
        )
    )


def team_walkthroughs(db: Session, team: Team) -> list[Walkthrough]:
    return list(
        db.scalars(
            select(Walkthrough)
            .where(Walkthrough.team_id == team.id, Walkthrough.status.in_(CURRENT))
            .order_by(Walkthrough.start_date, Walkthrough.id)
        )
    )


def welcomes_due(db: Session, start: datetime, end: datetime) -> list[Walkthrough]:
    """Active walkthroughs whose welcome is due in (start, end] and not sent."""
    return list(
        db.scalars(
            select(Walkthrough)
            .where(
                Walkthrough.status == ACTIVE,
                Walkthrough.welcome_sent_at.is_(None),
                Walkthrough.welcome_at > start,
                Walkthrough.welcome_at <= end,
            )
            .order_by(Walkthrough.welcome_at, Walkthrough.id)
        )
    )


def _active_steps(db: Session, instant, start: datetime, end: datetime, *where) -> list:
    return list(
        db.scalars(
            select(WalkthroughStep)
            .join(Walkthrough)
            .where(Walkthrough.status == ACTIVE, instant > start, instant <= end, *where)
            .order_by(instant, WalkthroughStep.walkthrough_id, WalkthroughStep.index)
        )
    )


def steps_due(db: Session, start: datetime, end: datetime) -> list[WalkthroughStep]:
    """Steps of active walkthroughs due in (start, end] and not sent."""
    return _active_steps(db, WalkthroughStep.due_at, start, end, WalkthroughStep.sent_at.is_(None))


def steps_overdue(db: Session, start: datetime, end: datetime) -> list[WalkthroughStep]:
    """Steps sent, not done, that became overdue in (start, end]."""
    return _active_steps(
        db,
        WalkthroughStep.overdue_at,
        start,
        end,
        WalkthroughStep.sent_at.is_not(None),
        WalkthroughStep.done_at.is_(None),
    )


# -- buddies -----------------------------------------------------------------------------------


def on_call_time(db: Session, team: Team, start: datetime, end: datetime) -> dict[int, timedelta]:
    """How long each person is on call in the team's rotations between start and end (empty
    when on-call isn't installed)."""
    if oncall is None:
        return {}
    spent: dict[int, timedelta] = {}
    for rotation in db.scalars(select(oncall.Rotation).where(oncall.Rotation.team_id == team.id)):
        for shift in oncall_shifts.shifts(db, rotation, start, end=end):
            if shift.person is not None:
                overlap = min(shift.end, end) - max(shift.start, start)
                spent[shift.person.id] = spent.get(shift.person.id, timedelta()) + overlap
    return spent


def buddy_load(db: Session, workspace_id: int) -> dict[int, int]:
    """Current walkthroughs per buddy."""
    rows = db.execute(
        select(Walkthrough.buddy_id, func.count())
        .where(
            Walkthrough.workspace_id == workspace_id,
            Walkthrough.status.in_(CURRENT),
            Walkthrough.buddy_id.is_not(None),
        )
        .group_by(Walkthrough.buddy_id)
    )
    return {pid: n for pid, n in rows}


def pick_buddy(candidates: list[Person], busy: set[int], load: dict[int, int]) -> Person | None:
    """Not busy (on call), fewest current buddies, then by name."""
    free = [p for p in candidates if p.id not in busy]
    free.sort(key=lambda p: (load.get(p.id, 0), p.display_name.lower(), p.slack_user_id))
    return free[0] if free else None


def suggest_buddy(db: Session, team: Team, hire: Person, start: date, zone: str) -> Person | None:
    """From the team (members, else leads), not the hire, not on call for a day or more of the
    hire's first week (their first day to that week's end), fewest current buddies, then name."""
    people = team.members or team.leads
    candidates = [
        p for p in dict.fromkeys(people) if p.id != hire.id and not p.deleted and not p.is_bot
    ]
    first = first_workday(start)
    week_end = first + timedelta(days=5 - first.weekday())  # the Saturday after
    start_at, end_at = (local_instant(d, time(0, 0), zone) for d in (first, week_end))
    spent = on_call_time(db, team, start_at, end_at)
    busy = {pid for pid, t in spent.items() if t >= BUSY_ON_CALL}
    return pick_buddy(candidates, busy, buddy_load(db, team.workspace_id))


# -- shadowing ---------------------------------------------------------------------------------


def pick_shift(shifts: list[Any], at: datetime) -> Any | None:
    """The shift under way at `at`, else the next one to start."""
    for shift in shifts:
        if shift.start <= at < shift.end:
            return shift
    later = [s for s in shifts if s.start >= at]
    return min(later, key=lambda s: s.start) if later else None


def shadow_rotation(
    db: Session, w: Walkthrough, at: datetime, now: datetime
) -> tuple[Shadow, Person | None] | None:
    """Record the hire as a shadow of the team's rotation for the shift at `at` (or the next
    one within a week); the shadow and who is on call then. None when on-call isn't installed
    or the team has no rotation."""
    if oncall is None:
        return None
    rotation = db.scalar(
        select(oncall.Rotation)
        .where(oncall.Rotation.team_id == w.team_id)
        .order_by(oncall.Rotation.name)
        .limit(1)
    )
    if rotation is None:
        return None
    shift = pick_shift(oncall_shifts.shifts(db, rotation, at, end=at + timedelta(days=7)), at)
    if shift is None:
        return None
    return add_shadow(db, w, rotation.name, shift.start, shift.end, now), shift.person


def add_shadow(
    db: Session, w: Walkthrough, rotation: str, start: datetime, end: datetime, now: datetime
) -> Shadow:
    existing = db.scalar(
        select(Shadow).where(
            Shadow.walkthrough_id == w.id, Shadow.rotation == rotation, Shadow.start == start
        )
    )
    if existing is not None:
        return existing
    shadow = Shadow(
        workspace_id=w.workspace_id,
        walkthrough_id=w.id,
        rotation=rotation,
        person_id=w.hire_id,
        person=w.hire,
        start=start,
        end=end,
        created_at=now,
    )
    db.add(shadow)
    return shadow


def shadows_during(
    db: Session, workspace_id: int, rotation: str, start: datetime, end: datetime
) -> list[Shadow]:
    """Shadows of a rotation overlapping [start, end): for `/oncall` to show."""
    return list(
        db.scalars(
            select(Shadow)
            .where(
                Shadow.workspace_id == workspace_id,
                Shadow.rotation == rotation,
                Shadow.start < end,
                Shadow.end > start,
            )
            .order_by(Shadow.start)
        )
    )


# -- filling in the text -----------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(hire|buddy|lead|team|channel)\}")


def fill(text: str, w: Walkthrough) -> str:
    """Fill {hire}, {buddy}, {lead}, {team} and {channel}; other braces stay as written."""
    values = {
        "hire": w.hire.mention,
        "buddy": w.buddy.mention if w.buddy else "your buddy",
        "lead": w.lead.mention if w.lead else "your lead",
        "team": w.team.name,
        "channel": f"<#{w.team.channel_id}>" if w.team.channel_id else "the team's channel",
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
