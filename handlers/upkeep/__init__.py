"""`/upkeep`: help and status."""

from bot.feature import Feature
from handlers.upkeep.commands import upkeep

FEATURE = Feature("upkeep", commands=[upkeep])
