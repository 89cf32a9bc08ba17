"""The service catalog: `/owner`, its edit form, who-owns mentions."""

from bot.feature import Feature
from handlers.catalog.commands import MENTIONS, home_blocks, owner, register

FEATURE = Feature(
    "catalog", commands=[owner], listeners=register, mentions=MENTIONS, home=home_blocks
)
