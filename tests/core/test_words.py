"""The possessive of a name, as every reply writes it."""

from __future__ import annotations

import pytest

from models.core.words import possessive


@pytest.mark.parametrize(
    ("name", "shown", "expected"),
    [
        ("payments", None, "payments'"),
        ("search", None, "search's"),
        ("ledger", None, "ledger's"),
        ("OPS", None, "OPS'"),
        ("Ben Brooks", "<@U0BEN>", "<@U0BEN>'"),
        ("Cho Chen", "<@U0CHO>", "<@U0CHO>'s"),
    ],
)
def test_a_name_ending_in_s_takes_an_apostrophe_alone(name, shown, expected):
    assert possessive(name, shown) == expected
