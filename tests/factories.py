"""What tests need made: teams and people, rotations, teams and rituals and services through the
config import, and alerts. The fixtures here (`catalog`, `scheduler`, `rituals_workspace`) reach
every test through `pytest_plugins` in conftest."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time

import pytest
import yaml
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.jobs.engine import DeliveryEngine
from models.config import import_config
from models.core.hot import HotRead
from models.core.people import ensure_person, ensure_workspace, find_team, set_team_people
from models.core.workspace import LEAD, MEMBER, AuditEntry, Person, Team, TeamMember, Workspace
from models.oncall.changes import reschedule, set_members
from models.oncall.rotations import Rotation
from tests.conftest import PEOPLE, START
from tests.slack_requests import TEAM_ID

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Teams and people, made directly.


def person(db: Session, workspace: Workspace, uid: str) -> Person:
    """`uid` in `workspace` (made once), named and zoned as in conftest's PEOPLE."""
    p = ensure_person(db, workspace, uid, CREATED)
    name, tz, extra = PEOPLE.get(uid, (uid, "UTC", {}))
    p.real_name, p.tz, p.is_admin = name, tz, bool(extra.get("is_admin"))
    return p


def add_person(db, ws: Workspace, uid: str, name: str, tz: str | None = "Europe/Berlin") -> Person:
    added = Person(workspace_id=ws.id, slack_user_id=uid, name=name, real_name=name, tz=tz)
    db.add(added)
    db.flush()
    return added


def add_payments(db, workspace: Workspace, created_at: datetime, tz: str = "Europe/Berlin") -> Team:
    """The payments team (channel C0PAYMENTS) in `workspace`, nobody in it yet."""
    team = Team(
        workspace_id=workspace.id,
        name="payments",
        channel_id="C0PAYMENTS",
        tz=tz,
        created_at=created_at,
    )
    db.add(team)
    return team


def make_team(
    db,
    slack_team_id: str,
    leads: dict[str, str],
    members: dict[str, str],
    tz: str = "Europe/Berlin",
) -> Team:
    """`payments` (channel C0PAYMENTS) in a new workspace; people given as {uid: name}."""
    ws = Workspace(slack_team_id=slack_team_id, created_at=START)
    db.add(ws)
    db.flush()
    team = add_payments(db, ws, START, tz)
    for role, people in ((LEAD, leads), (MEMBER, members)):
        set_team_people(team, role, [add_person(db, ws, uid, name) for uid, name in people.items()])
    db.flush()
    return team


def oncall_team(db: Session) -> Team:
    """The payments team as the on-call and page tests need it (made once): #C0PAYMENTS
    (Berlin), lead Lea, members Ana, Ben and Cho."""
    workspace = ensure_workspace(db, TEAM_ID, CREATED)
    team = find_team(db, workspace, "payments")
    if team is None:
        team = add_payments(db, workspace, CREATED)
        set_team_people(team, LEAD, [person(db, workspace, "U0LEAD")])
        members = [person(db, workspace, u) for u in ("U0ANA", "U0BEN", "U0CHO")]
        set_team_people(team, MEMBER, members)
        db.flush()
    return team


def priorities_team(db) -> Team:
    """A team to prioritise for, committed: payments in #C0PAYMENTS (Berlin), lead Lea, members
    Ana and Ben."""
    workspace = Workspace(slack_team_id=TEAM_ID, created_at=START)
    db.add(workspace)
    db.flush()
    team = add_payments(db, workspace, START)
    for uid, role in [("U0LEAD", LEAD), ("U0ANA", MEMBER), ("U0BEN", MEMBER)]:
        name, tz, _ = PEOPLE[uid]
        member = Person(workspace_id=workspace.id, slack_user_id=uid, name=uid.lower(), tz=tz)
        member.real_name = name
        db.add(member)
        team.memberships.append(TeamMember(person=member, role=role))
    db.commit()
    return team


def audit_entries(db: Session, *, refused: bool = False) -> list[AuditEntry]:
    """The audit log's changes (or, with `refused`, its refusals), oldest first."""
    db.expire_all()
    query = select(AuditEntry).where(AuditEntry.refused.is_(refused)).order_by(AuditEntry.id)
    return list(db.scalars(query))


# Rotations.


def make_rotation(
    db: Session,
    *,
    name: str = "payments-primary",
    tz: str = "Europe/Berlin",
    handoff: time = time(10, 0),
    weekday: int | None = 0,
    length: int = 1,
    unit: str = "w",
    anchor: date = date(2026, 3, 2),
    members: tuple[str, ...] = ("U0ANA", "U0BEN", "U0CHO"),
    away: tuple[str, ...] = (),
    channel: str | None = "C0PAYONCALL",
) -> Rotation:
    """A rotation of `oncall_team`, scheduled from CREATED."""
    team = oncall_team(db)
    workspace = db.get(Workspace, team.workspace_id)
    rotation = Rotation(
        workspace_id=team.workspace_id,
        team_id=team.id,
        team=team,
        name=name,
        tz=tz,
        handoff_time=handoff,
        handoff_weekday=weekday,
        shift_length=length,
        shift_unit=unit,
        anchor=anchor,
        channel_id=channel,
        reminder_hours=24,
        created_at=CREATED,
    )
    db.add(rotation)
    people = [person(db, workspace, uid) for uid in members]
    set_members(rotation, people, {p.id for p in people if p.slack_user_id in away})
    reschedule(rotation, CREATED)
    db.flush()
    return rotation


