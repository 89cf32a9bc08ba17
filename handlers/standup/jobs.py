"""Standup jobs: each member's prompt (a DM at the team's time in the member's own zone), the
team's summary in its channel (at the team's time in the team's zone, then updated as answers
arrive) and one reminder to those who have not answered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.jobs import Due, SendContext
from bot.jobs.engine import DeliveryEngine
from bot.slack import dm
from handlers.standup.blocks import standup_prompt, standup_reminder, standup_summary
from models.core.deliveries import SENT, delivery
from models.core.time import local_instant
from models.core.workspace import Person, Team
from models.retro.retros import overdue_for
from models.rituals.rituals import Plan, plans
from models.standup import standups as standup
from models.standup.standups import STANDUP_KIND, Prompt


def prompt_key(team: str, user: str, day: date) -> str:
    return f"standup:{team}:{user}:{day.isoformat()}"


def summary_key(team: str, day: date) -> str:
    return f"standup-summary:{team}:{day.isoformat()}"


def reminder_key(team: str, user: str, day: date) -> str:
    return f"standup-reminder:{team}:{user}:{day.isoformat()}"


def answer_value(team_id: int, day: date) -> str:
    return f"{team_id}:{day.isoformat()}"


def today_prompts(db: Session, now: datetime) -> list[Prompt]:
    """Every member's standup for their own today, as if due now (`upkeep jobs run`)."""
    found = []
    for plan in plans(db, STANDUP_KIND):
        for member in plan.members:
            zone = plan.zone_of(member)
            day = now.astimezone(ZoneInfo(zone)).date()
            at = min(now, local_instant(day, plan.schedule.at, zone))
            found.append(Prompt(plan, member, day, at))
    return standup.without_absent(db, found)


class _PerMember:
    kind: str
    make_key: Callable[[str, str, date], str]

    def shift(self, plan: Plan) -> timedelta:
        return timedelta(0)

    def due(self, db: Session, start: datetime, end: datetime) -> list[Due]:
        found = standup.prompts(db, start, end, shift=self.shift)
        return self._dues(db, found)

    def on_demand(self, db: Session, now: datetime) -> list[Due]:
        return self._dues(db, today_prompts(db, now))

    def _dues(self, db: Session, found: list[Prompt]) -> list[Due]:
        return [
            Due(
                key=self.make_key(p.plan.team_name, p.member.slack_user_id, p.day),
                kind=self.kind,
                due_at=p.at + self.shift(p.plan),
                send=partial(self.send, p.plan.team_id, p.member.id, p.day, p.at),
                team_id=p.plan.team_id,
                after_sent=self.after_sent(p),
            )
            for p in self.keep(db, found)
        ]

    def keep(self, db: Session, found: list[Prompt]) -> list[Prompt]:
        return found

    def after_sent(self, prompt: Prompt) -> Callable[[SendContext, str | None], None] | None:
        return None

    def send(self, team_id: int, person_id: int, day: date, at: datetime, ctx: SendContext):
        raise NotImplementedError


class Prompts(_PerMember):
    kind = STANDUP_KIND
    make_key = staticmethod(prompt_key)

    def send(self, team_id: int, person_id: int, day: date, at: datetime, ctx: SendContext):
        team, person = ctx.db.get_one(Team, team_id), ctx.db.get_one(Person, person_id)
        oncall = person.id in standup.on_call(ctx.db, team, at)
        overdue = [a.text for a in overdue_for(ctx.db, person, day)]
        text, blocks = standup_prompt(team.name, day, oncall, overdue, answer_value(team.id, day))
        return dm(ctx.client, person, text, blocks)

    def after_sent(self, prompt: Prompt) -> Callable[[SendContext, str | None], None] | None:
        summary_at = local_instant(prompt.day, prompt.plan.schedule.at, prompt.plan.team_tz)
        if prompt.at <= summary_at:
            return None  # asked by the team's time: the summary waits for them from the start
        return partial(asked_later, prompt.plan.team_id, prompt.day)


def asked_later(team_id: int, day: date, ctx: SendContext, ref: str | None) -> None:
    """A member asked after the team's summary went out (their morning comes later): the
    summary now waits for them rather than saying they are asked later."""
    update_summary(ctx.db, ctx.client, ctx.db.get_one(Team, team_id), day, ctx.clock.now())


