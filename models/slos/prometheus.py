"""Prometheus's HTTP API, as the SLO figures need it: instant queries at an explicit time, with a
timeout, a few retries for what may pass (a timeout, a refused connection, a 5xx, a 503 while it
starts), and many expressions asked in one query (`ask_many`)."""

from __future__ import annotations

import base64
import http.client
import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

# One query carries at most this much PromQL; more is split over several.
BATCH_CHARS = 60_000
KEY_LABEL = "upkeep_key"


class PrometheusError(Exception):
    """Prometheus could not be asked (unreachable, timed out, a server error) after retries."""


class QueryRejected(PrometheusError):
    """Prometheus refused the expression (400/422: bad_data); asking again will not help."""


@dataclass
class Prometheus:
    url: str
    bearer_token: str = ""
    username: str = ""
    password: str = ""
    timeout: float = 10.0
    retries: int = 2
    batch_chars: int = BATCH_CHARS
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.bearer_token:
            headers["Authorization"] = f"Bearer {self.bearer_token}"
        elif self.username:
            pair = f"{self.username}:{self.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        return headers

    def query(self, expr: str, at: datetime) -> list[tuple[dict[str, str], float]]:
        """The instant vector `expr` evaluates to at `at` (a scalar as one unlabelled value)."""
        body = urllib.parse.urlencode({"query": expr, "time": f"{at.timestamp():.3f}"}).encode()
        url = self.url.rstrip("/") + "/api/v1/query"
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(url, data=body, headers=self.headers(), method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
                return parse_result(raw)
            except urllib.error.HTTPError as e:
                if e.code in (400, 422):
                    raise QueryRejected(error_of(e)) from None
                if e.code < 500 or attempt == self.retries:
                    raise PrometheusError(f"Prometheus answered {e.code}: {error_of(e)}") from None
            except (
                urllib.error.URLError,
                TimeoutError,
                ConnectionError,
                http.client.HTTPException,
            ) as e:
                if attempt == self.retries:
                    raise PrometheusError(f"Prometheus could not be reached ({e})") from None
            self.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    def ask_many(
        self, exprs: Mapping[str, str], at: datetime, aggregate: str = "sum"
    ) -> tuple[dict[str, float | None], dict[str, str]]:
        """Each expression's single value at `at` (None when it returns nothing), asking as few
        queries as `BATCH_CHARS` allows: each part is `aggregate`d and labelled with its key,
        and the parts are joined with `or`. Equal expressions are asked once. A batch Prometheus
        refuses is halved until the expression at fault is alone; its key is in the second dict
        with Prometheus's reason. A batch that can't be asked (a timeout, a 5xx after retries)
        fails its own keys and those of the batches after it (a server that just failed is not
        asked again in this refresh); what earlier batches said is kept."""
        keys_of: dict[str, list[str]] = {}
        for key, expr in exprs.items():
            keys_of.setdefault(expr, []).append(key)
        parts = [
            (str(i), f'label_replace({aggregate}({expr}), "{KEY_LABEL}", "{i}", "", "")', expr)
            for i, expr in enumerate(keys_of)
        ]
        values: dict[str, float | None] = {}
        errors: dict[str, str] = {}
        down = ""
        for batch in batches(parts, self.batch_chars):
            if not down:
                try:
                    self._ask(batch, at, values, errors)
                    continue
                except PrometheusError as e:
                    down = str(e)
            errors.update((i, down) for i, _, _ in batch)
        found: dict[str, float | None] = {}
        failed: dict[str, str] = {}
        for i, _, expr in parts:
            for key in keys_of[expr]:
                if i in errors:
                    failed[key] = errors[i]
                else:
                    found[key] = values.get(i)
        return found, failed

    def _ask(self, batch, at, values: dict[str, float | None], errors: dict[str, str]) -> None:
        try:
            result = self.query(" or ".join(p for _, p, _ in batch), at)
        except QueryRejected as e:
            if len(batch) == 1:
                errors[batch[0][0]] = str(e)
                return
            half = len(batch) // 2
            self._ask(batch[:half], at, values, errors)
            self._ask(batch[half:], at, values, errors)
            return
        for labels, value in result:
            if KEY_LABEL in labels and math.isfinite(value):  # NaN (0/0), ±Inf (x/0): no value
                values[labels[KEY_LABEL]] = value


def batches(
    parts: list[tuple[str, str, str]], limit: int = BATCH_CHARS
) -> list[list[tuple[str, str, str]]]:
    out: list[list[tuple[str, str, str]]] = []
    size = limit + 1
    for part in parts:
        if size + len(part[1]) + 4 > limit:
            out.append([])
            size = 0
        out[-1].append(part)
        size += len(part[1]) + 4
    return out


def error_of(e: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(e.read()).get("error") or e.reason)
    except (ValueError, AttributeError):
        return str(e.reason)


def parse_result(raw: bytes) -> list[tuple[dict[str, str], float]]:
    """An answer's samples; one that isn't Prometheus's JSON (a proxy's page, a cut-off body,
    a sample without its value) is a `PrometheusError`, never a crash of the refresh."""
    try:
        payload = json.loads(raw)
        data = payload.get("data") or {}
        if payload.get("status") != "success":
            raise PrometheusError(str(payload.get("error") or "Prometheus did not say success"))
        if data.get("resultType") == "scalar":
            return [({}, float(data["result"][1]))]
        if data.get("resultType") != "vector":
            raise QueryRejected(f"the query gives a {data.get('resultType')}, not a single number")
        return [(dict(x.get("metric") or {}), float(x["value"][1])) for x in data["result"]]
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        raise PrometheusError(f"not an answer Prometheus gives: {raw[:80]!r}") from None


def duration(seconds: int) -> str:
    """A range as PromQL writes it: 30d, 6h, 2674800s."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
