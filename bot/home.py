"""The App Home tab: each feature contributes sections (`Feature.home(req) -> list[dict]`)."""

from __future__ import annotations

from bot.deps import Deps, command_request
from bot.later import publish_home
from bot.render import MAX_BLOCKS_VIEW, header, section
from bot.render import context as context_block


def home_view(deps: Deps, req) -> dict:
    blocks: list[dict] = [header(f"Hi {req.person.display_name}")]
    for feature in deps.features:
        if feature.home is not None:
            blocks += feature.home(req)
    if len(blocks) == 1:
        blocks.append(section("Nothing for you here yet. Type `/upkeep help` to see what I do."))
    blocks.append(
        context_block("Upkeep: on-call, ownership, priorities and rituals. `/upkeep help`")
    )
    if len(blocks) > MAX_BLOCKS_VIEW:
        blocks = blocks[: MAX_BLOCKS_VIEW - 1] + [context_block("(more than fits here)")]
    return {"type": "home", "blocks": blocks}


def register_home(app, deps: Deps) -> None:
    @app.event("app_home_opened")
    def on_home_opened(event: dict, context) -> None:
        if event.get("tab", "home") != "home":
            return
        req = command_request(deps, context)
        user, view = event["user"], home_view(deps, req)
        req.later(publish_home(user_id=user, view=view))
