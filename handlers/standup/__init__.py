"""Standups: prompts in each member's zone, answers, summaries, `/standup`."""

from bot.feature import Feature
from handlers.standup.actions import listeners
from handlers.standup.commands import home_blocks, standup
from handlers.standup.jobs import JOBS

FEATURE = Feature("standup", commands=[standup], listeners=listeners, home=home_blocks, jobs=JOBS)
