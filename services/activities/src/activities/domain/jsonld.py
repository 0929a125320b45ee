"""Lenient reading of UiTdatabank JSON-LD values: ids, localised text, dates.

Real documents break UiTdatabank's own schema (uitdatabank.md §14): plain strings where a
language map is expected, ids in the legacy 8-4-4-16 form, dates without a zone. These
helpers return None for what they cannot read instead of raising; the reader decides
what is fatal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from activities.domain.model import BRUSSELS

LANGUAGES = ("nl", "fr", "de", "en")
_FIRST_DAY, _LAST_DAY = date(1, 1, 2), date(9999, 12, 30)
_SURROGATE = re.compile("[\ud800-\udfff]")


def language_order(main_language: Any) -> list[str]:
    """mainLanguage first, then nl (UiT's own fallback), then the other known languages."""
    first = [main_language] if isinstance(main_language, str) and main_language else []
    return list(dict.fromkeys([*first, *LANGUAGES]))


def localised_candidates(value: Any, main_language: Any) -> Iterator[Any]:
    """The values of a language map in preference order, then any other keys present."""
    if not isinstance(value, Mapping):
        return
    order = language_order(main_language)
    for key in [*order, *(k for k in value if k not in order)]:
        if key in value:
            yield value[key]


def text(value: Any, main_language: Any) -> str | None:
    """A localised string by mainLanguage -> nl -> any; a plain string as is (legacy)."""
    if isinstance(value, str):
        return string(value)
    for candidate in localised_candidates(value, main_language):
        if isinstance(candidate, str) and string(candidate):
            return string(candidate)
    return None


def moment(value: Any) -> datetime | None:
    """An ISO-8601 date-time in UTC; values without a zone are Brussels local time."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BRUSSELS)
    # A moment within a day of either end of the calendar ("9999-12-31T23:00:00-05:00")
    # overflows when moved between zones: not a date anyone means, so unreadable.
    try:
        moment = parsed.astimezone(UTC)
    except OverflowError:
        return None
    return moment if _FIRST_DAY <= moment.date() <= _LAST_DAY else None


def string(value: Any) -> str | None:
    """A non-empty stripped string; numbers too (postal codes arrive as ints sometimes).
    NUL characters go: PostgreSQL cannot store them in text or JSONB. A lone surrogate
    (JSON's "\\ud800" escape parses to one) becomes U+FFFD: UTF-8 cannot encode it, so
    neither the database nor the event could carry the text."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).replace("\x00", "").strip()
    return _SURROGATE.sub("\ufffd", text) or None


def number(value: Any) -> float | None:
    """A finite float from a number or a numeric string (legacy geo values are strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def shown(value: Any, limit: int = 80) -> str:
    """A value as a quarantine reason shows it: a string quoted and cut at `limit`
    characters, an object or list by its kind (a document can hold megabytes there)."""
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}... ({len(value)} characters)"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None or isinstance(value, bool | float):
        return str(value)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**limit else f"a number of over {limit} digits"
    return f"a {type(value).__name__}"


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Mapping[str, Any]]:
    """The objects in a list; anything else is no items."""
    return [i for i in value if isinstance(i, Mapping)] if isinstance(value, list) else []
