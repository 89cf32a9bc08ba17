"""A team's alerting: escalation policies (ordered steps, each notifying someone and waiting),
routes (label matchers -> a policy), which severities are urgent, and the heartbeat it expects.

Kept per team as the config file writes it (`alerting:`), read into plain dataclasses. A step
notifies whoever is on call in a rotation (with its overrides), a named person, a team's
leads, or a team's channel (`@here` for the urgent); then waits `wait` minutes before the next
step; the whole policy runs again up to `repeat` times."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.core.base import Base, UTCDateTime
from models.core.config import ConfigError
from models.core.people import TEAM_NAME, USER_ID, find_person, find_team
from models.core.workspace import Team, Workspace
from models.oncall.rotations import lookup_rotation

ROTATION, PERSON, LEADS, CHANNEL = "rotation", "person", "leads", "channel"
STEP_KINDS = (ROTATION, PERSON, LEADS, CHANNEL)
MAX_WAIT = 24 * 60  # minutes
MAX_REPEAT = 10
MAX_STEPS = 20
DEFAULT_WAIT = 15
BUILTIN = "builtin"  # the policy of a team that configured none
MANUAL = "page:"  # a hand page's policy: page:rotation:<name>, page:person:<uid>, or the team's
ANY = "*"


class AlertSettings(Base):
    """One team's `alerting:` entry, stored as the config file writes it."""

    __tablename__ = "alert_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), unique=True, index=True
    )
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)
    heartbeat_minutes: Mapped[int | None] = mapped_column(Integer)
    heartbeat_alert: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# -- what a team's entry means -------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    kind: str  # ROTATION, PERSON, LEADS, CHANNEL
    target: str  # a rotation's name, a Slack user id, a team's name
    wait: int  # minutes before the next step


@dataclass(frozen=True)
class EscalationPolicy:
    name: str
    steps: tuple[Step, ...]
    repeat: int = 0

    @property
    def length(self) -> int:
        """Steps in all, repeats included."""
        return len(self.steps) * (1 + self.repeat)

    def step(self, n: int) -> Step:
        return self.steps[n % len(self.steps)]


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str  # =, !=, =~, !~
    value: str

    def matches(self, labels: dict[str, str]) -> bool:
        have = labels.get(self.label, "")
        if self.op == "=":
            return have == self.value
        if self.op == "!=":
            return have != self.value
        found = re.fullmatch(self.value, have) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        return f"{self.label}{self.op}{self.value}"


@dataclass(frozen=True)
class Route:
    matchers: tuple[Matcher, ...]
    policy: str

    def matches(self, labels: dict[str, str]) -> bool:
        return all(m.matches(labels) for m in self.matchers)


@dataclass(frozen=True)
class Alerting:
    team_id: int
    policies: dict[str, EscalationPolicy]
    routes: tuple[Route, ...]
    default: str  # a policy's name, or BUILTIN
    urgent: tuple[str, ...]  # severities that notify at any hour; ANY: all of them
    heartbeat: tuple[str, int] | None = None  # the heartbeat alert's name, minutes it may miss
    team_name: str = ""

    def route(self, labels: dict[str, str]) -> str:
        for route in self.routes:
            if route.matches(labels):
                return route.policy
        return self.default

    def policy(self, name: str | None, rotation: str | None) -> EscalationPolicy:
        """The named policy; BUILTIN (or a policy since removed): whoever is on call in the
        alert's rotation (its team's leads when it has none), then the leads."""
        found = self.policies.get(name or "")
        if found is not None:
            return found
        if name and name.startswith(MANUAL):
            by_hand = manual_policy(name, self.team_name)
            if by_hand is not None:
                return by_hand
            return self.policy(self.default, rotation)
        first = Step(ROTATION, rotation, DEFAULT_WAIT) if rotation else Step(LEADS, "", 0)
        steps = (first, Step(LEADS, "", DEFAULT_WAIT)) if rotation else (first,)
        return EscalationPolicy(BUILTIN, steps)

    def is_urgent(self, severity: str) -> bool:
        return ANY in self.urgent or severity.lower() in self.urgent


def builtin(team_id: int, team_name: str = "") -> Alerting:
    return Alerting(team_id, {}, (), BUILTIN, (ANY,), team_name=team_name)


def manual_policy(name: str, team_name: str) -> EscalationPolicy | None:
    """A hand page's policy (`models.alerts.manual`) that names a rotation or a person: them,
    then the team's leads; None for anything else."""
    kind, _, target = name[len(MANUAL) :].partition(":")
    if not name.startswith(MANUAL) or kind not in (ROTATION, PERSON) or not target:
        return None
    return EscalationPolicy(
        name, (Step(kind, target, DEFAULT_WAIT), Step(LEADS, team_name, DEFAULT_WAIT))
    )


# -- reading an entry ----------------------------------------------------------------------

