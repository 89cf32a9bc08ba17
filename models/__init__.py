"""The domain: SQLAlchemy tables and the rules and queries that belong to them.

Importing this package registers every table on `Base.metadata` (Alembic compares against it).
"""

from models.alerts.groups import AlertGroup, AlertMessage
from models.alerts.heartbeats import PipelineHeartbeat
from models.alerts.notify import NotifyHook
from models.alerts.policies import AlertSettings
from models.catalog.services import Service, ServiceDependency
from models.core.base import Base, UTCDateTime
from models.core.deliveries import Delivery, SchedulerState
from models.core.outbox import DeferredWork
from models.core.runtime import Heartbeat, ProcessedEvent
from models.core.workspace import AuditEntry, Person, Team, TeamMember, Workspace
from models.onboarding.templates import OnboardingTemplate
from models.onboarding.walkthroughs import Shadow, Walkthrough, WalkthroughStep
from models.oncall.calendar import CalendarFeed
from models.oncall.cover import CoverRequest
from models.oncall.overrides import Override
from models.oncall.rotations import Rotation, RotationMember, RotationRule
from models.pages.integrations import Integration
from models.pages.pages import Page
from models.priorities.backlog import BacklogItem
from models.priorities.settings import PrioritySettings
from models.priorities.suggestions import PageSuggestion
from models.requests.requests import Request, RequestSettings
from models.retro.retros import RetroAction, RetroTopic
from models.rituals.rituals import Ritual
from models.slos.pushed import SliToken
from models.slos.slos import BudgetCrossing, SliCount, Slo, SloFigure
from models.slos.teams import SloTeamSettings
from models.standup.standups import Absence, StandupAnswer

__all__ = [
    "AlertGroup",
    "AlertMessage",
    "AlertSettings",
    "NotifyHook",
    "PipelineHeartbeat",
    "Absence",
    "AuditEntry",
    "BacklogItem",
    "Base",
    "CalendarFeed",
    "CoverRequest",
    "DeferredWork",
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
    "Request",
    "RequestSettings",
    "RetroAction",
    "RetroTopic",
    "Ritual",
    "Rotation",
    "Service",
    "ServiceDependency",
    "RotationMember",
    "RotationRule",
    "SchedulerState",
    "Shadow",
    "StandupAnswer",
    "Team",
    "TeamMember",
    "UTCDateTime",
    "Walkthrough",
    "WalkthroughStep",
    "Workspace",
    "BudgetCrossing",
    "SliCount",
    "SliToken",
    "Slo",
    "SloFigure",
    "SloTeamSettings",
]
