"""What a command answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.render.limits import MAX_BLOCKS_MESSAGE, MESSAGE_TEXT_LIMIT
from bot.render.text import truncate


@dataclass
class Reply:
    """What a command answers: text (always, for notifications and the console) and optional blocks.
    Ephemeral unless `public`."""

    text: str
    blocks: list[dict] | None = None
    public: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def ack_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "text": truncate(self.text, MESSAGE_TEXT_LIMIT),
            "response_type": "in_channel" if self.public else "ephemeral",
        }
        if self.blocks:
            kwargs["blocks"] = self.blocks[:MAX_BLOCKS_MESSAGE]
        return kwargs
