"""Whole numbers people type: ASCII digits within bounds, or None; fuzzed: never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.core.numbers import INT_MAX, whole_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("007", 7),
        (24, 24),
        (str(INT_MAX), INT_MAX),
        (str(INT_MAX + 1), None),
        ("9" * 5000, None),  # past int()'s limit on digits: refused before int() sees it
        ("²", None),  # "²".isdigit() is true; int("²") fails
        ("٣", None),  # int("٣") is 3: a digit elsewhere, not one people mean here
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1_000", None),
        ("1.0", None),
        ("", None),
        (True, None),
        (1.0, None),
        (None, None),
    ],
)
def test_only_plain_digits_within_an_integer_column(value, expected):
    assert whole_number(value) == expected


def test_bounds():
    assert [whole_number(t, 1, 12) for t in ("0", "1", "12", "13")] == [None, 1, 12, None]
    assert (
        whole_number("5", high=INT_MAX * 2) == 5 and whole_number(INT_MAX + 1, high=2**40) is None
    )


@given(st.text(max_size=30), st.integers(0, 100), st.integers(0, INT_MAX))
def test_fuzz_anything_is_a_number_in_bounds_or_none(text, low, high):
    number = whole_number(text, low, high)
    if number is not None:
        assert low <= number <= high and str(number) == (text.lstrip("0") or "0")


@given(st.integers(0, INT_MAX))
def test_fuzz_a_written_number_reads_back(number):
    assert whole_number(str(number)) == number
