"""Pushed counts, for teams without Prometheus: `POST /hooks/sli` with `{slo, start, end, good,
total}` per interval, authorised by a team's token (kept as a hash, like the alert webhooks').
A body is stored whole or not at all; an interval sent again replaces what it said before."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.catalog.services import Service
from models.core.base import Base, UTCDateTime, dialect_insert
from models.core.workspace import Team
from models.pages.integrations import hash_token
from models.slos.slos import PUSHED, SliCount, Slo

TOKEN_PREFIX = "upk_sli_"
MAX_COUNTS = 1000  # intervals in one body
MAX_INTERVAL = timedelta(days=1)
MAX_EVENTS = 2**31 - 1  # an integer column
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


class SliToken(Base):
    """A team's token for pushing its SLOs' counts. Only a hash of the token is kept."""

    __tablename__ = "sli_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CountsRefused(ValueError):
    """What is wrong with a pushed body: `counts[2].good: must be ...`."""


@dataclass(frozen=True)
class Count:
    slo: str
    start: datetime
    end: datetime
    good: int
    total: int


def add_sli_token(db: Session, team: Team, now: datetime) -> tuple[SliToken, str]:
    """A new token for `team` (shown once; only its hash is stored)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    row = SliToken(
        workspace_id=team.workspace_id,
        team_id=team.id,
        token_hash=hash_token(token),
        token_prefix=token[:12],
        created_at=now,
    )
    db.add(row)
    db.flush()
    return row, token


def sli_token(db: Session, token: str) -> SliToken | None:
    if not token:
        return None
    return db.scalar(select(SliToken).where(SliToken.token_hash == hash_token(token)))


def parse_counts(payload: Any) -> list[Count]:
    """One `{slo, start, end, good, total}` object or a list of them."""
    items = payload if isinstance(payload, list) else [payload]
    if not items or len(items) > MAX_COUNTS:
        raise CountsRefused(f"send 1 to {MAX_COUNTS} counts, each {{slo, start, end, good, total}}")
    return [parse_count(f"counts[{i}]", item) for i, item in enumerate(items)]


def parse_count(where: str, item: Any) -> Count:
    if not isinstance(item, dict):
        raise CountsRefused(f"{where}: must be an object {{slo, start, end, good, total}}")
    unknown = sorted(set(item) - {"slo", "start", "end", "good", "total"}, key=str)
    if unknown:
        raise CountsRefused(f"{where}.{unknown[0]}: is not a field I know")
    slo = item.get("slo")
    if not isinstance(slo, str) or not slo:
        raise CountsRefused(f"{where}.slo: is required (the SLO's name)")
    start, end = (instant(f"{where}.{k}", item.get(k)) for k in ("start", "end"))
    if not start < end <= start + MAX_INTERVAL:
        raise CountsRefused(f"{where}.end: must be after start, by at most a day")
    good, total = (events(f"{where}.{k}", item.get(k)) for k in ("good", "total"))
    if good > total:
        raise CountsRefused(f"{where}.good: must not be more than total")
    return Count(slo, start, end, good, total)


def instant(where: str, value: Any) -> datetime:
    if not isinstance(value, str):
        raise CountsRefused(f"{where}: is required, an ISO 8601 time with an offset")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CountsRefused(f"{where}: {value[:40]!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise CountsRefused(f"{where}: needs an offset (like 2026-03-02T09:00:00Z)")
    if not EARLIEST <= parsed < LATEST:  # and an end a day on, and UTC, stay representable
        raise CountsRefused(f"{where}: must be a time between 2000 and 2100")
    return parsed


def events(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_EVENTS:
        raise CountsRefused(f"{where}: must be a whole number of events, 0 or more")
    return value


def store_counts(db: Session, token: SliToken, counts: list[Count]) -> int:
    """Store every count or none: each must name a pushed SLO of the token's team's services."""
    names = sorted({c.slo for c in counts})
    found = dict(
        db.execute(
            select(Slo.name, Slo.id)
            .join(Service, Service.id == Slo.service_id)
            .where(
                Slo.workspace_id == token.workspace_id,
                Service.team_id == token.team_id,
                Slo.indicator == PUSHED,
                Slo.name.in_(names),
            )
        ).all()
    )
    for i, count in enumerate(counts):
        if count.slo not in found:
            raise CountsRefused(
                f"counts[{i}].slo: {count.slo[:80]!r} is not a pushed SLO of this token's team"
            )
    latest = {(c.slo, c.start): c for c in counts}  # an interval sent twice: the later
    rows = [
        {"slo_id": found[c.slo], "start": c.start, "end": c.end, "good": c.good, "total": c.total}
        for c in latest.values()
    ]
    insert = dialect_insert(db)(SliCount).values(rows)
    excluded = insert.excluded
    db.execute(
        insert.on_conflict_do_update(
            index_elements=["slo_id", "start"],
            set_={"end": excluded.end, "good": excluded.good, "total": excluded.total},
        )
    )
    return len(rows)
