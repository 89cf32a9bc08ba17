"""Handoff posts and reminders: what is due in a window, and what is sent (after overrides)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.features import all_jobs
from bot.jobs import SendContext
from bot.jobs.engine import DeliveryEngine
from handlers.oncall.jobs import HandoffJob, HandoffReminderJob
from models.core.workspace import Workspace
from models.oncall.overrides import add_override
from tests.factories import CREATED, make_rotation, person, utc

CHANNEL = "C0PAYONCALL"


@pytest.fixture
def rotation(db):
    rot = make_rotation(db)  # Mondays 10:00 Berlin from Mon 2 Mar 2026: Ana, Ben, Cho
    db.commit()
    return rot


@pytest.fixture
def ctx(db, deps):
    return SendContext(db=db, client=deps.client, clock=deps.clock, settings=deps.settings)


def test_jobs_are_registered():
    assert {"handoff", "handoff-reminder"} <= {job.kind for job in all_jobs()}


def test_handoff_due_windows_are_half_open(db, rotation):
    job = HandoffJob()
    handoff = utc(2026, 3, 9, 9)
    assert [d.due_at for d in job.due(db, handoff - timedelta(minutes=1), handoff)] == [handoff]
    assert list(job.due(db, handoff, handoff + timedelta(minutes=1))) == []
    three = list(job.due(db, utc(2026, 3, 2, 9), utc(2026, 3, 23, 9)))
    assert [d.due_at for d in three] == [utc(2026, 3, 9, 9), utc(2026, 3, 16, 9), three[2].due_at]
    assert three[2].due_at == utc(2026, 3, 23, 9)
    assert three[0].key == f"handoff:{rotation.id}:2026-03-09T09:00Z"
    assert {d.kind for d in three} == {"handoff"}
    # across spring forward: 10:00 CEST on Mon 30 Mar
    later = list(job.due(db, utc(2026, 3, 29), utc(2026, 3, 31)))
    assert [d.due_at for d in later] == [utc(2026, 3, 30, 8)]


def test_no_channel_no_handoff_post(db):
    rot = make_rotation(db, channel=None)
    rot.team.channel_id = None
    db.commit()
    assert list(HandoffJob().due(db, utc(2026, 3, 2), utc(2026, 3, 30))) == []


def test_reminders_are_due_reminder_hours_before(db, rotation):
    job = HandoffReminderJob()
    dues = list(job.due(db, utc(2026, 3, 8, 8), utc(2026, 3, 8, 10)))
    assert [(d.due_at, d.key) for d in dues] == [
        (utc(2026, 3, 8, 9), f"handoff-reminder:{rotation.id}:2026-03-09T09:00Z")
    ]
    rotation.reminder_hours = 0
    db.commit()
    assert list(job.due(db, utc(2026, 3, 8, 8), utc(2026, 3, 8, 10))) == []


def test_handoff_post_names_who_hands_over_to_whom(db, rotation, ctx, slack):
    (due,) = HandoffJob().due(db, utc(2026, 3, 9, 8), utc(2026, 3, 9, 10))
    ts = due.send(ctx)
    post = slack.posted(CHANNEL)[-1]
    assert post["ts"] == ts
    assert post["text"] == (
        ":pager: *payments-primary* handoff: <@U0ANA> hands over to <@U0BEN>, "
        "on call until Mon 16 Mar 10:00 CET.\nOutgoing shift: No pages this shift."
    )


@pytest.mark.parametrize(
    ("alert", "shown"),
    [
        ("DiskFull", "DiskFull"),  # an alert's name is its sender's words: never a ping or link
        ("<!channel> Disk & <https://evil.example>", "@channel Disk &amp; `evil.example`"),
    ],
)
def test_handoff_post_sums_up_the_outgoing_shifts_pages(db, rotation, ctx, slack, alert, shown):
    from models.pages.formats import PARSERS
    from models.pages.ingest import ingest
    from models.pages.integrations import add_integration

    workspace = db.get(Workspace, rotation.workspace_id)
    integration, _ = add_integration(
        db, workspace, rotation.team, source="generic", now=CREATED, rotation="payments-primary"
    )
    fired = [  # Ana's week (2-9 Mar); the last one is after the handoff, in Ben's week
        ("d1", alert, "2026-03-04T02:00:00Z"),  # 03:00 in Berlin: sleep hours
        ("d2", alert, "2026-03-05T02:30:00Z"),
        ("l1", "LatencyHigh", "2026-03-07T12:00:00Z"),  # a Saturday afternoon: off-hours
        ("x1", alert, "2026-03-09T09:30:00Z"),
    ]
    body = {"alerts": [{"key": k, "title": a, "alert": a, "started_at": t} for k, a, t in fired]}
    ingest(db, integration, PARSERS["generic"](body, CREATED), now=CREATED)
    db.commit()
    (due,) = HandoffJob().due(db, utc(2026, 3, 9, 8), utc(2026, 3, 9, 10))
    due.send(ctx)
    assert slack.posted(CHANNEL)[-1]["text"].splitlines()[1] == (
        "Outgoing shift: 3 pages this shift (2 in sleep hours, 1 off-hours); "
        f"noisiest: {shown} (2)."
    )


def test_handoff_post_reflects_overrides(db, rotation, ctx, slack):
    ws = db.get(Workspace, rotation.workspace_id)
    cho = person(db, ws, "U0CHO")
    add_override(
        db,
        rotation,
        cho,
        start=utc(2026, 3, 9),
        end=utc(2026, 3, 10),
        reason="",
        created_by=cho,
        now=CREATED,
    )
    db.commit()
    (due,) = HandoffJob().due(db, utc(2026, 3, 9, 8), utc(2026, 3, 9, 10))
    due.send(ctx)
    assert slack.posted(CHANNEL)[-1]["text"].splitlines()[0] == (
        ":pager: *payments-primary*: <@U0CHO> stays on call until Tue 10 Mar 01:00 CET (override)."
    )
    (reminder,) = HandoffReminderJob().due(db, utc(2026, 3, 8, 8), utc(2026, 3, 8, 10))
    assert reminder.send(ctx) is None  # Cho is on call already at the handoff: nothing to remind


def test_reminder_dms_the_incoming_person_in_their_zone(db, rotation, ctx, slack):
    (due,) = HandoffReminderJob().due(db, utc(2026, 3, 8, 8), utc(2026, 3, 8, 10))
    due.send(ctx)
    (dm,) = slack.posted("U0BEN")
    assert dm["text"].startswith(
        ":pager: Heads-up: you're on call in *payments-primary* in 24 hours, "
        "Mon 09 Mar 05:00 – Mon 16 Mar 05:00 EDT."
    )


def test_the_engine_posts_each_handoff_once(db, rotation, deps, clock, slack):
    engine = DeliveryEngine.from_deps(deps, jobs=[HandoffJob()])
    clock.set(utc(2026, 3, 9, 8))
    engine.tick()
    clock.set(utc(2026, 3, 9, 9, 1))
    assert engine.tick().sent == [f"handoff:{rotation.id}:2026-03-09T09:00Z"]
    clock.set(utc(2026, 3, 9, 9, 2))
    assert engine.tick().sent == []
    assert len(slack.posted(CHANNEL)) == 1


def test_the_heads_up_names_the_public_holidays_the_shift_covers(db, rotation, ctx, slack):
    """The shift doesn't move; Ben (New York, on EDT while Berlin is still on CET and then on
    CEST from 29 March) is told which of his team's German holidays fall in it."""
    rotation.team.holiday_country = "DE"
    db.commit()
    # Ben's shift from Mon 30 Mar 10:00 Berlin (04:00 in New York) covers Easter.
    (due,) = HandoffReminderJob().due(db, utc(2026, 3, 29, 7), utc(2026, 3, 29, 9))
    due.send(ctx)
    (dm,) = slack.posted("U0BEN")
    assert dm["text"] == (
        ":pager: Heads-up: you're on call in *payments-primary* in 24 hours, "
        "Mon 30 Mar 04:00 – Mon 06 Apr 04:00 EDT. It covers public holidays: Good Friday "
        "(Fri 03 Apr), Easter Monday (Mon 06 Apr). Can't make it? `/oncall cover "
        "payments-primary ...`"
    )
    # His own calendar, when he sets one: no German holidays; Columbus Day (Mon 12 Oct) is his,
    # the last day of his shift from Mon 05 Oct.
    ben = next(p for p in rotation.team.members if p.slack_user_id == "U0BEN")
    ben.holiday_country, ben.holiday_region = "US", "NY"
    db.commit()
    (again,) = HandoffReminderJob().due(db, utc(2026, 3, 29, 7), utc(2026, 3, 29, 9))
    again.send(ctx)
    assert "holiday" not in slack.posted("U0BEN")[-1]["text"]
    (october,) = HandoffReminderJob().due(db, utc(2026, 10, 4, 7), utc(2026, 10, 4, 9))
    october.send(ctx)
    assert (
        "It covers a public holiday: Columbus Day (Mon 12 Oct)."
        in slack.posted("U0BEN")[-1]["text"]
    )
