"""Alert webhook payloads, in the senders' own formats, read into `Alert`s.

Each parser takes the decoded JSON body and returns the alerts it describes; anything it cannot
read raises `PayloadError` with a reason meant for the sender's operator. Events that are not
about an alert firing or resolving (an acknowledgement, a note) give no alerts.

Formats: Alertmanager webhook version 4, PagerDuty v3 webhooks (incident events), Opsgenie
webhook integration (Create/Close), and Upkeep's own `generic` JSON (docs/webhooks.md)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from models.core.when import FIRST_YEAR, LAST_YEAR

KEY_LIMIT = 200
TITLE_LIMIT = 300
NAME_LIMIT = 200
SERVICE_LIMIT = 120
SEVERITY_LIMIT = 40
ALERTMANAGER_SERVICE_LABELS = ("service", "component", "app", "job")


class PayloadError(ValueError):
    """The body is not what the sender's format promises; `reason` says what is wrong."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Alert:
    """One alert firing (or resolving), as a sender described it."""

    key: str  # unique per integration for one firing
    title: str
    alert_name: str
    severity: str
    services: tuple[str, ...]  # candidate service names, most specific first
    started_at: datetime
    resolved_at: datetime | None = None
    # What alerting routes on and groups by (`models.alerts`): the sender's labels (service and
    # severity always among them) and its group (Alertmanager's groupKey, PagerDuty's incident,
    # Opsgenie's alias, the generic `group_key`); "" means the alert is a group of its own.
    labels: tuple[tuple[str, str], ...] = ()
    group: str = ""

    @property
    def group_key(self) -> str:
        return self.group or self.key


LABEL_LIMIT = 40  # labels kept per alert
LABEL_VALUE_LIMIT = 200


def _labels(pairs: dict[str, Any], **always: str) -> tuple[tuple[str, str], ...]:
    """Plain text labels (the first LABEL_LIMIT, cut to fit), `always` given first."""
    out: dict[str, str] = {k: v for k, v in always.items() if v}
    for name, value in pairs.items():
        if len(out) >= LABEL_LIMIT:
            break
        if isinstance(value, str | int | float) and not isinstance(value, bool) and name:
            out.setdefault(str(name)[:NAME_LIMIT], str(value)[:LABEL_VALUE_LIMIT])
    return tuple(out.items())


def _alert(
    key: str,
    title: str,
    name: str,
    *,
    severity: str,
    services: tuple[str, ...],
    started: datetime,
    resolved: datetime | None,
    labels: dict[str, Any] | None = None,
    group: str = "",
) -> Alert:
    """An Alert with every text cut to what the columns hold."""
    severity = severity.strip()[:SEVERITY_LIMIT]
    service = services[0] if services else ""
    return Alert(
        key=key,
        title=title[:TITLE_LIMIT],
        alert_name=(name or title)[:NAME_LIMIT],
        severity=severity,
        services=services,
        started_at=started,
        resolved_at=resolved,
        labels=_labels(labels or {}, service=service, severity=severity),
        group=_key(group) if group else "",
    )


# -- small readers ---------------------------------------------------------------------------


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"`{where}` must be a JSON object")
    return value


def _text(obj: dict[str, Any], name: str, where: str, *, required: bool = True) -> str:
    value = obj.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int | float)):
        raise PayloadError(f"`{where}.{name}` must be a string")
    text = "" if value is None else str(value).strip()
    if not text and required:  # blank (`"\r"`) is missing too
        raise PayloadError(f"`{where}.{name}` is missing")
    return text


def _key(*parts: str) -> str:
    """An idempotency key; hashed when it would not fit the column."""
    key = ":".join(parts)
    if len(key) <= KEY_LIMIT:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def parse_instant(value: Any, where: str) -> datetime:
    """An RFC 3339 timestamp (any fraction of a second) as an aware UTC instant."""
    if not isinstance(value, str) or not value:
        raise PayloadError(f"`{where}` must be an RFC 3339 timestamp")
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError:
        raise PayloadError(f"`{where}` is not an RFC 3339 timestamp ({value[:40]!r})") from None
    if instant.tzinfo is None:
        raise PayloadError(f"`{where}` has no time zone offset ({value[:40]!r})")
    try:
        instant = instant.astimezone(UTC)
    except OverflowError:
        raise _out_of_range(where, value) from None
    return _within_years(instant, where, value)


