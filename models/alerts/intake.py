"""Alerts from the webhooks into alert groups, in page ingest's transaction
(`models.pages.ingest.ingest_batch(intake=...)`): a new group key starts a group, routed to a
policy and, when it is not urgent and it is night for whoever its first step notifies, held for
the morning, or, past BURST new groups in a minute from its integration, told in the burst's
one summary; a new alert of an open group counts as a repeat; a resolve of every alert of a
group resolves it. The heartbeat alert of a team that expects one only keeps its heartbeat."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy import bindparam, literal, select, union_all
from sqlalchemy.orm import Session, make_transient_to_detached

from models.alerts.groups import (
    BURST,
    BURST_WINDOW,
    KEYS_KEPT,
    AlertGroup,
    burst_at,
    new_group,
    plan_steps,
    resolve_group,
)
from models.alerts.heartbeats import beat_seen
from models.alerts.policies import Alerting, Changes, team_alerting
from models.alerts.targets import night_until, step_targets, team_zone
from models.core.workspace import Team
from models.pages.formats import Alert
from models.pages.ingest import Attributor
from models.pages.integrations import Hook
from models.pages.writes import Rider

ALERTING_TTL = 5.0  # seconds a team's alerting is used without reading it again


class KeptAlertings:
    """Each team's alerting (settings, policies, routes) as webhooks last read it, used for
    `ALERTING_TTL` seconds or until this process changes alerting (`Changes`): a webhook batch
    doesn't read and parse its team's settings again (a change made by another process
    reaches webhooks within the TTL)."""

    def __init__(self, ttl: float = ALERTING_TTL) -> None:
        self.ttl = ttl
        self._kept: dict[int, tuple[float, int, Alerting]] = {}
        self._lock = threading.Lock()

    def get(self, db: Session, team_id: int) -> Alerting:
        now, changes = time.monotonic(), Changes.count
        with self._lock:
            kept = self._kept.get(team_id)
        if kept is not None and kept[0] > now and kept[1] == changes:
            return kept[2]
        alerting = team_alerting(db, team_id)
        with self._lock:
            self._kept[team_id] = (now + self.ttl, changes, alerting)
        return alerting


class AlertIntake:
    """An `Intake` for one batch: the groups with something to send now (`touched`: started,
    fired again, resolved) are notified after the batch commits. `kept`: the teams' alerting
    kept between batches."""

    def __init__(self, kept: KeptAlertings | None = None) -> None:
        self.kept = kept
        self.touched: set[int] = set()
        self.heartbeats: set[int] = set()  # teams whose heartbeat came

    def __call__(
        self,
        db: Session,
        hook: Hook,
        requests: list[tuple[list[Alert], datetime]],
        attributor: Attributor | None = None,
    ) -> Rider | None:
        """The integration's alerts into groups: one query for its open groups and when it
        started its last groups, a flush for those it changed; the groups it starts are
        returned, for ingest to store with the pages (a webhook is answered fast)."""
        kept = self.kept
        alerting = kept.get(db, hook.team_id) if kept else team_alerting(db, hook.team_id)
        wanted = {a.group_key for alerts, _ in requests for a in alerts}
        since = min(now for _, now in requests) - BURST_WINDOW
        found, lately = open_and_recent(db, hook.id, wanted, since)
        groups: dict[str, AlertGroup | None] = dict(found)
        started: list[AlertGroup] = []
        new: list[AlertGroup] = []  # started here, inserted together before the flush
        attributor = attributor or Attributor(db, hook)
        recent: int | None = None
        for alerts, now in requests:
            for alert in alerts:
                if beat_seen(db, hook, alerting, alert, now):
                    self.heartbeats.add(hook.team_id)
                    continue
                if alert.resolved_at is None and not hook.accepts(alert.severity):
                    continue
                group = groups.get(alert.group_key)
                if group is not None and group.open_key is None and alert.resolved_at is None:
                    insert_groups(db, new)
                    db.flush()  # it resolved earlier in this batch: its key is free again
                    group = None
                if alert.resolved_at is not None:
                    if group is not None and _resolves(group, alert):
                        started.append(group)
                elif group is None:
                    if recent is None:
                        recent = sum(1 for at in lately if at > now - BURST_WINDOW)
                    group = start_group(db, attributor, alerting, alert, now, burst=recent)
                    groups[alert.group_key] = group
                    new.append(group)
                    recent += 1
                    if group.open():  # else it waits: for the morning, or the burst's summary
                        started.append(group)
                elif alert.key not in group.firing_keys:
                    group.firing_keys = [*group.firing_keys, alert.key][-KEYS_KEPT:]
                    group.fired += 1
                    group.last_fired_at = now
                    started.append(group)
        db.flush()
        # Groups stored before are noted now: on PostgreSQL a batch of firing alerts commits this
        # flush at once, and if the batch runs again (it lost a race to start a group) their
        # alerts are no longer new to them, yet they still have to be told.
        self.touched.update(group.id for group in started if group.id is not None)

        def stored(ids: dict[str, int]) -> None:  # at the batch's end: nothing changes them now
            for group in new:
                group.id = ids[group.group_key]
            self.touched.update(group.id for group in started)

        # Their group keys are unique among them (a key started again mid-batch is stored then).
        return Rider(AlertGroup.__table__, [_row(group) for group in new], "group_key", stored)


_g = AlertGroup.__table__.c
_LAST = (  # the integration's last BURST groups started since, newest first (its index on time)
    select(_g.id, _g.created_at)
    .where(_g.integration_id == bindparam("integration"), _g.created_at > bindparam("since"))
    .order_by(_g.created_at.desc())
    .limit(BURST)
    .subquery()
)
# Built once (a webhook is answered in milliseconds; building costs too): the integration's
# open groups among some group keys (1) and when its last BURST groups started (0), together.
_OPEN_AND_RECENT = union_all(
    select(_g.id, _g.created_at, literal(1)).where(
        _g.integration_id == bindparam("integration"),
        _g.open_key.in_(bindparam("keys", expanding=True)),
    ),
    select(_LAST.c.id, _LAST.c.created_at, literal(0)),
)


def open_and_recent(
    db: Session, integration_id: int, keys: set[str], since: datetime
) -> tuple[dict[str, AlertGroup], list[datetime]]:
    """The integration's open groups among these group keys, by key, and when its last BURST
    groups started after `since` (the burst count): one query, and one more only when some
    are open."""
    params = {"integration": integration_id, "keys": sorted(keys), "since": since}
    rows = db.execute(_OPEN_AND_RECENT, params)
    open_ids, lately = [], []
    for group_id, created_at, is_open in rows:
        (open_ids if is_open else lately).append(group_id if is_open else created_at)
    if not open_ids:
        return {}, lately
    found = db.scalars(select(AlertGroup).where(AlertGroup.id.in_(open_ids)))
    return {group.group_key: group for group in found}, lately


# Each column with what it is when a new group leaves it unset (its scalar default, else NULL).
_GROUP_COLUMNS = [
    (c.key, c.default.arg if c.default is not None and c.default.is_scalar else None)
    for c in _g
    if not c.primary_key
]


def _row(group: AlertGroup) -> dict:
    return {key: vars(group).get(key, unset) for key, unset in _GROUP_COLUMNS}


def insert_groups(db: Session, new: list[AlertGroup]) -> None:
    """The groups started mid-batch (not yet in the session) stored at once, by Core (no ORM
    flush: a webhook is answered fast), and kept in the session as stored: what changes them
    later in the batch is flushed as usual. Empties `new`."""
    started = list(new)

    def keep(ids: dict[str, int]) -> None:
        for group in started:
            group.id = ids[group.group_key]
            make_transient_to_detached(group)
            db.add(group)

    Rider(AlertGroup.__table__, [_row(group) for group in started], "group_key", keep).store(db)
    new.clear()


def _resolves(group: AlertGroup, alert: Alert) -> bool:
    """The alert resolved; the group too once none of its alerts still fires."""
    if alert.key in group.firing_keys:
        group.firing_keys = [k for k in group.firing_keys if k != alert.key]
    if group.firing_keys or group.status == "resolved":
        return False
    assert alert.resolved_at is not None
    return resolve_group(group, None, max(alert.resolved_at, group.created_at)).changed


def start_group(
    db: Session,
    attributor: Attributor,
    alerting: Alerting,
    alert: Alert,
    now: datetime,
    *,
    burst: int,
) -> AlertGroup:
    """A new group (not in the session yet: `insert_groups` stores it); `burst`: how many its
    integration started in the minute before."""
    hook = attributor.integration
    where = attributor.service(alert)
    labels = dict(alert.labels)
    policy_name = alerting.route(labels)
    group = new_group(
        now,
        [alert.key],
        workspace_id=hook.workspace_id,
        team_id=hook.team_id,
        integration_id=hook.id,
        group_key=alert.group_key,
        open_key=alert.group_key,
        title=alert.title,
        severity=alert.severity,
        service_name=where.service_name,
        service_id=where.service_id,
        labels=labels,
        rotation=where.rotation,
        policy=policy_name,
        urgent=alerting.is_urgent(alert.severity),
    )
    group.burst_at = burst_at(now) if burst >= BURST else None
    if not group.urgent and group.burst_at is None:
        hold_for_the_morning(db, group, alerting, now)
    plan_steps(db, group, alerting)
    return group


def hold_for_the_morning(db: Session, group: AlertGroup, alerting: Alerting, now: datetime):
    """A group that isn't urgent waits for the morning when it is night for the person its
    first step notifies (the team's zone when the step names no one)."""
    team = db.get(Team, group.team_id)
    assert team is not None
    policy = alerting.policy(group.policy, group.rotation)
    people = [t for t in step_targets(db, team, policy.step(0), now) if t.person_id is not None]
    first = people[0] if people else None
    zone = first.tz if first is not None and first.tz else team_zone(db, group.team_id)
    until = night_until(now, zone)
    if until is not None:
        group.held_until = until
        group.held_for_id = first.person_id if first is not None else None