class StandupReminders(_PerMember):
    kind = "standup-reminder"
    make_key = staticmethod(reminder_key)

    def shift(self, plan: Plan) -> timedelta:
        return standup.remind_after(plan)

    def keep(self, db: Session, found: list[Prompt]) -> list[Prompt]:
        done = standup.answered(db, {p.plan.team_id for p in found}, {p.day for p in found})
        return [p for p in found if (p.plan.team_id, p.member.id, p.day) not in done]

    def send(self, team_id: int, person_id: int, day: date, at: datetime, ctx: SendContext):
        team, person = ctx.db.get_one(Team, team_id), ctx.db.get_one(Person, person_id)
        if standup.answered(ctx.db, {team.id}, {day}) & {(team.id, person.id, day)}:
            return None
        if standup.absent(ctx.db, {person.id}, {day}):
            return None
        text, blocks = standup_reminder(team.name, day, answer_value(team.id, day))
        return dm(ctx.client, person, text, blocks)


class Summaries:
    """The team's summary message, posted at the team's standup time in the team's zone."""

    kind = "standup-summary"

    def due(self, db: Session, start: datetime, end: datetime) -> list[Due]:
        return [
            summary_due(plan.team_id, plan.team_name, day, at)
            for plan in plans(db, STANDUP_KIND)
            for day, at in plan.schedule.occurrences(plan.team_tz, start, end)
            if standup.team_holiday(plan, day) is None
        ]

    def on_demand(self, db: Session, now: datetime) -> list[Due]:
        return [
            summary_due(
                plan.team_id, plan.team_name, now.astimezone(ZoneInfo(plan.team_tz)).date(), now
            )
            for plan in plans(db, STANDUP_KIND)
        ]


def summary_due(team_id: int, team_name: str, day: date, at: datetime) -> Due:
    """The day's one summary: whoever posts it (the scheduler, `jobs run`, a catching-up
    answer) claims the same key, so it is posted once."""
    posted: dict[str, tuple[str, list[dict]]] = {}
    return Due(
        key=summary_key(team_name, day),
        kind=Summaries.kind,
        due_at=at,
        send=partial(post_summary, team_id, day, posted),
        team_id=team_id,
        stale_after=None,
        after_sent=partial(after_posted, team_id, day, posted),
    )


def post_summary(team_id: int, day: date, posted: dict, ctx: SendContext) -> str | None:
    team = ctx.db.get_one(Team, team_id)
    if not team.channel_id:
        return None
    summary = standup.day_summary(ctx.db, team, day, ctx.clock.now())
    text, blocks = posted["summary"] = standup_summary(summary)
    ts = ctx.client.chat_postMessage(channel=team.channel_id, text=text, blocks=blocks)["ts"]
    return f"{team.channel_id}:{ts}"


def after_posted(team_id: int, day: date, posted: dict, ctx: SendContext, ref: str | None) -> None:
    """An answer (or a skip) that came while the summary was on its way found no summary to
    update, and the summary was read before it. Read again now that the summary is recorded as
    posted (whatever comes from here on finds it), and update it if anything changed."""
    team = ctx.db.get_one(Team, team_id)
    current = standup_summary(standup.day_summary(ctx.db, team, day, ctx.clock.now()))
    if ref and current != posted.get("summary"):
        channel, ts = ref.split(":", 1)
        ctx.client.chat_update(channel=channel, ts=ts, text=current[0], blocks=current[1])


def update_summary(db: Session, client: WebClient, team: Team, day: date, now: datetime) -> bool:
    """Bring the day's summary message up to date (as it reads at `now`); False if it has not
    been posted yet."""
    row = delivery(db, summary_key(team.name, day))
    if row is None or row.status != SENT or not row.ref:
        return False
    channel, ts = row.ref.split(":", 1)
    text, blocks = standup_summary(standup.day_summary(db, team, day, now))
    client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    return True


def show_answer(engine: DeliveryEngine, db: Session, team: Team, day: date) -> None:
    """Bring a member's answer (committed) to the team's channel. A posted summary is updated in
    place. One whose time has passed but that was never posted (the worker missed the run, or
    the post failed for good) is posted now, under its key: the scheduler won't post a second.
    Before the summary's time, or while the engine is posting it or waiting to retry, the post
    will include the answer."""
    if update_summary(db, engine.client, team, day, engine.clock.now()):
        return
    ritual = standup.standup_ritual(db, team)
    at = local_instant(day, ritual.at, team.tz)
    if at <= engine.clock.now():
        engine.run(summary_due(team.id, team.name, day, at), reopen=True)


JOBS = [Prompts(), Summaries(), StandupReminders()]
