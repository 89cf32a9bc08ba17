"""The rituals the scheduler runs: `/upkeep rituals`, `upkeep jobs list|run`."""

from bot.feature import Feature
from handlers.rituals.commands import add_commands, upkeep

FEATURE = Feature("rituals", subcommands=[upkeep], cli=add_commands)
