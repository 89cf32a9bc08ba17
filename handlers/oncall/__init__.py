"""On call: `/oncall`, cover requests, handoff posts and reminders, calendar feeds."""

from bot.feature import Feature
from handlers.oncall.commands import MENTIONS, ROUTES, home_blocks, oncall, register
from handlers.oncall.jobs import JOBS

FEATURE = Feature(
    "oncall",
    commands=[oncall],
    listeners=register,
    mentions=MENTIONS,
    home=home_blocks,
    routes=ROUTES,
    jobs=JOBS,
)
