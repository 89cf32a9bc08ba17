"""Text for Slack: user text made safe, truncation, times in a person's zone, how long ago.

User text (what people type in commands and forms, what config files and webhooks say) is stored
as typed: Slack's escaping of a command's or a message's text is undone on the way in
(`from_slack`); a form's text comes unescaped. Its references (`<@U1|ana>`, `<!here>`,
`<https://...>`) stay as Slack sent them. Put into mrkdwn it goes through `user_text`, once:
`&`, `<` and `>` are escaped; a person (`<@U1>`) or a channel (`<#C1>`) stays a live mention;
a broadcast becomes its word (`@channel`, `@here`, `@everyone`, a user group's `@name`: as plain
text these notify no one); a link, or an address written out, becomes its label with the address
in code and without its scheme, `the doc (`x.example/a`)`, which no one can click. Plain text
fields (headers, buttons, options, form titles and labels) get `as_plain`: no entities, and
references as the words they show. Text kept Slack-escaped before this rule (`R&amp;D`) is shown
the same way: an entity already there is not escaped again."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models.core.runtime import WorkerHealth


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Text shown literally in mrkdwn, references too (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def from_slack(text: str) -> str:
    """A command's or a message's text as typed: Slack's escaping of `&`, `<` and `>` undone.
    References (`<@U1|ana>`, `<!here>`, `<https://...>`) stay as Slack sent them."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_REFERENCE = re.compile(r"<([^<>]*)>")
_TOKEN = re.compile(
    r"<(?P<ref>[^<>]*)>"  # a reference: a person, a channel, a broadcast, a link
    r"|(?P<url>\b[A-Za-z][A-Za-z0-9+.-]{0,31}://[^\s<>]*[^\s<>.,;:!?)'\"])"  # an address
    r"|(?P<entity>&(?:amp|lt|gt);)"  # escaped already: left as it is
    r"|[&<>]"
)
_PERSON = re.compile(r"@([UW][A-Z0-9]+)(?:\|(.*))?", re.S)
_CHANNEL = re.compile(r"#([CGD][A-Z0-9]+)(?:\|(.*))?", re.S)
_LINK = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*:[^\s|]+)(?:\|(.*))?", re.S)
_SCHEME = re.compile(r"^(?:https?://|mailto:)", re.I)
_WEB_ADDRESS = re.compile(r"^https?://[^\s<>|`]+$")
BROADCASTS = ("channel", "here", "everyone", "group")


def user_text(text: str) -> str:
    """User text (or any text from outside) as mrkdwn that can't shout or link: see above."""

    def token(match: re.Match[str]) -> str:
        if match.group("ref") is not None:
            return _reference(match.group("ref"))
        if match.group("url"):
            return _address(match.group("url"))
        return match.group("entity") or escape(match.group(0))

    return _TOKEN.sub(token, text)


def _reference(inner: str) -> str:
    if person := _PERSON.fullmatch(inner):
        return f"<@{person.group(1)}>"
    if channel := _CHANNEL.fullmatch(inner):
        return f"<#{channel.group(1)}>"
    if inner.startswith("!"):
        return _escape_once(_broadcast_word(inner))
    if link := _LINK.fullmatch(inner):
        return _inert_link(link.group(1), link.group(2))
    return escape("<") + _escape_once(inner) + escape(">")  # not a reference: literal text


def _broadcast_word(inner: str) -> str:
    """What `<!channel>`, `<!subteam^S1|@ops>` or `<!date^...|Feb 18>` show, as words."""
    name, _, label = inner[1:].partition("|")
    kind = name.split("^", 1)[0].lower()
    if kind in BROADCASTS:
        return "@" + kind
    if kind == "subteam":
        return "@" + (label.strip().lstrip("@") or "user-group")
    return label or name


def _escape_once(text: str) -> str:
    return re.sub(r"&(?!(?:amp|lt|gt);)|[<>]", lambda m: escape(m.group(0)), text)


def _bare(address: str) -> str:
    return _SCHEME.sub("", address) or address


def _address(address: str) -> str:
    """An address no one can click: in code, without its scheme."""
    return "`" + _escape_once(_bare(address).replace("`", "'")) + "`"


def _inert_link(address: str, label: str | None) -> str:
    label = (label or "").strip()
    if not label or _bare(from_slack(label)) == _bare(from_slack(address)):
        return _address(address)
    return f"{user_text(label)} ({_address(address)})"


def as_plain(text: str) -> str:
    """User text for a plain_text field: references as the words they show, no entities."""

    def words(match: re.Match[str]) -> str:
        inner = match.group(1)
        if person := _PERSON.fullmatch(inner):
            return "@" + (person.group(2) or person.group(1))
        if channel := _CHANNEL.fullmatch(inner):
            return "#" + (channel.group(2) or channel.group(1))
        if inner.startswith("!"):
            return _broadcast_word(inner)
        if link := _LINK.fullmatch(inner):
            return (link.group(2) or "").strip() or _bare(link.group(1))
        return match.group(0)

    return from_slack(_REFERENCE.sub(words, text))


def link_to(address: str, label: str) -> str:
    """A link we mean (a runbook, an item's issue): live for an http(s) address, else inert."""
    if _WEB_ADDRESS.match(address):
        return f"<{_escape_once(address)}|{escape(as_plain(label))}>"
    return _inert_link(address, label)


def defuse(mrkdwn: str) -> str:
    """Mrkdwn we composed around words we didn't check (an error quoting what was typed):
    broadcasts and links in it inert, everything else as it is."""

    def reference(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner.startswith("!") or _LINK.fullmatch(inner):
            return _reference(inner)
        return match.group(0)

    return _REFERENCE.sub(reference, mrkdwn)


def local_time(instant: datetime, tz: str, *, with_date: bool = True) -> str:
    """An instant shown in a person's zone, e.g. `Mon 23 Nov 10:00 CET`."""
    local = instant.astimezone(ZoneInfo(tz))
    fmt = "%a %d %b %H:%M %Z" if with_date else "%H:%M %Z"
    return local.strftime(fmt)


def ago(delta: timedelta) -> str:
    """`40 s ago`, `12 min ago`, `3 h ago`."""
    seconds = int(delta.total_seconds())
    if seconds < 90:
        return f"{max(seconds, 0)} s ago"
    if seconds < 5400:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def worker_status(health: WorkerHealth, tz: str) -> str:
    """When the worker last ticked (in `tz`), or why that is a problem."""
    if health.last_tick is None or health.age is None:
        return "never seen: is `upkeep worker` (or `upkeep run`) running?"
    text = f"last tick {local_time(health.last_tick, tz)} ({ago(health.age)})"
    if not health.ticking:
        every, quiet = tick_span(health.every), tick_span(health.stale_after)
        text += f" :warning: stopped? it ticks every {every}, and none came in {quiet}"
    return text


def tick_span(delta: timedelta) -> str:
    """`minute`, `30 s`, `5 min`: how long between two things."""
    seconds = delta.total_seconds()
    if seconds == 60:
        return "minute"
    return f"{seconds:g} s" if seconds < 60 else f"{seconds / 60:g} min"
