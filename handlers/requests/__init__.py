"""Requests from outside a team: `/ask`, the "Ask a team" shortcut and the request emoji; the
shield's triage; the first-response SLA (a reply in the request's thread counts); `/requests`."""

from bot.feature import Feature
from handlers.requests import actions, threads
from handlers.requests.commands import ask, home_blocks, requests_command
from handlers.requests.jobs import JOBS


def listeners(app, deps) -> None:
    actions.listeners(app, deps)
    threads.register(app, deps)


FEATURE = Feature(
    "requests",
    commands=[ask, requests_command],
    listeners=listeners,
    home=home_blocks,
    jobs=JOBS,
    channel_messages=threads.wants_message,
)
