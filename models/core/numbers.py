"""Whole numbers people type (`/priority show 12`, `reminder_hours=24`, `survey=1,4`), read
the same way everywhere: ASCII digits only, and never more than an integer column holds."""

from __future__ import annotations

import re

INT_MAX = 2**31 - 1  # what an Integer column holds (PostgreSQL's `integer`)
_DIGITS = re.compile(r"[0-9]+")


def whole_number(value: object, low: int = 0, high: int = INT_MAX) -> int | None:
    """`"12"` (or 12, as YAML reads it) as 12 when it is from `low` to `high`; None for anything
    else, for the caller to say what it wanted. Only the digits 0-9 count: `"²".isdigit()` is
    true but `int("²")` fails, and `int("٣")` is 3. No sign, no spaces, and nothing past
    INT_MAX (a query with a bigger number fails in PostgreSQL)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        if len(value.lstrip("0")) > len(str(INT_MAX)):
            return None
        number = int(value)
    else:
        return None
    return number if low <= number <= min(high, INT_MAX) else None
