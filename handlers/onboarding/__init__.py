"""Onboarding: `/onboard`, the welcome and step DMs, the hire's buttons and feedback form, the
lead's view, and the templates leads make in Slack (`/onboard templates`)."""

from bot.feature import Feature
from handlers.onboarding.actions import listeners as step_listeners
from handlers.onboarding.commands import MENTIONS, home_blocks, onboard
from handlers.onboarding.jobs import JOBS
from handlers.onboarding.templates import template_listeners


def listeners(app, deps) -> None:
    step_listeners(app, deps)
    template_listeners(app, deps)


FEATURE = Feature(
    "onboarding",
    commands=[onboard],
    listeners=listeners,
    mentions=MENTIONS,
    home=home_blocks,
    jobs=JOBS,
)
