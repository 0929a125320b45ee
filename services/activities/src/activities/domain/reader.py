"""From a UiTdatabank event JSON-LD document to an `Activity` (uitdatabank.md §1-11).

Lenient: it normalises what it can and leaves out what it cannot read. A document is
unusable (`UnreadableDocument`, with the precise reason) only without an event id, a
name, a date of change, or, unless permanent, any date, or when it holds more than one
activity may (`limits`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from activities.domain import calendar, details, jsonld, limits
from activities.domain.model import PUBLIC_WORKFLOW, Activity, Audience
from activities.domain.places import organizer_id_of, read_location
from stemkit.domain.uit import resource_id

AUDIENCES = frozenset({"everyone", "members", "education"})


class UnreadableDocument(ValueError):
    """The document lacks what an activity needs at least; the message says what."""


def read_event(document: Any) -> Activity:
    if not isinstance(document, Mapping):
        raise UnreadableDocument("the document is not a JSON object")
    activity_id = resource_id(document.get("@id"), "event")
    if activity_id is None:
        shown = jsonld.shown(document.get("@id"))
        raise UnreadableDocument(
            f"no UiTdatabank event id in @id {shown} (expected .../event[s]/<uuid>)"
        )
    main = document.get("mainLanguage")
    name = jsonld.text(document.get("name"), main)
    if name is None:
        raise UnreadableDocument(f"event {activity_id} has no name")
    # `modified` orders versions; `created` stands in on documents that were never changed.
    modified = jsonld.moment(document.get("modified")) or jsonld.moment(document.get("created"))
    if modified is None:
        raise UnreadableDocument(f"event {activity_id} has neither a modified nor a created date")
    try:
        dates = calendar.occurrences(document)
    except calendar.NoUsableDate as exc:
        raise UnreadableDocument(f"event {activity_id}: {exc}") from None
    type_ids = _term_ids(document.get("terms"), "eventtype")
    available_from, available_to = calendar.availability(document, dates, type_ids)
    age_min, age_max = calendar.ages(document, dates)
    workflow = jsonld.string(document.get("workflowStatus"))
    activity = Activity(
        activity_id=activity_id,
        name=name,
        modified=modified,
        organizer_id=organizer_id_of(document.get("organizer")),
        occurrences=dates,
        calendar=calendar.rules(document),
        location=read_location(document.get("location"), main, document.get("attendanceMode")),
        theme_ids=_term_ids(document.get("terms"), "theme"),
        type_ids=type_ids,
        status=calendar.status(document.get("status")) or "available",
        public=workflow in PUBLIC_WORKFLOW,
        age_min=age_min,
        age_max=age_max,
        audience=_audience(document.get("audience")),
        labels=_labels(document),
        workflow_status=workflow,
        available_from=available_from,
        available_to=available_to,
        details=details.read_details_leniently(document, main),
    )
    beyond = limits.activity_beyond(activity)
    if beyond is not None:
        raise UnreadableDocument(f"event {activity_id}: {beyond}")
    return activity


def _labels(document: Mapping[str, Any]) -> tuple[str, ...]:
    """`hiddenLabels` then `labels` (uitdatabank.md §7: both filter alike), lower case, each
    once. Bounded so the event stays small (`limits.MAX_LABELS`, `MAX_LABEL_CHARS`): longer
    labels and those beyond the first ten are left out, not quarantined; they only decide
    whether an activity of no academy is listed (a configured STEM label is within them)."""
    found: dict[str, None] = {}
    for key in ("hiddenLabels", "labels"):
        values = document.get(key)
        for value in values if isinstance(values, list) else []:
            label = jsonld.string(value) if isinstance(value, str) else None
            if label is not None and len(label) <= limits.MAX_LABEL_CHARS:
                found.setdefault(label.lower(), None)
    return tuple(found)[: limits.MAX_LABELS]


def _term_ids(terms: Any, domain: str) -> tuple[str, ...]:
    # Labels change over time; only the term id is stable (§6).
    ids = {jsonld.string(t.get("id")) for t in jsonld.items(terms) if t.get("domain") == domain}
    return tuple(sorted(i for i in ids if i))


def _audience(value: Any) -> Audience:
    """`everyone` is UiTdatabank's default, also for a value it does not know (a list or
    an object too: not a string, so never looked up in the set, which cannot hash it)."""
    kind = jsonld.mapping(value).get("audienceType")
    return cast(Audience, kind) if isinstance(kind, str) and kind in AUDIENCES else "everyone"
