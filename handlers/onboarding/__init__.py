"""Onboarding: `/onboard`, the welcome and step DMs, the lead's view."""

from bot.feature import Feature
from handlers.onboarding.commands import MENTIONS, home_blocks, onboard, register
from handlers.onboarding.jobs import JOBS

FEATURE = Feature(
    "onboarding",
    commands=[onboard],
    listeners=register,
    mentions=MENTIONS,
    home=home_blocks,
    jobs=JOBS,
)
