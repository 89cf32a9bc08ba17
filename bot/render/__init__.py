"""The Block Kit kit: text, blocks, modals and their inputs, Slack's limits, a command's reply.
Pure: data in, blocks out. Its parts are re-exported here: `from bot.render import section`."""

from bot.render.blocks import (
    actions,
    button,
    context,
    divider,
    fields,
    header,
    line_sections,
    section,
)
from bot.render.limits import MAX_BLOCKS_MESSAGE, MAX_BLOCKS_VIEW, SECTION_TEXT_LIMIT
from bot.render.modals import (
    channel_input,
    date_input,
    modal,
    option,
    select_input,
    state_users,
    state_value,
    text_input,
    time_input,
    user_input,
    users_input,
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
    "channel_input",
    "context",
    "date_input",
    "divider",
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
    "state_users",
    "state_value",
    "text_input",
    "time_input",
    "truncate",
    "user_input",
    "users_input",
    "user_text",
    "worker_status",
]
