"""What a partner needs to build an activity page (issue 18): the GraphQL types of the
activity's details and the resolvers that read them, in the language the partner asks.

Languages: `activity`, `activities` and `Academy.activities` take `languages: [Language!]`;
every text is given in the first of those the activity has, then its main language, then
nl, then any (UiT's own fallback, ../shared/docs/uitdatabank.md §11). `language` tells
which language `name` came in; `translations` gives every language at once.

Resolvers are plain functions of the root (`Any`: `Activity` is defined in `types`, which
imports this module), so a field not asked for costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from gateway.domain import calendar_summary
from stemkit.contracts import activity_details as d
from stemkit.domain.richtext import plain_text


@strawberry.enum(description="A language of UiTdatabank texts")
class Language(Enum):
    NL = "nl"
    FR = "fr"
    DE = "de"
    EN = "en"


_LANGUAGES = {language.value: language for language in Language}


@strawberry.enum(description="How the activity is attended (UiT attendanceMode)")
class AttendanceMode(Enum):
    OFFLINE = "offline"
    ONLINE = "online"
    MIXED = "mixed"


@strawberry.enum(description="Whether places can still be booked (UiT bookingAvailability)")
class BookingAvailability(Enum):
    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"


@strawberry.enum(description="UiT price category: base (exactly one), tariff or uitpas")
class PriceCategoryKind(Enum):
    BASE = "base"
    TARIFF = "tariff"
    UITPAS = "uitpas"


def language_order(asked: Sequence[Language] | None, main: str | None) -> tuple[str, ...]:
    """The languages to try, in order: the asked ones, the main language, nl, the others."""
    first = [language.value for language in asked or ()]
    return tuple(dict.fromkeys([*first, *([main] if main else []), *d.LANGUAGES]))


def pick(texts: d.Localised | None, order: Sequence[str]) -> tuple[str | None, str | None]:
    """(language, text) of the first language in `order` that `texts` has."""
    if texts is None:
        return None, None
    for language in order:
        if (text := texts.get(language)) is not None:
            return language, text
    return None, None


@strawberry.type(description="The activity's texts in one language")
class ActivityTranslation:
    language: Language
    name: str | None
    description: str | None = strawberry.field(description="Sanitised HTML")
    description_text: str | None = strawberry.field(description="The description as plain text")
    status_reason: str | None = strawberry.field(description="Why cancelled or postponed")


@strawberry.type(description="An image of the activity, with its rights")
class Image:
    url: str
    thumbnail_url: str | None
    copyright_holder: str | None = strawberry.field(
        description="Whom to credit (UiT copyrightHolder); show it with the image"
    )
    license: str | None = strawberry.field(
        description="The licence the document states (a name or URL); null when it states none"
    )
    description: str | None = strawberry.field(description="Alternative text")
    language: Language | None
    main: bool = strawberry.field(description="The document's main image (listed first)")


@strawberry.type(description="How to book (UiT bookingInfo)")
class Booking:
    url: str | None
    url_label: str | None = strawberry.field(description="In the language asked")
    phone: str | None
    email: str | None
    available_from: datetime | None = strawberry.field(description="Booking opens")
    available_to: datetime | None = strawberry.field(description="Booking closes")


@strawberry.type
class PriceCategory:
    category: PriceCategoryKind
    name: str | None = strawberry.field(description="In the language asked")
    price: float
    currency: str = strawberry.field(description="ISO 4217, EUR")


@strawberry.type(description="What it costs (UiT priceInfo)")
class Price:
    free: bool = strawberry.field(description="The base price is 0")
    categories: list[PriceCategory] = strawberry.field(description="The base price first")


@strawberry.type(description="An accessibility facility (UiT facility term)")
class Facility:
    id: str
    label: str | None = strawberry.field(description="Dutch label")


@strawberry.type(description="The organizer as UiTdatabank gives it: name and contact")
class Organizer:
    name: str | None
    url: str | None
    emails: list[str]
    phones: list[str]


def _details(root: Any) -> d.ActivityDetails | None:
    details: d.ActivityDetails | None = root.details
    return details


def text_language(root: Any) -> Language | None:
    details = _details(root)
    language, _ = pick(details.names if details else None, root.order)
    found = language or (details.main_language if details else None)
    return _LANGUAGES.get(found or "")


def main_language(root: Any) -> Language | None:
    details = _details(root)
    return _LANGUAGES.get(details.main_language or "") if details else None


def languages(root: Any) -> list[Language]:
    details = _details(root)
    return [_LANGUAGES[language] for language in details.languages] if details else []


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
                    language=_LANGUAGES[language],
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
            language=_LANGUAGES.get(i.language or ""),
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
