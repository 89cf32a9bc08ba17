"""Pages: alert webhooks, `/oncall load`, classification buttons, the page-load digest."""

from bot.feature import Feature
from handlers.pages.commands import add_commands, oncall, register
from handlers.pages.http import PREFIX, hooks_app
from handlers.pages.jobs import JOBS

FEATURE = Feature(
    "pages",
    subcommands=[oncall],
    listeners=register,
    routes={PREFIX: hooks_app},
    jobs=JOBS,
    cli=add_commands,
)
