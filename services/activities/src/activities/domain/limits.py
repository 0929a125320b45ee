"""What one activity may hold (README "Limits").

Far above what academies publish (a weekly course has ~40 dates, a name ~60 characters,
an event one type and a theme or two), and low enough that the event of the largest
activity the reader can produce stays under half of the producer's `max_request_size`
(`stemkit.eventing.kafka.MAX_MESSAGE_BYTES`), even when every character is one JSON writes as a
12-byte escaped surrogate pair (tests/unit/test_reader_limits.py builds it). A document
beyond a limit is quarantined with the reason: dropping dates or cutting a name would
publish an activity that is not the one UiTdatabank holds. Lengths are in characters
(code points) of the value as read (stripped, normalised).
"""

from __future__ import annotations

from collections.abc import Iterator

from activities.domain.model import Activity, Location
from stemkit.contracts.activities import MAX_CALENDAR_RULES
from stemkit.domain.calendar_rules import MAX_SESSIONS

MAX_OCCURRENCES = MAX_SESSIONS  # distinct dates (subEvents) of one activity (2,000)
MAX_TERMS = 50  # term ids of one domain (theme, eventtype)
MAX_TERM_ID_CHARS = 64  # "1.7.6.0.0"
MAX_NAME_CHARS = 1_000  # the activity's name, the location's name and locality
MAX_CODE_CHARS = 100  # postal code, country, workflowStatus
MAX_STREET_CHARS = 300  # the location's street and number
# UiT labels kept (hiddenLabels first): a STEM label is a short word ("stem-academie");
# more or longer ones are left out, not quarantined (`reader._labels`).
MAX_LABELS = 10
MAX_LABEL_CHARS = 64

# Free text of a location, by the name a reason gives it, with its limit.
LOCATION_TEXTS = {
    "location name": ("name", MAX_NAME_CHARS),
    "locality": ("locality", MAX_NAME_CHARS),
    "street address": ("street_address", MAX_STREET_CHARS),
    "postal code": ("postal_code", MAX_CODE_CHARS),
    "country": ("country", MAX_CODE_CHARS),
}


def location_beyond(location: Location) -> str | None:
    """Why the location is beyond a limit, or None when it is within every one."""
    return next(_location_reasons(location), None)


def activity_beyond(activity: Activity) -> str | None:
    """Why the activity is beyond a limit, or None when it is within every one."""
    return next(_activity_reasons(activity), None)


def _activity_reasons(activity: Activity) -> Iterator[str]:
    count = len(activity.occurrences)
    if count > MAX_OCCURRENCES:
        yield f"{count} occurrences, more than the {MAX_OCCURRENCES} one activity may hold"
    rules = activity.calendar
    if rules is not None:  # every entry of every list, adjusted days' own hours included
        entries = (
            len(rules.hours) + len(rules.closed) + sum(1 + len(a.hours) for a in rules.adjusted)
        )
        if entries > MAX_CALENDAR_RULES:
            yield (
                f"{entries} calendar entries (openingHours, openingHoursClosedDays, "
                f"openingHoursAdjustedDays), more than the {MAX_CALENDAR_RULES} allowed"
            )
    yield from _too_long("name", activity.name, MAX_NAME_CHARS)
    yield from _too_long("workflowStatus", activity.workflow_status, MAX_CODE_CHARS)
    for domain, ids in (("theme", activity.theme_ids), ("eventtype", activity.type_ids)):
        if len(ids) > MAX_TERMS:
            yield f"{len(ids)} {domain} terms, more than the {MAX_TERMS} one activity may hold"
        for term_id in ids:
            yield from _too_long(f"a {domain} term id", term_id, MAX_TERM_ID_CHARS)
    yield from _location_reasons(activity.location)


def _location_reasons(location: Location) -> Iterator[str]:
    for label, (field, limit) in LOCATION_TEXTS.items():
        yield from _too_long(label, getattr(location, field), limit)


def _too_long(label: str, value: str | None, limit: int) -> Iterator[str]:
    if value is not None and len(value) > limit:
        yield f"{label} of {len(value)} characters, more than the {limit} allowed"
