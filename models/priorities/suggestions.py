"""Suggestions of reliability work: a service that paged a team a lot is suggested to it, once, and
an SLO whose error budget fell to the team's policy threshold is suggested once per window
(`models/slos/policy.py`). Both are shown in `/priority suggestions`, where a lead accepts (the
item joins the backlog, unscored) or dismisses each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import UserError
from models.core.workspace import Person, Team
from models.priorities.backlog import BacklogItem, add_item

PAGE_WINDOW = timedelta(weeks=4)
MANY_PAGES = 5  # pages in PAGE_WINDOW that make a service worth a reliability item


PAGES = "pages"


class PageSuggestion(Base):
    """A reliability item suggested to a team, once per `(source, service, occasion)`: a service
    that paged a lot (`pages`; occasion "": once ever), or an SLO's budget at its policy threshold
    (`slo`; occasion `<slo>@<window start>`: once per window, with its own title and note)."""

    __tablename__ = "page_suggestions"
    __table_args__ = (UniqueConstraint("team_id", "source", "service", "occasion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(120))
    pages: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default=PAGES, server_default=PAGES)
    occasion: Mapped[str] = mapped_column(String(160), default="", server_default="")
    title: Mapped[str | None] = mapped_column(String(200))  # None: "Reduce pages from <service>"
    note: Mapped[str | None] = mapped_column(Text)  # the evidence; None: the pages
    state: Mapped[str] = mapped_column(String(16), default="open")  # open, accepted, dismissed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("backlog_items.id", ondelete="SET NULL"))

    team: Mapped[Team] = relationship()

    @property
    def evidence(self) -> str:
        return self.note if self.note is not None else page_evidence(self.pages, self.created_at)

    @property
    def item_title(self) -> str:
        return self.title or f"Reduce pages from {self.service}"


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
    title: str | None = None  # a suggestion from another source than pages: its own words
    note: str | None = None

    @property
    def evidence(self) -> str:
        return self.note if self.note is not None else page_evidence(self.pages, self.until)

    @property
    def label(self) -> str:
        return self.title or self.service

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
    and the noisy services already decided. Open suggestions from other sources (an SLO's
    budget) come first, oldest first."""
    stored_ones = db.scalars(select(PageSuggestion).where(PageSuggestion.team_id == team.id))
    known, others = {}, []
    for s in stored_ones:
        if s.source == PAGES:
            known[s.service] = s
        elif s.state == "open":
            others.append(s)
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
    others.sort(key=lambda s: (s.created_at, s.id))
    first = [
        NoisyService(team.id, s.service, 0, s.created_at, s.id, s.item_title, s.evidence)
        for s in others
    ]
    return first + found, decided


def record_suggestion(
    db: Session, team: Team, service: str, pages: int, *, now: datetime
) -> PageSuggestion:
    """The suggestion for `service`, recorded now if it wasn't (a lead decides on it)."""
    found = db.scalar(
        select(PageSuggestion).where(
            PageSuggestion.team_id == team.id,
            PageSuggestion.source == PAGES,
            PageSuggestion.service == service,
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
        for s in db.scalars(
            select(PageSuggestion).where(
                PageSuggestion.team_id == team.id, PageSuggestion.source == PAGES
            )
        )
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


def suggest_once(
    db: Session,
    team: Team,
    *,
    source: str,
    service: str,
    occasion: str,
    title: str,
    note: str,
    now: datetime,
) -> PageSuggestion:
    """The suggestion from `source` for `service` on `occasion`, recorded now if it wasn't
    (open for a lead to accept or dismiss in `/priority suggestions`); made once, whatever
    was decided since."""
    found = db.scalar(
        select(PageSuggestion).where(
            PageSuggestion.team_id == team.id,
            PageSuggestion.source == source,
            PageSuggestion.service == service,
            PageSuggestion.occasion == occasion,
        )
    )
    if found is None:
        found = PageSuggestion(
            team_id=team.id,
            team=team,
            service=service,
            pages=0,
            source=source,
            occasion=occasion,
            title=title,
            note=note,
            created_at=now,
        )
        db.add(found)
        db.flush()
    return found


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
        suggestion.item_title,
        now=now,
        values={"category": "reliability"},
        created_by=person,
        source=suggestion.source,
        evidence=suggestion.evidence,
    )
    suggestion.state = "accepted"
    suggestion.decided_at = now
    suggestion.item_id = item.id
    return item


def dismiss_suggestion(suggestion: PageSuggestion, now: datetime) -> None:
    suggestion.state = "dismissed"
    suggestion.decided_at = now
