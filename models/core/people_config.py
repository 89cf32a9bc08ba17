"""The `people:` section of the config file: a person's own working days and public holidays,
for those who differ from the Monday-to-Friday week and their team's holidays.

```yaml
people:
  - id: U0DANA
    work_days: sun-thu          # as /standup days takes them; mon-fri when left out
    holidays: {country: IL}     # their own; their team's when left out
```

Only people with settings of their own are exported; an entry sets everything it describes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.core.config import ConfigError, ImportContext, check_fields, require, where
from models.core.errors import UserError
from models.core.people import USER_ID, ensure_person
from models.core.time import format_days, parse_days
from models.core.working_days import DEFAULT_WORK_DAYS, holidays_entry, holidays_field
from models.core.workspace import Person, Workspace

PERSON_FIELDS = {"id", "work_days", "holidays"}


class PeopleSection:
    key = "people"

    def load(self, ctx: ImportContext, entries: list[dict[str, Any]]) -> None:
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            check_fields(self.key, i, entry, PERSON_FIELDS)
            uid = require(self.key, i, entry, "id")
            if not USER_ID.match(uid):
                raise ConfigError(
                    where(self.key, i, entry, "id"), f"{uid!r} is not a Slack user id (like U0ANA)"
                )
            if uid in seen:
                raise ConfigError(where(self.key, i, entry, "id"), "appears twice")
            seen.add(uid)
            days = entry.get("work_days")
            try:
                work_days = parse_days(str(days)) if days is not None else DEFAULT_WORK_DAYS
            except UserError as e:
                raise ConfigError(where(self.key, i, entry, "work_days"), e.message) from None
            holidays = holidays_field(where(self.key, i, entry, "holidays"), entry.get("holidays"))

            person = ensure_person(ctx.db, ctx.workspace, uid, ctx.now, ctx.lookup)
            before = _settings(person)
            person.work_days = work_days
            person.holiday_country, person.holiday_region = holidays
            ctx.report.record(f"person {uid}", False, before != _settings(person))

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]:
        people = db.scalars(
            select(Person)
            .where(
                Person.workspace_id == workspace.id,
                or_(Person.work_days != DEFAULT_WORK_DAYS, Person.holiday_country.is_not(None)),
            )
            .order_by(Person.slack_user_id)
        )
        out = []
        for person in people:
            entry: dict[str, Any] = {"id": person.slack_user_id}
            if person.work_days != DEFAULT_WORK_DAYS:
                entry["work_days"] = format_days(person.work_days)
            if person.holiday_country:
                entry["holidays"] = holidays_entry(person.holiday_country, person.holiday_region)
            out.append(entry)
        return out


def _settings(person: Person) -> tuple:
    return (person.work_days, person.holiday_country, person.holiday_region)
