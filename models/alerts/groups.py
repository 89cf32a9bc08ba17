"""Alert groups: the alerts that share a group key (Alertmanager's groupKey, PagerDuty's
incident, Opsgenie's alias, the generic `group_key`) are one notification and one escalation.

A group is routed once, when its first alert arrives, to a policy of its team's
(`models.alerts.policies`). Its steps fall due at times computed from the group alone: step
`base_step` at `base_at`, each later step its predecessor's wait after it; **Escalate now**
moves the base to the next step and now. A step falls due only while the group is neither
acked nor resolved (nor held for the morning), so an ack stops the escalation, and a step's
notifications can be rebuilt from the same numbers when one must be retried."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.alerts.policies import Alerting, EscalationPolicy, team_alerting
from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound
from models.core.workspace import Person, Team

FIRING, ACKED, RESOLVED = "firing", "acked", "resolved"
KEYS_KEPT = 200  # firing alert keys a group remembers (beyond that, repeats still count)
BURST = 10  # groups a minute from one integration told one by one; more are a burst
BURST_WINDOW = timedelta(minutes=1)


class AlertGroup(Base):
    __tablename__ = "alert_groups"
    __table_args__ = (
        UniqueConstraint("integration_id", "open_key"),
        Index("ix_alert_groups_team_created", "team_id", "created_at"),
        Index("ix_alert_groups_integration_created", "integration_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("page_integrations.id", ondelete="CASCADE")
    )
    group_key: Mapped[str] = mapped_column(String(200))
    open_key: Mapped[str | None] = mapped_column(String(200))  # group_key while not resolved
    title: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(40))
    service_name: Mapped[str | None] = mapped_column(String(120))
    service_id: Mapped[int | None] = mapped_column(Integer)
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    rotation: Mapped[str | None] = mapped_column(String(80))
    policy: Mapped[str] = mapped_column(String(80))
    urgent: Mapped[bool] = mapped_column(Boolean, default=True)
    firing_keys: Mapped[list[str]] = mapped_column(JSON)
    fired: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_fired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=FIRING, index=True)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    base_step: Mapped[int] = mapped_column(Integer, default=0)
    base_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When its last step falls due (`plan_steps`): a group past it has nothing left to send,
    # and the worker's passes leave it out.
    steps_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    escalated: Mapped[int] = mapped_column(Integer, default=0)  # Escalate now presses
    held_for_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # acked or resolved
    # Part of a burst (more than BURST groups from its integration in a minute): told in the
    # burst's one summary at this instant, not on its own.
    burst_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Its first step's notifications were all claimed at once by the webhook's process: the
    # worker's pass doesn't work them out again (a retry of one still does).
    first_claimed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Held for the morning or part of a burst, told in that summary then: its escalation runs
    # on from there (`summarised`).
    summarised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    acked_by: Mapped[Person | None] = relationship(foreign_keys=[acked_by_id])
    resolved_by: Mapped[Person | None] = relationship(foreign_keys=[resolved_by_id])
    held_for: Mapped[Person | None] = relationship(foreign_keys=[held_for_id])

    @property
    def held(self) -> bool:
        return self.held_until is not None

    def open(self) -> bool:
        """Its escalation runs: not acked, not resolved, not held for the morning, not part of
        a burst."""
        if self.summarised_at is not None:
            return self.status == FIRING
        return self.status == FIRING and not self.held and self.burst_at is None


class AlertMessage(Base):
    """A message the group was told in (a DM, the channel post), to update when it changes."""

    __tablename__ = "alert_messages"
    __table_args__ = (UniqueConstraint("group_id", "channel", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("alert_groups.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    in_channel: Mapped[bool] = mapped_column(Boolean, default=False)  # the thread's parent
    step: Mapped[int] = mapped_column(Integer, default=0)  # the escalation step it told


def new_group(now: datetime, firing: list[str], **fields: Any) -> AlertGroup:
    """A group that starts firing `now` (its first step due then), with these alert keys."""
    return AlertGroup(
        firing_keys=firing,
        fired=1,
        created_at=now,
        last_fired_at=now,
        status=FIRING,
        base_step=0,
        base_at=now,
        escalated=0,
        **fields,
    )


def burst_at(now: datetime) -> datetime:
    """When a burst that a group started at `now` belongs to is told: the next whole minute."""
    return now.replace(second=0, microsecond=0) + BURST_WINDOW


def bursts_between(db: Session, start: datetime, end: datetime) -> list[list[AlertGroup]]:
    """The bursts told in (start, end]: each integration's groups by the instant they are told."""
    rows = db.scalars(
        select(AlertGroup)
        .where(AlertGroup.burst_at > start, AlertGroup.burst_at <= end)
        .order_by(AlertGroup.integration_id, AlertGroup.burst_at, AlertGroup.id)
    )
    found: dict[tuple[int | None, datetime | None], list[AlertGroup]] = {}
    for group in rows:
        found.setdefault((group.integration_id, group.burst_at), []).append(group)
    return list(found.values())


