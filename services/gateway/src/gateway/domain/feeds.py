"""Partner agenda feeds of activities (partner_api/feeds.py serves them): what the two
formats share: an activity's texts in the feed's language, its place as one line, the
feed's last change. The formats: `ical_feed.to_ical` (iCalendar, RFC 5545) and
`jsonld_feed.to_jsonld` (schema.org `Event` JSON-LD).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from gateway.adapters.activities import ActivityRead
from stemkit.contracts.activity_details import ActivityDetails, Localised
from stemkit.domain.richtext import plain_text

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
BRUSSELS = ZoneInfo("Europe/Brussels")


def last_modified(activities: Sequence[ActivityRead]) -> datetime:
    return max((a.modified for a in activities if a.modified), default=EPOCH)


@dataclass(frozen=True)
class Texts:
    """An activity's texts in the feed's language (its main language, nl, any)."""

    description: str | None  # plain text
    url: str | None  # the page to link: UiT page, else the booking page, else sameAs

    @classmethod
    def of(cls, activity: ActivityRead, language: str) -> Texts:
        details = activity.details or ActivityDetails()
        html = pick(details.descriptions, language, details.main_language)
        booking = details.booking.url if details.booking else None
        page = details.uit_url or booking or next(iter(details.same_as), None)
        return cls(description=None if html is None else plain_text(html), url=page)


def pick(texts: Localised | None, language: str, main: str | None) -> str | None:
    if texts is None:
        return None
    for candidate in dict.fromkeys([language, main or "nl", "nl", "fr", "de", "en"]):
        if (text := texts.get(candidate)) is not None:
            return text
    return None


def place_line(activity: ActivityRead) -> str:
    where = activity.location
    town = " ".join(p for p in (where.postal_code, where.locality) if p)
    return ", ".join(p for p in (where.name, where.street_address, town) if p)
