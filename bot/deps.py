"""What listeners and commands are handed: `Deps` (built once per app), `CommandRequest` (one
request: its unit of work, who asked, where, when) and `Cli` (an `upkeep ...` command: the
settings, the features and the migrated database). A delivery or a piece of work after a
response is handed a `bot.jobs.SendContext`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, clock_for
from bot.feature import all_commands, jobs_of
from bot.settings import Settings

if TYPE_CHECKING:
    from slack_bolt import BoltContext

    from bot.commands import Command
    from bot.feature import Feature, Intent
    from bot.jobs import Job, Work
    from models.core.askers import KeptAskers
    from models.core.people import Asker
    from models.core.workspace import Person, Team, Workspace


@dataclass
class Deps:
    """What listeners and jobs share: built once per app."""

    settings: Settings
    session_factory: sessionmaker[Session]
    client: WebClient
    clock: Clock
    features: list[Feature] = field(default_factory=list)
    # (Slack team id, Slack user id) -> (workspace id, person id) for everyone seen before. Rows
    # are never deleted, so this can't go stale; their state is always read from the database.
    seen: dict[tuple[str, str | None], tuple[int, int | None]] = field(default_factory=dict)
    # What features keep in memory for the app's life, by name (each keeps its own fresh).
    memo: dict[str, Any] = field(default_factory=dict)
    # The app's threads for work after a response (`bot.later.AfterResponse`, set by
    # `build_app`): a webhook's notifications run there too.
    after: Any = None

    @cached_property
    def commands(self) -> list[Command]:
        return all_commands(self.features)

    @cached_property
    def jobs(self) -> list[Job]:
        return jobs_of(self.features)

    @cached_property
    def askers(self) -> KeptAskers:
        """Who asks, kept while nothing changes it (`models.core.askers`)."""
        from models.core.askers import KeptAskers

        return KeptAskers()

    @cached_property
    def intents(self) -> list[Intent]:
        return [intent for feature in self.features for intent in feature.mentions]


class CommandRequest:
    """Everything a subcommand needs: the unit of work, who asked, where, and when.

    `workspace` and `person` come either as values or from `who`, a mapping that loads them on
    first use (the request context), so a request that needs neither doesn't query for them."""

    def __init__(
        self,
        *,
        db: Session,
        clock: Clock,
        client: WebClient,
        settings: Settings,
        workspace: Workspace | None = None,
        person: Person | None = None,
        who: Mapping[str, Any] | None = None,
        channel_id: str = "",
        trigger_id: str = "",
        response_url: str = "",
        registry: list[Command] | None = None,
        later: Callable[[Work], None],
        askers: KeptAskers | None = None,
    ):
        self.db = db
        self.clock = clock
        self.client = client
        self.settings = settings
        self.channel_id = channel_id
        self.trigger_id = trigger_id
        self.response_url = response_url
        self.registry = registry or []  # every command the app answers
        self.later = later  # later(work): run work after the response (bot/later.py)
        self._who = {"workspace": workspace, "person": person} if who is None else who
        self._askers = askers  # the app's, kept while unchanged; else read for each request
        self._now: datetime | None = None
        self._asker: Asker | None = None

    @property
    def workspace(self) -> Workspace:
        return self._who["workspace"]

    @property
    def person(self) -> Person:
        return self._who["person"]

    def now(self) -> datetime:
        """The request's time: read once, so everything in one answer agrees on it."""
        if self._now is None:
            self._now = self.clock.now()
        return self._now

    @property
    def asker(self) -> Asker:
        """Who asks, in which workspace (`models.core.people.Asker`): from the records when the
        request loaded them, else kept by the app (`models.core.askers`) or read in one small
        query that loads no ORM objects."""
        if self._asker is None:
            from models.core.people import Asker, read_asker

            ids = self._who.get("who")  # (workspace id, person id) when the context loads lazily
            if ids and not dict.__contains__(self._who, "person"):
                if self._askers is not None:
                    self._asker = self._askers.get(self.db, *ids, self.now())
                else:
                    self._asker = read_asker(self.db, *ids)
            else:
                self._asker = Asker.of(self.workspace, self.person)
        return self._asker

    @property
    def tz(self) -> str:
        if dict.__contains__(self._who, "person") or self._who.get("who") is None:
            return self.person.zone() if self.person is not None else "UTC"
        return self.asker.tz

    def audit(
        self,
        action: str,
        subject: str,
        *,
        before: dict | None = None,
        after: dict | None = None,
        team: Team | None = None,
    ) -> None:
        """Record in the audit log that the asker did `action` to `subject` (of `team`), now."""
        from models.core.people import audit

        audit(
            self.db,
            workspace=self.workspace,
            actor=self.person,
            action=action,
            subject=subject,
            now=self.now(),
            before=before,
            after=after,
            team=team,
        )


