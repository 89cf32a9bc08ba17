"""Requests from outside a team: `/ask`, the "Ask a team" shortcut and the request emoji; the
shield's triage; the first-response SLA (a reply in the request's thread counts); `/requests`."""

from bot.feature import Feature
from handlers.requests import actions, settings, threads
from handlers.requests.commands import ask, home_blocks, requests_command
from handlers.requests.jobs import JOBS


def listeners(app, deps) -> None:
    actions.listeners(app, deps)
    threads.register(app, deps)
    settings.register(app, deps)


def home(req) -> list[dict]:
    return home_blocks(req) + settings.settings_home(req)


FEATURE = Feature(
    "requests",
    commands=[ask, requests_command],
    listeners=listeners,
    home=home,
    jobs=JOBS,
    channel_messages=threads.wants_message,
)
