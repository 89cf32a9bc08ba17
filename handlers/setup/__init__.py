"""Setting up from Slack: the first look at App Home, and a team's form (`/upkeep setup`)."""

from bot.feature import Feature
from handlers.setup.actions import listeners
from handlers.setup.commands import home_blocks, team_setup

FEATURE = Feature("setup", subcommands=[team_setup], listeners=listeners, home=home_blocks)
