"""A post in each team's channel at its ritual's times (the page-load digest, the weekly SLO
report): a subclass says which teams and when (`plans`) and what to post (`send`); the key is
`<kind>:<team>:<date>`, and a late post is still sent (`stale_after=None`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.jobs import Due, SendContext

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from models.core.workspace import Team
    from models.rituals.rituals import Ritual


class TeamPost:
    kind: str

    def plans(self, db: Session) -> list[tuple[Team, Ritual]]:
        raise NotImplementedError

    def send(self, team_id: int, day: date, at: datetime, ctx: SendContext) -> str | None:
        raise NotImplementedError

    def due(self, db: Session, start: datetime, end: datetime) -> Iterable[Due]:
        for team, ritual in self.plans(db):
            if team.channel_id:
                for day, at in ritual.occurrences(team.tz, start, end):
                    yield self._due(team, day, at)

    def on_demand(self, db: Session, now: datetime) -> Iterable[Due]:
        for team, _ritual in self.plans(db):
            if team.channel_id:
                yield self._due(team, now.astimezone(ZoneInfo(team.tz)).date(), now)

    def _due(self, team: Team, day: date, at: datetime) -> Due:
        return Due(
            key=f"{self.kind}:{team.name}:{day.isoformat()}",
            kind=self.kind,
            due_at=at,
            send=partial(self.send, team.id, day, at),
            team_id=team.id,
            stale_after=None,  # a late post is still worth reading
        )
