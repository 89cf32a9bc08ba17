"""The weekly priorities checkpoint in the team's channel, and the quarterly 1% survey by DM."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.jobs import Due, SendContext
from handlers.priorities.blocks import SURVEY_QUESTION, checkpoint_blocks, survey_blocks
from models.core.workspace import Person, Team
from models.priorities.checkpoint import checkpoint
from models.priorities.schedule import (
    checkpoint_times,
    scheduled_teams,
    survey_people,
    survey_times,
)

WEEK = timedelta(days=7)


class CheckpointJob:
    kind = "priority-checkpoint"

    def due(self, db: Session, start: datetime, end: datetime) -> Iterable[Due]:
        for team, settings in scheduled_teams(db):
            if not team.channel_id:
                continue
            for day, at in checkpoint_times(settings, team.tz, start, end=end):
                yield Due(
                    key=f"{self.kind}:{team.name}:{day.isoformat()}",
                    kind=self.kind,
                    due_at=at,
                    send=lambda ctx, team_id=team.id, at=at: send_checkpoint(ctx, team_id, at),
                    team_id=team.id,
                    stale_after=timedelta(days=1),
                )


def send_checkpoint(ctx: SendContext, team_id: int, at: datetime) -> str | None:
    team = ctx.db.get(Team, team_id)
    if team is None or not team.channel_id:
        return None
    report = checkpoint(ctx.db, team, at - WEEK, now=at)
    text = (
        f"{team.name}: weekly priorities checkpoint: {len(report.moved)} moved, "
        f"{len(report.stuck)} stuck"
    )
    blocks = checkpoint_blocks(team, report)
    return ctx.client.chat_postMessage(channel=team.channel_id, text=text, blocks=blocks)["ts"]


class SurveyJob:
    kind = "priority-survey"

    def due(self, db: Session, start: datetime, end: datetime) -> Iterable[Due]:
        for team, settings in scheduled_teams(db):
            if not settings.survey_months:
                continue
            for person in survey_people(team):
                for day, at in survey_times(settings, person.zone(team.tz), start, end=end):
                    yield Due(
                        key=f"{self.kind}:{team.name}:{person.slack_user_id}:{day:%Y-%m}",
                        kind=self.kind,
                        due_at=at,
                        send=lambda ctx, t=team.id, p=person.id: send_survey(ctx, t, p),
                        team_id=team.id,
                        stale_after=timedelta(days=3),
                    )


def send_survey(ctx: SendContext, team_id: int, person_id: int) -> str | None:
    team = ctx.db.get(Team, team_id)
    person = ctx.db.get(Person, person_id)
    if team is None or person is None or person.deleted:
        return None
    dm = ctx.client.conversations_open(users=person.slack_user_id)["channel"]["id"]
    blocks = survey_blocks(team)
    text = f"{team.possessive} quarterly question: {SURVEY_QUESTION}"
    return ctx.client.chat_postMessage(channel=dm, text=text, blocks=blocks)["ts"]


JOBS = [CheckpointJob(), SurveyJob()]
