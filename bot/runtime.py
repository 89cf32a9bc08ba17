"""Wiring: from settings to a running app (engine, sessions, Slack client, Bolt app, web app)."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import App
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_app, deps_of
from bot.clock import Clock, clock_for
from bot.db import make_engine, make_session_factory
from bot.deps import Deps
from bot.settings import Settings
from bot.slack import build_client, token_team
from bot.web import WebApp, build_web


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    app: App
    deps: Deps
    web: WebApp

    def bind_workspace(self) -> None:
        """At start: Slack accepts the bot token, and the database holds its workspace's data
        (or none yet); else the process exits with a plain message."""
        from bot.db import unit_of_work
        from models.core.people import OtherWorkspace, workspace_for_token

        team = token_team(self.deps.client)
        try:
            with unit_of_work(self.session_factory) as db:
                workspace_for_token(db, team, self.deps.clock.now())
        except OtherWorkspace as e:
            raise SystemExit(f"error: {e.message}") from None


def build_runtime(settings: Settings, clock: Clock | None = None, features=None) -> Runtime:
    clock = clock or clock_for(settings.clock_start)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    client = build_client(settings, clock)
    app = build_app(settings, factory, client, clock, features=features)
    deps = deps_of(app)
    web = build_web(app, engine, settings.database_url, deps)
    return Runtime(settings, engine, factory, app, deps, web)
