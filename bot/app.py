"""Assembles the Bolt app: middleware, the one error handler, and every feature's listeners."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.middleware import Middleware
from slack_bolt.request.internals import build_context
from slack_sdk import WebClient
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.commands import Command
from bot.db import unit_of_work
from bot.deps import Deps, command_request
from bot.home import register_home
from bot.jobs.deferred import error_ref, went_wrong
from bot.later import AfterResponse, Later, direct_message, post_ephemeral, post_message
from bot.mentions import register_mentions
from bot.render.modals import input_blocks, with_note
from bot.render.text import defuse
from bot.settings import Settings
from bot.slack import lookup_user, signature_ok
from models.core.errors import PermissionDenied, UserError
from models.core.people import (
    apply_profile,
    audit_refusal,
    ensure_person,
    ensure_workspace,
    lookup_who,
    who_by_ids,
)
from models.core.runtime import claim_event

if TYPE_CHECKING:
    from bot.feature import Feature

log = logging.getLogger("upkeep")


class RequestContext(BoltContext):
    """Bolt's context, where `workspace` and `person` are read from the request's session on
    first use: a request that needs neither (`/upkeep help`) never touches the database."""

    LAZY = ("workspace", "person")

    def __missing__(self, key: str) -> Any:
        who = dict.get(self, "who")
        if key not in self.LAZY or who is None:
            raise KeyError(key)
        session: Session = dict.__getitem__(self, "db")
        self["workspace"], self["person"] = who_by_ids(session, *who)
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.LAZY:
            try:
                return self[key]
            except KeyError:
                return default
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or (key in self.LAZY and dict.__contains__(self, "who"))


def deps_of(app: App) -> Deps:
    return app.upkeep_deps


def build_app(
    settings: Settings,
    session_factory: sessionmaker[Session],
    client: WebClient,
    clock: Clock,
    *,
    features: list[Feature] | None = None,
) -> App:
    if features is None:
        from bot.features import FEATURES

        features = FEATURES
    deps = Deps(settings, session_factory, client, clock, list(features))
    logger = logging.getLogger("upkeep.bolt")
    logger.addFilter(_client_given_not_token)
    app = UpkeepApp(
        client=client,
        signing_secret=settings.slack_signing_secret or "socket-mode",
        token_verification_enabled=False,
        # `dispatch` checks the signature first (Bolt's own check would run it a second time,
        # and raises on a timestamp that isn't a number); Socket Mode needs none.
        request_verification_enabled=False,
        # Run listeners in the request thread: ack() answers when the listener returns, with
        # no 10 ms polling; Slack calls the answer doesn't need go to `later` (bot/later.py).
        process_before_response=True,
        logger=logger,
    )
    app.upkeep_deps = deps  # read back with deps_of(app)
    app.after = AfterResponse(deps)  # runs what requests defer with `later`
    deps.after = app.after
    app.use(Resolve(deps))
    app.error(_on_error)
    # One listener for every command: Bolt tries listeners in turn, building each one's
    # arguments to match it, so one per command made each request pay for those before it.
    commands = {command.name: command for command in deps.commands}
    names = re.compile(r"\A(?:" + "|".join(re.escape(name) for name in commands) + r")\Z")
    app.command(names)(_command_listener(commands, deps))
    for feature in deps.features:
        if feature.listeners is not None:
            feature.listeners(app, deps)
    register_home(app, deps)
    register_mentions(app, deps)
    return app


def _client_given_not_token(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client (ours, with
    that token and our retry handlers), then warns on every start that the token is unused."""
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


