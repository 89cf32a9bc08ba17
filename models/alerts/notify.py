"""Personal notification webhooks: someone who wants urgent notifications louder than Slack (an
ntfy-style push service, an SMS gateway) adds an https address of their own; each urgent
notification they receive is also POSTed there as a small JSON body. Only https, only set by
the person themselves; the last call's outcome is kept and a failure is told to them."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.core.base import Base, UTCDateTime
from models.core.errors import UserError
from models.core.workspace import Person

URL_LIMIT = 500
OK = "ok"


class NotifyHook(Base):
    __tablename__ = "notify_hooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), unique=True, index=True
    )
    url: Mapped[str] = mapped_column(String(URL_LIMIT))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_outcome: Mapped[str | None] = mapped_column(String(200))  # OK, or what went wrong
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def check_notify_url(text: str, usage: str) -> str:
    """An https address with a host, no spaces, no credentials in it; else a UserError."""
    url = text.strip().strip("<>").partition("|")[0]  # Slack sends links as <url|label>
    parts = urlsplit(url) if len(url) <= URL_LIMIT else None
    if parts is None or parts.scheme != "https" or not parts.hostname or " " in url:
        raise UserError(
            "Give an https address (like https://ntfy.sh/my-pages): only https, so what an "
            "alert says isn't sent in the clear.",
            usage,
        )
    if parts.username or parts.password:
        raise UserError("Leave user names and passwords out of the address.", usage)
    return url


def hook_of(db: Session, person_id: int) -> NotifyHook | None:
    return db.scalar(select(NotifyHook).where(NotifyHook.person_id == person_id))


def set_hook(db: Session, person: Person, url: str, now: datetime) -> NotifyHook:
    hook = hook_of(db, person.id)
    if hook is None:
        hook = NotifyHook(workspace_id=person.workspace_id, person_id=person.id)
        db.add(hook)
    hook.url, hook.created_at, hook.last_outcome, hook.last_at = url, now, None, None
    db.flush()
    return hook


def remove_hook(db: Session, person: Person) -> bool:
    hook = hook_of(db, person.id)
    if hook is None:
        return False
    db.delete(hook)
    return True


def record_outcome(hook: NotifyHook, outcome: str, now: datetime) -> bool:
    """Keep the call's outcome; True when it newly failed (a failure to tell the person of)."""
    newly_failed = outcome != OK and hook.last_outcome in (None, OK)
    hook.last_outcome, hook.last_at = outcome[:200], now
    return newly_failed
