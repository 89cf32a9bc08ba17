"""On call: `/oncall`, cover requests, handoff posts and reminders, calendar feeds."""

from bot.feature import Feature
from handlers.oncall.actions import listeners
from handlers.oncall.changes import rotation_changes
from handlers.oncall.commands import oncall
from handlers.oncall.glance import MENTIONS, home_blocks
from handlers.oncall.http import ROUTES, feeds
from handlers.oncall.jobs import JOBS

FEATURE = Feature(
    "oncall",
    commands=[oncall],
    # In the order `/oncall help` lists them: after the commands' own, before pages' `load`.
    subcommands=[rotation_changes, feeds],
    listeners=listeners,
    mentions=MENTIONS,
    home=home_blocks,
    routes=ROUTES,
    jobs=JOBS,
)
