"""Priorities: `/priority`, the weekly checkpoint and the quarterly survey."""

from bot.feature import Feature
from handlers.priorities.actions import listeners
from handlers.priorities.commands import MENTIONS, home_blocks, priority
from handlers.priorities.jobs import JOBS

FEATURE = Feature(
    "priorities",
    commands=[priority],
    listeners=listeners,
    mentions=MENTIONS,
    home=home_blocks,
    jobs=JOBS,
)
