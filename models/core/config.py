"""The config-import framework: a `Section` upserts its entries by name and reports what it
created, changed and left alone; a `ConfigError` names the entry and the field. Each domain
package keeps its own section (`models/<feature>/config.py`); `models/config.py` runs them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Protocol

import yaml
from sqlalchemy.orm import Session

from models.core.errors import UserError
from models.core.people import UserLookup, audit, find_team
from models.core.workspace import Person, Team, Workspace


class _ConfigLoader(yaml.SafeLoader):
    """The safe loader, but a date that doesn't exist (`2026-02-30`, a timestamp by its form)
    stays text, for the section that reads it to name the field: the safe loader raises a
    ValueError that says neither where nor which."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_ConfigLoader.add_constructor("tag:yaml.org,2002:timestamp", _ConfigLoader.construct_yaml_timestamp)


def config_documents(stream: IO[str] | str) -> list[Any]:
    """The YAML documents of a file for `upkeep import` (empty ones left out); raises
    yaml.YAMLError, saying why, when it can't be read."""
    try:
        return [d for d in yaml.load_all(stream, Loader=_ConfigLoader) if d is not None]
    except UnicodeDecodeError as e:
        raise yaml.YAMLError(f"it is not UTF-8 text ({e.reason})") from None
    except RecursionError:
        raise yaml.YAMLError("it is nested too deeply to read") from None


class ConfigError(UserError):
    """`teams[1] (payments).timezone: 'Europe/Berln' is not an IANA time zone`"""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.problem = message

    @property
    def problem_sentence(self) -> str:
        """The problem alone, as a sentence (under a form's field, where the field is shown)."""
        problem = self.problem.rstrip(".")
        return f"{problem[:1].upper()}{problem[1:]}."

    @property
    def fieldname(self) -> str | None:
        """The field the error is about (`timezone`), None when it is about a whole entry."""
        label, dot, name = self.where.rpartition(".")
        return name if dot and label.endswith((")", "]")) else None


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def record(self, label: str, created: bool, changed: bool) -> None:
        (self.created if created else self.changed if changed else self.unchanged).append(label)

    def lines(self) -> list[str]:
        out = []
        for name, items in (
            ("created", self.created),
            ("changed", self.changed),
            ("unchanged", self.unchanged),
            ("skipped", self.skipped),
        ):
            out.append(f"{name}: {len(items)}" + (f" ({', '.join(items)})" if items else ""))
        return out


@dataclass
class ImportContext:
    db: Session
    workspace: Workspace
    now: datetime
    lookup: UserLookup | None
    report: Report = field(default_factory=Report)
    actor: Person | None = None  # who made the change, when it comes from Slack rather than a file
    info: dict[str, Any] = field(default_factory=dict)  # a section's notes between its passes

    def record_change(
        self,
        label: str,
        subject: str,
        action: str,
        before,
        after,
        *,
        imported: str = "",
        team: Team | None = None,
    ) -> None:
        """An entry loaded: counted in the report and, changed, recorded in the audit log as
        `action` on `subject` when made in Slack (an `actor`), as `imported` (when given) from a
        file. `before` is None for a new entry."""
        self.report.record(label, before is None, before != after)
        audited = action if self.actor is not None else imported
        if audited and before != after:
            audit(
                self.db,
                workspace=self.workspace,
                actor=self.actor,
                action=audited,
                subject=subject,
                now=self.now,
                before=before,
                after=after,
                team=team,
            )


class Section(Protocol):
    key: str

    def load(self, ctx: ImportContext, entries: list[dict[str, Any]]) -> None: ...

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]: ...


def where(section: str, index: int, entry: Any, fieldname: str | None = None) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    label = f"{section}[{index}]" + (f" ({name})" if name else "")
    return f"{label}.{fieldname}" if fieldname else label


def entries_of(section: str, value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(section, "must be a list of entries")
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise ConfigError(where(section, i, entry), "must be a mapping of fields")
    return value


def require(section: str, i: int, entry: dict, name: str, kind: type | tuple = str) -> Any:
    if name not in entry or entry[name] in (None, ""):
        raise ConfigError(where(section, i, entry, name), "is required")
    value = entry[name]
    if not isinstance(value, kind):
        raise ConfigError(where(section, i, entry, name), f"has the wrong type ({value!r})")
    return value


def check_fields(section: str, i: int, entry: dict, allowed: set[str]) -> None:
    unknown = sorted(set(entry) - allowed, key=str)
    if unknown:
        raise ConfigError(
            where(section, i, entry, unknown[0]),
            f"is not a field I know (fields: {', '.join(sorted(allowed))})",
        )


def named_entry(
    section: str, i: int, entry: dict, fields: set[str], pattern: re.Pattern[str], seen: set[str]
) -> str:
    """Check an entry's fields and its slug `name`, unique within the section; the name."""
    check_fields(section, i, entry, fields)
    name = require(section, i, entry, "name")
    if not pattern.match(name):
        raise ConfigError(
            where(section, i, entry, "name"), "must be a slug: lowercase letters, digits, - and _"
        )
    if name in seen:
        raise ConfigError(where(section, i, entry, "name"), "appears twice")
    seen.add(name)
    return name


def team_entry(
    ctx: ImportContext, section: str, i: int, entry: dict, fields: set[str], seen: set[str]
) -> Team:
    """Check a per-team entry's fields and its `team` (one that exists, once in the section);
    the team."""
    check_fields(section, i, entry, fields)
    name = require(section, i, entry, "team")
    team = find_team(ctx.db, ctx.workspace, name)
    if team is None:
        raise ConfigError(where(section, i, entry, "team"), f"no team called {name!r}")
    if team.name in seen:
        raise ConfigError(where(section, i, entry, "team"), "appears twice")
    seen.add(team.name)
    return team
