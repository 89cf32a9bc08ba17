"""A team's priority settings: its budget target, and when its weekly checkpoint and quarterly
survey run. A team without a row of its own has the defaults."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.core.base import Base
from models.core.workspace import Team

DEFAULT_FEATURE_TARGET = 60


class PrioritySettings(Base):
    """A team's budget target and when its checkpoint and survey run. No row: the defaults."""

    __tablename__ = "priority_settings"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    feature_target: Mapped[int] = mapped_column(Integer, default=DEFAULT_FEATURE_TARGET)
    # The checkpoint's ISO weekday (Mon=1) and local time "HH:MM"; None turns it off.
    checkpoint_day: Mapped[int | None] = mapped_column(Integer)
    checkpoint_time: Mapped[str] = mapped_column(String(5), default="10:00")
    # Months (1-12) whose first checkpoint weekday brings the survey; [] turns it off.
    survey_months: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1, 4, 7, 10])


def default_settings(team: Team) -> PrioritySettings:
    return PrioritySettings(
        team_id=team.id,
        feature_target=DEFAULT_FEATURE_TARGET,
        checkpoint_day=1,
        checkpoint_time="10:00",
        survey_months=[1, 4, 7, 10],
    )


def settings_of(db: Session, team: Team) -> PrioritySettings:
    return db.get(PrioritySettings, team.id) or default_settings(team)


def ensure_settings(db: Session, team: Team) -> PrioritySettings:
    found = db.get(PrioritySettings, team.id)
    if found is None:
        found = default_settings(team)
        db.add(found)
    return found
