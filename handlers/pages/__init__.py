"""Pages: alert webhooks, `/oncall load`, classification buttons, the page-load digest."""

from bot.feature import Feature
from handlers.pages.actions import listeners
from handlers.pages.cli import add_commands
from handlers.pages.commands import oncall
from handlers.pages.http import PREFIX, hooks_app
from handlers.pages.jobs import JOBS

FEATURE = Feature(
    "pages",
    subcommands=[oncall],
    listeners=listeners,
    routes={PREFIX: hooks_app},
    jobs=JOBS,
    cli=add_commands,
)
