"""SLOs from the formats teams already have: Sloth's `prometheus/v1` spec (`upkeep import
--sloth FILE`) and OpenSLO v1 `SLO` and `SLI` documents (`upkeep import --openslo FILE`).

Each is read whole before anything is written: what Upkeep can't represent faithfully (Sloth's
raw or plugin SLIs, OpenSLO thresholds, timeslices, several objectives, data sources by
reference) is refused with the document and the field, and nothing is applied; what it has no
use for (Sloth's alerting, labels; OpenSLO's Service, AlertPolicy and such kinds) is listed as
skipped. The SLOs load through the `slos:` section's rules, so the same names, services and
queries are checked, and `upkeep export` writes them back as `slos:` entries."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models.core.config import ConfigError, ImportContext, Report
from models.core.people import UserLookup
from models.core.workspace import Workspace
from models.slos.config import WINDOW_MARK, SlosSection
from models.slos.slos import SLO_NAME

SLOTH_VERSION = "prometheus/v1"
SLOTH_IGNORED = ("labels", "alerting")  # per SLO: Sloth's alerts stay with Alertmanager
OPENSLO_VERSION = "openslo/v1"
OPENSLO_SKIPPED = {
    "Service",
    "DataSource",
    "AlertPolicy",
    "AlertCondition",
    "AlertNotificationTarget",
}
ROLLING_DURATIONS = {"28d": "28d", "4w": "28d", "30d": "30d"}
CALENDAR_DURATIONS = {"1M": "month", "1Q": "quarter"}


def slo_name(service: str, name: str, label: str) -> str:
    """Upkeep's SLO names are unique in the workspace: `<service>-<slo>`, as a slug."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", f"{service}-{name}".lower()).strip("-")
    if not SLO_NAME.match(slug):
        raise ConfigError(label, f"{name!r} makes no SLO name (letters, digits, - and _)")
    return slug


