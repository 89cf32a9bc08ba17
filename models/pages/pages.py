"""Pages: alerts that woke (or interrupted) someone, and how they are classified afterwards.

A `Page` is one alert firing: who was on call when it started (so later rotation edits never
rewrite history), which service, and the hour class in the paged person's own zone: sleep hours
(22:00-08:00 every day) beat off-hours, which beat business hours (08:00-18:00 Monday to Friday,
or the person's own working hours when they set them; never on their public holidays)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.people import is_lead, is_member
from models.core.working_days import calendar_for
from models.core.workspace import Person, Team, Workspace

SLEEP = "sleep"
OFF = "off"
BUSINESS = "business"
HOUR_CLASSES = (SLEEP, OFF, BUSINESS)
SLEEP_START, SLEEP_END = time(22, 0), time(8, 0)
BUSINESS_START, BUSINESS_END, BUSINESS_DAYS = time(8, 0), time(18, 0), "12345"
# A person whose working hours are still the model's defaults has not set them.
UNSET_WORK_HOURS = (time(9, 0), time(18, 0), "12345")

CLASSIFICATIONS = {
    "action_taken": "action taken",
    "threshold_wrong": "threshold wrong",
    "check_faulty": "check faulty",
    "downtime_not_set": "downtime not set",
    "duplicate": "duplicate",
}
NO_ACTION = tuple(k for k in CLASSIFICATIONS if k != "action_taken")


class Page(Base):
    """One alert firing, attributed when it arrived."""

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("integration_id", "external_key"),
        Index("ix_pages_team_started", "team_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("page_integrations.id", ondelete="CASCADE")
    )
    source: Mapped[str] = mapped_column(String(16))
    external_key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    alert_name: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(40))
    service_name: Mapped[str | None] = mapped_column(String(120))
    service_id: Mapped[int | None] = mapped_column(Integer)  # the catalog's Service, if matched
    rotation: Mapped[str | None] = mapped_column(String(80))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hour_class: Mapped[str] = mapped_column(String(8))
    local_date: Mapped[date] = mapped_column(Date)  # in the zone the hour class was read in
    classification: Mapped[str | None] = mapped_column(String(24))
    classified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    classified_by: Mapped[Person | None] = relationship(foreign_keys=[classified_by_id])


# -- hour classes --------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkHours:
    start: time
    end: time
    days: str  # ISO weekdays, Mon=1
    holidays: tuple[str | None, str | None] = (None, None)  # the public holidays they take off

    def is_working_day(self, day: date) -> bool:
        return calendar_for(self.days, self.holidays).is_working_day(day)


DEFAULT_WORK = WorkHours(BUSINESS_START, BUSINESS_END, BUSINESS_DAYS)


def work_hours(
    person: Person | None, team_holidays: tuple[str | None, str | None] = (None, None)
) -> WorkHours:
    """The person's working hours, and the public holidays they take off: their own, else their
    team's (`team_holidays`, a country and a region)."""
    if person is None:
        return WorkHours(BUSINESS_START, BUSINESS_END, BUSINESS_DAYS, team_holidays)
    cal = calendar_for(None, (person.holiday_country, person.holiday_region), team_holidays)
    own = (person.work_start, person.work_end, person.work_days)
    if None in own or own == UNSET_WORK_HOURS:
        return WorkHours(BUSINESS_START, BUSINESS_END, BUSINESS_DAYS, (cal.country, cal.region))
    return WorkHours(*own, (cal.country, cal.region))


def hour_class(local: datetime, work: WorkHours = DEFAULT_WORK) -> str:
    """Sleep beats off-hours beats business hours, for a local (zoned or wall-clock) time."""
    t = local.time().replace(tzinfo=None)
    if t >= SLEEP_START or t < SLEEP_END:
        return SLEEP
    if work.is_working_day(local.date()) and work.start <= t < work.end:
        return BUSINESS
    return OFF


# -- classification ------------------------------------------------------------------------


def check_classification(kind: str) -> str:
    if kind not in CLASSIFICATIONS:
        raise UserError(f"`{kind}` is not a classification ({', '.join(CLASSIFICATIONS)}).")
    return kind


def get_page(db: Session, workspace: Workspace, page_id: int) -> Page:
    page = db.get(Page, page_id)
    if page is None or page.workspace_id != workspace.id:
        raise NotFound("That page is gone.")
    return page


def may_classify(page: Page, person: Person) -> bool:
    """The page's team (members and leads), the person it paged, and workspace admins."""
    return (
        person.id == page.person_id
        or is_member(page.team, person)
        or is_lead(page.team, person)
        or person.is_admin
    )


def classify(page: Page, kind: str, person: Person, *, now: datetime) -> None:
    if not may_classify(page, person):
        raise PermissionDenied(
            f"Only {page.team.possessive} members, leads, the person it paged or a workspace admin "
            "can classify this page. It's left as it was.",
            team=page.team,
        )
    page.classification = check_classification(kind)
    page.classified_by_id = person.id
    page.classified_by = person
    page.classified_at = now
