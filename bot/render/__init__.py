"""The Block Kit kit: text, blocks, modals and their inputs, Slack's limits, a command's reply.
Pure: data in, blocks out. Its parts are re-exported here: `from bot.render import section`."""

from bot.render.blocks import (
    actions,
    button,
    checkboxes,
    context,
    divider,
    fields,
    header,
    line_sections,
    section,
)
from bot.render.limits import MAX_BLOCKS_MESSAGE, MAX_BLOCKS_VIEW, SECTION_TEXT_LIMIT
from bot.render.modals import (
    errors_under,
    modal,
    option,
    select_input,
    state_value,
    text_input,
    user_input,
)
from bot.render.reply import Reply
from bot.render.text import (
    ago,
    as_plain,
    escape,
    link_to,
    local_time,
    truncate,
    user_text,
    worker_status,
)

__all__ = [
    "MAX_BLOCKS_MESSAGE",
    "MAX_BLOCKS_VIEW",
    "Reply",
    "SECTION_TEXT_LIMIT",
    "actions",
    "ago",
    "as_plain",
    "button",
    "checkboxes",
    "context",
    "divider",
    "errors_under",
    "escape",
    "fields",
    "header",
    "line_sections",
    "link_to",
    "local_time",
    "modal",
    "option",
    "section",
    "select_input",
    "state_value",
    "text_input",
    "truncate",
    "user_input",
    "user_text",
    "worker_status",
]
