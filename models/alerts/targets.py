"""Whom a step notifies at a given time: whoever is on call in a rotation then (its overrides
included), a named person, a team's leads, or a team's channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.alerts.policies import CHANNEL, LEADS, PERSON, ROTATION, Step
from models.core.people import find_person, find_team
from models.core.time import local_instant
from models.core.workspace import Person, Team, Workspace
from models.oncall.now import on_call_now, rotation_ref
from models.pages.pages import SLEEP, hour_class

MORNING = time(8, 0)  # when the night ends (`models.pages.pages`' sleep hours)


@dataclass(frozen=True)
class Target:
    """A DM to a person (`person_id` set) or a post in a channel."""

    channel: str  # a Slack user id for a DM, else a channel id
    person_id: int | None = None
    tz: str | None = None


def step_targets(db: Session, team: Team, step: Step, at: datetime) -> list[Target]:
    workspace = db.get(Workspace, team.workspace_id)
    assert workspace is not None
    if step.kind == ROTATION:
        ref = rotation_ref(db, workspace, step.target)
        shift = on_call_now(db, ref, at)[0] if ref is not None else None
        person = shift.person if shift is not None else None
        return [dm_to(person)] if person is not None and not person.deleted else []
    if step.kind == PERSON:
        person = find_person(db, workspace, step.target)
        return [dm_to(person)] if person is not None and not person.deleted else []
    other = find_team(db, workspace, step.target) if step.target else team
    other = other or team
    if step.kind == LEADS:
        return [dm_to(p) for p in other.leads if not p.deleted]
    if step.kind == CHANNEL and other.channel_id:
        return [Target(other.channel_id)]
    return []


def dm_to(person: Person) -> Target:
    return Target(person.slack_user_id, person.id, person.tz)


def person_of(db: Session, target: Target) -> Person | None:
    return db.get(Person, target.person_id) if target.person_id is not None else None


def night_until(at: datetime, zone: str) -> datetime | None:
    """When the night `at` falls in ends (08:00 local), or None if `at` is not at night."""
    tz = ZoneInfo(zone)
    local = at.astimezone(tz)
    if hour_class(local) != SLEEP:
        return None
    day = local.date() if local.time() < MORNING else local.date() + timedelta(days=1)
    return local_instant(day, MORNING, zone)


def team_zone(db: Session, team_id: int) -> str:
    return db.scalar(select(Team.tz).where(Team.id == team_id)) or "UTC"
