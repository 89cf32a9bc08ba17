"""Calendar feeds: on-call shifts as iCalendar (RFC 5545) that calendar apps subscribe to.
`/oncall calendar` hands out each feed's unguessable link, and `GET /calendar/<token>.ics`
serves it (an unknown token is 404)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from bot.commands import Subcommands, no_extra_words
from bot.deps import CommandRequest, Deps
from bot.render import Reply, as_plain, context, header, line_sections
from models.core.people import teams_of_person as person_teams
from models.oncall.calendar import CalendarFeed, feed_by_token, feed_for
from models.oncall.rotations import Rotation, rotations_of
from models.oncall.schedule import Shift
from models.oncall.shifts import person_shifts, shifts

feeds = Subcommands("/oncall")  # joined to `/oncall` by FEATURE, last in its help
PAST = timedelta(weeks=2)
FUTURE = timedelta(days=183)


@feeds.sub("calendar", "/oncall calendar", "calendar feeds (iCal) of your shifts and rotations")
def calendar(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args, feeds.usage("calendar"))
    now = req.now()
    teams = person_teams(req.db, req.person)
    wanted: list[tuple[str, dict]] = [("Your shifts", {"person": req.person})]
    wanted += [(r.name, {"rotation": r}) for r in rotations_of(req.db, req.workspace, teams)]
    lines = []
    for label, target in wanted:
        feed, created = feed_for(req.db, req.workspace, now, **target)
        if created:
            rotation = target.get("rotation")
            team = rotation.team if isinstance(rotation, Rotation) else None
            req.audit("calendar.create", label, after={"feed": label}, team=team)
        lines.append(f"*{label}*: {req.settings.public_url}/calendar/{feed.token}.ics")
    text = "\n".join(lines)
    blocks = [
        header("Calendar feeds"),
        *line_sections(lines, ""),
        context(
            "Subscribe to these in your calendar app. Keep them to yourself: anyone with "
            "the link can read the schedule."
        ),
    ]
    return Reply(text=text, blocks=blocks)


# -- the feeds as iCalendar ----------------------------------------------------------------------


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """The past two weeks and the next six months."""
    return now - PAST, now + FUTURE


def event_summary(rotation: Rotation, shift: Shift) -> str:
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
        event.add("summary", event_summary(rotation, shift))
        if shift.override is not None and shift.override.reason:
            event.add("description", as_plain(shift.override.reason))  # words, as typed
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


# -- GET /calendar/<token>.ics -------------------------------------------------------------------

FEED_PATH = re.compile(r"^/calendar/([A-Za-z0-9_-]{16,100})\.ics$")


def feed_body(db, feed: CalendarFeed, now: datetime) -> bytes:
    start, end = feed_window(now)
    if feed.rotation is not None:
        rotation = feed.rotation
        events = [(rotation, s) for s in shifts(db, rotation, start, end=end)]
        return feed_ics(f"On call: {rotation.name}", events, now)
    assert feed.person is not None
    events = person_shifts(db, feed.person, start, end=end)
    return feed_ics(f"On call: {feed.person.display_name}", events, now)


def calendar_app(deps: Deps):
    """`GET /calendar/<token>.ics`: a rotation's or a person's shifts; unknown tokens are 404."""

    def app(environ: dict, start_response):
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return text_response(start_response, "405 Method Not Allowed", b"GET only\n")
        match = FEED_PATH.match(environ.get("PATH_INFO", ""))
        with deps.session_factory() as db:
            feed = feed_by_token(db, match.group(1)) if match else None
            if feed is None:
                return text_response(start_response, "404 Not Found", b"no such calendar\n")
            body = feed_body(db, feed, deps.clock.now())
        start_response(
            "200 OK",
            [
                ("content-type", "text/calendar; charset=utf-8"),
                ("content-length", str(len(body))),
                ("cache-control", "private, max-age=300"),
            ],
        )
        return [body]

    return app


def text_response(start_response, status: str, body: bytes) -> list[bytes]:
    start_response(status, [("content-type", "text/plain"), ("content-length", str(len(body)))])
    return [body]


ROUTES = {"/calendar/": calendar_app}
