"""Retros: anonymous topics, action items and their follow-up, `/retro`."""

from bot.feature import Feature
from handlers.retro.actions import listeners
from handlers.retro.commands import home_blocks, retro
from handlers.retro.jobs import JOBS

FEATURE = Feature("retro", commands=[retro], listeners=listeners, home=home_blocks, jobs=JOBS)
