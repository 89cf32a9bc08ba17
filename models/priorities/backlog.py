"""A team's backlog scored with RICE (Intercom's scales): the items, their numbers, the checks
on what is entered, and the ranking.

score = reach x impact x confidence / effort. An item proposed by a survey answer or a page
suggestion starts unscored; the lead scores it with `/priority set`. The budget, the weekly
checkpoint and the suggestions from pages read the backlog from their own modules."""

from __future__ import annotations

import math
import re
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound, UserError
from models.core.numbers import whole_number
from models.core.workspace import Person, Team

CATEGORIES = ("feature", "maintenance", "bug", "reliability")
DEFAULT_CATEGORY = "feature"
IMPACTS = (3.0, 2.0, 1.0, 0.5, 0.25)
IMPACT_NAMES = {3.0: "massive", 2.0: "high", 1.0: "medium", 0.5: "low", 0.25: "minimal"}
CONFIDENCES = (100, 80, 50)
MIN_EFFORT = 0.5
MAX_NUMBER = 1e9

PROPOSED, PLANNED, IN_PROGRESS, DONE, DROPPED = (
    "proposed",
    "planned",
    "in_progress",
    "done",
    "dropped",
)
STATUSES = (PROPOSED, PLANNED, IN_PROGRESS, DONE, DROPPED)
OPEN_STATUSES = (PROPOSED, PLANNED, IN_PROGRESS)

TITLE_LIMIT = 200
LINK_LIMIT = 500
TEXT_LIMIT = 2000

SCALES = (
    "reach: people or events per quarter (a number, 0 or more) · "
    "impact: 3 massive, 2 high, 1 medium, 0.5 low, 0.25 minimal · "
    "confidence: 100, 80 or 50 (%) · "
    "effort: person-months, at least 0.5 · "
    f"category: {', '.join(CATEGORIES)}"
)


