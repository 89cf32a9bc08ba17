"""Words about names: the possessive of a team's or a person's name, for every reply."""

from __future__ import annotations


def possessive(name: str, shown: str | None = None) -> str:
    """`payments` -> `payments'`, `ana` -> `ana's`. `shown` is what goes in the text when it
    isn't the name itself (a mention, `<@U1>`, that Slack shows as the name): the name decides
    the ending, as the reader sees it."""
    text = name if shown is None else shown
    return f"{text}'" if name.rstrip()[-1:].lower() == "s" else f"{text}'s"
