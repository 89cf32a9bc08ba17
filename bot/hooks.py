"""`POST /hooks/<source>`: alert webhooks in the senders' own formats become pages.

401 for a wrong or missing token (or a PagerDuty signature that doesn't match), 400 with the
reason for a body that isn't JSON or lacks what the format requires, 413 for a body over 1 MB.
A rejected request stores nothing; an accepted one is one transaction, answered at once."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from bot.web import json_response
from models.alert_formats import PARSERS, PayloadError
from models.pages import ingest_with_retry, integration_by_token, pagerduty_signature_ok

if TYPE_CHECKING:
    from bot.app import Deps

log = logging.getLogger("upkeep.hooks")
PREFIX = "/hooks/"
MAX_BODY = 1024 * 1024


class Rejected(Exception):
    def __init__(self, status: str, error: str):
        super().__init__(error)
        self.status = status
        self.error = error


def bearer_token(environ: dict[str, Any]) -> str:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return (parse_qs(environ.get("QUERY_STRING", "")).get("token") or [""])[0]


def read_body(environ: dict[str, Any]) -> bytes:
    """The request body, refused (413) past MAX_BODY whatever Content-Length says."""
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared:
        if not declared.isdigit():
            raise Rejected("400 Bad Request", "Content-Length is not a number")
        if int(declared) > MAX_BODY:
            raise Rejected("413 Content Too Large", f"the body is over {MAX_BODY} bytes")
    stream = environ["wsgi.input"]
    body = stream.read(min(int(declared), MAX_BODY + 1)) if declared else stream.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise Rejected("413 Content Too Large", f"the body is over {MAX_BODY} bytes")
    return body


def decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise Rejected("400 Bad Request", f"the body is not JSON ({e})") from None


class HooksApp:
    def __init__(self, deps: Deps):
        self.deps = deps
        # SQLite has one writer at a time, and a writer that finds the database locked sleeps in
        # SQLite's busy handler (1, 2, 5, 10 ms ...): this process's writers queue here instead.
        bind = deps.session_factory.kw.get("bind")
        sqlite = bind is not None and bind.dialect.name == "sqlite"
        self.write_lock = threading.Lock() if sqlite else contextlib.nullcontext()

    def __call__(self, environ: dict[str, Any], start_response):
        try:
            return json_response(start_response, "200 OK", {"ok": True, **self.handle(environ)})
        except Rejected as e:
            return json_response(start_response, e.status, {"ok": False, "error": e.error})

    def handle(self, environ: dict[str, Any]) -> dict[str, Any]:
        source = environ.get("PATH_INFO", "")[len(PREFIX) :].strip("/")
        if source not in PARSERS:
            raise Rejected("404 Not Found", f"no such source; sources: {', '.join(PARSERS)}")
        if environ.get("REQUEST_METHOD") != "POST":
            raise Rejected("405 Method Not Allowed", "use POST")
        body = read_body(environ)
        now = self.deps.clock.now()
        with self.deps.session_factory() as db:
            integration = integration_by_token(db, bearer_token(environ))
            if integration is None or integration.source != source:
                raise Rejected("401 Unauthorized", f"a valid token for /hooks/{source} is needed")
            secret = integration.signing_secret
            signature = environ.get("HTTP_X_PAGERDUTY_SIGNATURE")
            if secret and not pagerduty_signature_ok(secret, body, signature):
                raise Rejected("401 Unauthorized", "X-PagerDuty-Signature does not match")
            try:
                alerts = PARSERS[source](decode(body), now)
            except PayloadError as e:
                raise Rejected("400 Bad Request", e.reason) from None
            with self.write_lock:
                result = ingest_with_retry(db, integration.id, alerts, now)
        log.info("hooks/%s: %s", source, result.as_dict())
        return result.as_dict()


def hooks_app(deps: Deps) -> HooksApp:
    return HooksApp(deps)
