"""Block Kit for `/upkeep`: the audit log. Pure: data in, (text, blocks) out."""

from __future__ import annotations

from datetime import date

from bot.render import context, escape, header, line_sections, local_time, section
from models.core.workspace import AuditEntry

NOBODY = "the command line"  # an entry with no actor: `upkeep import`, `upkeep hooks add`


def audit_line(entry: AuditEntry, tz: str) -> str:
    """`Mon 02 Mar 10:00 CET · payments · <@U0ANA> retro.action #1`, or for a refusal
    `... · :no_entry: <@U0CHO> was refused `/retro topic``."""
    who = entry.actor.mention if entry.actor else NOBODY
    if entry.refused:
        tried = entry.action.replace("`", "'")
        what = f":no_entry: {who} was refused `{tried}`"
    else:
        what = f"{who} {escape(entry.action)} {escape(entry.subject)}".rstrip()
    team = f"{entry.team.name} · " if entry.team else ""
    return f"{local_time(entry.at, tz)} · {team}{what}"


def audit_reply(
    scope: str, entries: list[AuditEntry], total: int, tz: str, since: date | None, more: str
) -> tuple[str, list[dict]]:
    """The newest entries of `scope` (`all teams`, `payments`), in the reader's zone; `more` says
    how to see what is left out."""
    if not entries:
        when = f" since {since:%a %d %b}" if since else ""
        text = f"Nothing in the audit log for {scope}{when}."
        return text, [section(text)]
    count = "1 entry" if total == 1 else f"{total} entries"
    title = f"Audit log: {scope}, newest first ({count})"
    lines = [audit_line(entry, tz) for entry in entries]
    left = total - len(entries)
    footer = f"…and {left} more: {more}." if left else ""
    text = "\n".join([title, *lines, *([footer] if footer else [])])
    blocks = [
        header(title),
        *line_sections(lines, ""),
        context(f"{footer} Times in {tz}.".lstrip()),
    ]
    return text, blocks