def mapping(value: Any, label: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(label, "must be a mapping")
    return value


def text(value: Any, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(label, "is required")
    return value.strip()


def load_entries(
    db: Session,
    workspace: Workspace,
    entries: list[tuple[str, str, dict[str, Any]]],
    *,
    now: datetime,
    lookup: UserLookup | None,
    skipped: list[str],
    action: str,
) -> Report:
    """Load (label, name, entry) triples as `slos:` entries; a name twice is refused."""
    ctx = ImportContext(db, workspace, now, lookup)
    seen: dict[str, str] = {}
    section = SlosSection()
    for i, (label, name, entry) in enumerate(entries):
        if name in seen:
            raise ConfigError(label, f"makes the SLO name {name!r}, as {seen[name]} does")
        seen[name] = label
        section.load_one(ctx, i, entry, name=name, label=label, action=action)
    db.flush()
    ctx.report.skipped.extend(skipped)
    return ctx.report


# -- Sloth --


def import_sloth(
    db: Session, workspace: Workspace, documents: list[Any], *, now: datetime, lookup=None
) -> Report:
    entries, skipped = [], []
    for d, doc in enumerate(documents):
        doc = mapping(doc, f"document {d + 1}")
        service = doc.get("service")
        where = f"document {d + 1} (sloth {service or '?'})"
        if doc.get("version") != SLOTH_VERSION:
            raise ConfigError(f"{where}.version", f"must be {SLOTH_VERSION!r} (Sloth's spec)")
        service = text(service, f"{where}.service")
        slos = doc.get("slos")
        if not isinstance(slos, list) or not slos:
            raise ConfigError(f"{where}.slos", "must be a list of SLOs")
        for i, slo in enumerate(slos):
            slo = mapping(slo, f"{where}.slos[{i}]")
            name = text(slo.get("name"), f"{where}.slos[{i}].name")
            label = f"{where}.slos[{i}] ({name})"
            entries.append(
                (label, slo_name(service, name, label), sloth_entry(service, slo, label))
            )
            skipped += [f"{label}.{part}" for part in SLOTH_IGNORED if slo.get(part)]
        if doc.get("labels"):
            skipped.append(f"{where}.labels")
    return load_entries(
        db, workspace, entries, now=now, lookup=lookup, skipped=skipped, action="slo.import.sloth"
    )


def sloth_entry(service: str, slo: dict[str, Any], label: str) -> dict[str, Any]:
    unknown = sorted(
        set(slo) - {"name", "objective", "description", "sli", *SLOTH_IGNORED}, key=str
    )
    if unknown:
        raise ConfigError(f"{label}.{unknown[0]}", "is not part of Sloth's prometheus/v1 SLO")
    sli = mapping(slo.get("sli"), f"{label}.sli")
    for unsupported in ("raw", "plugin"):
        if unsupported in sli:
            raise ConfigError(
                f"{label}.sli.{unsupported}",
                "is not supported: Upkeep needs an error and a total query (`sli.events`) to "
                "count events and guard against low traffic",
            )
    events = mapping(sli.get("events"), f"{label}.sli.events")
    indicator = {
        "errors": text(events.get("error_query"), f"{label}.sli.events.error_query"),
        "total": text(events.get("total_query"), f"{label}.sli.events.total_query"),
    }
    entry = {"service": service, "objective": slo.get("objective"), "window": "30d"}
    if slo.get("description"):
        entry["description"] = str(slo["description"])
    return {**entry, "indicator": indicator}


# -- OpenSLO --


def import_openslo(
    db: Session, workspace: Workspace, documents: list[Any], *, now: datetime, lookup=None
) -> Report:
    slis: dict[str, tuple[str, dict[str, Any]]] = {}
    slos: list[tuple[str, dict[str, Any]]] = []
    skipped = []
    for d, doc in enumerate(documents):
        doc = mapping(doc, f"document {d + 1}")
        kind = doc.get("kind")
        meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        where = f"document {d + 1} ({kind} {meta.get('name') or '?'})"
        if doc.get("apiVersion") != OPENSLO_VERSION:
            raise ConfigError(f"{where}.apiVersion", f"must be {OPENSLO_VERSION!r}")
        name = text(meta.get("name"), f"{where}.metadata.name")
        if kind == "SLI":
            slis[name] = (where, mapping(doc.get("spec"), f"{where}.spec"))
        elif kind == "SLO":
            slos.append((where, doc))
        elif kind in OPENSLO_SKIPPED:
            skipped.append(f"{kind} {name}")
        else:
            raise ConfigError(f"{where}.kind", f"{kind!r} is not an OpenSLO v1 kind")
    entries = [openslo_entry(where, doc, slis) for where, doc in slos]
    for where, doc in slos:
        windows = doc["spec"].get("timeWindow") or [{}]
        if isinstance(windows[0], dict) and windows[0].get("calendar"):
            # Calendar windows follow the owning team's zone and start on the 1st.
            skipped.append(f"{where}.spec.timeWindow[0].calendar")
    return load_entries(
        db, workspace, entries, now=now, lookup=lookup, skipped=skipped, action="slo.import.openslo"
    )


def openslo_entry(
    where: str, doc: dict[str, Any], slis: dict[str, tuple[str, dict[str, Any]]]
) -> tuple[str, str, dict[str, Any]]:
    spec = mapping(doc.get("spec"), f"{where}.spec")
    service = text(spec.get("service"), f"{where}.spec.service")
    name = text(doc["metadata"].get("name"), f"{where}.metadata.name")
    method = spec.get("budgetingMethod", "Occurrences")
    if method != "Occurrences":
        raise ConfigError(
            f"{where}.spec.budgetingMethod",
            f"{method!r} is not supported: Upkeep counts occurrences (good events of all events)",
        )
    if "indicatorRef" in spec:
        ref = text(spec["indicatorRef"], f"{where}.spec.indicatorRef")
        if ref not in slis:
            raise ConfigError(f"{where}.spec.indicatorRef", f"no SLI called {ref!r} in the file")
        sli_where, sli = slis[ref]
    else:
        indicator = mapping(spec.get("indicator"), f"{where}.spec.indicator")
        sli_where, sli = (
            f"{where}.spec.indicator",
            mapping(indicator.get("spec"), f"{where}.spec.indicator.spec"),
        )
    entry = {
        "service": service,
        "objective": openslo_objective(where, spec.get("objectives")),
        "window": openslo_window(where, spec.get("timeWindow")),
        "indicator": openslo_indicator(sli_where, sli),
    }
    if spec.get("description"):
        entry["description"] = str(spec["description"])
    return where, slo_name(service, name, f"{where}.metadata.name"), entry


def openslo_objective(where: str, objectives: Any) -> Any:
    if not isinstance(objectives, list) or not objectives:
        raise ConfigError(f"{where}.spec.objectives", "must list the objective")
    if len(objectives) > 1:
        raise ConfigError(f"{where}.spec.objectives[1]", "is not supported: one objective an SLO")
    objective = mapping(objectives[0], f"{where}.spec.objectives[0]")
    if "op" in objective or "value" in objective:
        raise ConfigError(
            f"{where}.spec.objectives[0].op", "is not supported: thresholds need a thresholdMetric"
        )
    if "targetPercent" in objective:
        return objective["targetPercent"]
    target = objective.get("target")
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target < 1:
        raise ConfigError(f"{where}.spec.objectives[0].target", "must be a ratio such as 0.999")
    return round(target * 100, 10)


def openslo_window(where: str, windows: Any) -> str:
    if not isinstance(windows, list) or len(windows) != 1:
        raise ConfigError(f"{where}.spec.timeWindow", "must be one time window")
    window = mapping(windows[0], f"{where}.spec.timeWindow[0]")
    duration = str(window.get("duration", ""))
    if window.get("isRolling", False):
        if duration not in ROLLING_DURATIONS:
            raise ConfigError(
                f"{where}.spec.timeWindow[0].duration",
                f"{duration!r} is not supported: a rolling window of 28d (4w) or 30d",
            )
        return ROLLING_DURATIONS[duration]
    if duration not in CALENDAR_DURATIONS:
        raise ConfigError(
            f"{where}.spec.timeWindow[0].duration",
            f"{duration!r} is not supported: a calendar window of 1M or 1Q",
        )
    return CALENDAR_DURATIONS[duration]


def openslo_indicator(where: str, sli: dict[str, Any]) -> dict[str, str]:
    if "thresholdMetric" in sli:
        raise ConfigError(f"{where}.thresholdMetric", "is not supported: use a ratioMetric")
    ratio = mapping(sli.get("ratioMetric"), f"{where}.ratioMetric")
    if "raw" in ratio:
        raise ConfigError(
            f"{where}.ratioMetric.raw", "is not supported: give good (or bad) and total"
        )
    part = "good" if "good" in ratio else "bad"
    indicator = {
        "good" if part == "good" else "errors": prometheus_query(
            f"{where}.ratioMetric.{part}", ratio.get(part)
        ),
        "total": prometheus_query(f"{where}.ratioMetric.total", ratio.get("total")),
    }
    return indicator


def prometheus_query(where: str, metric: Any) -> str:
    metric = mapping(metric, where)
    source = mapping(metric.get("metricSource"), f"{where}.metricSource")
    if "metricSourceRef" in source:
        raise ConfigError(
            f"{where}.metricSource.metricSourceRef", "is not supported: give the query inline"
        )
    if source.get("type") != "Prometheus":
        raise ConfigError(
            f"{where}.metricSource.type", f"{source.get('type')!r} is not supported: Prometheus"
        )
    query = text(
        mapping(source.get("spec"), f"{where}.metricSource.spec").get("query"),
        f"{where}.metricSource.spec.query",
    )
    if WINDOW_MARK not in query:
        raise ConfigError(
            f"{where}.metricSource.spec.query",
            f"must be a rate with {WINDOW_MARK} where the range goes (as Sloth reads OpenSLO)",
        )
    return query
