"""Changing a rotation: its members, who is out, and the versions of its rule over time.

A change never rewrites the past: settings changed from Slack or the config file take effect at
the next handoff (the current shift keeps its person and its end), taking someone out takes
effect at once, and the first version begins at the rotation's start."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from models.core.errors import UserError
from models.core.time import local_instant
from models.core.workspace import Person
from models.oncall.rotations import Rotation, RotationMember, RotationRule, settings_rule
from models.oncall.schedule import JUST_BEFORE
from models.oncall.slots import RULE_FIELDS


def set_members(rotation: Rotation, people: list[Person], away: set[int]) -> None:
    """Members in order; `away` (person ids) are taken out but keep their place (and the day
    they come back, if they were out until one and still are). Call `reschedule` to make the
    change count."""
    by_person = {m.person_id: m for m in rotation.members}
    members = []
    for position, person in enumerate(people):
        member = by_person.get(person.id) or RotationMember(person_id=person.id, person=person)
        member.position = position
        member.active = person.id not in away
        if member.active:
            member.out_until = None
        members.append(member)
    rotation.members[:] = members


def settle_returns(rotation: Rotation, now: datetime) -> None:
    """Members who were out until a day that has passed are in again, as the rule versions
    already say: what the rotation shows (`/oncall set`, the config file) says so too."""
    for member in rotation.members:
        if not member.active and not member.is_out(now):
            member.active, member.out_until = True, None


def set_active(
    rotation: Rotation, person: Person, active: bool, *, now: datetime, until: date | None = None
) -> datetime:
    """Takes someone out at once (the others take their slots in turn, the rest of the current
    one included), until the end of the day `until` if given (then back from the next handoff,
    as if put back then; a new `until` changes it), or puts them back from the next handoff
    (nobody's shift is cut short). When it takes effect."""
    settle_returns(rotation, now)
    for member in rotation.members:
        if member.person_id != person.id:
            continue
        if member.active == active and not (until is not None and member.out_until != until):
            state = "in" if active else "out of"
            raise UserError(f"{person.mention} is already {state} {rotation.name}.")
        member.active = active
        member.out_until = None if active else until
        return reschedule(rotation, now, from_now=not active)
    raise UserError(f"{person.mention} is not a member of {rotation.name}.")


def reschedule(rotation: Rotation, now: datetime, *, from_now: bool = False) -> datetime:
    """Brings the rule versions in line with the rotation's (changed) settings without touching
    anything before `now`, and says from when the change counts:

    - a rotation that hasn't started yet simply gets its settings, from its start;
    - a start still to come (a restart) begins the new rule then, with the first member;
    - otherwise the new rule begins at the next handoff of the rule in force, so the current
      shift keeps its person and its end, and the first shift goes to whoever is next;
    - with `from_now`, people newly out are out at once, even in the middle of their shift;
    - people out until a day are back from the first handoff after it.

    Versions that had not begun yet are replaced: the settings already hold every change."""
    effective = _bring_in_line(rotation, now, from_now=from_now)
    _add_returns(rotation, now)
    return effective


def _add_returns(rotation: Rotation, now: datetime) -> None:
    """A version from each return still to come, without the member coming back among those
    out (a return before the last version's start counts from that start)."""
    returns = sorted(
        (rotation.back_from(m.out_until), m.person_id)
        for m in rotation.members
        if not m.active and m.out_until is not None
    )
    for at, person_id in returns:
        last = max(rotation.rules, key=lambda r: r.effective_from)
        if at <= now or person_id not in last.away_ids:
            continue
        away = [pid for pid in last.away_ids if pid != person_id]
        _add_rule(rotation, _copy_rule(last, max(at, last.effective_from), away, now=now))


def _bring_in_line(rotation: Rotation, now: datetime, *, from_now: bool) -> datetime:
    wanted = settings_rule(rotation, now)
    for rule in [rule for rule in rotation.rules if rule.effective_from > now]:
        rotation.rules.remove(rule)
    history = sorted(rotation.rules, key=lambda rule: rule.effective_from)
    if not history:
        return _add_rule(rotation, wanted).effective_from
    base = history[-1]
    if from_now:
        newly_out = [pid for pid in wanted.away_ids if pid in base.member_ids]
        away = sorted(set(base.away_ids) | set(newly_out))  # those coming back still wait
        if set(away) != set(base.away_ids):
            base = _add_rule(rotation, _copy_rule(base, now, away, now=now))
    if wanted.effective_from > now:
        return _add_rule(rotation, wanted).effective_from
    at = base.next_handoff(now)
    if not _same_phase(base, wanted):
        return _add_rule(rotation, _phased(base, wanted, at)).effective_from
    if set(base.away_ids) != set(wanted.away_ids):
        return _add_rule(rotation, _copy_rule(base, at, wanted.away_ids, now=now)).effective_from
    return now


def pending_change(rotation: Rotation, now: datetime) -> datetime | None:
    """When the next version of the rule begins, if one is waiting."""
    return min((r.effective_from for r in rotation.rules if r.effective_from > now), default=None)


def _add_rule(rotation: Rotation, rule: RotationRule) -> RotationRule:
    """Appends a version; one that begins at the same instant as the last replaces it."""
    last = max(rotation.rules, key=lambda r: r.effective_from, default=None)
    if last is not None and last.effective_from == rule.effective_from:
        for name in RULE_FIELDS:
            setattr(last, name, getattr(rule, name))
        return last
    rotation.rules.append(rule)
    return rule


def _copy_rule(rule: RotationRule, at: datetime, away: list[int], *, now: datetime) -> RotationRule:
    fields = {name: getattr(rule, name) for name in RULE_FIELDS}
    fields.update(effective_from=at, member_ids=list(rule.member_ids), away_ids=list(away))
    return RotationRule(**fields, created_at=now)


def _same_phase(a: RotationRule, b: RotationRule) -> bool:
    """Same handoffs and same order: only who is out may differ."""
    keys = ("tz", "handoff_time", "handoff_weekday", "shift_length", "shift_unit", "member_ids")
    return all(getattr(a, key) == getattr(b, key) for key in keys)


def _phased(base: RotationRule, wanted: RotationRule, at: datetime) -> RotationRule:
    """`wanted` from the handoff `at` of `base`: its first shift runs from `at` to the new rule's
    first handoff (`at` itself if it is one, else the first at least half a shift later, so
    nobody gets a stub of a shift), and goes to whoever comes after the outgoing slot's owner
    in the new order."""
    day = at.astimezone(ZoneInfo(wanted.tz)).date()
    step = 1
    if wanted.handoff_weekday is not None:
        day += timedelta(days=(wanted.handoff_weekday - day.weekday()) % 7)
        step = 7
    soonest = at + timedelta(days=wanted.shift_days) / 2
    first = local_instant(day, wanted.handoff_time, wanted.tz)
    while first != at and first < soonest:
        day += timedelta(days=step)
        first = local_instant(day, wanted.handoff_time, wanted.tz)
    k = 0 if first == at else -1
    ids = wanted.member_ids
    following = _next_member(base, base.slot(at - JUST_BEFORE), ids)
    fields = {name: getattr(wanted, name) for name in RULE_FIELDS}
    fields.update(effective_from=at, anchor=day, slot_offset=(following - k) % max(len(ids), 1))
    return RotationRule(**fields, created_at=wanted.created_at)


def _next_member(base: RotationRule, k: int, ids: list[int]) -> int:
    """The position in `ids` of whoever follows the owner of `base`'s slot k: the one after
    them in the new order if they stay, else the first of base's next members who stays."""
    old = base.member_ids
    if not old or not ids:
        return 0
    pos = (k + base.slot_offset) % len(old)
    if old[pos] in ids:
        return (ids.index(old[pos]) + 1) % len(ids)
    for j in range(1, len(old)):
        candidate = old[(pos + j) % len(old)]
        if candidate in ids:
            return ids.index(candidate)
    return 0
