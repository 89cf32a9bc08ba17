"""Onboarding templates: a list of steps, each on a workday counted from the start date, at a local
time in the hire's own zone. The built-in template is `builtin.yaml` beside this module, so its
text can be edited without touching code; others come from the config file (`onboarding:`) or
are made in Slack (`/onboard templates`, `edits.py`), optionally a team's own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import NotFound, UserError
from models.core.workspace import Team, Workspace

DEFAULT = "default"
TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
TITLE_LIMIT = 150
BODY_LIMIT = 2500
BUILT_IN_FILE = Path(__file__).with_name("builtin.yaml")


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class StepTemplate:
    day: int  # workday offset from the start date
    at: time  # local time in the hire's zone
    title: str
    body: str  # mrkdwn; {hire}, {buddy}, {lead}, {team}, {channel} are filled in
    links: tuple[Link, ...] = ()
    checklist: tuple[str, ...] = ()
    shadow: bool = False  # the on-call shadowing step

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "day": self.day,
            "at": self.at.strftime("%H:%M"),
            "title": self.title,
            "body": self.body,
        }
        if self.links:
            out["links"] = [{"label": link.label, "url": link.url} for link in self.links]
        if self.checklist:
            out["checklist"] = list(self.checklist)
        if self.shadow:
            out["shadow"] = True
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepTemplate:
        hour, minute = (int(x) for x in str(data["at"]).split(":"))
        return cls(
            day=int(data["day"]),
            at=time(hour, minute),
            title=str(data["title"]),
            body=str(data.get("body", "")),
            links=tuple(Link(str(x["label"]), str(x["url"])) for x in data.get("links") or []),
            checklist=tuple(str(x) for x in data.get("checklist") or []),
            shadow=bool(data.get("shadow", False)),
        )


@dataclass(frozen=True)
class Template:
    name: str
    steps: tuple[StepTemplate, ...]
    team: str | None = None


def load_built_in() -> Template:
    """The built-in template from its file: steps written as in the config file, named `default`."""
    data = yaml.safe_load(BUILT_IN_FILE.read_text(encoding="utf-8"))
    return Template(DEFAULT, tuple(StepTemplate.from_dict(s) for s in data["steps"]))


BUILT_IN = load_built_in()


class OnboardingTemplate(Base):
    """A template from the config file (`onboarding:`) or made in Slack, optionally a team's own."""

    __tablename__ = "onboarding_templates"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship()

    def template(self) -> Template:
        steps = tuple(StepTemplate.from_dict(s) for s in self.steps)
        return Template(self.name, steps, self.team.name if self.team else None)


def stored_templates(db: Session, workspace: Workspace) -> list[OnboardingTemplate]:
    return list(
        db.scalars(
            select(OnboardingTemplate)
            .where(OnboardingTemplate.workspace_id == workspace.id)
            .order_by(OnboardingTemplate.name)
        )
    )


def find_template(db: Session, workspace: Workspace, team: Team, *, name: str | None) -> Template:
    """The named template; without a name, the team's own (its `default`, or its only one), else
    the workspace's `default`, else the built-in."""
    stored = stored_templates(db, workspace)
    if name:
        for row in stored:
            if row.name == name.lower():
                return row.template()
        if name.lower() == DEFAULT:
            return BUILT_IN
        known = ", ".join(sorted({DEFAULT, *(r.name for r in stored)}))
        raise NotFound(f"There is no onboarding template called `{name}`. Templates: {known}.")
    own = [r for r in stored if r.team_id == team.id]
    mine = [r for r in own if r.name == DEFAULT] or own
    if len(mine) == 1:
        return mine[0].template()
    if len(mine) > 1:
        names = ", ".join(r.name for r in mine)
        raise UserError(f"{team.name} has several onboarding templates ({names}): name one.")
    general = [r for r in stored if r.name == DEFAULT]
    return general[0].template() if general else BUILT_IN
