"""Fuzzing the reader with the real UiTdatabank documents of ../shared/uitdatabank.

Each example takes one real event, place or organizer and mutates it (types swapped,
fields dropped, nulls, huge or empty strings, deep nesting, odd dates, unknown calendar
types), or mutates the JSON text the webhook stores and a fetch returns (duplicate keys,
invalid UTF-8, nesting deeper than the parser goes). The property: the outcome is an
activity, a place, an organizer or a notification to fetch, which the rest of the
pipeline can carry (stored, announced in an event within the size budget), or a
quarantine reason; never an exception. A fixed budget (derandomised, no example database)
keeps it to a few seconds in `make test`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities.adapters.snapshots import from_snapshot, to_snapshot
from activities.domain import limits
from activities.domain.documents import Notification, classify, parse, read_document
from activities.domain.model import Activity, Organizer, Place
from activities.domain.reader import UnreadableDocument
from activities.service_layer.catalogue import SOURCE
from stemkit.contracts import CATALOG
from stemkit.contracts.activities import ActivityUpdated
from stemkit.eventing.kafka import MAX_MESSAGE_BYTES

ROOT = Path(__file__).resolve().parents[4]  # the checkout; `shared` sits beside it
SHARED = ROOT.parent / "shared" / "uitdatabank"
if not SHARED.is_dir():
    pytest.skip(
        f"../shared/uitdatabank (the real UiTdatabank documents) is not beside the checkout "
        f"(looked in {SHARED})",
        allow_module_level=True,
    )
REAL = {
    str(p.relative_to(SHARED)): json.loads(p.read_text(encoding="utf-8"))
    for p in sorted(SHARED.rglob("*.json"))
}
EVENTS = [name for name in REAL if name.startswith("events/")]
assert len(EVENTS) >= 10, f"the real events in {SHARED}"
MAX_REASON_CHARS = 1_000  # a reason is read by a person on the ops page
EVENT_BUDGET = MAX_MESSAGE_BYTES // 2  # see test_reader_limits.py

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- what the reader may make of a body ----------------------------------------------


def carried(activity: Activity) -> None:
    """The activity is within the limits, its event fits one Kafka request, and what the
    table stores reads back as the same activity (else every redelivery is an update)."""
    assert limits.activity_beyond(activity) is None
    snapshot = to_snapshot(activity)
    event = CATALOG.new_event(ActivityUpdated.model_validate(snapshot.model_dump()), source=SOURCE)
    key, value, headers = event.to_kafka()
    assert len(key) + len(value) + sum(len(n) + len(v) for n, v in headers) < EVENT_BUDGET
    row = event.to_json().encode("utf-8")  # the outbox row: UTF-8, and no NUL for PostgreSQL
    assert b"\\u0000" not in row
    stored = json.loads(row)["data"]
    assert from_snapshot(snapshot.model_dump(mode="json")) == activity
    assert from_snapshot(stored) == activity


def stored_text(value: str | None) -> None:
    """PostgreSQL stores it: UTF-8 without NUL."""
    if value is not None:
        assert "\x00" not in value
        value.encode("utf-8")


def settled(read: Any) -> None:
    """`read()` gives an outcome the pipeline can carry, or raises a reason to quarantine."""
    try:
        result = read()
    except UnreadableDocument as exc:
        reason = str(exc)
        assert reason, "a quarantine needs a reason"
        assert len(reason) <= MAX_REASON_CHARS, f"a reason of {len(reason)} characters"
        stored_text(reason)
        return
    if isinstance(result, Activity):
        carried(result)
    elif isinstance(result, Place):
        assert limits.location_beyond(result.location) is None
        for text in (result.name, result.location.locality, result.location.postal_code):
            stored_text(text)
    elif isinstance(result, Organizer):
        stored_text(result.name)
    else:
        assert isinstance(result, Notification)
        stored_text(result.iri)


def read(data: Any) -> Activity | Place | Organizer | Notification:
    item = classify(data)
    return item if isinstance(item, Notification) else read_document(item)


def read_body(body: str | bytes) -> Activity | Place | Organizer | Notification:
    item = parse(body)
    return item if isinstance(item, Notification) else read_document(item)


# --- mutations of a parsed document ---------------------------------------------------

Path_ = tuple[str | int, ...]


def paths(value: Any, at: Path_ = ()) -> Iterator[Path_]:
    """Every place in the tree that holds a value, the root's fields included (down to
    a depth that real documents never reach, below which a nested value is one value)."""
    if len(at) > 12:
        return
    children: Any = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        yield (*at, key)
        yield from paths(child, (*at, key))


def parent(document: Any, path: Path_) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
any_json = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
odd_strings = st.one_of(
    st.just(""),
    st.sampled_from(
        [" ", "\x00", "\t\n", "\ud800", "a\udfffb", "\U0001f600", "\u202e", "-", "null"]
    ),
    st.text(st.characters(exclude_categories=()), min_size=1, max_size=40),  # surrogates too
    st.builds(
        lambda c, n: c * n,
        st.sampled_from(["x", "é", "\U0001f600", "\x00", " "]),
        st.sampled_from([1_001, 70_000]),
    ),
)
odd_dates = st.one_of(
    st.sampled_from(
        [
            "2017-02-30T10:00:00+01:00",  # no such day
            "2017-04-22T25:00:00",
            "2017-04-22T10:00:00+24:00",
            "2017-06-30T23:59:60Z",  # a leap second
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:00:00+14:00",  # before the first day in UTC
            "9999-12-31T23:59:59-14:00",  # after the last day in UTC
            "+10000-01-01T00:00:00Z",
            "-0001-01-01",
            "20170422T100000Z",
            "2017-W16-6",
            "2017-04-22 10:00",
            "2017-04-22T10:00:00.123456789Z",
            "2017-04-22",
            "2017-04-22T10:00",  # no zone: Brussels
            "T10:00",
            "now",
        ]
    ),
    st.datetimes().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.isoformat()),
    st.integers(min_value=-(2**40), max_value=2**40),  # an epoch, not ISO-8601
)
# The fields the reader reads: half the mutations land on one of them.
READ_KEYS = frozenset(
    {
        *("@id", "name", "nl", "fr", "mainLanguage", "calendarType", "subEvent", "status"),
        *("type", "location", "address", "addressLocality", "postalCode", "addressCountry"),
        *("geo", "latitude", "longitude", "duplicateOf", "terms", "id", "domain", "organizer"),
        *("workflowStatus", "audience", "audienceType", "typicalAgeRange", "birthdateRange"),
        *("from", "to", "attendanceMode"),
    }
)
DATE_KEYS = ("startDate", "endDate", "created", "modified", "availableFrom", "availableTo")


# The shapes the reader looks into; grafted with odd leaves where a real document has no
# such field (a leaf is None here).
SHAPES: dict[str, Any] = {
    "name": {"nl": None, "fr": None},
    "mainLanguage": None,
    "status": {"type": None},
    "audience": {"audienceType": None},
    "terms": [{"id": None, "domain": None}],
    "organizer": {"@id": None},
    "birthdateRange": {"from": None, "to": None},
    "subEvent": [{"startDate": None, "endDate": None, "status": {"type": None}}],
    "location": {
        "@id": None,
        "mainLanguage": None,
        "name": None,
        "duplicateOf": None,
        "geo": {"latitude": None, "longitude": None},
        "address": {"nl": {"postalCode": None, "addressLocality": None, "addressCountry": None}},
    },
}


@st.composite
def grafted(draw: st.DrawFn, shape: Any) -> Any:
    if isinstance(shape, dict):
        return {k: draw(grafted(v)) for k, v in shape.items() if draw(st.integers(0, 4))}
    if isinstance(shape, list):
        return [draw(grafted(shape[0])) for _ in range(draw(st.integers(0, 2)))]
    return draw(st.one_of(any_json, odd_strings, odd_dates))


def nested(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value] if depth % 2 else {"@value": value}
    return value


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """The document with one to four mutations, anywhere in its tree."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(
            st.sampled_from(
                ["drop", "null", "swap", "string", "nest", "date", "calendar", "reverse", "graft"]
            )
        )
        if kind == "graft":
            key = draw(st.sampled_from(sorted(SHAPES)))
            document[key] = draw(grafted(SHAPES[key]))
            continue
        if kind == "calendar":
            document["calendarType"] = draw(
                st.one_of(st.sampled_from(["PERIODIC", "daily", "Permanent", ""]), any_json)
            )
            continue
        if kind == "reverse":  # every range runs backwards
            for item in [
                document,
                *[s for s in document.get("subEvent") or [] if isinstance(s, dict)],
            ]:
                if isinstance(item, dict):
                    item["startDate"], item["endDate"] = item.get("endDate"), item.get("startDate")
            continue
        if kind == "date":
            key = draw(st.sampled_from(DATE_KEYS))
            holders = [
                document,
                *[s for s in document.get("subEvent") or [] if isinstance(s, dict)],
            ]
            holder = draw(
                st.sampled_from([h for h in holders if isinstance(h, dict)] or [document])
            )
            holder[key] = draw(odd_dates)
            continue
        found = list(paths(document))
        read = [p for p in found if p[-1] in READ_KEYS]
        if not found:
            break
        on_read = draw(st.booleans())
        path = draw(st.sampled_from(read if read and on_read else found))
        at, step = parent(document, path), path[-1]
        if kind == "drop":
            del at[step]
        elif kind == "null":
            at[step] = None
        elif kind == "swap":
            at[step] = draw(any_json)
        elif kind == "string":
            at[step] = draw(odd_strings)
        else:
            at[step] = nested(at[step], draw(st.sampled_from([2, 50, 200])))
    return document


