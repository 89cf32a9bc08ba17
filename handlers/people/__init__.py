"""Keeping people current: Slack's `user_change` and `team_join`."""

from bot.feature import Feature
from handlers.people.listeners import register

FEATURE = Feature("people", listeners=register)
