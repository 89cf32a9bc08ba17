"""Slack's limits on what a message, a modal or App Home may hold (slack_sdk checks none)."""

MAX_BLOCKS_MESSAGE = 50
MAX_BLOCKS_VIEW = 100  # modals and App Home
SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
FIELD_TEXT_LIMIT = 2000
CONTEXT_TEXT_LIMIT = 3000
MESSAGE_TEXT_LIMIT = 3000  # what we put in a message's `text` (Slack's own cap is higher)
INPUT_LABEL_LIMIT = 2000
