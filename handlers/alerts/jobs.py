"""Alert notifications through the delivery engine, each under a key of its own, so a restart,
a retry or a second worker never notifies twice and never skips a step:

- `alert:<group>:<step>:<channel>`: a step's DM to a person (or its channel post); step 0 also
  posts in the team's channel, the thread later notes go in;
- `alert:<group>:fired:<n>`: a repeat, noted in the thread, the count brought up to date;
- `alert:<group>:update:<when>`: an ack, a resolve or an escalation shown in every message;
- `alert-morning:<person>:<when>`: the alerts that waited for the morning, in one DM;
- `heartbeat-missing:<team>:<when>` and `heartbeat-back:<team>:<when>`.

The webhook's process sends what a batch started at once (`at_once`); the worker sends what
falls due later, and wakes at the next step's time (`next_at`) rather than on its minute."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.jobs import Due, SendContext
from bot.jobs.deferred import deferrable
from bot.jobs.engine import DeliveryEngine
from handlers.alerts.blocks import (
    Shown,
    burst_blocks,
    burst_text,
    heartbeat_text,
    morning_blocks,
    morning_text,
    notice_blocks,
    notice_text,
    repeat_text,
)
from handlers.alerts.notify import notify_person
from models.alerts.groups import (
    AlertGroup,
    alerting_for,
    bursts_between,
    channel_message,
    keep_message,
    labels_of,
    messages_of,
    next_burst_at,
    next_morning_at,
    next_step_at,
    open_groups,
    steps_between,
    summarised,
)
from models.alerts.heartbeats import missing_key, next_silence_at, silences_between
from models.alerts.policies import CHANNEL, Step, alertings
from models.alerts.targets import Target, step_targets
from models.catalog.services import Service
from models.core import deliveries
from models.core.workspace import Person, Team
from models.pages.integrations import Integration

KIND = "alert"
COMMIT_GRACE = timedelta(minutes=2)  # from a webhook's instant to its commit, at the most
LOOK_BACK = timedelta(days=1)  # `at_once` sends what a group has due since then


def shown(db: Session, group: AlertGroup, escalated_to: str | None = None) -> Shown:
    service = db.get(Service, group.service_id) if group.service_id else None
    team = db.get(Team, group.team_id)
    return Shown(
        id=group.id,
        title=group.title,
        status=group.status,
        severity=group.severity,
        labels=labels_of(group),
        fired=group.fired,
        service=group.service_name,
        owner=service.dri.slack_user_id if service is not None and service.dri else None,
        runbook=service.runbook if service is not None else None,
        acked_by=group.acked_by.slack_user_id if group.acked_by else None,
        acked_at=group.acked_at,
        resolved_by=group.resolved_by.slack_user_id if group.resolved_by else None,
        resolved_at=group.resolved_at,
        tz=team.tz if team is not None else "UTC",
        escalated_to=escalated_to,
    )


# -- sends --------------------------------------------------------------------------------------


def send_step(
    group_id: int, step: int, target: Target, here: bool, parent: bool, ctx: SendContext
) -> str | None:
    db = ctx.db
    group = db.get(AlertGroup, group_id)
    if group is None:
        return None
    view = shown(db, group, step_note(step))
    answer = ctx.client.chat_postMessage(
        channel=target.channel, text=notice_text(view), blocks=notice_blocks(view, here=here)
    )
    ts, channel = answer["ts"], answer.get("channel") or target.channel
    keep_message(db, group.id, channel, ts, in_channel=parent, step=step)
    if group.urgent and target.person_id is not None:
        notify_person(ctx, target.person_id, target.channel, hook_payload(view), ctx.clock.now())
    return ts


def hook_payload(view: Shown) -> dict:
    """What a personal webhook is sent: small, plain JSON."""
    return {
        "title": view.title,
        "status": view.status,
        "severity": view.severity,
        "service": view.service,
        "fired": view.fired,
        "text": notice_text(view),
    }


def send_repeat(group_id: int, ctx: SendContext) -> str | None:
    db = ctx.db
    group = db.get(AlertGroup, group_id)
    if group is None:
        return None
    view = shown(db, group)
    parent = channel_message(db, group_id)
    ts = None
    if parent is None and channel_post_pending(db, group):
        raise PostPending("the channel post it goes under isn't recorded yet; retried")
    if parent is not None:
        answer = ctx.client.chat_postMessage(
            channel=parent.channel, thread_ts=parent.ts, text=repeat_text(view)
        )
        ts = answer["ts"]
    update_all(ctx, group, view)
    return ts


class PostPending(Exception):
    """A repeat came before the group's channel post was recorded (sent at the same time): the
    engine tries its thread note again shortly (a retry's backoff)."""


def channel_post_pending(db: Session, group: AlertGroup) -> bool:
    """The group's first channel post is claimed but not sent yet."""
    team = db.get(Team, group.team_id)
    if team is None or not team.channel_id:
        return False
    told = deliveries.delivery(db, f"{KIND}:{group.id}:0:{team.channel_id}")
    return told is not None and told.status != deliveries.SENT


def send_update(group_id: int, ctx: SendContext) -> str | None:
    group = ctx.db.get(AlertGroup, group_id)
    if group is not None:
        update_all(ctx, group, shown(ctx.db, group))
    return None


def update_all(ctx: SendContext, group: AlertGroup, view: Shown) -> None:
    """Every message the group was told in, brought up to date (firing, acked, resolved)."""
    for message in messages_of(ctx.db, group.id):
        told = replace(view, escalated_to=step_note(message.step))
        ctx.client.chat_update(
            channel=message.channel,
            ts=message.ts,
            text=notice_text(told),
            blocks=notice_blocks(told),
        )


def step_note(step: int) -> str | None:
    return f"Escalation step {step + 1}" if step > 0 else None


def send_morning(group_ids: list[int], channel: str, ctx: SendContext) -> str | None:
    db = ctx.db
    groups = [g for g in (db.get(AlertGroup, i) for i in group_ids) if g is not None]
    if not groups:
        return None
    held = [shown(db, g) for g in groups]
    answer = ctx.client.chat_postMessage(
        channel=channel, text=morning_text(held), blocks=morning_blocks(held)
    )
    for group in groups:  # unacked, they escalate from the morning on
        if group.held_until is not None:
            summarised(db, group, group.held_until)
    return answer["ts"]


def send_burst(group_ids: list[int], ctx: SendContext) -> str | None:
    """The burst's summary in the team's channel, and to whoever the first group's first step
    names."""
    db = ctx.db
    groups = [g for g in (db.get(AlertGroup, i) for i in group_ids) if g is not None]
    if not groups:
        return None
    first = groups[0]
    team = db.get(Team, first.team_id)
    if team is None:
        return None
    integration = db.get(Integration, first.integration_id) if first.integration_id else None
    source = f"the {integration.source} integration" if integration else "one integration"
    shown_groups = [shown(db, g) for g in groups]
    text, blocks = burst_text(len(groups), source), burst_blocks(shown_groups, source)
    _, policy = alerting_for(db, first)
    people = [t for t in step_targets(db, team, policy.step(0), first.created_at) if t.person_id]
    where = [team.channel_id] if team.channel_id else []
    posted = [
        ctx.client.chat_postMessage(channel=channel, text=text, blocks=blocks)["ts"]
        for channel in [*where, *(t.channel for t in people)]
    ]
    for group in groups:  # unacked, they escalate from the summary on
        if group.burst_at is not None:
            summarised(db, group, group.burst_at)
    return posted[0] if posted else None


def send_heartbeat(
    team_id: int, since: datetime, back: bool, gap_key: str, ctx: SendContext
) -> str | None:
    team = ctx.db.get(Team, team_id)
    if team is None or not team.channel_id:
        return None
    if back:  # told only of a silence that was told
        told = deliveries.delivery(ctx.db, gap_key)
        if told is None or told.status != deliveries.SENT:
            return None
    text = heartbeat_text(team.possessive, since, team.tz, back=back)
    return ctx.client.chat_postMessage(channel=team.channel_id, text=text)["ts"]


# -- what is due ---------------------------------------------------------------------------------


class AlertJob:
    kind = KIND
    concurrent = True  # each notification stands alone: a tick sends several at once

    def due(self, db: Session, start: datetime, end: datetime, *, again: bool = False):
        """What falls due in (start, end]; a group's first step is left out once the webhook's
        process claimed it (`first_claimed`), unless `again` (a retry rebuilding it)."""
        yield from self._groups(db, start, end, None, again=again)
        yield from self._mornings(db, start, end)
        yield from self._bursts(db, start, end)
        yield from self._heartbeats(db, start, end)

    def due_again(self, db: Session, start: datetime, end: datetime) -> Iterable[Due]:
        return self.due(db, start, end, again=True)

    def at_once(self, db: Session, group_ids: list[int], now: datetime) -> list[Due]:
        """What the groups a webhook batch touched have due by now."""
        if not group_ids:
            return []
        return list(self._groups(db, now - LOOK_BACK, now, sorted(group_ids)))

    def claimed_at_once(self, db: Session, keys: list[str]) -> None:
        """The groups whose first step `at_once` had due were claimed (all of its keys): noted
        in one statement, so the worker's pass over that minute skips them."""
        ids = {int(key.split(":")[1]) for key in keys if key.startswith(f"{KIND}:")}
        firsts = {i for i in ids if any(k.startswith(f"{KIND}:{i}:0:") for k in keys)}
        if firsts:
            db.execute(
                update(AlertGroup).where(AlertGroup.id.in_(firsts)).values(first_claimed=True)
            )

    def next_at(self, db: Session, now: datetime) -> datetime | None:
        """When something falls due next: the worker wakes then."""
        found = []
        groups = open_groups(db, now)
        known = alertings(db, {g.team_id for g in groups})
        for group in groups:
            _, policy = alerting_for(db, group, known)
            at = next_step_at(group, policy, now)
            if at is not None:
                found.append(at)
        for at in (next_morning_at(db, now), next_burst_at(db, now), next_silence_at(db, now)):
            if at is not None:
                found.append(at)
        return min(found) if found else None

    def _groups(
        self, db: Session, start: datetime, end: datetime, ids: list[int] | None, *, again=False
    ) -> Iterator[Due]:
        # What a webhook starts (a first step, a repeat, an update) carries the instant the
        # request came, and commits a moment later: a tick that read in between has passed it.
        # The worker's pass looks that far back (keys already claimed are found in one query).
        look = start - COMMIT_GRACE if ids is None else start
        groups = open_groups(db, look, ids, until=end)
        known = alertings(db, {g.team_id for g in groups})
        for group in groups:
            _, policy = alerting_for(db, group, known)
            for n, at in steps_between(group, policy, look, end):
                first = n == 0
                if (first and group.first_claimed and not again) or (at <= start and not first):
                    continue
                team = db.get(Team, group.team_id)
                if team is not None:
                    yield from self._step(db, team, group, n, at, policy.step(n))
            if group.fired > 1 and look < group.last_fired_at <= end:
                yield self._due(
                    f"{KIND}:{group.id}:fired:{group.fired}",
                    group,
                    send_repeat,
                    at=group.last_fired_at,
                )
            if group.changed_at is not None and look < group.changed_at <= end:
                key = f"{KIND}:{group.id}:update:{group.changed_at.isoformat()}"
                yield self._due(key, group, send_update, at=group.changed_at)

    def _step(
        self, db: Session, team: Team, group: AlertGroup, n: int, at: datetime, step: Step
    ) -> Iterator[Due]:
        targets = step_targets(db, team, step, at)
        here = step.kind == CHANNEL and group.urgent
        if n == 0 and team.channel_id and all(t.channel != team.channel_id for t in targets):
            targets = [Target(team.channel_id), *targets]
        for target in targets:
            parent = n == 0 and target.channel == team.channel_id
            yield Due(
                key=f"{KIND}:{group.id}:{n}:{target.channel}",
                kind=KIND,
                due_at=at,
                send=partial(send_step, group.id, n, target, here, parent),
                team_id=group.team_id,
                stale_after=None,  # unacked, it still needs someone
            )

    def _due(self, key: str, group: AlertGroup, send, *, at: datetime) -> Due:
        return Due(
            key=key,
            kind=KIND,
            due_at=at,
            send=partial(send, group.id),
            team_id=group.team_id,
            stale_after=None,
        )

    def _mornings(self, db: Session, start: datetime, end: datetime) -> Iterator[Due]:
        held = db.scalars(
            select(AlertGroup)
            .where(AlertGroup.held_until > start, AlertGroup.held_until <= end)
            .order_by(AlertGroup.id)
        )
        batches: dict[tuple[str, datetime], list[AlertGroup]] = {}
        for group in held:
            person = db.get(Person, group.held_for_id) if group.held_for_id else None
            channel = person.slack_user_id if person is not None else group.team.channel_id
            if channel and group.held_until is not None:
                batches.setdefault((channel, group.held_until), []).append(group)
        for (channel, at), groups in batches.items():
            yield Due(
                key=f"alert-morning:{channel}:{at.isoformat()}",
                kind=KIND,
                due_at=at,
                send=partial(send_morning, [g.id for g in groups], channel),
                team_id=groups[0].team_id,
                stale_after=None,
            )

    def _bursts(self, db: Session, start: datetime, end: datetime) -> Iterator[Due]:
        for groups in bursts_between(db, start, end):
            first = groups[0]
            assert first.burst_at is not None
            yield Due(
                key=f"alert-burst:{first.integration_id}:{first.burst_at.isoformat()}",
                kind=KIND,
                due_at=first.burst_at,
                send=partial(send_burst, [g.id for g in groups]),
                team_id=first.team_id,
                stale_after=None,
            )

    def _heartbeats(self, db: Session, start: datetime, end: datetime) -> Iterator[Due]:
        for silence in silences_between(db, start, end):
            gap_key = missing_key(silence.team_id, silence.gap_at)
            key = (
                gap_key
                if not silence.back
                else (f"heartbeat-back:{silence.team_id}:{silence.due_at.isoformat()}")
            )
            yield Due(
                key=key,
                kind=KIND,
                due_at=silence.due_at,
                send=partial(send_heartbeat, silence.team_id, silence.since, silence.back, gap_key),
                team_id=silence.team_id,
                stale_after=None,
            )


ALERTS = AlertJob()
JOBS = [ALERTS]


@deferrable
def notify_now(ctx: SendContext, *, group_ids: list[int]) -> None:
    """What these groups have due now (a change's update, an escalation's step), sent at once
    under the same keys the worker would use."""
    DeliveryEngine.from_context(ctx, jobs=[ALERTS]).run_at_once(group_ids)
