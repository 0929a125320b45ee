"""UiTdatabank identifiers, read the same way by every service.

The registry links academies to UiT organizer ids and the activities service reads the
same ids from event documents: both must agree on one form, or activities never link to
their academy. The form is the bare id in lower case, hyphens as given. Ids are UUIDs;
legacy UDB2 ids are written 8-4-4-16 and in upper case (uitdatabank.md §1), and `@id`s
are URIs on several hosts, with `/organizer/` or `/organizers/`.
"""

from __future__ import annotations

import re
from typing import Any

_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-?[0-9a-f]{12}"
_BARE_ID = re.compile(rf"^{_ID}$")
# The schema's @id pattern (event-@id.json), for any kind.
_URI = {
    kind: re.compile(rf"^https?://.+?/{kind}s?/({_ID})(?:[/?#]|$)")
    for kind in ("event", "place", "organizer")
}


def resource_id(value: Any, kind: str) -> str | None:
    """The id in an `@id` URI of `kind` (event, place, organizer); None if it holds none."""
    if not isinstance(value, str):
        return None
    match = _URI[kind].match(value.strip().lower())
    return match.group(1) if match else None


def normalise_organizer_id(raw: str) -> str:
    """An organizer id as given by a person: the bare id or the organizer's URI."""
    text = raw.strip().lower()
    if _BARE_ID.match(text):
        return text
    found = resource_id(text, "organizer")
    if found is None:
        raise ValueError(f"{raw!r} is not a UiTdatabank organizer id (a UUID or an organizer URI)")
    return found