MATCHER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


def parse_matcher(text: str) -> Matcher:
    """`service=billing-api`, `severity!=info`, `service=~"billing-.*"`, `env!~dev|test`:
    Alertmanager's matchers; a quoted value may hold anything; regexes match the whole value."""
    found = MATCHER.match(text) if isinstance(text, str) else None
    if found is None:
        raise ValueError(
            f"{str(text)[:60]!r} is not a matcher (like service=billing-api, severity=~crit.*)"
        )
    label, op, value = found.groups()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if len(value) > 200:
        raise ValueError(f"{label}'s value is over 200 characters")
    if op in ("=~", "!~"):
        try:
            re.compile(value)
        except (re.error, RecursionError, OverflowError) as e:
            raise ValueError(f"{value[:60]!r} is not a regular expression ({e})") from None
    return Matcher(label, op, value)


class EntryReader:
    """Reads and checks one team's `alerting:` entry; every error names the field."""

    def __init__(self, db: Session, workspace: Workspace, label: str, team_name: str):
        self.db = db
        self.workspace = workspace
        self.label = label  # `alerting[0] (payments)`
        self.team_name = team_name

    def fail(self, field: str, message: str) -> ConfigError:
        return ConfigError(f"{self.label}.{field}", message)

    def read(self, entry: dict[str, Any]) -> dict[str, Any]:
        """The entry as stored (and exported): checked, in its canonical form."""
        policies = self.policies(entry.get("escalations"))
        names = [p["name"] for p in policies]
        default = entry.get("default", names[0] if names else BUILTIN)
        if default != BUILTIN and default not in names:
            raise self.fail("default", f"{default!r} is not one of the escalations ({names})")
        routes = self.routes(entry.get("routes"), names)
        out: dict[str, Any] = {"team": self.team_name}
        out["urgent"] = self.urgent(entry.get("urgent", [ANY]))
        if policies:
            out["default"] = default
            out["escalations"] = policies
        if routes:
            out["routes"] = routes
        heartbeat = self.heartbeat(entry.get("heartbeat"))
        if heartbeat:
            out["heartbeat"] = heartbeat
        return out

    def urgent(self, value: Any) -> list[str]:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail("urgent", "must be a list of severities (like [critical, page]) or [*]")
        return [v.strip().lower()[:40] for v in value]

    def policies(self, value: Any) -> list[dict[str, Any]]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail("escalations", "must be a list of policies")
        out, seen = [], set()
        for i, policy in enumerate(value):
            where = f"escalations[{i}]"
            if not isinstance(policy, dict):
                raise self.fail(where, "must be a mapping with name, steps and repeat")
            unknown = sorted(set(policy) - {"name", "steps", "repeat"}, key=str)
            if unknown:
                raise self.fail(f"{where}.{unknown[0]}", "is not a field (name, steps, repeat)")
            name = policy.get("name")
            if not isinstance(name, str) or not TEAM_NAME.match(name) or name == BUILTIN:
                raise self.fail(f"{where}.name", "must be a slug such as default or critical")
            if name in seen:
                raise self.fail(f"{where}.name", f"{name!r} appears twice")
            seen.add(name)
            where = f"escalations[{i}] ({name})"
            repeat = policy.get("repeat", 0)
            if isinstance(repeat, bool) or not isinstance(repeat, int):
                raise self.fail(f"{where}.repeat", f"must be a number from 0 to {MAX_REPEAT}")
            if not 0 <= repeat <= MAX_REPEAT:
                raise self.fail(f"{where}.repeat", f"must be a number from 0 to {MAX_REPEAT}")
            steps = policy.get("steps")
            if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
                raise self.fail(f"{where}.steps", f"must be a list of 1 to {MAX_STEPS} steps")
            read = [self.step(f"{where}.steps[{j}]", s) for j, s in enumerate(steps)]
            out.append({"name": name, "steps": read, "repeat": repeat})
        return out

    def step(self, where: str, step: Any) -> dict[str, Any]:
        if not isinstance(step, dict):
            raise self.fail(where, f"must be a mapping: one of {', '.join(STEP_KINDS)}, and wait")
        kinds = [k for k in STEP_KINDS if k in step]
        unknown = sorted(set(step) - {*STEP_KINDS, "wait"}, key=str)
        if unknown:
            raise self.fail(f"{where}.{unknown[0]}", f"is not a field ({', '.join(STEP_KINDS)})")
        if len(kinds) != 1:
            raise self.fail(where, f"must name exactly one of {', '.join(STEP_KINDS)}")
        kind = kinds[0]
        target = step[kind]
        if kind in (LEADS, CHANNEL) and target in (None, "", True):
            target = self.team_name
        if not isinstance(target, str):
            raise self.fail(f"{where}.{kind}", "must be a name")
        self.check_target(f"{where}.{kind}", kind, target.strip())
        wait = step.get("wait", DEFAULT_WAIT)
        if isinstance(wait, bool) or not isinstance(wait, int) or not 0 <= wait <= MAX_WAIT:
            raise self.fail(f"{where}.wait", f"must be whole minutes from 0 to {MAX_WAIT}")
        return {kind: target.strip(), "wait": wait}

    def check_target(self, where: str, kind: str, target: str) -> None:
        if kind == ROTATION and lookup_rotation(self.db, self.workspace, target) is None:
            raise self.fail(where, f"there is no rotation called {target[:80]!r}")
        if kind == PERSON and (
            not USER_ID.match(target) or find_person(self.db, self.workspace, target) is None
        ):
            raise self.fail(where, f"{target[:40]!r} is not someone I know (a Slack user id)")
        if kind in (LEADS, CHANNEL) and find_team(self.db, self.workspace, target) is None:
            raise self.fail(where, f"there is no team called {target[:80]!r}")

    def routes(self, value: Any, names: list[str]) -> list[dict[str, Any]]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail("routes", "must be a list of routes")
        out = []
        for i, route in enumerate(value):
            where = f"routes[{i}]"
            if not isinstance(route, dict) or set(route) - {"match", "escalation"}:
                raise self.fail(where, "must be a mapping with match and escalation")
            match = route.get("match")
            if isinstance(match, str):
                match = [match]
            if not isinstance(match, list) or not match:
                raise self.fail(f"{where}.match", "must be a list of matchers")
            for j, text in enumerate(match):
                try:
                    parse_matcher(text)
                except ValueError as e:
                    raise self.fail(f"{where}.match[{j}]", str(e)) from None
            policy = route.get("escalation")
            if policy not in names:
                shown = ", ".join(names) or "none yet"
                raise self.fail(
                    f"{where}.escalation", f"{policy!r} is not one of the escalations ({shown})"
                )
            out.append({"match": [str(parse_matcher(t)) for t in match], "escalation": policy})
        return out

    def heartbeat(self, value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict) or set(value) - {"alert", "minutes"}:
            raise self.fail("heartbeat", "must be a mapping with alert and minutes")
        alert = value.get("alert", "Watchdog")
        minutes = value.get("minutes")
        if not isinstance(alert, str) or not alert.strip():
            raise self.fail("heartbeat.alert", "must be the heartbeat alert's name (Watchdog)")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 1440:
            raise self.fail("heartbeat.minutes", "must be whole minutes from 1 to 1440")
        return {"alert": alert.strip()[:200], "minutes": minutes}


