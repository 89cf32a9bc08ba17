"""Keeping people current: Slack's `user_change` refreshes what we know of a person."""

from __future__ import annotations

from bot.deps import Deps
from models.core.people import apply_profile, ensure_person


def register(app, deps: Deps) -> None:
    @app.event("user_change")
    def on_user_change(event: dict, context) -> None:
        user = event.get("user") or {}
        if not user.get("id"):
            return
        person = ensure_person(context["db"], context["workspace"], user["id"], deps.clock.now())
        apply_profile(person, user, deps.clock.now())

    @app.event("team_join")
    def on_team_join(event: dict, context) -> None:
        on_user_change(event, context)
