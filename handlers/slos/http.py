"""`POST /hooks/sli`: pushed counts for SLOs measured without Prometheus.

`Authorization: Bearer <token>` (or `?token=`) with a team's token from `upkeep slo token`;
the body is one `{slo, start, end, good, total}` object or a list of them. 401 for a wrong
token, 400 with the count and field at fault (nothing stored), 200 with how many were stored."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.db import again_if_disconnected
from bot.hooks import Rejected, bearer_token, decode, hook_answer, read_body
from models.slos.pushed import CountsRefused, parse_counts, sli_token, store_counts

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger("upkeep.hooks")
PATH = "/hooks/sli"


class SliHook:
    def __init__(self, deps: Deps):
        self.deps = deps

    def __call__(self, environ: dict[str, Any], start_response):
        return hook_answer(start_response, lambda: self.handle(environ))

    def handle(self, environ: dict[str, Any]) -> dict[str, Any]:
        if environ.get("PATH_INFO", "").rstrip("/") != PATH:
            raise Rejected("404 Not Found", f"no such hook; SLO counts go to {PATH}")
        if environ.get("REQUEST_METHOD") != "POST":
            raise Rejected("405 Method Not Allowed", "use POST")
        body = read_body(environ)
        token = bearer_token(environ)
        try:
            counts = parse_counts(decode(body))
        except CountsRefused as e:
            counts, refused = [], str(e)
        else:
            refused = ""
        return again_if_disconnected(lambda: self.store(token, counts, refused))

    def store(self, token: str, counts, refused: str) -> dict[str, Any]:
        with self.deps.session_factory() as db:
            found = sli_token(db, token)
            if found is None:
                raise Rejected("401 Unauthorized", f"a valid token for {PATH} is needed")
            if refused:
                raise Rejected("400 Bad Request", refused)
            try:
                stored = store_counts(db, found, counts)
            except CountsRefused as e:
                raise Rejected("400 Bad Request", str(e)) from None
            db.commit()
        log.info("hooks/sli: %d counts stored", stored)
        return {"stored": stored}


def sli_hook(deps: Deps) -> SliHook:
    return SliHook(deps)
