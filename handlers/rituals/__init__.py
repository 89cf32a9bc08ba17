"""The rituals the scheduler runs: `/upkeep rituals`, `upkeep jobs list|run`."""

from bot.feature import Feature
from handlers.rituals.actions import listeners
from handlers.rituals.cli import add_commands
from handlers.rituals.commands import upkeep

FEATURE = Feature("rituals", subcommands=[upkeep], listeners=listeners, cli=add_commands)
