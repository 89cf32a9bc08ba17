"""Page-load figures as text and Block Kit, shared by `/oncall load` and the weekly digest.
Pure: data in, blocks out."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.render import actions, button, context, header, local_time, section, user_text
from models.pages.load import Load, PersonLoad
from models.pages.pages import BUSINESS, CLASSIFICATIONS, OFF, SLEEP, Page

CLASSIFY_PREFIX = "page_classify_"
PAGE_BLOCK = "page_"  # + a listed page's id: its buttons, then how it was classified
SHOWN_PAGES = 10  # sleep-hour pages listed with buttons (2 blocks each)
# The digest's parts that classifying brings up to date: their block ids are these and the
# digest's date (its window).
NOISE, THIS_WEEK, EARLIER = "page_noise_", "page_sleep_week_", "page_sleep_earlier_"
WAITING = {
    THIS_WEEK: "*Sleep-hour pages this week to classify*",
    EARLIER: "*Still to classify from before this week*",
}
Waiting = tuple[list[Page], int]  # pages to list, and how many there are


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


def load_blocks(load: Load, day: date | None = None) -> list[dict]:
    """The figures; in the digest of `day`, the noise block is marked to be brought up to date."""
    blocks = [header(title(load)), section(summary_line(load))]
    people = [person_line(p) for p in load.people]
    if people:
        blocks.append(section("\n".join(people)))
    noise = noise_block(load, day)
    if noise is not None:
        blocks.append(noise)
    return blocks


def noise_block(load: Load, day: date | None = None) -> dict | None:
    noise = noise_lines(load)
    if not noise:
        return None
    return section("\n".join(noise), block_id=f"{NOISE}{day.isoformat()}" if day else None)


def sleep_page_blocks(week: Waiting, earlier: Waiting, tz: str, day: date) -> list[dict]:
    """The unclassified sleep-hour pages, each with its classification buttons: the digest's
    week's, then those from before it (they stay in each digest until classified)."""
    blocks = []
    for part, (pages, total) in ((THIS_WEEK, week), (EARLIER, earlier)):
        if not total:
            continue
        blocks.append(waiting_head(part, total, day))
        for page in pages:
            blocks.append(section(page_line(page, tz)))
            blocks.append(
                actions(
                    *(
                        button(label.capitalize(), f"{CLASSIFY_PREFIX}{kind}", str(page.id))
                        for kind, label in CLASSIFICATIONS.items()
                    ),
                    block_id=f"{PAGE_BLOCK}{page.id}",
                )
            )
        if total > len(pages):
            more = total - len(pages)
            blocks.append(context(f"…and {more} more; they stay here until classified."))
    return blocks


def waiting_head(part: str, left: int, day: date) -> dict:
    """How many of a part's pages are left to classify."""
    text = f"{WAITING[part]} ({left}):" if left else f"{WAITING[part]}: all classified."
    return section(text, block_id=f"{part}{day.isoformat()}")


def digest_part(block_id: str) -> tuple[str, date] | None:
    """(part, digest date) of a block that classifying brings up to date; None for others."""
    for part in (NOISE, THIS_WEEK, EARLIER):
        if block_id.startswith(part):
            try:
                return part, date.fromisoformat(block_id[len(part) :])
            except ValueError:
                return None
    return None


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
