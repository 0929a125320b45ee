"""Property-based: no input crashes the reader, and every input ends as an activity, a
place, an organizer, a notification to fetch, or in quarantine with a reason."""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities.domain.documents import Document, Notification, classify, read_document
from activities.domain.model import Activity, Organizer, Place
from activities.domain.reader import UnreadableDocument

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uitdatabank"
REAL = [json.loads(p.read_text()) for p in sorted(FIXTURES.rglob("*.json"))]
KEYS = sorted({key for document in REAL for key in document})

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "2017-04-22T10:00:00",
            "2017-04-22T10:00:00+02:00",
            "2017-13-45T99:00:00",
            "",
            "-",
            "6-12",
            "4/10",
            "permanent",
            "single",
            "periodic",
            "DELETED",
            "APPROVED",
            "https://io.uitdatabank.be/events/23017CB7-E515-47B4-87C4-780735ACC942",
            "https://io.uitdatabank.be/place/00000000-0000-0000-0000-000000000000",
            "http://x.be/organizers/289C4681-EE51-8AD8-A7851C6434767415",
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=20,
)


def outcome(data: Any) -> object:
    """What the service makes of a body; raises only UnreadableDocument (quarantine)."""
    item = classify(data)
    if isinstance(item, Notification):
        return item
    assert isinstance(item, Document)
    return read_document(item)


def settles(data: Any) -> None:
    try:
        result = outcome(data)
    except UnreadableDocument as exc:
        assert str(exc)  # a reason, always
    else:
        assert isinstance(result, Activity | Place | Organizer | Notification)


@given(json_values)
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_any_json_settles(data: Any) -> None:
    settles(data)


@given(st.sampled_from(REAL), st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_real_documents_with_fields_replaced_settle(document: Any, changes: Any) -> None:
    settles({**document, **changes})


@given(
    st.sampled_from(REAL),
    st.sampled_from(["location", "organizer", "subEvent", "terms", "address", "name"]),
    json_values,
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_nested_parts_replaced_settle(document: Any, key: str, value: Any) -> None:
    settles({**document, key: value})


@given(st.sampled_from(REAL), st.sampled_from(KEYS))
def test_real_documents_without_a_field_settle(document: Any, key: str) -> None:
    settles({k: v for k, v in document.items() if k != key})


offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
moments = st.one_of(
    st.dates().map(date.isoformat),
    st.datetimes().map(datetime.isoformat),  # no zone: Brussels
    st.datetimes(timezones=offsets).map(datetime.isoformat),  # the calendar's ends included
)
birthdate_ranges = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={"from": moments, "to": moments}),
)


def well_formed_ages(activity: Activity) -> None:
    low, high = activity.age_min, activity.age_max
    if low is None:
        assert high is None  # unknown is unknown on both ends
    else:
        assert low >= 0
        assert high is None or low <= high


@given(st.sampled_from(REAL), birthdate_ranges, st.sampled_from(["-", "6-12", "x", None]))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_birthdate_range_settles_with_a_well_formed_age_range(
    document: Any, birthdates: Any, typical: Any
) -> None:
    data = {**document, "birthdateRange": birthdates, "typicalAgeRange": typical}
    settles(data)
    with contextlib.suppress(UnreadableDocument):  # quarantined: settled above
        result = outcome(data)
        if isinstance(result, Activity):
            well_formed_ages(result)


@given(st.sampled_from(REAL), moments, moments)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_date_settles(document: Any, start: str, end: str) -> None:
    """Dates anywhere in the calendar, in any zone, at the top level and in a subEvent."""
    settles({**document, "startDate": start, "endDate": end})
    settles({**document, "subEvent": [{"startDate": start, "endDate": end}]})
