"""Development tools: a Slack API emulator, signed requests, the terminal workspace, the demo."""
