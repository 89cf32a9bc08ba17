"""User text in what Upkeep posts: broadcasts and links inert, people mentioned stay mentioned,
`&`, `<` and `>` escaped exactly once, plain_text fields free of entities."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.text import as_plain, escape, from_slack, link_to, user_text

PIECES = st.sampled_from(
    [
        "<!channel>",
        "<!here>",
        "<!here|here>",
        "<!everyone>",
        "<!subteam^S0OPS|@ops>",
        "<!subteam^S0OPS>",
        "<!date^1392734382^{date}|Feb 18>",
        "<@U0ANA|ana>",
        "<@U0BEN>",
        "<@W0ENT|ent>",
        "<@nobody>",
        "<#C0PAY|payments>",
        "<https://evil.example>",
        "<https://x.example/a?b=1&amp;c=2|the doc>",
        "<mailto:a@b.example|a@b.example>",
        "<HTTP://LOUD.EXAMPLE>",
        "https://bare.example/path",
        "www.bare.example",
        "&amp;",
        "&lt;",
        "&gt;",
        "&",
        "<",
        ">",
        "|",
        "!",
        "@",
        "`",
        "*",
        " ",
        "\n",
    ]
)
USER_TEXT = st.lists(PIECES | st.text(max_size=8), max_size=12).map("".join)
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")


@given(USER_TEXT)
def test_nothing_shouts_or_links_and_mentions_stay(text):
    out = user_text(text)
    assert "<!" not in out and "<http" not in out.lower()
    for uid in MENTION.findall(text):
        assert f"<@{uid}>" in out
    # The only markup left is a person or a channel; every & starts an entity.
    assert re.fullmatch(r"(?:[^<>&]|<[@#][A-Z0-9]+>|&(?:amp|lt|gt);)*", out), out


@given(st.text())
def test_a_forms_text_and_a_commands_end_up_the_same(text):
    """Slack escapes `&`, `<` and `>` typed in a command (not in a form): undone, they agree."""
    assert from_slack(escape(text)) == text


@given(st.text(alphabet=st.characters(blacklist_characters="<>&:")))
def test_plain_words_are_only_escaped(text):
    assert user_text(text) == escape(text) == text


@pytest.mark.parametrize(
    ("text", "mrkdwn", "plain"),
    [
        ("R&D", "R&amp;D", "R&D"),
        ("R&amp;D", "R&amp;D", "R&D"),  # kept as Slack sent it before: shown the same
        ("a <b> & c", "a &lt;b&gt; &amp; c", "a <b> & c"),
        ("<!channel> ping", "@channel ping", "@channel ping"),
        ("<!here|here> <!everyone>", "@here @everyone", "@here @everyone"),
        ("<!subteam^S0OPS|@ops> <!subteam^S0OPS>", "@ops @user-group", "@ops @user-group"),
        ("<@U0ANA|ana> and <@U0BEN>", "<@U0ANA> and <@U0BEN>", "@ana and @U0BEN"),
        ("<#C0PAY|payments>", "<#C0PAY>", "#payments"),
        ("fix <https://evil.example>", "fix `evil.example`", "fix evil.example"),
        ("<https://x.example/a|the doc>", "the doc (`x.example/a`)", "the doc"),
        ("<http://x.example|x.example>", "`x.example`", "x.example"),
        ("see https://evil.example/a.", "see `evil.example/a`.", "see https://evil.example/a."),
        ("<mailto:a@b.example|a@b.example>", "`a@b.example`", "a@b.example"),
        ("<!date^1392734382^{date}|Feb 18>", "Feb 18", "Feb 18"),
        ("5 < 6 > 4", "5 &lt; 6 &gt; 4", "5 < 6 > 4"),
    ],
)
def test_examples(text, mrkdwn, plain):
    assert user_text(text) == mrkdwn
    assert as_plain(text) == plain


def test_links_we_mean_are_links_only_when_safe():
    assert link_to("https://wiki.example/a?b=1&c=2", "R&D") == (
        "<https://wiki.example/a?b=1&amp;c=2|R&amp;D>"
    )
    assert link_to("https://a><!channel", "runbook") == "runbook (`a&gt;&lt;!channel`)"
    assert link_to("javascript:alert(1)", "x") == "x (`javascript:alert(1)`)"