# Teams, rituals and services through the config import, as `upkeep import` makes them.

TEAMS = """
teams:
  - name: payments
    channel: C0PAYMENTS
    timezone: Europe/Berlin
    leads: [U0LEAD]
    members: [U0ANA, U0BEN]
  - name: search
    channel: C0SEARCH
    timezone: America/New_York
    leads: [U0LEAD]
    members: [U0CHO]
"""

CATALOG = """
rotations:
  - name: payments-primary
    team: payments
    handoff: monday 10:00
    every: 1w
    start: 2026-03-02
    members: [U0ANA, U0BEN]
services:
  - name: billing-api
    title: Billing API
    team: payments
    dri: U0BEN
    rotation: payments-primary
    tier: 1
    runbook: https://runbooks.example.com/billing-api
    repo: https://github.com/example/billing-api
    depends_on: [ledger]
  - name: ledger
    team: payments
    dri: U0ANA
    tier: 2
    rotation: payments-primary
    runbook: https://runbooks.example.com/ledger
  - name: billing-worker
    team: payments
    tier: 3
  - name: search-indexer
    team: search
    dri: U0GONE
    tier: 1
"""


def configure(db, clock, text: str = "", *, teams: str = TEAMS, lookup=None) -> Workspace:
    """Import teams and `text` (more sections) as `upkeep import` would, and commit."""
    workspace = ensure_workspace(db, TEAM_ID, clock.now())
    data = yaml.safe_load(teams) | (yaml.safe_load(text) or {})
    import_config(db, workspace, data, clock.now(), lookup)
    db.commit()
    return workspace


def lookup(slack):
    """Look people up in the fake Slack, as `upkeep import` does with a bot token."""
    return lambda uid: slack.users.get(uid)


def tick_through(engine, clock, start, end, step) -> dict[str, list]:
    """Tick from `start` to `end` every `step`; which keys each tick sent, by tick time."""
    sent: dict[str, list] = {}
    clock.set(start)
    engine.tick()
    while clock.now() < end:
        clock.advance(step)
        now = clock.now()
        report = engine.tick()
        for key in report.sent:
            sent[key] = [*sent.get(key, []), now]
    return sent


@pytest.fixture
def scheduler(deps) -> DeliveryEngine:
    """The delivery engine with every job, as the worker runs it."""
    return DeliveryEngine.from_deps(deps)


@pytest.fixture
def rituals_workspace(request, db, clock, slack) -> Workspace:
    """The two teams, people looked up in the fake Slack, and the test module's RITUALS."""
    return configure(db, clock, request.module.RITUALS, lookup=lookup(slack))


@pytest.fixture
def catalog(db, clock, slack) -> Workspace:
    """The two teams, the payments-primary rotation and the services of CATALOG."""
    return configure(db, clock, CATALOG, lookup=lookup(slack))


# Alerts.


def alert(
    key: str, started: str, service: str = "billing-api", name: str = "HighErrorRate"
) -> dict:
    """An alert in the generic webhook format."""
    return {
        "key": key,
        "title": f"{name} on {service}",
        "alert": name,
        "service": service,
        "started_at": started,
    }


@contextmanager
def statements_run(engine: Engine) -> Iterator[list[str]]:
    """Every statement the app sends `engine` meanwhile: through SQLAlchemy, and hot reads
    (`models.core.hot`), which bypass its events."""
    seen: list[str] = []

    def through_sqlalchemy(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    def hot(used: Engine, statement: str) -> None:
        if used is engine:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", through_sqlalchemy)
    HotRead.observers.append(hot)
    try:
        yield seen
    finally:
        HotRead.observers.remove(hot)
        event.remove(engine, "before_cursor_execute", through_sqlalchemy)


# Requests: payments takes requests in #C0PAYREQ, triaged by its shield rotation.

REQUESTS = """
rotations:
  - name: payments-shield
    team: payments
    handoff: monday 10:00
    every: 1w
    start: 2026-03-02
    members: [U0ANA, U0BEN]
requests:
  - team: payments
    channel: C0PAYREQ
    shield: payments-shield
    sla: {normal: 4h, urgent: 1h}
"""


@pytest.fixture
def requests_workspace(db, clock, slack) -> Workspace:
    """The two teams; payments takes requests in #C0PAYREQ, Ana its shield this week."""
    return configure(db, clock, REQUESTS, lookup=lookup(slack))


def dms(slack, uid: str) -> list[str]:
    """The text of the app's DMs to `uid`, in order (posted to their id or to their DM)."""
    found = slack.posted(uid) + slack.posted("D" + uid[1:])
    return [m["text"] for m in sorted(found, key=lambda m: float(m["ts"]))]


def ask_values(what: str, why: str = "", by_when: str | None = None, urgency: str = "normal"):
    """The ask form's `state.values`, as Slack sends them."""
    return {
        "what": {"value": {"type": "plain_text_input", "value": what}},
        "why": {"value": {"type": "plain_text_input", "value": why}},
        "by_when": {"value": {"type": "datepicker", "selected_date": by_when}},
        "urgency": {
            "value": {"type": "static_select", "selected_option": {"value": urgency}},
        },
    }
