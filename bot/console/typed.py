"""What you type in the console, as Slack would send it: `@ana` and `#payments-oncall` become
the references Slack puts in a message or a slash command."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any


def mention_people(text: str, users: dict[str, dict[str, Any]], *, escaped: bool = False) -> str:
    """`@ana`, `@Ana` or `@Ana Alves` (a handle, a first name or a full name, any case; the
    longest that fits) as Slack sends it: `<@U0ANA>` in a message, `<@U0ANA|ana>` in a slash
    command (the manifest asks Slack to escape them). Unknown names stay as typed."""
    names: dict[str, dict[str, Any]] = {}
    for user in users.values():
        if user.get("deleted"):
            continue
        real = user.get("real_name") or ""
        display = (user.get("profile") or {}).get("display_name") or ""
        for name in (user.get("name"), real, real.split(" ")[0], display):
            if name:
                names.setdefault(name.lower(), user)
    if not names:
        return text

    def mention(match: re.Match[str]) -> str:
        user = names[match.group(1).lower()]
        return f"<@{user['id']}|{user['name']}>" if escaped else f"<@{user['id']}>"

    return _names_after("@", names, re.IGNORECASE).sub(mention, text)


def mention_channels(text: str, channels: dict[str, str]) -> str:
    """`#payments-oncall` in a slash command as Slack sends it, `<#C0PAYONCALL|payments-oncall>`
    (the manifest asks Slack to escape channels too). Unknown names stay as typed."""
    if not channels:
        return text
    by_name = {name: cid for cid, name in channels.items()}
    return _names_after("#", by_name).sub(lambda m: f"<#{by_name[m.group(1)]}|{m.group(1)}>", text)


def _names_after(sigil: str, names: Iterable[str], flags: int = 0) -> re.Pattern[str]:
    """`@name` or `#name` for any of `names` (the longest that fits), standing alone: not in
    a word, an address, an entity (`&#...`) or a reference Slack already escaped (`<@...>`)."""
    longest_first = sorted(names, key=len, reverse=True)
    alternatives = "|".join(map(re.escape, longest_first))
    return re.compile(rf"(?<![\w<&{sigil}]){sigil}({alternatives})(?![\w-])", flags)
