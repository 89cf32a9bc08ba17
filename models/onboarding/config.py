"""The `onboarding:` section of the config file: onboarding templates, optionally a team's own.

```yaml
onboarding:
  - name: backend
    team: payments          # optional: the team's template when /onboard names none
    steps:
      - day: 0              # workday offset from the start date
        at: "10:00"         # local time in the hire's zone
        title: The company and the team
        body: Welcome to *{team}*! {buddy} is your buddy.
        links: [{label: Handbook, url: "https://handbook.example.com"}]
        checklist: [Read the handbook]
      - {day: 8, at: "10:00", title: Shadow on call, body: ..., shadow: true}
```"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models.core.config import ConfigError, ImportContext, named_entry, require, where
from models.core.errors import UserError
from models.core.people import find_team
from models.core.time import parse_time
from models.core.workspace import Workspace
from models.onboarding.templates import (
    BODY_LIMIT,
    TEMPLATE_NAME,
    TITLE_LIMIT,
    OnboardingTemplate,
    stored_templates,
)

FIELDS = {"name", "team", "steps"}
STEP_FIELDS = {"day", "at", "title", "body", "links", "checklist", "shadow"}
MAX_STEPS = 40
MAX_DAY = 60
CHECKLIST_LIMIT = 20


def _text(label: str, value: Any, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(label, "must be text")
    if len(value) > limit:
        raise ConfigError(label, f"is longer than {limit} characters")
    return value


def _links(label: str, value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(label, "must be a list of {label, url}")
    out = []
    for j, link in enumerate(value):
        if not isinstance(link, dict) or set(link) != {"label", "url"}:
            raise ConfigError(f"{label}[{j}]", "must have a label and a url")
        url = _text(f"{label}[{j}].url", link["url"], 500)
        if not url.startswith(("https://", "http://")):
            raise ConfigError(f"{label}[{j}].url", f"{url!r} is not a web address")
        out.append({"label": _text(f"{label}[{j}].label", link["label"], 75), "url": url})
    return out


def _checklist(label: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(label, "must be a list of items")
    if len(value) > CHECKLIST_LIMIT:  # each item is a block with its box in the step's DM
        raise ConfigError(label, f"has {len(value)} items; keep it to {CHECKLIST_LIMIT}")
    return [_text(f"{label}[{j}]", item, 200) for j, item in enumerate(value)]


def parse_step(label: str, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ConfigError(label, "must be a mapping of fields")
    unknown = sorted(set(entry) - STEP_FIELDS, key=str)
    if unknown:
        fields = ", ".join(sorted(STEP_FIELDS))
        raise ConfigError(f"{label}.{unknown[0]}", f"is not a field I know (fields: {fields})")
    day = entry.get("day")
    if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= MAX_DAY:
        raise ConfigError(f"{label}.day", f"must be a workday number from 0 to {MAX_DAY}")
    at = entry.get("at", "10:00")
    try:
        at_time = parse_time(str(at))
    except UserError as error:
        raise ConfigError(f"{label}.at", f"{at!r} is not a time of day (like 10:00)") from error
    shadow = entry.get("shadow", False)
    if not isinstance(shadow, bool):
        raise ConfigError(f"{label}.shadow", "must be true or false")
    step: dict[str, Any] = {
        "day": day,
        "at": at_time.strftime("%H:%M"),
        "title": _text(f"{label}.title", entry.get("title"), TITLE_LIMIT),
        "body": _text(f"{label}.body", entry.get("body", entry.get("title")), BODY_LIMIT),
    }
    links = _links(f"{label}.links", entry.get("links"))
    checklist = _checklist(f"{label}.checklist", entry.get("checklist"))
    if links:
        step["links"] = links
    if checklist:
        step["checklist"] = checklist
    if shadow:
        step["shadow"] = True
    return step


class OnboardingSection:
    key = "onboarding"

    def load(self, ctx: ImportContext, entries: list[dict[str, Any]]) -> None:
        existing = {t.name: t for t in stored_templates(ctx.db, ctx.workspace)}
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            name = named_entry(self.key, i, entry, FIELDS, TEMPLATE_NAME, seen)
            team = None
            if entry.get("team") is not None:
                team_name = require(self.key, i, entry, "team")
                team = find_team(ctx.db, ctx.workspace, team_name)
                if team is None:
                    raise ConfigError(
                        where(self.key, i, entry, "team"), f"there is no team {team_name!r}"
                    )
            raw = require(self.key, i, entry, "steps", list)
            if len(raw) > MAX_STEPS:
                raise ConfigError(where(self.key, i, entry, "steps"), f"has over {MAX_STEPS}")
            label = where(self.key, i, entry, "steps")
            steps = [parse_step(f"{label}[{j}]", s) for j, s in enumerate(raw)]

            row = existing.get(name)
            created = row is None
            before = None if row is None else (row.team_id, row.steps)
            if row is None:
                row = OnboardingTemplate(
                    workspace_id=ctx.workspace.id, name=name, created_at=ctx.now
                )
                ctx.db.add(row)
            row.team = team
            row.team_id = team.id if team else None
            row.steps = steps
            changed = before != (row.team_id, row.steps)
            if created or changed:
                row.updated_at = ctx.now
            ctx.report.record(f"onboarding {name}", created, changed)

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]:
        out = []
        for row in stored_templates(db, workspace):
            entry: dict[str, Any] = {"name": row.name}
            if row.team is not None:
                entry["team"] = row.team.name
            entry["steps"] = row.steps
            out.append(entry)
        return out