def _step(stored: dict[str, Any]) -> Step:
    kind = next(k for k in STEP_KINDS if k in stored)
    return Step(kind, stored[kind], stored["wait"])


def alerting_of(entry: dict[str, Any], team_id: int) -> Alerting:
    """A stored entry (already checked) as rules."""
    policies = {
        p["name"]: EscalationPolicy(
            p["name"],
            tuple(_step(s) for s in p["steps"]),
            p.get("repeat", 0),
        )
        for p in entry.get("escalations", [])
    }
    routes = tuple(
        Route(tuple(parse_matcher(m) for m in r["match"]), r["escalation"])
        for r in entry.get("routes", [])
    )
    urgent = tuple(entry.get("urgent", [ANY]))
    beat = entry.get("heartbeat")
    heartbeat = (beat["alert"], beat["minutes"]) if beat else None
    default = entry.get("default", BUILTIN)
    return Alerting(team_id, policies, routes, default, urgent, heartbeat, entry.get("team", ""))


def alertings(db: Session, team_ids: set[int]) -> dict[int, Alerting]:
    """Several teams' alerting, read in one query."""
    if not team_ids:
        return {}
    rows = db.execute(
        select(Team.id, Team.name, AlertSettings.entry)
        .outerjoin(AlertSettings, AlertSettings.team_id == Team.id)
        .where(Team.id.in_(sorted(team_ids)))
    )
    return {
        team_id: builtin(team_id, name) if entry is None else alerting_of(entry, team_id)
        for team_id, name, entry in rows
    }


class Changes:
    """A count of the alerting changes made in this process: what keeps a team's alerting
    (`models.alerts.intake.KeptAlertings`) reads it again when it moves; a change made by
    another process is seen when the kept copy expires."""

    count = 0

    @classmethod
    def bump(cls) -> None:
        cls.count += 1


def team_alerting(db: Session, team_id: int) -> Alerting:
    row = db.execute(
        select(Team.name, AlertSettings.entry)
        .outerjoin(AlertSettings, AlertSettings.team_id == Team.id)
        .where(Team.id == team_id)
    ).first()
    name, entry = row if row is not None else ("", None)
    return builtin(team_id, name) if entry is None else alerting_of(entry, team_id)
