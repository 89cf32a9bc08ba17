"""SLOs in Block Kit (pure): the team's list, lowest budget first, and one service's SLOs each
with its numbers and what they mean."""

from __future__ import annotations

from bot.render import Reply, context, header, line_sections, local_time, section, user_text
from models.slos.status import SloStatus, figures_text, meaning, objective_text, window_text

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
    blocks = [header(title)]
    lines = []
    for s in statuses:
        line = f"{slo_line(s)}\n{meaning(s)}"
        lines.append(line)
        blocks.append(section(line))
    blocks.append(context(as_of(statuses, tz)))
    return Reply(text=f"{title}\n" + "\n".join(lines), blocks=blocks)
