"""The service catalog: `/owner`, its edit form, who-owns mentions."""

from bot.feature import Feature
from handlers.catalog.actions import listeners
from handlers.catalog.commands import MENTIONS, home_blocks, owner

FEATURE = Feature(
    "catalog", commands=[owner], listeners=listeners, mentions=MENTIONS, home=home_blocks
)
