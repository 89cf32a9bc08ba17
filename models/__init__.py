"""The domain: SQLAlchemy tables and the rules and queries that belong to them.

Importing this package registers every table on `Base.metadata` (Alembic compares against it).
"""

from models.base import Base, UTCDateTime
from models.onboarding import OnboardingTemplate, Shadow, Walkthrough, WalkthroughStep
from models.priorities import BacklogItem, PageSuggestion, PrioritySettings
from models.runtime import Heartbeat, ProcessedEvent
from models.scheduling import Delivery, Ritual, SchedulerState
from models.workspace import AuditEntry, Person, Team, TeamMember, Workspace

__all__ = [
    "AuditEntry",
    "BacklogItem",
    "Base",
    "Delivery",
    "Heartbeat",
    "OnboardingTemplate",
    "PageSuggestion",
    "Person",
    "PrioritySettings",
    "ProcessedEvent",
    "Ritual",
    "SchedulerState",
    "Shadow",
    "Team",
    "TeamMember",
    "UTCDateTime",
    "Walkthrough",
    "WalkthroughStep",
    "Workspace",
]
