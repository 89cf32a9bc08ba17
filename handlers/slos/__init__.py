"""SLOs and error budgets: `/slo`, the worker's refresh of their figures from Prometheus, pushed
counts (`POST /hooks/sli`, `upkeep slo token`)."""

from bot.feature import Feature
from handlers.slos.actions import listeners
from handlers.slos.cli import add_commands
from handlers.slos.commands import MENTIONS, home_blocks, slo
from handlers.slos.http import PATH, sli_hook
from handlers.slos.jobs import JOBS

FEATURE = Feature(
    "slos",
    commands=[slo],
    listeners=listeners,
    mentions=MENTIONS,
    home=home_blocks,
    routes={PATH: sli_hook},
    jobs=JOBS,
    cli=add_commands,
)
