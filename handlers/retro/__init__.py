"""Retros: anonymous topics, action items and their follow-up, `/retro`."""

from bot.feature import Feature
from handlers.retro.commands import home_blocks, register, retro
from handlers.retro.jobs import JOBS

FEATURE = Feature("retro", commands=[retro], listeners=register, home=home_blocks, jobs=JOBS)