# --- mutations of the JSON text -------------------------------------------------------


def with_duplicate(document: Any, target: Path_, key: str, value: Any, first: bool) -> str:
    """JSON text of the document whose object at `target` holds `key` twice."""

    def encode(node: Any, at: Path_) -> str:
        if isinstance(node, dict):
            pairs = [f"{json.dumps(k)}:{encode(v, (*at, k))}" for k, v in node.items()]
            if at == target:
                extra = f"{json.dumps(key)}:{json.dumps(value)}"
                pairs = [extra, *pairs] if first else [*pairs, extra]
            return "{" + ",".join(pairs) + "}"
        if isinstance(node, list):
            return "[" + ",".join(encode(v, (*at, i)) for i, v in enumerate(node)) + "]"
        return json.dumps(node)

    return encode(document, ())


def objects(document: Any) -> list[Path_]:
    return [(), *(p for p in paths(document) if isinstance(_at(document, p), dict))]


def _at(document: Any, path: Path_) -> Any:
    for key in path:
        document = document[key]
    return document


INVALID_UTF8 = [
    b"\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xf8\x88\x80\x80\x80",
    b"\x80",
    b"\xe2\x82",
]


# --- the properties -------------------------------------------------------------------


@given(st.sampled_from(sorted(REAL)), st.data())
@settings(FUZZ, max_examples=100)
def test_any_mutation_of_a_real_document_settles(name: str, data: st.DataObject) -> None:
    document = data.draw(mutated(REAL[name]))
    settled(lambda: read(document))


