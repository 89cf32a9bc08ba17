"""Two people pressing an alert's buttons at once: one outcome, the other told. A change from a
button first claims the group as it was read (status, step, escalations): the claim is a
conditional update, so of two claims on the same state the second finds none (PostgreSQL waits
on the row, SQLite on the database) and its presser is told what became of the alert."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from models.alerts.groups import ACKED, RESOLVED, AlertGroup


def claim_as_read(db: Session, group: AlertGroup, now: datetime) -> bool:
    """True: the group is still as read, and ours to change in this transaction; False: someone
    changed it since (the group is refreshed to what they made it)."""
    done = db.execute(
        update(AlertGroup)
        .where(
            AlertGroup.id == group.id,
            AlertGroup.status == group.status,
            AlertGroup.base_step == group.base_step,
            AlertGroup.escalated == group.escalated,
        )
        .values(changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 1:
        return True
    db.refresh(group)
    return False


# Two presses of Escalate now this close together are one escalation, however the requests
# interleave (the second may well read the group after the first committed).
PRESSED_TOGETHER = timedelta(seconds=10)


def escalated_just_now(group: AlertGroup, now: datetime) -> bool:
    """Its last change was an Escalate now (which moves its base to the instant of the press),
    less than PRESSED_TOGETHER ago."""
    pressed = group.changed_at
    return pressed is not None and group.base_at == pressed and now - pressed < PRESSED_TOGETHER


def what_became(group: AlertGroup) -> str:
    """What the alert is now, for someone whose press came second (or whose button is stale)."""
    if group.status == RESOLVED:
        who = f"<@{group.resolved_by.slack_user_id}>" if group.resolved_by else "Its source"
        return f"{who} resolved that alert already; nothing changed."
    if group.status == ACKED and group.acked_by is not None:
        return f"<@{group.acked_by.slack_user_id}> acked that alert already; nothing changed."
    return "Someone changed that alert just now; nothing changed. Its messages show where it is."
