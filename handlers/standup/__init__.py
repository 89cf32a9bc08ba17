"""Standups: prompts in each member's zone, answers, summaries, `/standup`."""

from bot.feature import Feature
from handlers.standup.commands import home_blocks, register, standup
from handlers.standup.jobs import JOBS

FEATURE = Feature("standup", commands=[standup], listeners=register, home=home_blocks, jobs=JOBS)
