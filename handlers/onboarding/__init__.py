"""Onboarding: `/onboard`, the welcome and step DMs, the hire's buttons and feedback form, the
lead's view."""

from bot.feature import Feature
from handlers.onboarding.actions import listeners
from handlers.onboarding.commands import MENTIONS, home_blocks, onboard
from handlers.onboarding.jobs import JOBS

FEATURE = Feature(
    "onboarding",
    commands=[onboard],
    listeners=listeners,
    mentions=MENTIONS,
    home=home_blocks,
    jobs=JOBS,
)
