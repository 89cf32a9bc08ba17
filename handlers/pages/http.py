"""`POST /hooks/<source>`: alert webhooks in the senders' own formats become pages.

401 for a wrong or missing token (or a PagerDuty signature that doesn't match), 400 with the
reason for a body that isn't JSON or lacks what the format requires, 413 for a body over 1 MB.
A rejected request stores nothing. An accepted one is answered once it is committed: requests
that arrive together share a transaction (`bot.group_commit`), so a burst of alerts costs one
disk flush per batch, not one per alert. A token and its integration (settings, the catalog's
version, its team's zone and holidays) are read from the database at most every `TOKEN_TTL`
seconds, not on every request."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.db import again_if_disconnected, autocommit_session
from bot.group_commit import GroupCommit
from bot.hooks import MAX_BODY, Rejected, bearer_token, decode, hook_answer, read_body
from bot.jobs.engine import DeliveryEngine
from models.alerts.intake import AlertIntake, KeptAlertings
from models.pages.formats import PARSERS, PayloadError
from models.pages.ingest import IngestJob, IngestResult, ingest_batch, one_write
from models.pages.integrations import Hook, hash_token, integration_by_token, pagerduty_signature_ok
from models.pages.timelines import KeptTimelines

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger("upkeep.hooks")
PREFIX = "/hooks/"
__all__ = ["MAX_BODY", "PREFIX", "HooksApp", "hooks_app"]
TOKEN_TTL = 5.0  # seconds a token's integration is trusted without asking the database


class Hooks:
    """Token -> `Hook` (the integration as ingest needs it), remembered for `TOKEN_TTL` seconds;
    only tokens that were right are remembered."""

    def __init__(self, session_factory):
        self.session_factory = session_factory
        self._known: dict[str, tuple[float, Hook]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Hook | None:
        if not token:
            return None
        key = hash_token(token)
        now = time.monotonic()
        with self._lock:
            known = self._known.get(key)
        if known is not None and known[0] > now:
            return known[1]
        hook = again_if_disconnected(lambda: self._read(token))
        if hook is None:
            return None
        with self._lock:
            self._known[key] = (now + TOKEN_TTL, hook)
        return hook

    def _read(self, token: str) -> Hook | None:
        with self.session_factory() as db:
            integration = integration_by_token(db, token)
            return None if integration is None else Hook.of(integration)


class HooksApp:
    def __init__(self, deps: Deps):
        self.deps = deps
        self.hooks = Hooks(deps.session_factory)
        self.writes: GroupCommit[IngestJob, IngestResult] = GroupCommit(self.store)
        self.timelines = KeptTimelines()  # who is on call, kept while no one changes it
        self.alertings = KeptAlertings()  # each team's alerting, kept for a few seconds
        self.engine = DeliveryEngine.from_deps(deps)

    def __call__(self, environ: dict[str, Any], start_response):
        return hook_answer(start_response, lambda: self.handle(environ))

    def handle(self, environ: dict[str, Any]) -> dict[str, Any]:
        source = environ.get("PATH_INFO", "")[len(PREFIX) :].strip("/")
        if source not in PARSERS:
            raise Rejected("404 Not Found", f"no such source; sources: {', '.join(PARSERS)}")
        if environ.get("REQUEST_METHOD") != "POST":
            raise Rejected("405 Method Not Allowed", "use POST")
        body = read_body(environ)
        now = self.deps.clock.now()
        hook = self.hooks.get(bearer_token(environ))
        if hook is None or hook.source != source:
            raise Rejected("401 Unauthorized", f"a valid token for /hooks/{source} is needed")
        signature = environ.get("HTTP_X_PAGERDUTY_SIGNATURE")
        if hook.signing_secret and not pagerduty_signature_ok(hook.signing_secret, body, signature):
            raise Rejected("401 Unauthorized", "X-PagerDuty-Signature does not match")
        try:
            alerts = PARSERS[source](decode(body), now)
        except PayloadError as e:
            raise Rejected("400 Bad Request", e.reason) from None
        result = self.writes.submit((hook, alerts, now))
        log.info("hooks/%s: %s", source, result.as_dict())
        return result.as_dict()

    def store(self, jobs: Sequence[IngestJob]) -> list[IngestResult]:
        """One transaction for every request waiting (see `bot.group_commit`): the pages and
        the alert groups they start or change (`models.alerts.intake`); on PostgreSQL, a batch
        of one integration's firing alerts goes without BEGIN and COMMIT round trips, each
        statement on its own (`models.pages.ingest.one_write`). Run again if the database
        connection was found dead (storing a batch twice changes nothing)."""
        return again_if_disconnected(lambda: self._store_once(jobs))

    def _store_once(self, jobs: Sequence[IngestJob]) -> list[IngestResult]:
        batch = list(jobs)
        factory = self.deps.session_factory
        intake = AlertIntake(self.alertings)  # in the same transaction: a group is started once
        with autocommit_session(factory) if one_write(batch) else factory() as db:
            results = ingest_batch(db, batch, self.timelines, intake)
        if intake.touched:  # notified after the commit, without holding up the answer
            after = self.deps.after
            if after is not None:
                after.call(self.notify, sorted(intake.touched))
            else:
                self.notify(sorted(intake.touched))
        return results

    def notify(self, group_ids: list[int]) -> None:
        """What the batch's alert groups have due now (their first step, a repeat, a resolve),
        through the delivery engine: a worker that also finds it due sends nothing twice."""
        try:
            self.engine.run_at_once(group_ids)
        except Exception:
            log.exception("notifying alert groups %s failed; the worker tries again", group_ids)


def hooks_app(deps: Deps) -> HooksApp:
    return HooksApp(deps)
