"""What a partner needs to show an activity (issue 18): texts in every language of the
UiTdatabank document, images, booking, price, links, attendance mode, facilities and the
organizer's contact. Optional in `ActivitySnapshot` (older events have none).

Bounded so the largest activity's event stays within one Kafka request (activities
`domain/limits.py`, tests/unit/test_reader_limits.py): the activities reader cuts a text
beyond its bound (`description_cut` says so) and keeps the first items of a list; these
are presentation details, and an activity is not another one without them, unlike its
dates or name, which are quarantined when beyond a limit (docs/adr/0015-partner-activity.md).
URLs are ASCII (non-ASCII characters percent-encoded) and http(s) only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["nl", "fr", "de", "en"]
LANGUAGES: tuple[Language, ...] = ("nl", "fr", "de", "en")

MAX_DESCRIPTION_CHARS = 1_000  # sanitised HTML, per language
MAX_TRANSLATED_NAME_CHARS = 200  # a name in another language than the main one (UiT: 90)
MAX_SHORT_TEXT_CHARS = 80  # status reason, URL label, price name, copyright, licence
MAX_URL_CHARS = 500
MAX_IMAGES = 4
MAX_PRICES = 5
MAX_LINKS = 3  # sameAs, and each of the organizer's e-mails, phones and URLs
MAX_FACILITIES = 10
MAX_PERFORMERS = 3
MAX_TERM_ID_CHARS = 32  # a facility term id ("3.15.0.0.0")


class _Detail(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


Url = str  # documented per field: http(s), ASCII, at most MAX_URL_CHARS
Short = Annotated[str, Field(max_length=MAX_SHORT_TEXT_CHARS)]


class Localised(_Detail):
    """One text in the languages the document gives it in (UiT language keys)."""

    nl: str | None = None
    fr: str | None = None
    de: str | None = None
    en: str | None = None

    def get(self, language: str) -> str | None:
        value = getattr(self, language, None) if language in LANGUAGES else None
        return value if isinstance(value, str) else None


class Image(_Detail):
    url: Url = Field(max_length=MAX_URL_CHARS, description="UiT mediaObject contentUrl")
    thumbnail_url: Url | None = Field(default=None, max_length=MAX_URL_CHARS)
    copyright_holder: str | None = Field(default=None, max_length=MAX_SHORT_TEXT_CHARS)
    license: str | None = Field(
        default=None,
        max_length=MAX_SHORT_TEXT_CHARS,
        description="Licence as the document states it (a name or URL); null when it states none",
    )
    description: str | None = Field(default=None, max_length=MAX_SHORT_TEXT_CHARS)
    language: Language | None = Field(default=None, description="UiT inLanguage")
    main: bool = Field(default=False, description="The document's main image (`image`)")


class Booking(_Detail):
    """UiT bookingInfo: how to book, and when booking is open."""

    url: Url | None = Field(default=None, max_length=MAX_URL_CHARS)
    url_label: Localised | None = None
    phone: str | None = Field(default=None, max_length=MAX_SHORT_TEXT_CHARS)
    email: str | None = Field(default=None, max_length=MAX_SHORT_TEXT_CHARS)
    available_from: datetime | None = Field(default=None, description="availabilityStarts")
    available_to: datetime | None = Field(default=None, description="availabilityEnds")


class PriceCategory(_Detail):
    category: Literal["base", "tariff", "uitpas"]
    name: Localised | None = None
    price: float = Field(ge=0)
    currency: str = Field(default="EUR", max_length=3, description="ISO 4217")


class Price(_Detail):
    free: bool = Field(description="The base price is 0")
    categories: list[PriceCategory] = Field(default_factory=list, max_length=MAX_PRICES)


class Facility(_Detail):
    """An accessibility facility (UiT `facility` term)."""

    id: str = Field(max_length=MAX_TERM_ID_CHARS)
    label: str | None = Field(default=None, max_length=MAX_SHORT_TEXT_CHARS, description="nl")


class Contact(_Detail):
    """The organizer as the document embeds it: name and how to reach it."""

    name: str | None = Field(default=None, max_length=MAX_TRANSLATED_NAME_CHARS)
    url: Url | None = Field(default=None, max_length=MAX_URL_CHARS)
    emails: list[Short] = Field(default_factory=list, max_length=MAX_LINKS)
    phones: list[Short] = Field(default_factory=list, max_length=MAX_LINKS)


class ActivityDetails(_Detail):
    main_language: Language | None = Field(default=None, description="UiT mainLanguage")
    languages: list[Language] = Field(
        default_factory=list, max_length=4, description="Languages the name is given in"
    )
    names: Localised | None = Field(default=None, description="The name per language")
    descriptions: Localised | None = Field(
        default=None,
        description="Sanitised HTML per language (p, br, strong, em, ul, ol, li, a href "
        f"http(s)/mailto/tel); at most {MAX_DESCRIPTION_CHARS} characters each",
    )
    description_cut: bool = Field(
        default=False, description="A description was longer and is cut; the UiT page has all"
    )
    status_reason: Localised | None = Field(
        default=None, description="Why cancelled or postponed (UiT status.reason)"
    )
    images: list[Image] = Field(default_factory=list, max_length=MAX_IMAGES)
    booking: Booking | None = None
    booking_availability: Literal["available", "unavailable"] | None = Field(
        default=None, description="UiT bookingAvailability.type: unavailable is sold out"
    )
    price: Price | None = None
    uit_url: Url | None = Field(
        default=None, max_length=MAX_URL_CHARS, description="The UiTinVlaanderen page (sameAs)"
    )
    same_as: list[Annotated[Url, Field(max_length=MAX_URL_CHARS)]] = Field(
        default_factory=list, max_length=MAX_LINKS
    )
    attendance_mode: Literal["offline", "online", "mixed"] | None = None
    online_url: Url | None = Field(default=None, max_length=MAX_URL_CHARS)
    facilities: list[Facility] = Field(default_factory=list, max_length=MAX_FACILITIES)
    organizer: Contact | None = None
    performers: list[Short] = Field(default_factory=list, max_length=MAX_PERFORMERS)
