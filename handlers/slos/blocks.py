"""SLOs in Block Kit (pure): the team's list, lowest budget first, and one service's SLOs each
with its numbers and what they mean."""

from __future__ import annotations

from datetime import date, timedelta

from bot.render import Reply, context, header, line_sections, local_time, section, user_text
from models.core.workspace import Team
from models.priorities.suggestions import PageSuggestion
from models.slos.policy import HALT_AT
from models.slos.slos import (
    LOW_TRAFFIC,
    NO_DATA,
    NO_DATA_MARK,
    SLOTH,
    BudgetCrossing,
    Slo,
    SloFigure,
)
from models.slos.status import (
    SloStatus,
    figures_text,
    meaning,
    objective_text,
    percent,
    window_text,
)

NONE_YET = "No SLOs yet. Add them under `slos:` in the config file (`upkeep import`)."


def slo_line(s: SloStatus) -> str:
    """`*billing-availability* (`billing-api`) 99.9% over 30d: SLI 99.95% · budget 50% left …`"""
    return (
        f"*{user_text(s.name)}* (`{user_text(s.service)}`) {objective_text(s.objective)} over "
        f"{window_text(s.window)}: {figures_text(s)}"
    )


def as_of(statuses: list[SloStatus], tz: str) -> str:
    times = [s.at for s in statuses if s.at is not None]
    if not times:
        return "Not measured yet."
    return f"Figures as of {local_time(min(times), tz)}, refreshed by the worker."


def team_slos(title: str, statuses: list[SloStatus], tz: str) -> Reply:
    lines = [slo_line(s) for s in statuses]
    blocks = [header(title), *line_sections(lines, NONE_YET)]
    blocks.append(context(f"{as_of(statuses, tz)} Details: `/slo <service>`."))
    return Reply(text=f"{title}\n" + ("\n".join(lines) or NONE_YET), blocks=blocks)


def service_slos(service: str, statuses: list[SloStatus], tz: str) -> Reply:
    title = f"SLOs of {service}"
    if not statuses:
        body = f"`{user_text(service)}` has no SLOs yet. Add them under `slos:` in the config file."
        return Reply(text=body, blocks=[header(title), section(body)])
    lines = [f"{slo_line(s)}\n{meaning(s)}" for s in statuses]
    # Packed several to a section: a service with many SLOs stays within Slack's 50 blocks.
    blocks = [header(title), *line_sections(lines, ""), context(as_of(statuses, tz))]
    return Reply(text=f"{title}\n" + "\n".join(lines), blocks=blocks)


def crossing_message(
    crossing: BudgetCrossing, slo: Slo, team: Team, suggestion: PageSuggestion | None
) -> tuple[str, list[dict]]:
    """What the team's channel is told when an SLO's budget falls to a policy threshold."""
    what = f"*{user_text(slo.name)}* (`{user_text(slo.service.name)}`)"
    if crossing.threshold == NO_DATA_MARK:
        dri = slo.service.dri
        owner = f" (DRI {dri.mention})" if dri is not None and not dri.deleted else ""
        text = (
            f"{what}{owner} has no data: its indicator returned nothing for the window, so its "
            "figures are unknown (not 100%). Check its queries or pushed counts (`/slo`)."
        )
        return text, [section(text)]
    if crossing.threshold == HALT_AT:
        text = (
            f"{what} has spent its error budget ({objective_text(slo.objective)} over "
            f"{window_text(slo.window)}). {team.possessive} error-budget policy calls for "
            "reliability work before features until it recovers (`/priority budget`)."
        )
    else:
        left = percent(max(crossing.budget_remaining, 0.0), 1)
        text = (
            f"{what} has {left} of its error budget left ({objective_text(slo.objective)} over "
            f"{window_text(slo.window)}), below the policy's {crossing.threshold}%."
        )
    if suggestion is not None:
        text += (
            f"\nSuggested for the backlog: {user_text(suggestion.item_title)}. A lead accepts or "
            "dismisses it in `/priority suggestions`."
        )
    return text, [section(text), context(f"Details: `/slo {slo.service.name}`.")]


def sla_line(slo: Slo, figure: SloFigure | None) -> str:
    """`billing-api` · *checkout* 99.9%: achieved 99.95%, met."""
    what = (
        f"`{user_text(slo.service.name)}` · *{user_text(slo.name)}* {objective_text(slo.objective)}"
    )
    if slo.indicator == SLOTH:
        return f"{what}: not measured (Sloth's rules cover rolling windows, not a calendar month)"
    if figure is None:
        return f"{what}: not measured (Prometheus did not answer)"
    if figure.status == NO_DATA:
        return f"{what}: no data"
    if figure.status == LOW_TRAFFIC:
        return f"{what}: too little traffic to judge ({figure.events or 0:,.0f} events)"
    assert figure.sli is not None
    met = figure.sli * 100 >= slo.objective
    return f"{what}: achieved {percent(figure.sli, 3)}, {'met' if met else '*missed*'}"


def sla_message(
    team: Team, first: date, slos: list[Slo], figures: dict[int, SloFigure]
) -> tuple[str, list[dict]]:
    month = (first - timedelta(days=1)).strftime("%B %Y")
    title = f"SLA report: {team.name}, {month}"
    lines = [sla_line(slo, figures.get(slo.id)) for slo in slos]
    blocks = [header(title), *line_sections(lines, ""), context(f"Calendar month in {team.tz}.")]
    return f"{title}\n" + "\n".join(lines), blocks