def parse_epoch(value: Any, where: str) -> datetime:
    """An epoch number in seconds, milliseconds, microseconds or nanoseconds (Opsgenie sends
    `createdAt` in ms and `updatedAt` in ns)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"`{where}` must be an epoch number")
    seconds = float(value)
    for _ in range(3):
        if seconds < 1e11:
            break
        seconds /= 1000
    try:
        instant = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise _out_of_range(where, value) from None
    return _within_years(instant, where, value)


def _within_years(instant: datetime, where: str, value: Any) -> datetime:
    """From FIRST_YEAR to LAST_YEAR: who was on call and the hour class are looked up around an
    alert's times, and near the ends of what a datetime holds that arithmetic overflows (Go's
    zero time, `0001-01-01T00:00:00Z`, is what a sender that lost a time sends)."""
    if not FIRST_YEAR <= instant.year <= LAST_YEAR:
        raise _out_of_range(where, value)
    return instant


def _out_of_range(where: str, value: Any) -> PayloadError:
    shown = value[:40] if isinstance(value, str) else value
    return PayloadError(
        f"`{where}` is out of range ({shown!r}): give a time from {FIRST_YEAR} to {LAST_YEAR}"
    )


def _services(*names: str) -> tuple[str, ...]:
    seen: list[str] = []
    for name in names:
        name = name.strip()[:SERVICE_LIMIT]
        if name and name not in seen:
            seen.append(name)
    return tuple(seen)


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise PayloadError(f"`{where}` must be a list")
    return value


# -- Alertmanager --------------------------------------------------------------------------


def alertmanager(body: Any, now: datetime) -> list[Alert]:
    """Alertmanager webhook version 4: one alert per entry of `alerts`, keyed on its
    fingerprint and `startsAt` (a firing group is re-sent every repeat_interval)."""
    body = _obj(body, "body")
    version = body.get("version")
    if version is not None and str(version) != "4":
        raise PayloadError(f"webhook version {str(version)[:10]!r} is not supported (only 4)")
    alerts = _list(body.get("alerts"), "alerts")
    group = _text(body, "groupKey", "body", required=False)
    return [
        _alertmanager_alert(_obj(a, f"alerts[{i}]"), f"alerts[{i}]", group)
        for i, a in enumerate(alerts)
    ]


def _alertmanager_alert(alert: dict[str, Any], where: str, group: str = "") -> Alert:
    labels = _obj(alert.get("labels"), f"{where}.labels")
    annotations = alert.get("annotations") or {}
    annotations = _obj(annotations, f"{where}.annotations")
    fingerprint = _text(alert, "fingerprint", where)
    started = parse_instant(alert.get("startsAt"), f"{where}.startsAt")
    status = _text(alert, "status", where, required=False) or "firing"
    if status not in ("firing", "resolved"):
        raise PayloadError(f"`{where}.status` must be firing or resolved")
    resolved = None
    if status == "resolved":
        resolved = parse_instant(alert.get("endsAt"), f"{where}.endsAt")
    name = _text(labels, "alertname", f"{where}.labels", required=False)
    title = _text(annotations, "summary", f"{where}.annotations", required=False) or name
    if not title:
        raise PayloadError(f"`{where}` has neither labels.alertname nor annotations.summary")
    severity = _text(labels, "severity", f"{where}.labels", required=False).lower()
    services = [
        _text(labels, label, f"{where}.labels", required=False)
        for label in ALERTMANAGER_SERVICE_LABELS
    ]
    key = _key(fingerprint, started.isoformat())
    return _alert(
        key,
        title,
        name,
        severity=severity,
        services=_services(*services),
        started=started,
        resolved=resolved,
        labels=labels,
        group=group,
    )


# -- PagerDuty -----------------------------------------------------------------------------

PAGERDUTY_EVENTS = ("incident.triggered", "incident.resolved")


def pagerduty(body: Any, now: datetime) -> list[Alert]:
    """PagerDuty v3 webhook: `incident.triggered` and `incident.resolved`, keyed on the
    incident id; the severity is the incident's urgency."""
    event = _obj(_obj(body, "body").get("event"), "event")
    kind = _text(event, "event_type", "event")
    if kind not in PAGERDUTY_EVENTS:
        return []
    data = _obj(event.get("data"), "event.data")
    incident = _text(data, "id", "event.data")
    title = _text(data, "title", "event.data")
    service = data.get("service") or {}
    service = _obj(service, "event.data.service")
    created = data.get("created_at") or event.get("occurred_at")
    started = parse_instant(created, "event.data.created_at")
    resolved = None
    if kind == "incident.resolved":
        resolved = parse_instant(event.get("occurred_at"), "event.occurred_at")
    urgency = _text(data, "urgency", "event.data", required=False).lower()
    summary = _text(service, "summary", "event.data.service", required=False)
    return [
        _alert(
            _key(incident),
            title,
            title,
            severity=urgency,
            services=_services(summary),
            started=started,
            resolved=resolved,
            labels={"urgency": urgency, "priority": _priority(data)},
            group=incident,
        )
    ]