class BacklogItem(Base):
    """One thing a team could work on, numbered per team (`#12`)."""

    __tablename__ = "backlog_items"
    __table_args__ = (UniqueConstraint("team_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    link: Mapped[str | None] = mapped_column(String(LINK_LIMIT))
    category: Mapped[str] = mapped_column(String(16), default=DEFAULT_CATEGORY)
    reach: Mapped[float | None] = mapped_column(Float)
    impact: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[int | None] = mapped_column(Integer)
    effort: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default=PROPOSED)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    goal: Mapped[str | None] = mapped_column(String(TITLE_LIMIT))
    source: Mapped[str | None] = mapped_column(String(32))  # survey, pages, ...
    evidence: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    owner: Mapped[Person | None] = relationship(foreign_keys=[owner_id], lazy="joined")

    @property
    def ref(self) -> str:
        return f"#{self.number}"

    @property
    def scored(self) -> bool:
        return None not in (self.reach, self.impact, self.confidence, self.effort)

    @property
    def score(self) -> float | None:
        if not self.scored:
            return None
        return rice(self.reach, self.impact, self.confidence, effort=self.effort)

    def snapshot(self) -> dict:
        return {
            "title": self.title,
            "link": self.link,
            "category": self.category,
            "reach": self.reach,
            "impact": self.impact,
            "confidence": self.confidence,
            "effort": self.effort,
            "status": self.status,
            "owner": self.owner.slack_user_id if self.owner else None,
            "goal": self.goal,
        }


# -- scores and validation ----------------------------------------------------------------------


def rice(reach: float, impact: float, confidence: float, *, effort: float) -> float:
    return reach * impact * (confidence / 100) / effort


def _number(name: str, text: str) -> float:
    try:
        value = float(str(text).strip().rstrip("%"))
    except ValueError:
        raise UserError(f"`{name}={text}` is not a number.", SCALES, field=name) from None
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise UserError(f"`{name}={text}` is out of range.", SCALES, field=name)
    return value


def parse_field(name: str, text: str) -> float | int | str:
    """One RICE input or the category, checked against the scales."""
    if name == "reach":
        value = _number(name, text)
        if value < 0:
            raise UserError("Reach can't be negative.", SCALES, field=name)
        return value
    if name == "impact":
        value = _number(name, text)
        if value not in IMPACTS:
            raise UserError(f"Impact {text} is not on the scale.", SCALES, field=name)
        return value
    if name == "confidence":
        value = _number(name, text)
        if value not in CONFIDENCES:
            raise UserError(f"Confidence {text} is not on the scale.", SCALES, field=name)
        return int(value)
    if name == "effort":
        value = _number(name, text)
        if value < MIN_EFFORT:
            raise UserError(
                f"Effort {text} is too small: at least {MIN_EFFORT} person-months.",
                SCALES,
                field=name,
            )
        return value
    if name == "category":
        value = str(text).strip().lower()
        if not value:
            raise UserError(f"Choose a category: {', '.join(CATEGORIES)}.", SCALES, field=name)
        if value not in CATEGORIES:
            raise UserError(f"Category `{text}` is not one I know.", SCALES, field=name)
        return value
    raise UserError(f"`{name}=` is not a field I know.", SCALES, field=name)


RICE_FIELDS = ("reach", "impact", "confidence", "effort")


def check_values(values: dict[str, str]) -> tuple[dict[str, float | int | str], dict[str, str]]:
    """Every field parsed, and every field's error (for a modal's per-field errors)."""
    clean: dict[str, float | int | str] = {}
    errors: dict[str, str] = {}
    for name, text in values.items():
        try:
            clean[name] = parse_field(name, text)
        except UserError as e:
            errors[name] = e.message
    return clean, errors


def check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise UserError("An item needs a title.", SCALES, field="title")
    if len(title) > TITLE_LIMIT:
        raise UserError(f"Keep the title to {TITLE_LIMIT} characters.", field="title")
    return title


def check_link(link: str | None) -> str | None:
    """A web address; as Slack sends a typed one (`<https://x|x>`), the address alone."""
    link = (link or "").strip().strip("<>").split("|")[0].strip() or None
    if link is None:
        return None
    if not re.fullmatch(r"https?://[^\s<>|]+", link) or len(link) > LINK_LIMIT:
        raise UserError(f"`{link[:60]}` is not a web link (https://...).", field="link")
    return link


# -- items --------------------------------------------------------------------------------------


NUMBER_ATTEMPTS = 5


def add_item(
    db: Session,
    team: Team,
    title: str,
    *,
    now: datetime,
    values: dict[str, float | int | str] | None = None,
    created_by: Person | None = None,
    link: str | None = None,
    status: str = PROPOSED,
    source: str | None = None,
    evidence: str | None = None,
) -> BacklogItem:
    values = dict(values or {})
    item = BacklogItem(
        workspace_id=team.workspace_id,
        team_id=team.id,
        team=team,
        title=check_title(title),
        link=check_link(link),
        category=str(values.pop("category", DEFAULT_CATEGORY)),
        status=status,
        source=source,
        evidence=evidence,
        created_by_id=created_by.id if created_by else None,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    for name, value in values.items():
        setattr(item, name, value)
    # Numbers are per team: two people adding at once may pick the same one; the loser of the
    # unique (team, number) race takes the next.
    for _ in range(NUMBER_ATTEMPTS):
        last = db.scalar(select(func.max(BacklogItem.number)).where(BacklogItem.team_id == team.id))
        item.number = (last or 0) + 1
        try:
            with db.begin_nested():
                db.add(item)
            return item
        except IntegrityError:
            if item in db:
                db.expunge(item)
    raise RuntimeError(f"could not number a new item for team {team.name}")


def find_item(db: Session, team: Team, ref: str, *, usage: str | None = None) -> BacklogItem:
    number = whole_number(ref.strip().lstrip("#"), low=1)
    if number is None:
        raise UserError(f"`{ref}` is not an item id; they look like `#12`.", usage)
    item = db.scalar(
        select(BacklogItem).where(BacklogItem.team_id == team.id, BacklogItem.number == number)
    )
    if item is None:
        raise NotFound(f"{team.name} has no item #{number}. `/priority` lists them.", usage)
    return item


def check_status(text: str) -> str:
    status = text.strip().lower().replace("-", "_").replace(" ", "_")
    if status not in STATUSES:
        shown = ", ".join(s.replace("_", "-") for s in STATUSES)
        raise UserError(f"Status `{text}` is not one I know ({shown}).", field="status")
    return status


def set_status(item: BacklogItem, status: str, now: datetime) -> None:
    if item.status != status:
        item.status = status
        item.status_changed_at = now
    item.updated_at = now


def update_item(
    item: BacklogItem, changes: dict[str, str], now: datetime, *, owner: Person | None = None
) -> None:
    """Apply `field=value` changes; everything is checked before anything is written."""
    parsed: dict[str, object] = {}
    for name, text in changes.items():
        if name == "title":
            parsed[name] = check_title(text)
        elif name == "link":
            parsed[name] = check_link(text)
        elif name == "goal":
            parsed[name] = text.strip()[:TITLE_LIMIT] or None
        elif name == "status":
            parsed[name] = check_status(text)
        elif name == "owner":
            continue  # resolved by the caller into `owner`
        else:
            parsed[name] = parse_field(name, text)
    for name, value in parsed.items():
        if name == "status":
            set_status(item, str(value), now)
        else:
            setattr(item, name, value)
    if "owner" in changes:
        item.owner = owner
        item.owner_id = owner.id if owner else None
    item.updated_at = now


def ranked(db: Session, team: Team, statuses: tuple[str, ...] = OPEN_STATUSES) -> list[BacklogItem]:
    """Highest score first; unscored items last; ties by age (lower number first)."""
    items = db.scalars(
        select(BacklogItem).where(BacklogItem.team_id == team.id, BacklogItem.status.in_(statuses))
    ).all()
    return sorted(items, key=lambda i: (i.score is None, -(i.score or 0.0), i.number))


def closed_count(db: Session, team: Team) -> int:
    """How many of the team's items are done or dropped."""
    where = (BacklogItem.team_id == team.id, BacklogItem.status.not_in(OPEN_STATUSES))
    return db.scalar(select(func.count()).select_from(BacklogItem).where(*where)) or 0
