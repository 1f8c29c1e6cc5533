"""The command line's one date parser: an option's value as a date, refused in one line that
names the option."""

from __future__ import annotations

import datetime as dt

from ringfence.errors import UserError


def parse_date(value: str | None, flag: str) -> dt.date | None:
    """``value`` (YYYY-MM-DD) as a date, None when the option was not given; ``UserError``
    naming ``flag`` (e.g. ``--until``) and the value (quoted, cut to 40 characters)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"{flag}: {value[:40]!r} is not a date (YYYY-MM-DD)") from None


def required_date(value: str, flag: str) -> dt.date:
    """``parse_date`` for an option that is always given."""
    day = parse_date(value, flag)
    if day is None:
        raise UserError(f"{flag} is required")
    return day
