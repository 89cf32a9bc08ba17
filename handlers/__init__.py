"""Slack in and out: one module per feature.

Each feature module may define:
  COMMANDS  -- a list of `bot.commands.Command` it answers
  register(app, deps) -- listeners beyond its slash commands (events, actions, views)
The order of FEATURES is the order `/upkeep help` lists them in.
"""

from handlers import (
    catalog,
    home,
    mentions,
    oncall,
    pages,
    people,
    priorities,
    retro,
    rituals,
    standup,
    upkeep,
)

FEATURES = [
    upkeep,
    people,
    oncall,
    catalog,
    priorities,
    pages,
    standup,
    retro,
    rituals,
    mentions,
    home,
]
