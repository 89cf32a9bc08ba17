"""The arithmetic of one version of a rotation's rule: where its handoffs fall, and who holds
each slot. Pure: the tables mix it in, and `FrozenRule` copies a version out of its row.

Within a version, slot k starts at the k-th handoff from its anchor and ends at the next one, so
a shift across a DST change is 23 or 25 hours long and there is never a gap or an overlap. A
handoff is a local wall-clock time in the rule's zone (`models.core.time.local_instant`: a time
that does not exist moves to the first valid instant after it, an ambiguous one takes its first
occurrence). Slot k belongs to member (k + offset) mod n, counting everyone, in or out; a member
who is out keeps their slots, which the others take in turn (the next member first), so nobody
else's shifts move."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.core.time import local_instant

# What a version of a rotation's rule holds.
RULE_FIELDS = (
    "effective_from",
    "tz",
    "handoff_time",
    "handoff_weekday",
    "shift_length",
    "shift_unit",
    "anchor",
    "slot_offset",
    "member_ids",
    "away_ids",
)


class RuleMath:
    """Handoff arithmetic of a rule: handoff at local `handoff_time` (on `handoff_weekday` for
    weekly shifts, Mon=0), every `shift_length` days or weeks, counted from `anchor` (a handoff
    date). Shared by a rotation's settings and each version of its rule."""

    tz: str
    handoff_time: time
    handoff_weekday: int | None
    shift_length: int
    shift_unit: str
    anchor: date

    @property
    def shift_days(self) -> int:
        return self.shift_length * (7 if self.shift_unit == "w" else 1)

    @property
    def every(self) -> str:
        return f"{self.shift_length}{self.shift_unit}"

    def handoff(self, k: int) -> datetime:
        """The k-th handoff from the anchor, as a UTC instant."""
        day = self.anchor + timedelta(days=k * self.shift_days)
        return local_instant(day, self.handoff_time, self.tz)

    def handoff_from(self, at: datetime) -> datetime:
        """The first handoff at or after `at`."""
        k = self.index_at(at)
        return self.handoff(k) if self.handoff(k) == at else self.handoff(k + 1)

    def index_at(self, at: datetime) -> int:
        """The k with handoff(k) <= at < handoff(k + 1)."""
        local_day = at.astimezone(ZoneInfo(self.tz)).date()
        k = (local_day - self.anchor).days // self.shift_days
        while self.handoff(k) > at:
            k -= 1
        while self.handoff(k + 1) <= at:
            k += 1
        return k


class SlotMath(RuleMath):
    """Who holds which slot under one version of a rule (`RotationRule`, the table, is one)."""

    effective_from: datetime
    slot_offset: int
    member_ids: Sequence[int]
    away_ids: Collection[int]

    def slot(self, at: datetime) -> int:
        """The slot that `at` (not before `effective_from`) falls in."""
        k = self.index_at(at)
        return k if k >= 0 else -1

    def slot_start(self, k: int) -> datetime:
        return self.effective_from if k < 0 else max(self.handoff(k), self.effective_from)

    def next_handoff(self, at: datetime) -> datetime:
        return self.handoff(self.slot(at) + 1)

    def owner(self, k: int) -> int | None:
        """Whose slot k is (in or out)."""
        ids = self.member_ids
        return ids[(k + self.slot_offset) % len(ids)] if ids else None

    def member_for(self, k: int) -> int | None:
        """Who is on call in slot k: its owner, or if they are out, one of the others in turn
        (the next member in order first, the one after that on the owner's next turn)."""
        ids, away = self.member_ids, self.away_ids
        owner = self.owner(k)
        if owner is None or owner not in away:
            return owner
        n = len(ids)
        turn = k + self.slot_offset
        pos = turn % n
        others = [ids[(pos + j) % n] for j in range(1, n) if ids[(pos + j) % n] not in away]
        if not others:
            return None
        out_before = sum(1 for pid in ids[:pos] if pid in away)  # spreads several people's gaps
        return others[(turn // n + out_before) % len(others)]


class FrozenRule(SlotMath):
    """A version of a rule copied out of its row into plain attributes: the hot paths (page
    ingest, schedules) ask it thousands of times."""

    __slots__ = RULE_FIELDS

    def __init__(self, rule: SlotMath):  # a `RotationRule` row
        for name in RULE_FIELDS:
            setattr(self, name, getattr(rule, name))
        self.member_ids = tuple(rule.member_ids)
        self.away_ids = frozenset(rule.away_ids)
