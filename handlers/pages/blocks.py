"""Page-load figures as text and Block Kit, shared by `/oncall load` and the weekly digest.
Pure: data in, blocks out."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.render import actions, button, context, header, local_time, section, user_text
from models.pages.load import Load, PersonLoad
from models.pages.pages import BUSINESS, CLASSIFICATIONS, OFF, SLEEP, Page

CLASSIFY_PREFIX = "page_classify_"
SHOWN_PAGES = 10  # sleep-hour pages listed with buttons (2 blocks each)


def _pages(n: int) -> str:
    return "1 page" if n == 1 else f"{n} pages"


def _change(load: Load) -> str:
    if load.previous == load.total:
        return f"as many as in the {load.days} days before"
    direction = "up" if load.change > 0 else "down"
    return f"{direction} from {load.previous} in the {load.days} days before"


def summary_line(load: Load) -> str:
    c = load.by_class
    return (
        f"*{_pages(load.total)}* ({_change(load)}): {c[SLEEP]} in sleep hours, "
        f"{c[OFF]} off-hours, {c[BUSINESS]} in business hours."
    )


def _hours(h: float) -> str:
    return f"{h:.0f} h"


def person_line(entry: PersonLoad) -> str:
    who = entry.person.mention if entry.person else "No one known on call"
    line = f"• {who}: {_pages(entry.pages)} ({entry.sleep} sleep, {entry.off_hours} off-hours)"
    hours = entry.on_call
    if hours.total:
        line += (
            f" · on call {_hours(hours.total)}: {_hours(hours.business)} business, "
            f"{_hours(hours.off)} off, {_hours(hours.weekend)} weekend"
        )
    return line


def _ranked(items: list[tuple[str, int]]) -> str:
    return ", ".join(f"{user_text(name)} ({n})" for name, n in items)


def noise_lines(load: Load) -> list[str]:
    lines = []
    if load.alerts:
        lines.append(f"*Noisiest alerts:* {_ranked(load.alerts)}")
    if load.services:
        lines.append(f"*Noisiest services:* {_ranked(load.services)}")
    if load.uncatalogued:
        lines.append(f"*Not in the catalog:* {_ranked(load.uncatalogued)}")
    if load.classified:
        share = round(100 * load.no_action / load.classified)
        lines.append(
            f"*Needed no action:* {load.no_action} of {load.classified} classified pages ({share}%)"
        )
    elif load.total:
        lines.append("*Needed no action:* no page classified yet")
    return lines


def load_lines(load: Load) -> list[str]:
    people = [person_line(p) for p in load.people]
    return [summary_line(load), *people, *noise_lines(load)]


def title(load: Load) -> str:
    last = load.end - timedelta(microseconds=1)
    period = f"{load.start.astimezone(_tz(load)):%a %d %b} – {last.astimezone(_tz(load)):%a %d %b}"
    return f"Page load: {load.team.name}, {period}"


def _tz(load: Load) -> ZoneInfo:
    return ZoneInfo(load.team.tz)


def load_text(load: Load) -> str:
    return "\n".join([title(load), *load_lines(load)])


def load_blocks(load: Load) -> list[dict]:
    blocks = [header(title(load)), section(summary_line(load))]
    people = [person_line(p) for p in load.people]
    if people:
        blocks.append(section("\n".join(people)))
    noise = noise_lines(load)
    if noise:
        blocks.append(section("\n".join(noise)))
    return blocks


def sleep_page_blocks(pages: list[Page], total: int, tz: str) -> list[dict]:
    """Each unclassified sleep-hour page with its classification buttons."""
    if not pages:
        return []
    blocks = [section(f"*Sleep-hour pages to classify* ({total}):")]
    for page in pages:
        blocks.append(section(page_line(page, tz)))
        blocks.append(
            actions(
                *(
                    button(label.capitalize(), f"{CLASSIFY_PREFIX}{kind}", str(page.id))
                    for kind, label in CLASSIFICATIONS.items()
                ),
                block_id=f"page_{page.id}",
            )
        )
    if total > len(pages):
        blocks.append(context(f"…and {total - len(pages)} more; they stay here until classified."))
    return blocks


def page_line(page: Page, tz: str) -> str:
    who = page.person.mention if page.person else "no one known on call"
    zone = page.person.tz if page.person and page.person.tz else tz
    service = f" · {user_text(page.service_name)}" if page.service_name else ""
    title = user_text(page.title)  # the alert's sender's words
    return f"*{title}*{service}\n{local_time(page.started_at, zone)} · paged {who}"


def classified_block(kind: str, user_id: str) -> dict:
    return context(f"Classified as *{CLASSIFICATIONS[kind]}* by <@{user_id}>")


def quiet_text(team_name: str) -> str:
    return f"No pages this week for *{team_name}*. :sleeping:"