def next_burst_at(db: Session, after: datetime) -> datetime | None:
    return db.scalar(select(func.min(AlertGroup.burst_at)).where(AlertGroup.burst_at > after))


def next_morning_at(db: Session, after: datetime) -> datetime | None:
    return db.scalar(select(func.min(AlertGroup.held_until)).where(AlertGroup.held_until > after))


# -- when each step falls due ------------------------------------------------------------------


def step_times(group: AlertGroup, policy: EscalationPolicy) -> list[tuple[int, datetime]]:
    """Every step from `base_step` on, with when it falls due."""
    out = []
    at = group.base_at
    for n in range(group.base_step, policy.length):
        out.append((n, at))
        at += timedelta(minutes=policy.step(n).wait)
    return out


def plan_steps(db: Session, group: AlertGroup, alerting: Alerting | None = None) -> None:
    """Note when the group's last step falls due (its policy as it is now)."""
    known = {group.team_id: alerting} if alerting is not None else None
    _, policy = alerting_for(db, group, known)
    times = step_times(group, policy)
    group.steps_until = times[-1][1] if times else group.base_at


def replan_open(db: Session, alerting: Alerting) -> None:
    """A team's policies changed: its groups still firing go on by them (a longer policy gives
    them steps again; the worker's passes find them by `steps_until`)."""
    firing = db.scalars(
        select(AlertGroup).where(
            AlertGroup.team_id == alerting.team_id, AlertGroup.status == FIRING
        )
    )
    for group in firing:
        plan_steps(db, group, alerting)


def steps_between(
    group: AlertGroup, policy: EscalationPolicy, start: datetime, end: datetime
) -> list[tuple[int, datetime]]:
    """The steps due in (start, end]; none once it is acked, resolved or held."""
    if not group.open():
        return []
    return [(n, at) for n, at in step_times(group, policy) if start < at <= end]


def next_step_at(group: AlertGroup, policy: EscalationPolicy, after: datetime) -> datetime | None:
    if not group.open():
        return None
    return next((at for _, at in step_times(group, policy) if at > after), None)


def current_step(group: AlertGroup, policy: EscalationPolicy, now: datetime) -> int:
    """The last step that fell due by `now` (the base step before any)."""
    done = [n for n, at in step_times(group, policy) if at <= now]
    return done[-1] if done else group.base_step


# -- reading -------------------------------------------------------------------------------------


def open_groups(
    db: Session, since: datetime, ids: list[int] | None = None, *, until: datetime | None = None
) -> list[AlertGroup]:
    """Groups with steps due after `since` (and, with `until`, one due by then at the latest),
    or that changed after it (updates may be due)."""
    steps = and_(AlertGroup.status == FIRING, AlertGroup.steps_until > since)
    if until is not None:
        steps = and_(steps, AlertGroup.base_at <= until)
    query = select(AlertGroup).where(
        or_(
            steps,
            AlertGroup.changed_at > since,
            AlertGroup.last_fired_at > since,
        )
    )
    if ids is not None:
        query = query.where(AlertGroup.id.in_(ids))
    return list(db.scalars(query.order_by(AlertGroup.id)))


