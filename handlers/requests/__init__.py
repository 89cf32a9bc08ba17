"""Requests from outside a team: `/ask`, the "Ask a team" shortcut and the request emoji; the
shield's triage; the first-response SLA; `/requests`."""

from bot.feature import Feature
from handlers.requests.actions import listeners
from handlers.requests.commands import ask, home_blocks, requests_command
from handlers.requests.jobs import JOBS

FEATURE = Feature(
    "requests",
    commands=[ask, requests_command],
    listeners=listeners,
    home=home_blocks,
    jobs=JOBS,
)
