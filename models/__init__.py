"""The domain: SQLAlchemy tables and the rules and queries that belong to them.

Importing this package registers every table on `Base.metadata` (Alembic compares against it).
"""

from models.catalog.services import Service, ServiceDependency
from models.core.base import Base, UTCDateTime
from models.core.deliveries import Delivery, SchedulerState
from models.core.runtime import Heartbeat, ProcessedEvent
from models.core.workspace import AuditEntry, Person, Team, TeamMember, Workspace
from models.onboarding.templates import OnboardingTemplate
from models.onboarding.walkthroughs import Shadow, Walkthrough, WalkthroughStep
from models.oncall.rotations import CalendarFeed, CoverRequest, Override, Rotation, RotationMember
from models.pages.ingest import Integration, Page
from models.priorities.backlog import BacklogItem, PageSuggestion, PrioritySettings
from models.retro.retros import RetroAction, RetroTopic
from models.rituals.rituals import Ritual
from models.standup.standups import Absence, StandupAnswer

__all__ = [
    "Absence",
    "AuditEntry",
    "BacklogItem",
    "Base",
    "CalendarFeed",
    "CoverRequest",
    "Delivery",
    "Heartbeat",
    "Integration",
    "OnboardingTemplate",
    "Override",
    "Page",
    "PageSuggestion",
    "Person",
    "PrioritySettings",
    "ProcessedEvent",
    "RetroAction",
    "RetroTopic",
    "Ritual",
    "Rotation",
    "Service",
    "ServiceDependency",
    "RotationMember",
    "SchedulerState",
    "Shadow",
    "StandupAnswer",
    "Team",
    "TeamMember",
    "UTCDateTime",
    "Walkthrough",
    "WalkthroughStep",
    "Workspace",
]
