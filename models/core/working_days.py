"""Working days: the one answer to "is this a working day for this person". A person works on
their `work_days` (ISO weekdays, Mon=1) except their public holidays: their own calendar (a
country and an optional subdivision, from the maintained `holidays` library) when they set one,
else their team's. Standup prompts, onboarding steps and every count of working days ask a
`WorkCalendar`; handoffs and on-call shifts never move for one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

import holidays

from models.core.config import ConfigError
from models.core.errors import UserError
from models.core.workspace import Person, Team

DEFAULT_WORK_DAYS = "12345"
# Said wherever holidays are read (the config file, the team form, `/standup holidays`, whose
# usage adds `team`).
HOLIDAYS_HINT = "a country code, optionally with its region (ISO 3166: `DE`, `DE-BY`, `US-CA`)"
_SEARCH_LIMIT = 400  # days: no calendar has a year of holidays in a row


@dataclass(frozen=True)
class WorkCalendar:
    """Someone's working week and public holidays."""

    days: str = DEFAULT_WORK_DAYS
    country: str | None = None
    region: str | None = None

    def holiday(self, day: date) -> str | None:
        """The public holiday's name on `day`, or None."""
        return holiday_name(self.country, self.region, day)

    def holidays_in(self, first: date, last: date) -> list[tuple[date, str]]:
        """The public holidays from `first` to `last` (inclusive), in order."""
        out, day = [], first
        while day <= last:
            name = self.holiday(day)
            if name:
                out.append((day, name))
            day += timedelta(days=1)
        return out

    def is_working_day(self, day: date) -> bool:
        return str(day.isoweekday()) in self.days and self.holiday(day) is None

    def first_working_day(self, day: date) -> date:
        """The day itself if it is a working day, else the next one."""
        for _ in range(_SEARCH_LIMIT):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """Working day `n` counted from `start` (day 0 is the first working day on or after it)."""
        day = self.first_working_day(start)
        for _ in range(n):
            day = self.first_working_day(day + timedelta(days=1))
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """How many working days come after `a`, up to and including `b` (0 when b <= a)."""
        count, day = 0, a
        while day < b:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def calendar_for(
    days: str | None,
    own: tuple[str | None, str | None] = (None, None),
    team: tuple[str | None, str | None] = (None, None),
) -> WorkCalendar:
    """A person's calendar from plain values: their working days, their own holidays (country,
    region) when they set them, else their team's."""
    country, region = own if own[0] else team
    return WorkCalendar(days or DEFAULT_WORK_DAYS, country or None, region if country else None)


def work_calendar(person: Person | None, team: Team | None) -> WorkCalendar:
    """A person's calendar in a team: their working days, their own holidays or else the team's."""
    return calendar_for(
        person.work_days if person is not None else None,
        (person.holiday_country, person.holiday_region) if person is not None else (None, None),
        (team.holiday_country, team.holiday_region) if team is not None else (None, None),
    )


def is_working_day(person: Person | None, team: Team | None, day: date) -> bool:
    """Whether `day` (the person's local date) is a working day for them in this team."""
    return work_calendar(person, team).is_working_day(day)


def holiday_name(country: str | None, region: str | None, day: date) -> str | None:
    if not country:
        return None
    return _holidays_of(country, region, day.year).get(day)


@lru_cache(maxsize=512)
def _holidays_of(country: str, region: str | None, year: int) -> dict[date, str]:
    try:
        found = holidays.country_holidays(country, subdiv=region, years=year)
    except NotImplementedError:  # a code a later version of the library no longer knows
        return {}
    if "en_US" in type(found).supported_languages:  # names in English where the library has them
        found = holidays.country_holidays(country, subdiv=region, years=year, language="en_US")
    return dict(found.items())


@cache
def _supported() -> dict[str, tuple[str, ...]]:
    return {c: tuple(subdivs) for c, subdivs in holidays.list_supported_countries().items()}


def holiday_calendar(country: str, region: str | None = None) -> tuple[str, str | None]:
    """The canonical (country, region) for codes as typed (`de`, `by`); UserError naming what is
    wrong otherwise."""
    code = country.strip().upper()
    supported = _supported()
    if code not in supported:
        raise UserError(
            f"`{country}` is not a country I have public holidays for (give {HOLIDAYS_HINT})."
        )
    if region is None or not region.strip():
        return code, None
    wanted = region.strip().upper()
    for known in supported[code]:
        if known.upper() == wanted:
            return code, known
    regions = ", ".join(supported[code][:40]) or "none"
    raise UserError(f"`{region}` is not a region of {code} I know (its regions: {regions}).")


def parse_holidays(text: str) -> tuple[str, str | None]:
    """`DE`, `DE-BY`, `us-ca` -> (country, region or None)."""
    country, _, region = text.strip().partition("-")
    if not country:
        raise UserError(f"Give {HOLIDAYS_HINT}.")
    return holiday_calendar(country, region or None)


def format_holidays(country: str | None, region: str | None) -> str:
    """(DE, BY) -> `DE-BY`; none -> `none`."""
    if not country:
        return "none"
    return f"{country}-{region}" if region else country


def holidays_field(label: str, value: object) -> tuple[str | None, str | None]:
    """A config file's `holidays: {country: DE, region: BY}` (or `DE-BY`); none when absent."""
    if value is None:
        return None, None
    try:
        if isinstance(value, str):
            return parse_holidays(value)
        if isinstance(value, dict) and set(value) <= {"country", "region"}:
            country, region = value.get("country"), value.get("region")
            if isinstance(country, str) and (region is None or isinstance(region, str)):
                return holiday_calendar(country, region)
    except UserError as e:
        raise ConfigError(label, e.message) from None
    raise ConfigError(label, "must be a country and an optional region: {country: DE, region: BY}")


def holidays_entry(country: str, region: str | None) -> dict[str, str]:
    """What `holidays_field` reads back: the export's form."""
    return {"country": country, "region": region} if region else {"country": country}
