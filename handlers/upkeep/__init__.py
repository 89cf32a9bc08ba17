"""`/upkeep`: help, status and the audit log; `upkeep audit` on the command line."""

from bot.feature import Feature
from handlers.upkeep.cli import add_commands
from handlers.upkeep.commands import upkeep

FEATURE = Feature("upkeep", commands=[upkeep], cli=add_commands)
