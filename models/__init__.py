"""The domain: SQLAlchemy tables and the rules and queries that belong to them.

Importing this package registers every table on `Base.metadata` (Alembic compares against it).
"""

from models.base import Base, UTCDateTime
from models.catalog import Service, ServiceDependency
from models.oncall import CalendarFeed, CoverRequest, Override, Rotation, RotationMember
from models.pages import Integration, Page
from models.priorities import BacklogItem, PageSuggestion, PrioritySettings
from models.retro import RetroAction, RetroTopic
from models.runtime import Heartbeat, ProcessedEvent
from models.scheduling import Delivery, Ritual, SchedulerState
from models.standup import Absence, StandupAnswer
from models.workspace import AuditEntry, Person, Team, TeamMember, Workspace

__all__ = [
    "Absence",
    "AuditEntry",
    "BacklogItem",
    "CalendarFeed",
    "CoverRequest",
    "Base",
    "Delivery",
    "Heartbeat",
    "Integration",
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
    "StandupAnswer",
    "Team",
    "TeamMember",
    "UTCDateTime",
    "Workspace",
]