def _priority(data: dict[str, Any]) -> str:
    priority = data.get("priority")
    if isinstance(priority, dict) and isinstance(priority.get("summary"), str):
        return priority["summary"]
    return ""


# -- Opsgenie ------------------------------------------------------------------------------

OPSGENIE_ACTIONS = ("Create", "Close")


def opsgenie(body: Any, now: datetime) -> list[Alert]:
    """Opsgenie webhook integration: `Create` and `Close`, keyed on `alertId`; the severity is
    the alert's priority (P1-P5); the service comes from the entity, `service:` tags, or
    `details.service`."""
    body = _obj(body, "body")
    action = _text(body, "action", "body")
    if action not in OPSGENIE_ACTIONS:
        return []
    alert = _obj(body.get("alert"), "alert")
    alert_id = _text(alert, "alertId", "alert")
    title = _text(alert, "message", "alert")
    tags = alert.get("tags") or []
    tags = [t for t in _list(tags, "alert.tags") if isinstance(t, str)]
    details = _obj(alert.get("details") or {}, "alert.details")
    started = now
    if alert.get("createdAt") is not None:
        started = parse_epoch(alert["createdAt"], "alert.createdAt")
    resolved = None
    if action == "Close":
        resolved = now
        if alert.get("updatedAt") is not None:
            resolved = parse_epoch(alert["updatedAt"], "alert.updatedAt")
    services = _services(
        _text(alert, "entity", "alert", required=False),
        *(t.partition(":")[2] for t in tags if t.startswith("service:")),
        _text(details, "service", "alert.details", required=False),
    )
    alias = _text(alert, "alias", "alert", required=False)
    priority = _text(alert, "priority", "alert", required=False).upper()
    return [
        _alert(
            _key(alert_id),
            title,
            alias,
            severity=priority,
            services=services,
            started=started,
            resolved=resolved,
            labels={
                **{t.partition(":")[0]: t.partition(":")[2] for t in tags if ":" in t},
                **details,
            },
            group=alias or alert_id,
        )
    ]


# -- generic -------------------------------------------------------------------------------


def generic(body: Any, now: datetime) -> list[Alert]:
    """Upkeep's own format (docs/webhooks.md): one alert object, or `{"alerts": [...]}`."""
    body = _obj(body, "body")
    if "alerts" in body:
        items = _list(body["alerts"], "alerts")
        return [
            _generic_alert(_obj(a, f"alerts[{i}]"), f"alerts[{i}]", now)
            for i, a in enumerate(items)
        ]
    return [_generic_alert(body, "body", now)]


def _generic_alert(alert: dict[str, Any], where: str, now: datetime) -> Alert:
    key = _text(alert, "key", where)
    title = _text(alert, "title", where)
    status = _text(alert, "status", where, required=False) or "firing"
    if status not in ("firing", "resolved"):
        raise PayloadError(f"`{where}.status` must be firing or resolved")
    started = now
    if alert.get("started_at") is not None:
        started = parse_instant(alert["started_at"], f"{where}.started_at")
    resolved = None
    if alert.get("resolved_at") is not None:
        resolved = parse_instant(alert["resolved_at"], f"{where}.resolved_at")
    elif status == "resolved":
        resolved = now
    name = _text(alert, "alert", where, required=False)
    severity = (_text(alert, "severity", where, required=False) or "page").lower()
    services = _services(_text(alert, "service", where, required=False))
    labels = _obj(alert.get("labels") or {}, f"{where}.labels")
    return _alert(
        _key(key),
        title,
        name,
        severity=severity,
        services=services,
        started=started,
        resolved=resolved,
        labels=labels,
        group=_text(alert, "group_key", where, required=False),
    )


Parser = Callable[[Any, datetime], list[Alert]]
PARSERS: dict[str, Parser] = {
    "alertmanager": alertmanager,
    "pagerduty": pagerduty,
    "opsgenie": opsgenie,
    "generic": generic,
}
SOURCES = tuple(PARSERS)
