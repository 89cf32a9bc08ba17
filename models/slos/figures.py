"""An SLO's figures at an instant: the SLI over its window, the error budget remaining
(`((1 - target) - error_ratio) / (1 - target)`), burn rates over 1h, 6h, 1d and 3d, and when the
budget runs out at the 1h burn. Fewer events than `min_events` in the window is "too little
traffic", and nothing at all is "no data", never 100%.

Readings come from Prometheus (a ratio indicator's queries, or Sloth's recording rules), or
from pushed counts in the database. Every SLO's expressions for one range are asked in one
query (`Prometheus.ask_many`), so a refresh costs a handful of queries, not five per SLO."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models.slos.prometheus import Prometheus, PrometheusError, duration
from models.slos.slos import (
    BURN_WINDOWS,
    LOW_TRAFFIC,
    NO_DATA,
    OK,
    PUSHED,
    SLOTH,
    SliCount,
    Slo,
    SloFigure,
    slo_zone,
    window_bounds,
)

log = logging.getLogger("upkeep.slos")
WINDOW_MARK = "{{.window}}"
MIN_RANGE = 60  # seconds: the first minute of a calendar window is read as its first minute


@dataclass(frozen=True)
class Reading:
    """What an indicator says over one range: its error ratio and how many events (None when the
    indicator doesn't count them, as Sloth's rules don't)."""

    error_ratio: float | None
    events: float | None


@dataclass(frozen=True)
class Ranges:
    """The ranges one SLO is read over at `at`: its window so far, and the burn windows."""

    at: datetime
    start: datetime
    period: float  # seconds in the whole window (a calendar month: the month)
    seconds: dict[str, int]  # "window", "1h", ... -> range in seconds


def ranges_of(slo: Slo, at: datetime, window: str | None = None) -> Ranges:
    start, end = window_bounds(window or slo.window, slo_zone(slo), at)
    elapsed = max(int((at - start).total_seconds()), MIN_RANGE)
    return Ranges(at, start, (end - start).total_seconds(), {"window": elapsed, **BURN_WINDOWS})


def figures_from(slo: Slo, ranges: Ranges, readings: dict[str, Reading | None]) -> SloFigure:
    """The figures from the readings over each range (None: the indicator returned nothing)."""
    figure = SloFigure(slo_id=slo.id, at=ranges.at, window_start=ranges.start)
    window = readings.get("window")
    burns = {}
    for name in BURN_WINDOWS:
        reading = readings.get(name)
        ratio = None if reading is None else reading.error_ratio
        burns[name] = None if ratio is None else ratio / slo.budget
    figure.burn_1h, figure.burn_6h, figure.burn_1d, figure.burn_3d = burns.values()
    if window is None:  # nothing answered; zero traffic is an answer (0 events), below
        figure.status = NO_DATA
        return figure
    figure.events = window.events
    if window.error_ratio is None or (window.events is not None and window.events < slo.min_events):
        figure.status = LOW_TRAFFIC
        return figure
    figure.status = OK
    figure.sli = 1 - window.error_ratio
    remaining = readings.get("remaining")
    if remaining is not None and remaining.error_ratio is not None:
        figure.budget_remaining = remaining.error_ratio  # Sloth's own figure
    else:
        figure.budget_remaining = (slo.budget - window.error_ratio) / slo.budget
    burn = figure.burn_1h
    if figure.budget_remaining > 0 and burn:
        seconds = figure.budget_remaining * ranges.period / burn
        figure.exhausted_at = ranges.at + timedelta(seconds=round(min(seconds, 100 * 365 * 86400)))
    return figure


# -- readings --


def ratio_expressions(slo: Slo, ranges: Ranges) -> dict[str, str]:
    """`<slo id>:<range>:<part>` -> the expression, the range put where `{{.window}}` is."""
    out = {}
    for name, seconds in ranges.seconds.items():
        window = duration(seconds)
        if slo.indicator == SLOTH:
            matchers = (
                f'sloth_service="{quoted(slo.sloth_service)}",sloth_slo="{quoted(slo.sloth_slo)}"'
            )
            rule = slo.window if name == "window" else name
            out[f"{slo.id}:{name}:ratio"] = f"slo:sli_error:ratio_rate{rule}{{{matchers}}}"
            if name == "window":
                remaining = f"slo:period_error_budget_remaining:ratio{{{matchers}}}"
                out[f"{slo.id}:remaining:ratio"] = remaining
            continue
        part = "errors" if slo.errors_query else "good"
        query = slo.errors_query or slo.good_query or ""
        out[f"{slo.id}:{name}:{part}"] = query.replace(WINDOW_MARK, window)
        out[f"{slo.id}:{name}:total"] = (slo.total_query or "").replace(WINDOW_MARK, window)
    return out


def quoted(text: str | None) -> str:
    return (text or "").replace("\\", "\\\\").replace('"', '\\"')


def prometheus_readings(
    slo: Slo, ranges: Ranges, values: dict[str, float | None]
) -> dict[str, Reading | None]:
    readings: dict[str, Reading | None] = {}
    for name in (*ranges.seconds, "remaining"):
        if slo.indicator == SLOTH:
            ratio = values.get(f"{slo.id}:{name}:ratio")
            readings[name] = None if ratio is None else Reading(ratio, None)
            continue
        if name == "remaining":
            continue
        total = values.get(f"{slo.id}:{name}:total")
        errors = values.get(f"{slo.id}:{name}:errors")
        good = values.get(f"{slo.id}:{name}:good")
        if total is None or (errors is None and good is None):
            readings[name] = None
            continue
        events = total * ranges.seconds[name]  # the queries are rates: events per second
        if total <= 0:
            readings[name] = Reading(None, 0.0)
            continue
        ratio = errors / total if errors is not None else 1 - (good or 0.0) / total
        readings[name] = Reading(min(max(ratio, 0.0), 1.0), events)
    return readings


def pushed_readings(db: Session, slo: Slo, ranges: Ranges) -> dict[str, Reading | None]:
    readings: dict[str, Reading | None] = {}
    for name, seconds in ranges.seconds.items():
        if name == "window":  # the intervals that start in it: each counted in one window
            within = SliCount.start >= ranges.start
        else:  # the intervals that overlap the range: hourly counts read at 5 past still count
            within = SliCount.end > ranges.at - timedelta(seconds=seconds)
        good, total = db.execute(
            select(func.sum(SliCount.good), func.sum(SliCount.total)).where(
                SliCount.slo_id == slo.id, within, SliCount.start < ranges.at
            )
        ).one()
        if total is None:
            readings[name] = None
        elif total == 0:
            readings[name] = Reading(None, 0.0)
        else:
            readings[name] = Reading((total - good) / total, float(total))
    return readings


def compute_figures(
    db: Session,
    slos: list[Slo],
    prometheus: Prometheus | None,
    at: datetime,
    *,
    window: str | None = None,
) -> list[SloFigure]:
    """Every SLO's figures at `at` (over `window` instead of each SLO's own, for the monthly
    SLA report), not yet stored. SLOs Prometheus can't answer for (not configured, unreachable,
    an expression it refuses) are left out and logged."""
    ranges = {slo.id: ranges_of(slo, at, window) for slo in slos}
    queried = [slo for slo in slos if slo.indicator != PUSHED]
    values: dict[str, float | None] = {}
    failed: set[int] = set()
    if queried and prometheus is None:
        log.warning("%d SLOs need Prometheus, and PROMETHEUS_URL is not set", len(queried))
        failed = {slo.id for slo in queried}
    elif queried:
        sums, maxes = {}, {}
        for slo in queried:
            exprs = ratio_expressions(slo, ranges[slo.id])
            (maxes if slo.indicator == SLOTH else sums).update(exprs)
        for exprs, aggregate in ((sums, "sum"), (maxes, "max")):
            if not exprs:
                continue
            try:
                found, refused = prometheus.ask_many(exprs, at, aggregate)
            except PrometheusError as e:
                log.warning("SLO figures not refreshed: %s", e)
                failed |= {int(key.split(":")[0]) for key in exprs}
                continue
            values.update(found)
            reasons: dict[str, set[int]] = {}
            for key, reason in refused.items():
                reasons.setdefault(reason, set()).add(int(key.split(":")[0]))
            for reason, slo_ids in reasons.items():
                shown = ", ".join(str(i) for i in sorted(slo_ids)[:10])
                log.warning("SLOs %s: Prometheus refused a query: %s", shown, reason)
                failed |= slo_ids
    figures = []
    for slo in slos:
        if slo.id in failed:
            continue
        if slo.indicator == PUSHED:
            readings = pushed_readings(db, slo, ranges[slo.id])
        else:
            readings = prometheus_readings(slo, ranges[slo.id], values)
        figures.append(figures_from(slo, ranges[slo.id], readings))
    return figures


def refresh_figures(
    db: Session, slos: list[Slo], prometheus: Prometheus | None, at: datetime
) -> list[SloFigure]:
    """Compute and store every SLO's figures at `at`, and forget what no one reads any more."""
    figures = compute_figures(db, slos, prometheus, at)
    db.add_all(figures)
    db.flush()
    prune_figures(db, [slo.id for slo in slos], at)
    return figures


KEEP_RECENT = timedelta(hours=2)  # every refresh's figures, this long
KEEP_DAILY = 35  # days of the figures at 00:00 UTC, which the weekly report charts


def prune_figures(db: Session, slo_ids: list[int], at: datetime) -> None:
    """A refresh every 5 minutes is 288 rows a day per SLO: keep the last `KEEP_RECENT` of them,
    and the one at each 00:00 UTC for `KEEP_DAILY` days (`models/slos/reports.budget_history`)."""
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    daily = [midnight - timedelta(days=d) for d in range(KEEP_DAILY + 1)]
    db.execute(
        delete(SloFigure).where(
            SloFigure.slo_id.in_(slo_ids),
            SloFigure.at < at - KEEP_RECENT,
            SloFigure.at.not_in(daily) | (SloFigure.at < daily[-1]),
        )
    )


def latest_figures(db: Session, slo_ids: list[int]) -> dict[int, SloFigure]:
    """Each SLO's most recent stored figures."""
    if not slo_ids:
        return {}
    newest = (
        select(SloFigure.slo_id, func.max(SloFigure.at).label("at"))
        .where(SloFigure.slo_id.in_(slo_ids))
        .group_by(SloFigure.slo_id)
        .subquery()
    )
    rows = db.scalars(
        select(SloFigure).join(
            newest, (SloFigure.slo_id == newest.c.slo_id) & (SloFigure.at == newest.c.at)
        )
    )
    return {figure.slo_id: figure for figure in rows}
