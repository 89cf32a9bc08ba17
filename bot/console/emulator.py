"""A Slack Web API emulator: a real HTTP server on 127.0.0.1 (port 0 by default).

It answers the methods Upkeep calls, records every call (method, headers, parsed body), keeps the
messages it was sent, serves `response_url` endpoints and file uploads, enforces Block Kit limits,
and can be told to fail a method or to rate-limit. `upkeep console` runs against it; the tests use
it as the fake Slack."""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from bot.console.wire import (
    MESSAGE_BLOCK_LIMIT,
    block_problem,
    headers_token,
    message_problem,
    parse_body,
    view_problem,
)

BOT_USER_ID = "U0UPKEEPBOT"
TEAM_ID = "T0001EXAMPLE"


@dataclass
class Call:
    method: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    error: str | None = None
    status: int = 200
    retry_after: int | None = None
    times: int = 1


def default_users() -> dict[str, dict[str, Any]]:
    return {
        BOT_USER_ID: user(BOT_USER_ID, "upkeep", "Upkeep", "UTC", is_bot=True),
    }


def user(uid: str, name: str, real_name: str, tz: str, **extra) -> dict[str, Any]:
    return {
        "id": uid,
        "team_id": TEAM_ID,
        "name": name,
        "real_name": real_name,
        "tz": tz,
        "deleted": False,
        "is_admin": False,
        "is_bot": False,
        "profile": {"real_name": real_name, "display_name": real_name},
        **extra,
    }


class SlackEmulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.users = default_users()
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home: dict[str, dict[str, Any]] = {}
        self.channel_members: dict[str, list[str]] = {}  # what conversations.members answers
        self.last_view_id: str | None = None
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, deque[Failure]] = {}
        self.pauses: dict[str, list[tuple[str | None, threading.Event]]] = {}
        self.rate_limit: float | None = None  # requests per second, over all methods
        self.socket_mode_url: str | None = None  # what `apps.connections.open` hands out
        self.rejected = 0  # calls refused with 429 by the rate limit
        self._window: deque[float] = deque()
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self.server = ThreadingHTTPServer((host, port), self._handler_class())
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def start(self) -> SlackEmulator:
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- test controls ---------------------------------------------------------------------
    def add_user(self, uid: str, name: str, tz: str = "UTC", **extra) -> dict[str, Any]:
        self.users[uid] = user(uid, name.lower().split()[0], name, tz, **extra)
        return self.users[uid]

    def user_message(self, channel: str, user: str, text: str) -> dict[str, Any]:
        """A message someone wrote in `channel` (what a reaction or a shortcut is on)."""
        with self._cond:
            message = {"ts": self._ts_now(), "channel": channel, "text": text, "user": user}
            self.messages.setdefault(channel, []).append(message)
        return message

    def fail(
        self,
        method: str,
        error: str | None = None,
        *,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail: with `{"ok": false, "error": error}`,
        or an HTTP status (429 with Retry-After, 500, ...)."""
        with self._cond:
            self.failures.setdefault(method, deque()).append(
                Failure(error=error, status=status, retry_after=retry_after, times=times)
            )

    def pause(self, method: str, channel: str | None = None) -> threading.Event:
        """Hold the next call of `method` (to `channel`, if given) until the returned event is
        set: a test acts while the app waits for Slack's answer."""
        release = threading.Event()
        with self._cond:
            self.pauses.setdefault(method, []).append((channel, release))
        return release

    def response_url(self, name: str | None = None) -> str:
        return f"{self.url}response/{name or next(self._ids)}"

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages posted (chat.postMessage), in order; optionally in one channel."""
        with self._cond:
            if channel is not None:
                return list(self.messages.get(channel, []))
            return [m for msgs in self.messages.values() for m in msgs]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Block until `predicate()` holds (re-checked on every call received), or time out."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        self.wait_for(lambda: len([c for c in self.calls if c.method == method]) >= count, timeout)
        return self.calls_to(method)

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()
            self.messages.clear()
            self.responses.clear()
            self.failures.clear()
            self.pauses.clear()

    # -- the HTTP side ---------------------------------------------------------------------
    def _handler_class(self):
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._dispatch()

            def do_POST(self) -> None:
                self._dispatch()

            def _dispatch(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, headers, body = emulator.handle(
                    self.command, self.path, dict(self.headers.items()), raw
                )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("content-length", str(len(payload)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def handle(
        self, verb: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        parts = urlsplit(path)
        body = parse_body(headers, raw, parts.query)
        route = parts.path.strip("/").split("/")
        if route[0] == "response" and len(route) == 2:
            return self._record_response(route[1], headers, body)
        if route[0] == "upload" and len(route) == 2:
            with self._cond:
                self.uploads.setdefault(route[1], {}).update(bytes=len(raw), content=raw)
                self.calls.append(Call("upload", headers, {"file_id": route[1], "size": len(raw)}))
                self._cond.notify_all()
            return 200, {}, {"ok": True}
        if route[0] != "api" or len(route) != 2:
            return 404, {}, {"ok": False, "error": "unknown_path"}
        method = route[1]
        with self._cond:
            self.calls.append(Call(method, headers, body))
            self._cond.notify_all()
            wait = self._rate_limited()
            failure = None if wait is not None else self._next_failure(method)
            held = self._next_pause(method, body)
        if held is not None:
            held.wait(timeout=30)
        if wait is not None:
            self.rejected += 1
            return 429, {"Retry-After": wait}, {"ok": False, "error": "ratelimited"}
        if failure is not None:
            extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            return failure.status, extra, {"ok": False, "error": failure.error or "fatal_error"}
        if method != "auth.test" and not headers_token(headers, body):
            return 200, {}, {"ok": False, "error": "not_authed"}
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        with self._cond:
            result = handler(body)
            self._cond.notify_all()
        return 200, {}, result

    def _rate_limited(self) -> str | None:
        """None when the call fits in the last second's budget; else Retry-After in whole
        seconds, rounded up, as Slack sends it."""
        if self.rate_limit is None:
            return None
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= self.rate_limit:
            return str(max(math.ceil(1.0 - (now - self._window[0])), 1))
        self._window.append(now)
        return None

    def _next_failure(self, method: str) -> Failure | None:
        queue = self.failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.popleft()
        return failure

    def _next_pause(self, method: str, body: dict) -> threading.Event | None:
        waiting = self.pauses.get(method, [])
        for i, (channel, release) in enumerate(waiting):
            if channel is None or body.get("channel") == channel:
                del waiting[i]
                return release
        return None

    def _record_response(self, name: str, headers, body) -> tuple[int, dict, dict]:
        problem = block_problem(body.get("blocks"), MESSAGE_BLOCK_LIMIT)
        with self._cond:
            self.calls.append(Call("response_url", headers, {"name": name, **body}))
            if problem is None:
                self.responses.setdefault(name, []).append(body)
            self._cond.notify_all()
        if problem:
            return 400, {}, {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        return 200, {}, {"ok": True}

    # -- methods ---------------------------------------------------------------------------
    def _ts_now(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    def m_auth_test(self, body) -> dict:
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Example",
            "user": "upkeep",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "B0UPKEEP",
            "is_enterprise_install": False,
        }

    def m_apps_connections_open(self, body) -> dict:
        """Socket Mode: where to connect (a test's websocket server), for an app-level token."""
        if self.socket_mode_url is None:
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": self.socket_mode_url}

    def m_users_info(self, body) -> dict:
        found = self.users.get(body.get("user", ""))
        if found is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": found}

    def m_users_list(self, body) -> dict:
        return {"ok": True, "members": list(self.users.values()), "response_metadata": {}}

    def m_conversations_members(self, body) -> dict:
        members = self.channel_members.get(str(body.get("channel", "")))
        if members is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "members": list(members), "response_metadata": {"next_cursor": ""}}

    def m_conversations_open(self, body) -> dict:
        users = str(body.get("users", "")).split(",")
        if not users[0] or any(u not in self.users for u in users):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": "D" + users[0].lstrip("UW")}}

    def m_chat_postMessage(self, body) -> dict:  # noqa: N802
        error = message_problem(body)
        if error:
            return error
        message = {
            "ts": self._ts_now(),
            "channel": body["channel"],
            "text": body.get("text", ""),
            "blocks": body.get("blocks") or [],
            "thread_ts": body.get("thread_ts"),
            "user": BOT_USER_ID,
        }
        if body.get("metadata"):
            metadata = body["metadata"]
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        self.messages.setdefault(body["channel"], []).append(message)
        return {"ok": True, "channel": body["channel"], "ts": message["ts"], "message": message}

    def m_conversations_history(self, body) -> dict:
        """Newest first, as Slack answers, without the threads' replies (those are read with
        `conversations.replies`). A DM (`D...`) holds what was posted to its person's id too.
        The ts here are counters, not times: `oldest` is not applied; `latest` (with
        `inclusive`) is, to read one message by its ts."""
        channel = str(body.get("channel", ""))
        found = [m for m in self._conversation(channel) if m.get("thread_ts") in (None, m["ts"])]
        if body.get("latest"):
            latest, inclusive = float(body["latest"]), str(body.get("inclusive")) in ("1", "true")
            found = [
                m
                for m in found
                if float(m["ts"]) < latest or (inclusive and float(m["ts"]) == latest)
            ]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        return self._page(found, body, 100)

    def _conversation(self, channel: str) -> list[dict[str, Any]]:
        found = list(self.messages.get(channel, []))
        if channel.startswith("D"):
            for prefix in ("U", "W"):
                found += self.messages.get(prefix + channel[1:], [])
        return found

    def m_conversations_replies(self, body) -> dict:
        """A thread: its first message, then its replies, oldest first (a thread under a
        message the emulator wasn't shown, such as a mention sent as an event, holds only what
        was posted in it)."""
        ts = str(body.get("ts", ""))
        found = [
            m
            for m in self._conversation(str(body.get("channel", "")))
            if ts in (m["ts"], m.get("thread_ts"))
        ]
        found.sort(key=lambda m: float(m["ts"]))
        return self._page(found, body, 1000)

    @staticmethod
    def _page(found: list[dict[str, Any]], body: dict, limit: int) -> dict:
        """The first `limit` (or the asked limit) messages, with their metadata if asked."""
        limit = int(body.get("limit") or limit)
        with_metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        messages = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in found[:limit]
        ]
        return {"ok": True, "messages": messages, "has_more": len(found) > limit}

    def m_chat_postEphemeral(self, body) -> dict:  # noqa: N802
        error = message_problem(body)
        if error:
            return error
        if not body.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": self._ts_now()}

    def m_chat_update(self, body) -> dict:
        error = message_problem(body)
        if error:
            return error
        for message in self.messages.get(body["channel"], []):
            if message["ts"] == body.get("ts"):
                message["text"] = body.get("text", message["text"])
                message["blocks"] = body.get("blocks") or message["blocks"]
                return {"ok": True, "channel": body["channel"], "ts": message["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def m_chat_delete(self, body) -> dict:
        msgs = self.messages.get(body.get("channel", ""), [])
        for i, message in enumerate(msgs):
            if message["ts"] == body.get("ts"):
                del msgs[i]
                return {"ok": True}
        return {"ok": False, "error": "message_not_found"}

    def m_chat_getPermalink(self, body) -> dict:  # noqa: N802
        return {
            "ok": True,
            "permalink": f"https://example.slack.com/archives/{body.get('channel')}",
        }

    def _view(self, body, *, home: bool = False) -> dict:
        view = body.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        problem = view_problem(view)
        if problem:
            return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        view_id = body.get("view_id") or f"V{next(self._ids):08d}"
        stored = {**view, "id": view_id}
        self.views[view_id] = stored
        self.last_view_id = view_id
        if home:
            self.home[body.get("user_id", "")] = stored
        return {"ok": True, "view": stored}

    def m_views_open(self, body) -> dict:
        if not body.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return self._view(body)

    def m_views_push(self, body) -> dict:
        return self.m_views_open(body)

    def m_views_update(self, body) -> dict:
        return self._view(body)

    def m_views_publish(self, body) -> dict:
        if not body.get("user_id"):
            return {"ok": False, "error": "invalid_arguments"}
        return self._view(body, home=True)

    def m_files_getUploadURLExternal(self, body) -> dict:  # noqa: N802
        file_id = f"F{next(self._ids):08d}"
        self.uploads[file_id] = {"filename": body.get("filename"), "length": body.get("length")}
        return {"ok": True, "upload_url": f"{self.url}upload/{file_id}", "file_id": file_id}

    def m_files_completeUploadExternal(self, body) -> dict:  # noqa: N802
        files = body.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        if not files or any(f.get("id") not in self.uploads for f in files):
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
