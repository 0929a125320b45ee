"""The GraphQL types of an activity's details (issue 18) as partners see them: the languages,
texts per language, images, booking, price, facilities and organizer; and the order in which
a text's languages are tried. activity_details.py resolves them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum

import strawberry

from stemkit.contracts import activity_details as d


@strawberry.enum(description="A language of UiTdatabank texts")
class Language(Enum):
    NL = "nl"
    FR = "fr"
    DE = "de"
    EN = "en"


LANGUAGE_BY_CODE = {language.value: language for language in Language}


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
