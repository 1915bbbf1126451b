"""What SQLite can store: its INTEGER is 64-bit, so an id a user typed (问答 99999999999999999999)
cannot name a row. The verbs check with `storable` and answer "not found" instead of overflowing."""
from __future__ import annotations

INT_MIN, INT_MAX = -(2 ** 63), 2 ** 63 - 1


def storable(value: object) -> bool:
    """True when `value` is an int SQLite can hold (bool excluded: it is no id)."""
    return isinstance(value, int) and not isinstance(value, bool) and INT_MIN <= value <= INT_MAX
