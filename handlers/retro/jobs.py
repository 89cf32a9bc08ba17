"""Retro jobs: the reminder in the team channel the day before each retro (topics and open action
items, overdue ones marked), and a DM to an action item's owner on its due date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.jobs import Due, SendContext
from bot.slack import dm
from handlers.retro.blocks import action_due_dm, retro_reminder
from models.core.time import local_instant
from models.core.working_days import work_calendar
from models.retro import retros as retro
from models.retro.retros import RETRO_KIND, RetroAction
from models.rituals.rituals import Ritual, rituals_of_kind


class RetroReminders:
    kind = "retro-reminder"

    def due(self, db: Session, start: datetime, end: datetime) -> list[Due]:
        return [
            self._due(ritual, day, at)
            for ritual in rituals_of_kind(db, RETRO_KIND)
            for day, at in ritual.occurrences(ritual.team.tz, start, end, days_before=1)
        ]

    def on_demand(self, db: Session, now: datetime) -> list[Due]:
        found = []
        for ritual in rituals_of_kind(db, RETRO_KIND):
            nxt = ritual.next_run(ritual.team.tz, now)
            if nxt is not None:
                found.append(
                    self._due(ritual, nxt.astimezone(ZoneInfo(ritual.team.tz)).date(), now)
                )
        return found

    def _due(self, ritual: Ritual, day: date, at: datetime) -> Due:
        return Due(
            key=f"retro-reminder:{ritual.team.name}:{day.isoformat()}",
            kind=self.kind,
            due_at=at,
            send=partial(self.send, ritual.id, day, at),
            team_id=ritual.team_id,
            stale_after=timedelta(hours=12),
        )

    def send(self, ritual_id: int, day: date, at: datetime, ctx: SendContext) -> str | None:
        ritual = ctx.db.get_one(Ritual, ritual_id)
        team = ritual.team
        if not team.channel_id:
            return None
        today = at.astimezone(ZoneInfo(team.tz)).date()
        topics = retro.topics_since(ctx.db, team, retro.previous_retro(ritual, at))
        actions = retro.open_actions(ctx.db, team)
        starts = local_instant(day, ritual.at, team.tz)
        text, blocks = retro_reminder(team.name, starts, team.tz, topics, actions, today)
        return ctx.client.chat_postMessage(channel=team.channel_id, text=text, blocks=blocks)["ts"]


# How far back a due date may lie whose reminder waits for the owner's next working day.
LONGEST_TIME_OFF = timedelta(days=21)


class ActionsDue:
    """The owner's DM on the due date, at the start of their working day in their zone; on
    their next working day when the due date is a day off or a public holiday of theirs."""

    kind = "retro-action"

    def due(self, db: Session, start: datetime, end: datetime) -> list[Due]:
        first = start.date() - LONGEST_TIME_OFF
        last = end.date() + timedelta(days=1)
        found = []
        for action in retro.due_between(db, first, last):
            assert action.due is not None
            zone = action.owner.zone(action.team.tz)
            day = work_calendar(action.owner, action.team).first_working_day(action.due)
            at = local_instant(day, action.owner.work_start, zone)
            if start < at <= end:
                found.append(self._due(action, at))
        return found

    def _due(self, action: RetroAction, at: datetime) -> Due:
        assert action.due is not None
        return Due(
            key=f"retro-action:{action.id}:{action.due.isoformat()}",
            kind=self.kind,
            due_at=at,
            send=partial(self.send, action.id),
            team_id=action.team_id,
            stale_after=timedelta(hours=12),
        )

    def send(self, action_id: int, ctx: SendContext) -> str | None:
        action = ctx.db.get_one(RetroAction, action_id)
        if action.done_at is not None:
            return None
        text, blocks = action_due_dm(action)
        return dm(ctx.client, action.owner, text, blocks)


JOBS = [RetroReminders(), ActionsDue()]
