"""Who is on call at 10,000 random instants, Upkeep against iCalendar RRULEs.

A weekly rotation (Mondays 10:00 Europe/Berlin, four people) two years old with 500 overlapping
overrides, newest wins. Upkeep answers from its tables (`models.oncall`); the same schedule is
written as iCalendar (one RRULE event per member, one event per override with its layer) and
expanded by `recurring-ical-events`, the way Grafana OnCall computes it. Every answer must agree.

    python bench/oncall_lookup.py [--instants 10000] [--overrides 500] [--database-url URL]

Target (issue 3): at least 20 times faster than the RRULE expansion.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import recurring_ical_events  # noqa: E402
from icalendar import Calendar, Event  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.db import make_engine, make_session_factory, upgrade  # noqa: E402
from models.core.people import ensure_person, ensure_workspace  # noqa: E402
from models.core.workspace import Team  # noqa: E402
from models.oncall.changes import reschedule, set_members  # noqa: E402
from models.oncall.overrides import Override, add_override  # noqa: E402
from models.oncall.rotations import Rotation  # noqa: E402
from models.oncall.shifts import on_call_at, timeline  # noqa: E402

TZ = "Europe/Berlin"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ANCHOR = date(2024, 11, 25)  # a Monday, two years back
MEMBERS = ["U0ANA", "U0BEN", "U0CHO", "U0DAN"]
COVERS = MEMBERS + ["U0EVE", "U0FIN"]


def build(db, overrides: int, rng: random.Random) -> Rotation:
    workspace = ensure_workspace(db, "T0BENCH", NOW)
    team = Team(workspace_id=workspace.id, name="payments", tz=TZ, created_at=NOW)
    db.add(team)
    people = {uid: ensure_person(db, workspace, uid, NOW) for uid in COVERS}
    rotation = Rotation(
        workspace_id=workspace.id,
        team=team,
        name="payments-primary",
        tz=TZ,
        handoff_time=wall(10, 0),
        handoff_weekday=0,
        shift_length=1,
        shift_unit="w",
        anchor=ANCHOR,
        created_at=NOW,
    )
    db.add(rotation)
    set_members(rotation, [people[u] for u in MEMBERS], set())
    reschedule(rotation, NOW)
    db.flush()
    span = (NOW + timedelta(weeks=26) - first_instant()).total_seconds()
    for i in range(overrides):
        start = first_instant() + timedelta(seconds=rng.uniform(0, span))
        start = start.replace(second=0, microsecond=0)
        end = start + timedelta(minutes=rng.randrange(60, 4 * 24 * 60))
        person = people[rng.choice(COVERS)]
        created = NOW - timedelta(days=800) + timedelta(hours=i)
        add_override(
            db, rotation, person, start=start, end=end, reason="", created_by=person, now=created
        )
    db.commit()
    return rotation


def first_instant() -> datetime:
    return datetime.combine(ANCHOR, wall(10, 0), ZoneInfo(TZ)).astimezone(UTC)


def as_icalendar(db, rotation: Rotation) -> bytes:
    """The same schedule as Grafana OnCall would keep it: RRULE events plus override layers."""
    cal = Calendar()
    cal.add("prodid", "-//bench//EN")
    cal.add("version", "2.0")
    zone = ZoneInfo(rotation.tz)
    n = len(rotation.members)
    for i, member in enumerate(rotation.members):
        event = Event()
        start = datetime.combine(ANCHOR + timedelta(weeks=i), rotation.handoff_time, zone)
        event.add("uid", f"base-{i}@bench")
        event.add("dtstart", start)
        # a nominal duration (P7D): the end is 10:00 local a week later, DST or not; a DTEND
        # would be an exact 168 hours and leave a gap (or an overlap) at every DST change
        event.add("duration", timedelta(weeks=1))
        event.add("rrule", {"freq": "weekly", "interval": n})
        event.add("summary", member.person.slack_user_id)
        event.add("x-layer", "0")
        cal.add_component(event)
    # newest wins: each override is a layer above every older one
    overrides = db.scalars(
        select(Override)
        .where(Override.rotation_id == rotation.id)
        .order_by(Override.created_at, Override.id)
    )
    for layer, o in enumerate(overrides, start=1):
        event = Event()
        event.add("uid", f"override-{o.id}@bench")
        event.add("dtstart", o.start)
        event.add("dtend", o.end)
        event.add("summary", o.person.slack_user_id)
        event.add("x-layer", str(layer))
        cal.add_component(event)
    return cal.to_ical()


def dst_mondays(lo: datetime, hi: datetime) -> list[datetime]:
    """Every 10 minutes from 08:00 to 12:00 local on each Monday after a DST change."""
    zone = ZoneInfo(TZ)
    out = []
    day = lo.astimezone(zone).date()
    while day <= hi.astimezone(zone).date():
        before = datetime.combine(day - timedelta(days=2), wall(12), zone).utcoffset()
        if day.weekday() == 0 and datetime.combine(day, wall(12), zone).utcoffset() != before:
            start = datetime.combine(day, wall(8), zone)
            out += [(start + timedelta(minutes=10 * i)).astimezone(UTC) for i in range(25)]
        day += timedelta(days=1)
    return out


def ical_on_call(query, at: datetime) -> str | None:
    """The highest layer among the events at `at`."""
    # asked in the rotation's zone: the library widens the span by the event's nominal duration
    # (P7D), which only lands on the right wall-clock time in that zone
    local = at.astimezone(ZoneInfo(TZ))
    found = query.between(local, local + timedelta(seconds=1))
    best = max(found, key=lambda e: int(e["x-layer"]), default=None)
    return str(best["summary"]) if best is not None else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instants", type=int, default=10_000)
    parser.add_argument("--overrides", type=int, default=500)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        db = make_session_factory(engine)()
        rotation = build(db, args.overrides, rng)
        lo, hi = first_instant(), NOW + timedelta(weeks=26)
        width = (hi - lo).total_seconds()
        instants = [lo + timedelta(seconds=rng.uniform(0, width)) for _ in range(args.instants)]
        edges = dst_mondays(lo, hi)
        ics = as_icalendar(db, rotation)

        t0 = time.perf_counter()
        tl = timeline(db, rotation, lo, end=hi)
        ours = [tl.at(at) for at in instants]
        ours_s = time.perf_counter() - t0

        db.expire_all()
        t0 = time.perf_counter()
        per_query = [on_call_at(db, rotation, at) for at in instants]
        per_query_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        query = recurring_ical_events.of(Calendar.from_ical(ics))
        theirs = [ical_on_call(query, at) for at in instants]
        theirs_s = time.perf_counter() - t0

        # agreement at every instant, and on each Monday after a DST change
        ours += [tl.at(at) for at in edges]
        per_query += [on_call_at(db, rotation, at) for at in edges]
        theirs += [ical_on_call(query, at) for at in edges]
        instants += edges
        db.close()
        engine.dispose()

    ids = [p.slack_user_id if p else None for p in ours]
    disagree = [
        (at, a, b, c.slack_user_id if c else None)
        for at, a, b, c in zip(instants, ids, theirs, per_query, strict=True)
        if not a == b == (c.slack_user_id if c else None)
    ]
    kind = url.split(":", 1)[0]
    print(f"rotation since {ANCHOR}, {args.overrides} overrides, {args.instants} instants ({kind})")
    print(f"upkeep, one query then in memory: {ours_s * 1000:9.1f} ms")
    print(f"upkeep, a query per instant:      {per_query_s * 1000:9.1f} ms")
    print(f"recurring-ical-events (RRULE):    {theirs_s * 1000:9.1f} ms")
    print(f"ratio (RRULE / upkeep in memory): {theirs_s / ours_s:9.1f}x")
    print(f"ratio (RRULE / upkeep per query): {theirs_s / per_query_s:9.1f}x")
    print(f"disagreements: {len(disagree)} (of {len(instants)}, {len(edges)} around DST changes)")
    for row in disagree[:5]:
        print("  ", row)
    return 1 if disagree else 0


if __name__ == "__main__":
    raise SystemExit(main())
