"""A team's engineering budget (GitLab's split): the effort planned and in progress, by category,
against the share of it the team means for features."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.core.errors import UserError
from models.core.numbers import whole_number
from models.core.workspace import Team
from models.priorities.backlog import CATEGORIES, IN_PROGRESS, PLANNED, BacklogItem
from models.priorities.settings import settings_of

BUDGETED = (PLANNED, IN_PROGRESS)
BUDGET_TOLERANCE = 10  # percentage points


@dataclass
class Budget:
    target: int  # % of effort meant for features
    effort: dict[str, float] = field(default_factory=dict)  # by category, planned + in progress
    unscored: int = 0  # planned or in-progress items with no effort estimate

    @property
    def total(self) -> float:
        return sum(self.effort.values())

    def share(self, category: str) -> float:
        return 100 * self.effort.get(category, 0.0) / self.total if self.total else 0.0

    @property
    def feature_share(self) -> float:
        return self.share("feature")

    @property
    def off_by(self) -> float:
        """Percentage points of feature work above (+) or below (-) the target."""
        return self.feature_share - self.target if self.total else 0.0

    @property
    def warning(self) -> str | None:
        if not self.total or abs(self.off_by) <= BUDGET_TOLERANCE:
            return None
        side = "above" if self.off_by > 0 else "below"
        rest = "maintenance, bugs and reliability" if self.off_by > 0 else "features"
        return (
            f"Feature work is {self.feature_share:.0f}%, {abs(self.off_by):.0f} points {side} "
            f"the {self.target}% target: consider more {rest}."
        )


def budget(db: Session, team: Team) -> Budget:
    result = Budget(target=settings_of(db, team).feature_target)
    result.effort = dict.fromkeys(CATEGORIES, 0.0)
    for item in db.scalars(
        select(BacklogItem).where(BacklogItem.team_id == team.id, BacklogItem.status.in_(BUDGETED))
    ):
        if item.effort is None:
            result.unscored += 1
        else:
            result.effort[item.category] = result.effort.get(item.category, 0.0) + item.effort
    return result


def parse_target(text: str) -> int:
    value = whole_number(str(text).strip().rstrip("%"), 0, 100)
    if value is None:
        raise UserError(f"`target={text}`: give the feature share in % (0 to 100), like 60.")
    return value