class UpkeepApp(App):
    """A Bolt app whose every request is one unit of work: a DB session opened before the
    middleware runs, committed after the listener returns, rolled back if it failed. What the
    listener deferred with `later` runs only once that commit succeeded (bot/later.py).

    (Bolt's global middleware returns before the listeners run, so it can't wrap them.)"""

    upkeep_deps: Deps
    after: AfterResponse

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        if req.mode != "socket_mode" and not _signed(req, self.upkeep_deps.settings):
            return BoltResponse(status=401, body="")  # before anything reads it
        _read_form_with_payload_in_it(req)
        response, again = self._attempt(req)
        if again:
            # The database connection died under the request (PostgreSQL restarted): nothing
            # it wrote was kept, and the pool has new connections now; answer it once more.
            log.warning("the database connection was lost; handling the request again")
            retry = BoltRequest(body=req.raw_body, headers=req.headers, mode=req.mode)
            _read_form_with_payload_in_it(retry)
            response, _ = self._attempt(retry, last=True)
        return response

    def _attempt(self, req: BoltRequest, *, last: bool = False) -> tuple[BoltResponse, bool]:
        """The request in one unit of work; (the answer, whether to try once more)."""
        session = self.upkeep_deps.session_factory()
        later = Later(response_url=req.body.get("response_url") or "")
        req.context = RequestContext(req.context)
        req.context["db"] = session
        req.context["deps"] = self.upkeep_deps
        req.context["after"] = self.after
        req.context["later"] = later
        req.context["last_attempt"] = last
        try:
            response = super().dispatch(req)
            if req.context.get("again"):
                return response, True
            if req.context.get("failed") or response.status >= 500:
                session.rollback()
                return response, False
            later.store(session, self.upkeep_deps.clock.now())
            if session.in_transaction():
                session.commit()
        except Exception as error:
            session.rollback()
            if _connection_lost(error) and not last:
                return BoltResponse(status=503, body=""), True
            return _failed_commit(req.body, self.after, error), False
        except BaseException:
            session.rollback()
            raise
        finally:
            if session.in_transaction() or session.identity_map:
                session.close()  # (one that began nothing holds nothing: lookups kept in memory)
        self.after.submit(later)
        return response, False

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until the work requests deferred has run (the console and the tests)."""
        return self.after.drain(timeout)


def _signed(req: BoltRequest, settings: Settings) -> bool:
    """Checked here as well as by Bolt, whose check raises on a timestamp that isn't a number
    and then runs the error handler on the unverified body (which could post)."""
    timestamp = (req.headers.get("x-slack-request-timestamp") or [None])[0]
    signature = (req.headers.get("x-slack-signature") or [None])[0]
    body = (req.raw_body or "").encode()
    return signature_ok(settings.slack_signing_secret, body, timestamp, signature, time.time())


def _read_form_with_payload_in_it(req: BoltRequest) -> None:
    """slack_bolt reads any form body that contains the word "payload" as interactivity and,
    finding no `payload=` field, as nothing at all: `/priority add fix payload parsing` would go
    unanswered. Such a body is an ordinary form; read it as one."""
    raw = req.raw_body or ""
    if req.body or "payload" not in raw or raw.lstrip().startswith("{"):
        return
    params = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" not in params:
        req.body = params
        req.context = build_context(BoltContext(), params)


class Resolve(Middleware):
    """After the signature check: who is asking, in which workspace; skip retried events.
    (A class, not a function: Bolt then calls it without inspecting its arguments.)"""

    def __init__(self, deps: Deps):
        self.deps = deps

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]):
        context, body, deps = req.context, req.body, self.deps
        if _unwanted_channel_message(deps, body):
            return BoltResponse(status=200, body="")
        session = context["db"]
        now = deps.clock.now()
        team_id = context.team_id or (body.get("team") or {}).get("id")
        ours = context.authorize_result.team_id if context.authorize_result else None
        if team_id and ours and team_id != ours:
            log.warning("refused a request for workspace %s (the bot token's is %s)", team_id, ours)
            return _another_workspace(body)
        if team_id:
            user_id = context.user_id
            known = deps.seen.get((team_id, user_id))
            if known is None:
                known = _first_sight(deps, session, team_id, user_id, now)
                deps.seen[team_id, user_id] = known
            context["who"] = known
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not claim_event(session, event_id, now):
            # Claimed in the listener's transaction: a failed attempt frees the id for a retry.
            log.info("event %s was handled before; skipping the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()


def _unwanted_channel_message(deps: Deps, body: dict) -> bool:
    """A message in a channel that no feature listens to (`Feature.channel_messages`)."""
    event = body.get("event") or {}
    if event.get("type") != "message" or event.get("channel_type") not in ("channel", "group"):
        return False
    wanted = (f.channel_messages for f in deps.features if f.channel_messages is not None)
    return not any(wants(deps, event) for wants in wanted)


def _another_workspace(body: dict) -> BoltResponse:
    """A command is told why nothing happens; events and buttons get a plain 200 (Slack would
    retry anything else), and nothing is written."""
    if "command" in body:
        text = (
            "Upkeep here is set up for another Slack workspace, so it can't answer for this one. "
            "Install the app in this workspace to use it here."
        )
        return _json_response({"response_type": "ephemeral", "text": text})
    return BoltResponse(status=200, body="")


def _first_sight(
    deps: Deps, session: Session, team_id: str, user_id: str | None, now
) -> tuple[int, int | None]:
    """Find, or create and commit at once (so it never waits on or for a slow listener), the
    workspace and the person behind a request."""
    workspace, person = lookup_who(session, team_id, user_id)
    if workspace is None or (user_id and person is None):
        workspace = ensure_workspace(session, team_id, now)
        if user_id:
            person = ensure_person(
                session, workspace, user_id, now, lambda uid: lookup_user(deps.client, uid)
            )
        session.commit()
    elif person is not None and person.refreshed_at is None and user_id:
        # Known by id alone (met in a team form whose look-up after the answer failed): what
        # Slack says of them now, once, so their zone is theirs.
        user = lookup_user(deps.client, user_id)
        if user:
            apply_profile(person, user, now)
            session.commit()
    return workspace.id, person.id if person is not None else None


def _command_listener(commands: dict[str, Command], deps: Deps):
    def command(ack, body: dict, context: BoltContext):
        req = command_request(
            deps,
            context,
            channel_id=body.get("channel_id", ""),
            trigger_id=body.get("trigger_id", ""),
            response_url=body.get("response_url", ""),
        )
        reply = commands[body["command"]].run(req, body.get("text", ""))
        ack(**reply.ack_kwargs())

    return command


def _on_error(error: Exception, body: dict, context: BoltContext, logger):
    """The one error handler: what the user got wrong comes back as a short ephemeral message with
    the right usage; anything else as "something went wrong (ref X)" plus a log line with X."""
    context["failed"] = True
    db = context.get("db")
    if db is not None:
        db.rollback()
    if _connection_lost(error) and not context.get("last_attempt", True):
        context["again"] = True  # `UpkeepApp.dispatch` handles the request once more
        return BoltResponse(status=503, body="")
    if isinstance(error, PermissionDenied):
        _record_refusal(context, body, error)
    if isinstance(error, UserError):  # it may quote what was typed: nothing in it shouts
        message = defuse(error.render())
    else:
        ref = error_ref()
        log.error("unhandled error ref=%s", ref, exc_info=error)
        message = went_wrong(ref)
    try:
        return _reply_with_error(body, context["after"], message, error)
    except Exception:
        log.exception("could not tell the user about an error")
        return BoltResponse(status=200, body="")


def _record_refusal(context: BoltContext, body: dict, error: PermissionDenied) -> None:
    """Every refusal goes in the audit log: who, what they tried, for which team. In a
    transaction of its own, as the request's is rolled back."""
    who, deps = dict.get(context, "who"), dict.get(context, "deps")
    if who is None or deps is None:
        return
    try:
        with unit_of_work(deps.session_factory) as session:
            audit_refusal(
                session,
                workspace_id=who[0],
                actor_id=who[1],
                tried=_attempted(body),
                error=error,
                now=deps.clock.now(),
            )
    except Exception:
        log.exception("could not record a refusal in the audit log")


