"""The HTTP side: a small WSGI router in front of Bolt, served by waitress (threads, so a slow
handler doesn't stall the others).

Routes: `POST /slack/events`, `GET /healthz` (`?worker=1`: and is the worker ticking?); features
add their own prefixes (`/hooks/`, `/calendar/`) with `Feature.routes`."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.clock import Clock, SystemClock
from bot.db import database_kind, ping
from bot.slack import signature_ok
from models.core.runtime import worker_health

log = logging.getLogger("upkeep.web")
MAX_EVENT_BODY = 1024 * 1024  # Slack's requests are a few kB; a modal's state at most ~100 kB
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def json_response(start_response, status: str, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        status, [("content-type", "application/json"), ("content-length", str(len(body)))]
    )
    return [body]


class WebApp:
    def __init__(
        self,
        app: App,
        engine: Engine,
        database_url: str,
        routes: dict[str, WSGIApp],
        clock: Clock | None = None,
        signing_secret: str = "",
        tick_seconds: float = 60.0,
    ):
        self.bolt = SlackRequestHandler(app)
        self.tick_seconds = tick_seconds  # how often the worker is set to tick
        self.signing_secret = signing_secret
        self.engine = engine
        self.clock = clock or SystemClock()
        self.kind = database_kind(database_url)
        # The longest prefix first: `/hooks/sli` (SLO counts) before `/hooks/` (alerts).
        self.routes = dict(sorted(routes.items(), key=lambda route: -len(route[0])))

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events":
            if method != "POST":
                return json_response(start_response, "405 Method Not Allowed", {"ok": False})
            return self.slack_events(environ, start_response)
        if path == "/healthz":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            return self.health(start_response, worker=query.get("worker") == ["1"])
        for prefix, route in self.routes.items():
            if path.startswith(prefix):
                return route(environ, start_response)
        return json_response(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    def slack_events(self, environ: dict, start_response) -> Iterable[bytes]:
        """Only what Slack signed reaches Bolt: the body's size is checked before it is read,
        and its signature before it is parsed, so nothing unverified is ever acted on."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_EVENT_BODY:
            body = {"ok": False, "error": f"the body must be at most {MAX_EVENT_BODY} bytes"}
            return json_response(start_response, "413 Content Too Large", body)
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = (
            environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
            environ.get("HTTP_X_SLACK_SIGNATURE"),
        )
        if not signature_ok(self.signing_secret, raw, *headers, time.time()):
            body = {"ok": False, "error": "invalid_signature"}
            return json_response(start_response, "401 Unauthorized", body)
        environ["wsgi.input"] = io.BytesIO(raw)
        return self.bolt(environ, start_response)

    def health(self, start_response, *, worker: bool = False) -> list[bytes]:
        """200 when the database answers; with `worker`, also when the worker ticked within
        the last 3 minutes, or three ticks when it is set to tick less often (a stopped
        scheduler is then seen by the operator's health check)."""
        unavailable = "503 Service Unavailable"
        body: dict[str, Any] = {"ok": True, "database": self.kind}
        if not ping(self.engine):
            body |= {"ok": False, "error": "database unreachable"}
            return json_response(start_response, unavailable, body)
        if not worker:
            return json_response(start_response, "200 OK", body)
        with Session(self.engine) as db:
            health = worker_health(db, self.clock.now(), self.tick_seconds)
        body["worker_last_tick"] = health.last_tick.isoformat() if health.last_tick else None
        if not health.ticking:
            quiet = health.stale_after.total_seconds() / 60
            body |= {"ok": False, "error": f"the worker has not ticked in {quiet:g} minutes"}
            return json_response(start_response, unavailable, body)
        return json_response(start_response, "200 OK", body)


def build_web(app: App, engine: Engine, database_url: str, deps) -> WebApp:
    routes: dict[str, WSGIApp] = {}
    for feature in deps.features:
        for prefix, factory in feature.routes.items():
            routes[prefix] = factory(deps)
    settings = deps.settings
    return WebApp(
        app,
        engine,
        database_url,
        routes,
        deps.clock,
        settings.slack_signing_secret,
        settings.worker_tick_seconds,
    )


def make_server(wsgi: WSGIApp, host: str, port: int, threads: int = 16):
    """A waitress server, not yet serving; `.effective_port` tells the bound port."""
    from waitress.server import create_server

    return create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        ident="upkeep",
        clear_untrusted_proxy_headers=True,
    )


class BackgroundServer:
    """A waitress server on its own thread that stops cleanly: for tests and benchmarks."""

    def __init__(self, wsgi: WSGIApp, host: str = "127.0.0.1", port: int = 0, threads: int = 8):
        import threading

        self.server = make_server(wsgi, host, port, threads=threads)
        self.url = f"http://{host}:{self.server.effective_port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="upkeep-web", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.server.asyncore.loop(timeout=0.05, map=self.server._map, count=1)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.server.close()
