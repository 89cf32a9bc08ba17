"""What every webhook under `/hooks/` shares: the token (`Authorization: Bearer` or
`?token=`), a body read up to `MAX_BODY` and no further, JSON decoded with the reason when it
isn't, and `Rejected` for an answer with a status and an error."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from bot.web import json_response
from models.core.numbers import whole_number

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
    length = MAX_BODY + 1  # none declared: a byte past the limit tells a body that is over
    if declared:
        if not (declared.isascii() and declared.isdigit()):
            raise Rejected("400 Bad Request", "Content-Length is not a number")
        within = whole_number(declared, high=MAX_BODY)
        if within is None:
            raise Rejected("413 Content Too Large", f"the body is over {MAX_BODY} bytes")
        length = within
    body = environ["wsgi.input"].read(length)
    if len(body) > MAX_BODY:
        raise Rejected("413 Content Too Large", f"the body is over {MAX_BODY} bytes")
    return body


def decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise Rejected("400 Bad Request", f"the body is not JSON ({e})") from None
    except RecursionError:  # `[[[[...` nested past Python's recursion limit
        raise Rejected("400 Bad Request", "the body is nested too deeply to read") from None


def hook_answer(start_response, handle: Callable[[], dict[str, Any]]) -> Iterable[bytes]:
    """`{"ok": true, ...}` with what `handle()` returns, or the status and error it rejected."""
    try:
        return json_response(start_response, "200 OK", {"ok": True, **handle()})
    except Rejected as e:
        return json_response(start_response, e.status, {"ok": False, "error": e.error})
