"""The `slos:` section of the config file.

slos:
  - name: billing-availability
    service: billing-api
    objective: 99.9          # percent of events that must be good
    window: 30d              # 28d or 30d rolling, or month / quarter (calendar, team's zone)
    min_events: 1000         # fewer events in the window: "too little traffic" (default 100)
    indicator:               # a Prometheus ratio, as Sloth writes it
      errors: sum(rate(http_requests_total{job="billing",code=~"5.."}[{{.window}}]))
      total: sum(rate(http_requests_total{job="billing"}[{{.window}}]))
  - name: ledger-latency
    service: ledger
    objective: 99
    window: 28d
    indicator: {sloth: {service: ledger, slo: latency}}   # Sloth's recording rules
  - name: batch-success
    service: batch
    objective: 99.5
    window: month
    indicator: pushed        # counts sent to POST /hooks/sli
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.orm import Session

from models.catalog.services import lookup_service
from models.core.config import ConfigError, ImportContext, named_entry, where
from models.core.workspace import Workspace
from models.slos.slos import (
    CALENDAR,
    DEFAULT_MIN_EVENTS,
    PUSHED,
    RATIO,
    SLO_NAME,
    SLOTH,
    WINDOWS,
    Slo,
    find_slo,
    slos_of,
)

FIELDS = {"name", "service", "description", "objective", "window", "min_events", "indicator"}
WINDOW_MARK = "{{.window}}"
QUERY_LIMIT = 4000
INDICATOR_USAGE = (
    "must be `pushed`, `{errors: QUERY, total: QUERY}`, `{good: QUERY, total: QUERY}` or "
    "`{sloth: {service: NAME, slo: NAME}}`"
)


def objective_of(value: Any) -> float:
    """99.9, "99.9" or "99.9%" -> 99.9; ValueError with the reason otherwise."""
    text = str(value).strip().removesuffix("%").strip() if isinstance(value, str) else value
    if isinstance(value, bool) or not isinstance(text, int | float | str):
        raise ValueError("must be a percentage such as 99.9")
    try:
        number = float(text)
    except ValueError:
        raise ValueError("must be a percentage such as 99.9") from None
    if not math.isfinite(number) or not 0 < number < 100:
        raise ValueError("must be more than 0 and less than 100 (a percentage such as 99.9)")
    return number


def query_field(label: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(label, "must be a PromQL query")
    if WINDOW_MARK not in value:
        raise ConfigError(label, f"must say where the range goes with {WINDOW_MARK}")
    if len(value) > QUERY_LIMIT:
        raise ConfigError(label, f"keep it to {QUERY_LIMIT} characters")
    return value.strip()


def indicator_of(label: str, value: Any, window: str) -> dict[str, Any]:
    """The indicator's columns from its config form; ConfigError names the part that is wrong."""
    columns: dict[str, Any] = dict.fromkeys(
        ("errors_query", "good_query", "total_query", "sloth_service", "sloth_slo")
    )
    if value == PUSHED:
        return {**columns, "indicator": PUSHED}
    if not isinstance(value, dict) or not value:
        raise ConfigError(label, INDICATOR_USAGE)
    if "sloth" in value:
        if set(value) != {"sloth"} or not isinstance(value["sloth"], dict):
            raise ConfigError(label, INDICATOR_USAGE)
        if window in CALENDAR:
            raise ConfigError(label, "Sloth's rules are for a rolling window (28d or 30d)")
        for part in ("service", "slo"):
            name = value["sloth"].get(part)
            if not isinstance(name, str) or not name.strip():
                raise ConfigError(f"{label}.sloth.{part}", "is required (the name Sloth uses)")
        unknown = sorted(set(value["sloth"]) - {"service", "slo"}, key=str)
        if unknown:
            raise ConfigError(f"{label}.sloth.{unknown[0]}", "is not a field I know")
        columns.update(sloth_service=value["sloth"]["service"], sloth_slo=value["sloth"]["slo"])
        return {**columns, "indicator": SLOTH}
    unknown = sorted(set(value) - {"errors", "good", "total"}, key=str)
    if unknown:
        raise ConfigError(f"{label}.{unknown[0]}", f"is not a field I know; {INDICATOR_USAGE}")
    if ("errors" in value) == ("good" in value) or "total" not in value:
        raise ConfigError(label, INDICATOR_USAGE)
    part = "errors" if "errors" in value else "good"
    columns[f"{part}_query"] = query_field(f"{label}.{part}", value[part])
    columns["total_query"] = query_field(f"{label}.total", value["total"])
    return {**columns, "indicator": RATIO}