def get_group(db: Session, group_id: int) -> AlertGroup:
    group = db.get(AlertGroup, group_id)
    if group is None:
        raise NotFound("That alert is gone.")
    return group


def messages_of(db: Session, group_id: int) -> list[AlertMessage]:
    return list(
        db.scalars(
            select(AlertMessage).where(AlertMessage.group_id == group_id).order_by(AlertMessage.id)
        )
    )


def channel_message(db: Session, group_id: int) -> AlertMessage | None:
    return db.scalar(
        select(AlertMessage).where(AlertMessage.group_id == group_id, AlertMessage.in_channel)
    )


def keep_message(
    db: Session, group_id: int, channel: str, ts: str, *, in_channel: bool, step: int = 0
) -> None:
    db.add(
        AlertMessage(group_id=group_id, channel=channel, ts=ts, in_channel=in_channel, step=step)
    )


def alerting_for(
    db: Session, group: AlertGroup, known: dict[int, Alerting] | None = None
) -> tuple[Alerting, EscalationPolicy]:
    """The group's team's alerting and the group's policy; `known` keeps each team's alerting
    for a pass over many groups (read once, not once a group)."""
    alerting = known.get(group.team_id) if known is not None else None
    if alerting is None:
        alerting = team_alerting(db, group.team_id)
        if known is not None:
            known[group.team_id] = alerting
    return alerting, alerting.policy(group.policy, group.rotation)


# -- what people do -------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    group_id: int
    status: str
    changed: bool  # False: it was so already (a second Ack), nothing to update


def ack_group(group: AlertGroup, person: Person, now: datetime) -> Change:
    """Anyone may ack; the first ack stands."""
    if group.status != FIRING:
        return Change(group.id, group.status, False)
    group.status, group.acked_at, group.acked_by_id = ACKED, now, person.id
    group.acked_by = person
    group.changed_at = now
    return Change(group.id, ACKED, True)


def resolve_group(group: AlertGroup, person: Person | None, now: datetime) -> Change:
    """Resolved by a person (the button) or by the source (`person` None)."""
    if group.status == RESOLVED:
        return Change(group.id, RESOLVED, False)
    group.status, group.resolved_at = RESOLVED, now
    group.resolved_by_id = person.id if person is not None else None
    group.resolved_by = person
    group.open_key = None
    group.changed_at = now
    return Change(group.id, RESOLVED, True)


def summarised(db: Session, group: AlertGroup, at: datetime) -> None:
    """Told in a summary at `at` (the morning's, or its burst's): unless acked or resolved by
    then, its escalation runs from there, the summary standing for its first step (so that step
    is not sent again: `first_claimed`). The same `at` every time: a retried summary changes
    nothing more."""
    if group.status != FIRING or group.summarised_at is not None:
        return
    group.summarised_at, group.first_claimed = at, True
    group.base_step, group.base_at = 0, at
    plan_steps(db, group)


def escalate_now(db: Session, group: AlertGroup, now: datetime) -> bool:
    """The next step falls due now (an acked group's escalation starts again from there);
    False when there is no next step."""
    if group.status == RESOLVED:
        return False
    _, policy = alerting_for(db, group)
    following = current_step(group, policy, now) + 1
    if (group.held and group.summarised_at is None) or following >= policy.length:
        return False
    group.base_step, group.base_at = following, now
    group.status, group.acked_at, group.acked_by_id = FIRING, None, None
    group.escalated += 1
    plan_steps(db, group)
    return True


def labels_of(group: AlertGroup) -> list[tuple[str, str]]:
    return sorted((str(k), str(v)) for k, v in (group.labels or {}).items())
