"""The command parser and registry: help, usage on mistakes, and no input that breaks them."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import MAX_TEXT, clean_text, parse_user, split_args, split_options
from models.core.errors import UserError

JUNK = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300
) | st.sampled_from(['"', "'", "“unbalanced", "a=b=c", "<@U0ANA|ana>", "\x00", "x" * 4000])


@given(JUNK)
def test_split_args_answers_or_explains(text):
    try:
        args = split_args(text)
    except UserError as e:
        assert "quote" in str(e) or "characters" in str(e)
    else:
        assert all(isinstance(a, str) and a for a in args)


@given(JUNK)
def test_split_args_splits_like_a_shell_whatever_the_text(text):
    """Plain words skip shlex; whatever the text, the words are the ones shlex finds."""
    cleaned = clean_text(text)
    if len(cleaned) > MAX_TEXT:
        return
    try:
        expected = [word for word in shlex.split(cleaned, posix=True) if word]
    except ValueError:
        with pytest.raises(UserError):
            split_args(text)
        return
    assert split_args(text) == expected


@given(st.lists(st.from_regex(r"[a-z]{1,8}=[^\s=]{1,8}|[a-z]{1,8}", fullmatch=True), max_size=8))
def test_split_options_keeps_every_word(words):
    try:
        positional, options = split_options(words)
    except UserError:
        return  # a repeated key is refused, never silently merged
    assert len(positional) + len(options) == len(words)


def test_smart_quotes_group_words():
    assert split_args("add “fix the flaky test” reach=10") == [
        "add",
        "fix the flaky test",
        "reach=10",
    ]


def test_unbalanced_quote_is_a_user_error_with_usage():
    with pytest.raises(UserError) as e:
        split_args('add "oops', "/priority add <title> ...")
    assert e.value.usage == "/priority add <title> ..."


def test_text_over_the_limit_is_refused():
    with pytest.raises(UserError, match="at most 4,000"):
        split_args("x" * (MAX_TEXT + 1))


@pytest.mark.parametrize(
    ("token", "uid"),
    [("<@U0ANA|ana>", "U0ANA"), ("<@U0ANA>", "U0ANA"), ("U0ANA", "U0ANA"), ("@ana", None)],
)
def test_parse_user(token, uid):
    assert parse_user(token) == uid


def test_upkeep_help_lists_every_command(driver):
    text = driver.command("/upkeep", "help").text
    assert "/upkeep" in text and "/upkeep status" in text


def test_bare_command_shows_its_help(driver):
    assert "/upkeep status" in driver.command("/upkeep", "").text


def test_unknown_subcommand_suggests_and_shows_usage(driver):
    answer = driver.command("/upkeep", "statsu")
    assert answer.status == 200
    assert (
        "isn't something I know" in answer.text and "Did you mean `/upkeep status`" in answer.text
    )
    assert answer.json["response_type"] == "ephemeral"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=JUNK)
def test_any_text_gets_a_helpful_ephemeral_answer(driver, text):
    answer = driver.command("/upkeep", text)
    assert answer.status == 200
    assert answer.json.get("response_type") == "ephemeral"
    assert answer.text and "Traceback" not in answer.text and "went wrong" not in answer.text


def test_a_command_whose_text_says_payload_is_still_a_command(driver, http_driver):
    """slack_bolt mistakes any form body containing "payload" for interactivity (found by the
    fuzz test above); Upkeep reads it as the command it is, through dispatch and over HTTP."""
    for d in (driver, http_driver):
        answer = d.command("/upkeep", "payload")
        assert answer.status == 200
        assert "`/upkeep payload` isn't something I know" in answer.text
