"""On-call shifts as an iCalendar feed (RFC 5545) that calendar apps subscribe to. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from models.oncall.rotations import Rotation, Shift

PAST = timedelta(weeks=2)
FUTURE = timedelta(days=183)


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """The past two weeks and the next six months."""
    return now - PAST, now + FUTURE


def summary(rotation: Rotation, shift: Shift) -> str:
    name = shift.person.display_name if shift.person is not None else "nobody"
    note = " (override)" if shift.override is not None else ""
    return f"On call: {name} ({rotation.name}){note}"


def feed_ics(title: str, events: list[tuple[Rotation, Shift]], now: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Upkeep//on-call//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", title)
    cal.add("x-published-ttl", "PT1H")
    for rotation, shift in events:
        event = Event()
        person = shift.person.slack_user_id if shift.person is not None else "nobody"
        event.add("uid", f"{rotation.id}-{shift.start:%Y%m%dT%H%M%SZ}-{person}@upkeep")
        event.add("dtstamp", now)
        event.add("dtstart", shift.start)
        event.add("dtend", shift.end)
        event.add("summary", summary(rotation, shift))
        if shift.override is not None and shift.override.reason:
            event.add("description", shift.override.reason)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
