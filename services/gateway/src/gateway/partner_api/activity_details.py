"""What a partner needs to build an activity page (issue 18): the resolvers that read the
activity's details (their GraphQL types are detail_types.py), in the language the partner asks.

Languages: `activity`, `activities` and `Academy.activities` take `languages: [Language!]`;
every text is given in the first of those the activity has, then its main language, then
nl, then any (UiT's own fallback, ../shared/docs/uitdatabank.md §11). `language` tells
which language `name` came in; `translations` gives every language at once.

Resolvers are plain functions of the root (`Any`: `Activity` is defined in `types`, which
imports this module), so a field not asked for costs nothing.
"""

from __future__ import annotations

from typing import Any

from gateway.domain import calendar_summary
from gateway.partner_api.detail_types import (
    LANGUAGE_BY_CODE,
    ActivityTranslation,
    AttendanceMode,
    Booking,
    BookingAvailability,
    Facility,
    Image,
    Organizer,
    Price,
    PriceCategory,
    PriceCategoryKind,
    pick,
)

# graphql_api/query.py takes Language from here
from gateway.partner_api.detail_types import Language as Language
from stemkit.contracts import activity_details as d
from stemkit.domain.richtext import plain_text


def _details(root: Any) -> d.ActivityDetails | None:
    details: d.ActivityDetails | None = root.details
    return details


def text_language(root: Any) -> Language | None:
    details = _details(root)
    language, _ = pick(details.names if details else None, root.order)
    found = language or (details.main_language if details else None)
    return LANGUAGE_BY_CODE.get(found or "")


def main_language(root: Any) -> Language | None:
    details = _details(root)
    return LANGUAGE_BY_CODE.get(details.main_language or "") if details else None


def languages(root: Any) -> list[Language]:
    details = _details(root)
    return [LANGUAGE_BY_CODE[language] for language in details.languages] if details else []


def description(root: Any) -> str | None:
    details = _details(root)
    return pick(details.descriptions if details else None, root.order)[1]


def description_text(root: Any) -> str | None:
    html = description(root)
    return None if html is None else plain_text(html)


def description_cut(root: Any) -> bool:
    details = _details(root)
    return bool(details and details.description_cut)


def translations(root: Any) -> list[ActivityTranslation]:
    details = _details(root)
    if details is None:
        return []
    found = []
    for language in d.LANGUAGES:
        name = details.names.get(language) if details.names else None
        html = details.descriptions.get(language) if details.descriptions else None
        reason = details.status_reason.get(language) if details.status_reason else None
        if name or html or reason:
            found.append(
                ActivityTranslation(
                    language=LANGUAGE_BY_CODE[language],
                    name=name,
                    description=html,
                    description_text=None if html is None else plain_text(html),
                    status_reason=reason,
                )
            )
    return found


def images(root: Any) -> list[Image]:
    details = _details(root)
    return [
        Image(
            url=i.url,
            thumbnail_url=i.thumbnail_url,
            copyright_holder=i.copyright_holder,
            license=i.license,
            description=i.description,
            language=LANGUAGE_BY_CODE.get(i.language or ""),
            main=i.main,
        )
        for i in (details.images if details else [])
    ]


def booking(root: Any) -> Booking | None:
    details = _details(root)
    if details is None or details.booking is None:
        return None
    info = details.booking
    return Booking(
        url=info.url,
        url_label=pick(info.url_label, root.order)[1],
        phone=info.phone,
        email=info.email,
        available_from=info.available_from,
        available_to=info.available_to,
    )


def booking_availability(root: Any) -> BookingAvailability | None:
    details = _details(root)
    found = details.booking_availability if details else None
    return None if found is None else BookingAvailability(found)


def price(root: Any) -> Price | None:
    details = _details(root)
    if details is None or details.price is None:
        return None
    categories = [
        PriceCategory(
            category=PriceCategoryKind(c.category),
            name=pick(c.name, root.order)[1],
            price=c.price,
            currency=c.currency,
        )
        for c in details.price.categories
    ]
    return Price(free=details.price.free, categories=categories)


def uit_url(root: Any) -> str | None:
    details = _details(root)
    return details.uit_url if details else None


def same_as(root: Any) -> list[str]:
    details = _details(root)
    return list(details.same_as) if details else []


def attendance_mode(root: Any) -> AttendanceMode | None:
    details = _details(root)
    found = details.attendance_mode if details else None
    return None if found is None else AttendanceMode(found)


def online_url(root: Any) -> str | None:
    details = _details(root)
    return details.online_url if details else None


def facilities(root: Any) -> list[Facility]:
    details = _details(root)
    return [Facility(id=f.id, label=f.label) for f in (details.facilities if details else [])]


def organizer(root: Any) -> Organizer | None:
    details = _details(root)
    if details is None or details.organizer is None:
        return None
    found = details.organizer
    return Organizer(
        name=found.name, url=found.url, emails=list(found.emails), phones=list(found.phones)
    )


def performers(root: Any) -> list[str]:
    details = _details(root)
    return list(details.performers) if details else []


def status_reason(root: Any) -> str | None:
    details = _details(root)
    return pick(details.status_reason if details else None, root.order)[1]


def summary(root: Any) -> str | None:
    read = root.read
    return calendar_summary.summary(read.occurrences, read.calendar, root.order[0])
