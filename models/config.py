"""Config as code: `upkeep import FILE.yaml` and `upkeep export`.

The file has one top-level key per section (`teams:`, `rotations:`, `services:`, ...), each kept
by its domain package. Each section upserts its entries by name and reports what it created,
changed and left alone. An error names the entry and the field; the caller rolls the whole
import back, so nothing is applied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models.alerts.config import AlertingSection
from models.catalog.config import ServicesSection
from models.core.config import ConfigError, ImportContext, Report, Section, entries_of
from models.core.people import UserLookup
from models.core.people_config import PeopleSection
from models.core.teams_config import TeamsSection
from models.core.workspace import Workspace
from models.onboarding.config import OnboardingSection
from models.oncall.config import RotationsSection
from models.pages.load import DIGEST
from models.priorities.config import PrioritiesSection
from models.requests.config import RequestsSection
from models.retro.retros import RETRO_CADENCE_WEEKS, RETRO_KIND
from models.rituals.config import RitualsSection
from models.slos.config import SlosSection
from models.slos.reports import SLO_REPORT
from models.slos.teams import SloPoliciesSection
from models.standup.standups import STANDUP_KIND

# The rituals the features run, each with its default cadence in weeks; the error for an unknown
# kind lists them in this order.
RITUAL_KINDS = {STANDUP_KIND: 1, RETRO_KIND: RETRO_CADENCE_WEEKS, DIGEST: 1, SLO_REPORT: 1}


def sections() -> list[Section]:
    """Every section, in the order they load (teams before what refers to teams)."""
    return [
        TeamsSection(),
        PeopleSection(),
        RotationsSection(),
        ServicesSection(),
        RitualsSection(kinds=RITUAL_KINDS),
        PrioritiesSection(),
        OnboardingSection(),
        RequestsSection(),
        SlosSection(),
        SloPoliciesSection(),
        AlertingSection(),
    ]


def import_config(
    db: Session,
    workspace: Workspace,
    data: Any,
    now: datetime,
    lookup: UserLookup | None = None,
    *,
    only: Callable[[str], bool] | None = None,
) -> Report:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("file", "must be a mapping with sections such as `teams:`")
    known = {s.key: s for s in sections()}
    unknown = sorted(set(data) - set(known), key=str)
    if unknown:
        raise ConfigError(unknown[0], f"is not a section I know (sections: {', '.join(known)})")
    ctx = ImportContext(db, workspace, now, lookup)
    for section in known.values():
        if section.key in data and (only is None or only(section.key)):
            section.load(ctx, entries_of(section.key, data[section.key]))
            db.flush()
    return ctx.report


def export_config(db: Session, workspace: Workspace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for section in sections():
        entries = section.dump(db, workspace)
        if entries:
            out[section.key] = entries
    return out
