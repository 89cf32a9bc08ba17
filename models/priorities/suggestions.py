"""Suggestions from operational load: a service that paged a team a lot is suggested to it, once,
as a reliability item; its lead accepts (the item joins the backlog, unscored) or dismisses it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import UserError
from models.core.workspace import Person, Team
from models.priorities.backlog import BacklogItem, add_item

PAGE_WINDOW = timedelta(weeks=4)
MANY_PAGES = 5  # pages in PAGE_WINDOW that make a service worth a reliability item


class PageSuggestion(Base):
    """A service that paged a lot, suggested once per team as a reliability item."""

    __tablename__ = "page_suggestions"
    __table_args__ = (UniqueConstraint("team_id", "service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(120))
    pages: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open, accepted, dismissed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("backlog_items.id", ondelete="SET NULL"))

    team: Mapped[Team] = relationship()

    @property
    def evidence(self) -> str:
        return page_evidence(self.pages, self.created_at)


def page_evidence(pages: int, until: datetime) -> str:
    return f"{pages} pages in the {PAGE_WINDOW.days // 7} weeks before {until:%Y-%m-%d}"


@dataclass(frozen=True)
class NoisyService:
    """A service to suggest now, from the pages as they are: its pages in the 4 weeks before
    `until`, and its open suggestion if one was recorded (None: not yet)."""

    team_id: int
    service: str
    pages: int
    until: datetime
    suggestion_id: int | None = None

    @property
    def evidence(self) -> str:
        return page_evidence(self.pages, self.until)

    @property
    def ref(self) -> str:
        """What its buttons carry: the suggestion's id, or `<team id>:<service>`."""
        if self.suggestion_id is not None:
            return str(self.suggestion_id)
        return f"{self.team_id}:{self.service}"


def noisy_services(
    db: Session, team: Team, counts: dict[str, int], *, now: datetime, threshold: int = MANY_PAGES
) -> tuple[list[NoisyService], list[str]]:
    """Read only: what to suggest now (`counts`: service name -> pages in the 4 weeks before
    `now`), busiest first: every service with at least `threshold` pages that no lead has
    decided on, and every open suggestion (with its stored count once its pages are older);
    and the noisy services already decided."""
    known = {
        s.service: s
        for s in db.scalars(select(PageSuggestion).where(PageSuggestion.team_id == team.id))
    }
    found, decided = [], []
    for service in sorted(set(counts) | set(known)):
        stored, pages = known.get(service), counts.get(service, 0)
        if stored is not None and stored.state != "open":
            if pages >= threshold:
                decided.append(service)
        elif pages >= threshold:
            found.append(NoisyService(team.id, service, pages, now, stored and stored.id))
        elif stored is not None:
            found.append(NoisyService(team.id, service, stored.pages, stored.created_at, stored.id))
    found.sort(key=lambda s: (-s.pages, s.service))
    return found, decided


def record_suggestion(
    db: Session, team: Team, service: str, pages: int, *, now: datetime
) -> PageSuggestion:
    """The suggestion for `service`, recorded now if it wasn't (a lead decides on it)."""
    found = db.scalar(
        select(PageSuggestion).where(
            PageSuggestion.team_id == team.id, PageSuggestion.service == service
        )
    )
    if found is None:
        found = PageSuggestion(
            team_id=team.id, team=team, service=service, pages=pages, created_at=now
        )
        db.add(found)
        db.flush()
    return found


def suggest_from_pages(
    db: Session, team: Team, counts: dict[str, int], *, now: datetime, threshold: int = MANY_PAGES
) -> list[PageSuggestion]:
    """Record a suggestion for each service with at least `threshold` pages in the last 4 weeks
    (`counts`: service name -> pages). A service is suggested once: an open suggestion gets the
    new count; an accepted or dismissed one is left alone. Returns the new suggestions."""
    known = {
        s.service: s
        for s in db.scalars(select(PageSuggestion).where(PageSuggestion.team_id == team.id))
    }
    new = []
    for service, pages in sorted(counts.items()):
        if pages < threshold:
            continue
        existing = known.get(service)
        if existing is None:
            suggestion = PageSuggestion(
                team_id=team.id, team=team, service=service, pages=pages, created_at=now
            )
            db.add(suggestion)
            new.append(suggestion)
        elif existing.state == "open":
            existing.pages = pages
    db.flush()
    return new


def open_suggestions(db: Session, team: Team) -> list[PageSuggestion]:
    return list(
        db.scalars(
            select(PageSuggestion)
            .where(PageSuggestion.team_id == team.id, PageSuggestion.state == "open")
            .order_by(PageSuggestion.pages.desc(), PageSuggestion.service)
        )
    )


def get_suggestion(db: Session, suggestion_id: int) -> PageSuggestion:
    suggestion = db.get(PageSuggestion, suggestion_id)
    if suggestion is None or suggestion.state != "open":
        raise UserError("That suggestion was already accepted or dismissed.")
    return suggestion


def accept_suggestion(
    db: Session, suggestion: PageSuggestion, person: Person | None, *, now: datetime
) -> BacklogItem:
    item = add_item(
        db,
        suggestion.team,
        f"Reduce pages from {suggestion.service}",
        now=now,
        values={"category": "reliability"},
        created_by=person,
        source="pages",
        evidence=suggestion.evidence,
    )
    suggestion.state = "accepted"
    suggestion.decided_at = now
    suggestion.item_id = item.id
    return item


def dismiss_suggestion(suggestion: PageSuggestion, now: datetime) -> None:
    suggestion.state = "dismissed"
    suggestion.decided_at = now