def describe_slo(slo: Slo) -> dict[str, Any]:
    """The SLO as the config file writes it (without its name)."""
    entry: dict[str, Any] = {"service": slo.service.name}
    if slo.description:
        entry["description"] = slo.description
    entry["objective"] = slo.objective
    entry["window"] = slo.window
    if slo.min_events != DEFAULT_MIN_EVENTS:
        entry["min_events"] = slo.min_events
    if slo.indicator == PUSHED:
        entry["indicator"] = PUSHED
    elif slo.indicator == SLOTH:
        entry["indicator"] = {"sloth": {"service": slo.sloth_service, "slo": slo.sloth_slo}}
    else:
        part = "errors" if slo.errors_query else "good"
        entry["indicator"] = {part: slo.errors_query or slo.good_query, "total": slo.total_query}
    return entry


class SlosSection:
    key = "slos"

    def load(self, ctx: ImportContext, entries: list[dict[str, Any]]) -> None:
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            name = named_entry(self.key, i, entry, FIELDS, SLO_NAME, seen)
            self.load_one(ctx, i, entry, name=name)

    def load_one(
        self,
        ctx: ImportContext,
        i: int,
        entry: dict[str, Any],
        *,
        name: str,
        label: str | None = None,
        action: str = "slo.import",
    ) -> Slo:
        """One SLO from its entry; errors are named `label.field` (default: `slos[i] (name)`)."""

        def at(fieldname: str) -> str:
            return f"{label}.{fieldname}" if label else where(self.key, i, entry, fieldname)

        def required(fieldname: str, kind: type | tuple = str) -> Any:
            value = entry.get(fieldname)
            if value in (None, ""):
                raise ConfigError(at(fieldname), "is required")
            if not isinstance(value, kind):
                raise ConfigError(at(fieldname), f"has the wrong type ({value!r})")
            return value

        service_name = required("service")
        service = lookup_service(ctx.db, ctx.workspace, service_name)
        if service is None:
            raise ConfigError(at("service"), f"there is no service called {service_name!r}")
        try:
            objective = objective_of(required("objective", (int, float, str)))
        except ValueError as e:
            raise ConfigError(at("objective"), str(e)) from None
        window = required("window")
        if window not in WINDOWS:
            raise ConfigError(at("window"), f"must be one of {', '.join(WINDOWS)}")
        min_events = entry.get("min_events", DEFAULT_MIN_EVENTS)
        if isinstance(min_events, bool) or not isinstance(min_events, int) or min_events < 0:
            raise ConfigError(at("min_events"), "must be a whole number of events, 0 or more")
        description = entry.get("description") or ""
        if not isinstance(description, str):
            raise ConfigError(at("description"), "must be text")
        if "indicator" not in entry:
            raise ConfigError(at("indicator"), "is required")
        columns = indicator_of(at("indicator"), entry["indicator"], window)

        slo = find_slo(ctx.db, ctx.workspace.id, name)
        before = None if slo is None else describe_slo(slo)
        if slo is None:
            slo = Slo(workspace_id=ctx.workspace.id, name=name)
            ctx.db.add(slo)
        slo.service_id, slo.service = service.id, service
        slo.description = description
        slo.objective, slo.window, slo.min_events = objective, window, min_events
        for column, value in columns.items():
            setattr(slo, column, value)
        after = describe_slo(slo)
        if before != after:
            slo.updated_at = ctx.now
        ctx.record_change(
            f"slo {name}", name, "slo.set", before, after, imported=action, team=service.team
        )
        return slo

    def dump(self, db: Session, workspace: Workspace) -> list[dict[str, Any]]:
        return [{"name": slo.name, **describe_slo(slo)} for slo in slos_of(db, workspace)]
