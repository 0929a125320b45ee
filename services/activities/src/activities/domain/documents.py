"""What a delivery holds: UiTdatabank's thin change notification, or a whole document.

The notification is what UiTdatabank's own AMQP publisher sends (uitdatabank.md §13):
`{id, playhead, metadata, payload: {item_id, iri}, recorded_on}`; the document must then
be fetched from `iri`. A whole document is an event, a place or an organizer, told apart
by its `@id` (`/event[s]/`, `/place[s]/`, `/organizer[s]/`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from activities.domain import jsonld
from activities.domain.model import Activity, Organizer, Place
from activities.domain.places import UnreadablePlace, read_organizer, read_place
from activities.domain.reader import UnreadableDocument, read_event
from stemkit.domain.uit import resource_id

Kind = Literal["event", "place", "organizer"]
KINDS: tuple[Kind, ...] = ("event", "place", "organizer")


@dataclass(frozen=True)
class Notification:
    kind: Kind
    item_id: str
    iri: str


@dataclass(frozen=True)
class Document:
    kind: Kind
    item_id: str
    body: Mapping[str, Any]


def parse(body: str | bytes) -> Notification | Document:
    """A body as the webhook stores it or a fetch returns it: JSON, then `classify`.
    `UnreadableDocument` for text that is not JSON we read (invalid UTF-8, nesting deeper
    than the parser goes, a number too long). Duplicate keys: the last one wins, as in
    every JSON parser the platform uses."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise UnreadableDocument("the body is not JSON we read: nested too deeply") from None
    except ValueError as exc:  # UnicodeDecodeError is one
        raise UnreadableDocument(f"the body is not JSON: {exc}") from None
    return classify(data)


def classify(data: Any) -> Notification | Document:
    """Raises `UnreadableDocument` for a shape it does not know."""
    if not isinstance(data, Mapping):
        raise UnreadableDocument("unknown shape: the body is not a JSON object")
    payload = data.get("payload")
    if isinstance(payload, Mapping) and "@id" not in data:
        iri = jsonld.string(payload.get("iri"))
        for kind in KINDS:
            item_id = resource_id(iri, kind)
            if iri is not None and item_id is not None:
                return Notification(kind=kind, item_id=item_id, iri=iri)
        shown = jsonld.shown(payload.get("iri"))
        raise UnreadableDocument(
            f"a change notification whose payload.iri {shown} is not the URI "
            "of a UiTdatabank event, place or organizer"
        )
    for kind in KINDS:
        item_id = resource_id(data.get("@id"), kind)
        if item_id is not None:
            return Document(kind=kind, item_id=item_id, body=data)
    shown = jsonld.shown(data.get("@id"))
    raise UnreadableDocument(
        f"unknown shape: @id {shown} is not the URI of a UiTdatabank event, "
        "place or organizer, and the body is no change notification (payload.iri)"
    )


def read_document(document: Document) -> Activity | Place | Organizer:
    """The activity, place or organizer a whole document holds; `UnreadableDocument` else."""
    try:
        if document.kind == "event":
            return read_event(document.body)
        if document.kind == "place":
            return read_place(document.body)
        return read_organizer(document.body)
    except UnreadablePlace as exc:
        raise UnreadableDocument(str(exc)) from None