@given(st.sampled_from(EVENTS), st.data())
@FUZZ
def test_any_mutation_of_a_real_event_settles(name: str, data: st.DataObject) -> None:
    document = data.draw(mutated(REAL[name]))
    settled(lambda: read(document))


@given(st.sampled_from(sorted(REAL)), st.data(), st.booleans())
@settings(FUZZ, max_examples=100)
def test_duplicate_keys_settle_as_the_webhook_and_the_fetch_parse_them(
    name: str, data: st.DataObject, first: bool
) -> None:
    document = REAL[name]
    target = data.draw(st.sampled_from(objects(document)))
    holder = _at(document, target)
    key = data.draw(st.sampled_from([*holder, "@id", "name", "subEvent", "calendarType"]))
    value = data.draw(st.one_of(any_json, odd_dates, odd_strings))
    body = with_duplicate(document, target, key, value, first)
    settled(lambda: read_body(body))
    settled(lambda: read_body(body.encode("utf-8")))


@given(st.sampled_from(sorted(REAL)), st.data(), st.sampled_from(INVALID_UTF8))
@FUZZ
def test_invalid_utf8_settles(name: str, data: st.DataObject, bad: bytes) -> None:
    raw = json.dumps(REAL[name], ensure_ascii=False).encode("utf-8")
    at = data.draw(st.integers(min_value=0, max_value=len(raw)))
    settled(lambda: read_body(raw[:at] + bad + raw[at:]))


@given(st.sampled_from(sorted(REAL)), st.sampled_from([1_000, 100_000]), st.sampled_from("[{"))
@settings(FUZZ, max_examples=20)
def test_json_nested_deeper_than_the_parser_goes_settles(
    document: Any, depth: int, bracket: str
) -> None:
    opening = "[" * depth if bracket == "[" else '{"a":' * depth
    closing = "]" * depth if bracket == "[" else "}" * depth
    text = json.dumps(document)
    settled(lambda: read_body(text[:-1] + f',"deep":{opening}1{closing}' + "}"))