def command_request(deps: Deps, context: BoltContext, **kwargs) -> CommandRequest:
    """The CommandRequest of a listener: slash commands, buttons, mentions, modals."""
    return CommandRequest(
        db=context["db"],
        who=context,
        clock=deps.clock,
        client=deps.client,
        settings=deps.settings,
        registry=deps.commands,
        later=context["later"],
        askers=deps.askers,
        **kwargs,
    )


class Cli:
    """What an `upkeep ...` command is handed: the settings, the features, the clock, and the
    database (migrated on first use) with the workspace the command works on."""

    def __init__(self, settings: Settings, features: list[Feature], clock: Clock | None = None):
        self.settings = settings
        self.features = features
        self.clock = clock or clock_for(settings.clock_start)

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        from bot.db import make_engine, make_session_factory, upgrade

        upgrade(self.settings.database_url)
        return make_session_factory(make_engine(self.settings.database_url))

    @contextmanager
    def transaction(self) -> Iterator[tuple[Session, Workspace]]:
        """One unit of work, and the workspace it is about."""
        from bot.db import unit_of_work

        with unit_of_work(self.session_factory) as db:
            yield db, self.workspace(db)

    def workspace(self, db: Session) -> Workspace:
        """With a bot token, the workspace it belongs to (`auth.test`), refusing a database that
        holds another workspace's data; without one, the only workspace in the database, or a
        local one that the bot token's takes over once there is a token."""
        from sqlalchemy import select

        from models.core.people import (
            LOCAL_TEAM_ID,
            OtherWorkspace,
            ensure_workspace,
            workspace_for_token,
        )
        from models.core.workspace import Workspace

        if self.settings.slack_bot_token:
            try:
                return workspace_for_token(db, self.team_id, self.clock.now())
            except OtherWorkspace as e:
                raise SystemExit(f"error: {e.message}\nnothing was changed") from None
        workspaces = db.scalars(select(Workspace).order_by(Workspace.id)).all()
        if len(workspaces) == 1:
            return workspaces[0]
        if len(workspaces) > 1:
            raise SystemExit("this database holds several workspaces; the CLI can't tell which")
        return ensure_workspace(db, LOCAL_TEAM_ID, self.clock.now())

    @cached_property
    def team_id(self) -> str:
        """The bot token's workspace, as Slack says; the process exits when Slack refuses it."""
        from bot.slack import token_team

        return token_team(self.client)

    @cached_property
    def client(self) -> WebClient:
        from bot.slack import build_client

        return build_client(self.settings, self.clock)

    def user_lookup(self) -> Callable[[str], dict | None] | None:
        """Slack's `users.info`, with a bot token: how people named in config are looked up."""
        if not self.settings.slack_bot_token:
            return None
        from bot.slack import lookup_user

        return lambda uid: lookup_user(self.client, uid)

    @property
    def jobs(self) -> list[Job]:
        return jobs_of(self.features)

    def close(self) -> None:
        if "session_factory" in self.__dict__:
            self.session_factory.kw["bind"].dispose()
