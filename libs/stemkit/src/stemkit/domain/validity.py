"""The one dated-validity rule, for every service: a municipality, a postal code or a
recognition is valid from `valid_from` up to and including `valid_to` (None: still valid).
docs/service-skeleton.md, "Places and municipalities"."""

from __future__ import annotations

from datetime import date


def valid_on(valid_from: date, valid_to: date | None, day: date) -> bool:
    """The one dated-validity rule: from `valid_from` up to and including `valid_to`
    (None: still valid)."""
    return valid_from <= day and (valid_to is None or day <= valid_to)


def valid_during(valid_from: date, valid_to: date | None, first: date, last: date) -> bool:
    """Valid on at least one day from `first` up to and including `last`, by the same rule
    (a municipality that ceased mid-year counts in that year)."""
    return valid_from <= last and (valid_to is None or first <= valid_to)