def _attempted(body: dict) -> str:
    """What a request tried, in a few words and none of its text: `/retro topic`, `button
    retro_action_done 12`, `form priority_add`."""
    if "command" in body:
        words = (body.get("text") or "").split(maxsplit=1)
        sub = f" {words[0].lower()[:30]}" if words else ""
        return f"{body['command']}{sub}"
    kind = body.get("type")
    if kind == "block_actions":
        action = (body.get("actions") or [{}])[0]
        value = str(action.get("value") or "")
        shown = f" {value}" if value and len(value) <= 20 and " " not in value else ""
        return f"button {action.get('action_id', '?')}{shown}"
    if kind == "view_submission":
        return f"form {(body.get('view') or {}).get('callback_id', '?')}"
    return f"event {(body.get('event') or {}).get('type', kind or '?')}"


def _connection_lost(error: BaseException) -> bool:
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _failed_commit(body: dict, after: AfterResponse, error: Exception) -> BoltResponse:
    """The listener answered, but what it wrote could not be kept: the user hears so, with a
    ref, rather than Slack showing a bare failure."""
    ref = error_ref()
    log.error("the request's commit failed ref=%s", ref, exc_info=error)
    try:
        return _reply_with_error(body, after, went_wrong(ref), error)
    except Exception:
        log.exception("could not tell the user about an error")
        return BoltResponse(status=200, body="")


def _reply_with_error(body, after: AfterResponse, message: str, error: Exception) -> BoltResponse:
    """The answer to a failed request; where the answer can't carry the message, a Slack call
    after the response carries it (the request's own deferred work is dropped with it)."""
    kind = body.get("type")
    if "command" in body:
        payload = {"response_type": "ephemeral", "text": message}
        return _json_response(payload)
    if kind == "view_submission":
        form = body.get("view") or {}
        inputs = input_blocks(form)
        field_id = error.field if isinstance(error, UserError) else None
        if field_id and (field_id in inputs or not form.get("blocks")):
            # shown under the field: the message alone, no usage line
            errors = {field_id: error.message}
            return _json_response({"response_action": "errors", "errors": errors})
        if inputs:  # the form stays as it was, what was typed too, with the message on top
            note = defuse(error.message) if isinstance(error, UserError) else message
            return _json_response({"response_action": "update", "view": with_note(form, note)})
        view = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Upkeep"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": message}}],
        }
        return _json_response({"response_action": "push", "view": view})
    tell = Later()
    if kind == "block_actions":
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        user = (body.get("user") or {}).get("id")
        if channel and user:
            tell(post_ephemeral(channel=channel, user=user, text=message))
        elif user:
            tell(direct_message(user=user, text=message))
    event = body.get("event") or {}
    if event.get("type") == "app_mention":
        thread_ts = event.get("thread_ts") or event["ts"]
        tell(post_message(channel=event["channel"], thread_ts=thread_ts, text=message))
    after.submit(tell)
    # Events always get 200: Slack would retry anything else.
    return BoltResponse(status=200, body="")


def _json_response(payload: dict) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(payload), headers={"content-type": "application/json"}
    )
