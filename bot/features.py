"""FEATURES: every feature package, in the order `/upkeep help` lists their commands. The only
place the runtime core imports `handlers`."""

from __future__ import annotations

from bot.feature import Feature, jobs_of
from bot.jobs import Job
from handlers import (
    alerts,
    catalog,
    onboarding,
    oncall,
    pages,
    people,
    priorities,
    requests,
    retro,
    rituals,
    setup,
    slos,
    standup,
    upkeep,
)

FEATURES: list[Feature] = [
    upkeep.FEATURE,
    setup.FEATURE,
    people.FEATURE,
    oncall.FEATURE,
    catalog.FEATURE,
    priorities.FEATURE,
    pages.FEATURE,
    standup.FEATURE,
    retro.FEATURE,
    rituals.FEATURE,
    onboarding.FEATURE,
    requests.FEATURE,
    slos.FEATURE,
    alerts.FEATURE,
]


def all_jobs() -> list[Job]:
    """Every feature's scheduled jobs."""
    return jobs_of(FEATURES)
