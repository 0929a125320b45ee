"""What a partner needs to show an activity, read from a UiTdatabank event document
(../shared/docs/uitdatabank.md §2, §5, §6, §11; issue 18).

Lenient like the rest of the reader: a part it cannot read is left out, never fatal, and a
part beyond its bound is cut (texts, at a word, with "…") or shortened (lists: the first
items), see `stemkit.contracts.activity_details`. Descriptions are sanitised with nh3
(ammonia): only paragraphs, line breaks, emphasis, lists and http(s)/mailto/tel links stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from html import escape
from typing import Any, TypeVar, cast
from urllib.parse import quote, urlsplit

import nh3
from pydantic import ValidationError

from activities.domain import jsonld
from stemkit.contracts import activity_details as d

T = TypeVar("T")

ALLOWED_TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a"})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_HAS_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!]")
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
_FACILITY = "facility"


def read_details_leniently(document: Mapping[str, Any], main: Any) -> d.ActivityDetails | None:
    """`read_details`, or None when even that fails: details never make a document unusable."""
    return _safe(lambda: read_details(document, main), None)


def read_details(document: Mapping[str, Any], main: Any) -> d.ActivityDetails:
    """Every part the document gives; an empty `ActivityDetails` for a bare document."""
    main_language = main if main in d.LANGUAGES else None
    main_key = cast(d.Language, main_language or "nl")  # where a legacy plain string goes
    names = _localised(document.get("name"), main_key, d.MAX_TRANSLATED_NAME_CHARS)
    descriptions, cut = _descriptions(document.get("description"), main_key)
    same_as = _urls(document.get("sameAs"))
    status = jsonld.mapping(document.get("status"))
    mode = document.get("attendanceMode")
    return d.ActivityDetails(
        main_language=main_language,
        languages=_languages(document.get("languages"), names),
        names=names,
        descriptions=descriptions,
        description_cut=cut,
        status_reason=_localised(status.get("reason"), main_key, d.MAX_SHORT_TEXT_CHARS),
        images=_images(document),
        booking=_safe(lambda: _booking(document.get("bookingInfo"), main_key), None),
        booking_availability=_booking_availability(document.get("bookingAvailability")),
        price=_safe(lambda: _price(document.get("priceInfo"), main_key), None),
        uit_url=next((u for u in same_as if _host(u).endswith("uitinvlaanderen.be")), None),
        same_as=same_as[: d.MAX_LINKS],
        attendance_mode=mode if mode in ("offline", "online", "mixed") else None,
        online_url=url(document.get("onlineUrl")),
        facilities=_facilities(document.get("terms")),
        organizer=_safe(lambda: _organizer(document.get("organizer")), None),
        performers=_performers(document.get("performer")),
    )


def sanitise(html: str) -> str:
    """Sanitised HTML of a description; plain text (UiT allows `\\n`) becomes paragraphs."""
    if not _HAS_TAG.search(html):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", html) if p.strip()]
        html = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    cleaned: str = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return cleaned.strip()


def cut_html(html: str, limit: int) -> str:
    """At most `limit` characters of sanitised HTML, still well formed: cut before a
    partial tag or entity, with "…", and sanitised again (which closes open elements)."""
    if len(html) <= limit:
        return html
    room = limit - 40  # the closing tags nh3 adds back
    while room > 0:
        part = html[:room]
        part = part[: part.rfind("<")] if part.rfind("<") > part.rfind(">") else part
        part = part[: part.rfind("&")] if part.rfind("&") > part.rfind(";") else part
        part = part[: part.rfind(" ")] if " " in part[-30:] else part
        again = sanitise(part.rstrip() + "…")
        if len(again) <= limit:
            return again
        room -= 40
    return ""


def url(value: Any) -> str | None:
    """An absolute http(s) URL, ASCII (non-ASCII percent-encoded), within the bound."""
    text = jsonld.string(value)
    if text is None or any(c.isspace() for c in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    encoded = quote(text, safe=_URL_SAFE)
    return encoded if len(encoded) <= d.MAX_URL_CHARS else None


def cut(text: str | None, limit: int) -> str | None:
    """`text` within `limit` characters, cut at a word with "…"."""
    if text is None or len(text) <= limit:
        return text
    part = text[: limit - 1]
    if " " in part[-30:]:
        part = part[: part.rfind(" ")]
    return part.rstrip() + "…"


def _safe(read: Callable[[], T], fallback: T) -> T:
    """A part whose values the contract refuses is left out: the activity still counts."""
    try:
        return read()
    except (ValidationError, ValueError, TypeError):
        return fallback


def _localised(value: Any, main: d.Language, limit: int) -> d.Localised | None:
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = {main: value}  # legacy: a plain string in the main language
    texts = {
        language: cut(jsonld.string(jsonld.mapping(value).get(language)), limit)
        for language in d.LANGUAGES
    }
    found = {language: text for language, text in texts.items() if text}
    return d.Localised(**found) if found else None


def _descriptions(value: Any, main: d.Language) -> tuple[d.Localised | None, bool]:
    if isinstance(value, str):
        value = {main: value}
    found: dict[str, str] = {}
    was_cut = False
    for language in d.LANGUAGES:
        text = jsonld.string(jsonld.mapping(value).get(language))
        if text is None:
            continue
        html = sanitise(text)
        short = cut_html(html, d.MAX_DESCRIPTION_CHARS)
        was_cut = was_cut or short != html
        if short:
            found[language] = short
    return (d.Localised(**found) if found else None), was_cut


def _languages(value: Any, names: d.Localised | None) -> list[d.Language]:
    given = [v for v in value if v in d.LANGUAGES] if isinstance(value, list) else []
    if not given and names is not None:
        given = [language for language in d.LANGUAGES if names.get(language)]
    return cast(list[d.Language], list(dict.fromkeys(given)))


def _host(address: str) -> str:
    return (urlsplit(address).hostname or "").lower()


def _urls(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return list(dict.fromkeys(u for u in map(url, values) if u))


def _images(document: Mapping[str, Any]) -> list[d.Image]:
    main_url = url(document.get("image"))
    images: list[d.Image] = []
    for item in jsonld.items(document.get("mediaObject")):
        image = _safe(lambda item=item: _image(item, main_url), None)  # type: ignore[misc]
        if image is not None and all(i.url != image.url for i in images):
            images.append(image)
    images.sort(key=lambda i: not i.main)  # the main image first, then the document's order
    return images[: d.MAX_IMAGES]


def _image(item: Mapping[str, Any], main_url: str | None) -> d.Image | None:
    content = url(item.get("contentUrl"))
    kind = jsonld.string(item.get("@type")) or "ImageObject"
    if content is None or not kind.endswith("ImageObject"):
        return None
    language = item.get("inLanguage")
    licence = item.get("license", item.get("licence"))
    return d.Image(
        url=content,
        thumbnail_url=url(item.get("thumbnailUrl")),
        copyright_holder=_short(item.get("copyrightHolder")),
        license=url(licence) or _short(licence),
        description=_short(item.get("description")),
        language=language if language in d.LANGUAGES else None,
        main=content == main_url,
    )


def _short(value: Any) -> str | None:
    return cut(jsonld.string(value), d.MAX_SHORT_TEXT_CHARS)


def _booking(value: Any, main: d.Language) -> d.Booking | None:
    if isinstance(value, list):  # legacy: the whole thing as an array
        value = next(iter(jsonld.items(value)), None)
    info = jsonld.mapping(value)
    booking = d.Booking(
        url=url(info.get("url")),
        url_label=_localised(info.get("urlLabel"), main, d.MAX_SHORT_TEXT_CHARS),
        phone=_short(info.get("phone")),
        email=_short(info.get("email")),
        available_from=jsonld.moment(info.get("availabilityStarts")),
        available_to=jsonld.moment(info.get("availabilityEnds")),
    )
    return None if booking == d.Booking() else booking


def _booking_availability(value: Any) -> Any:
    kind = jsonld.string(jsonld.mapping(value).get("type"))
    return {"Available": "available", "Unavailable": "unavailable"}.get(kind or "")


def _price(value: Any, main: d.Language) -> d.Price | None:
    found = (_safe(lambda i=i: _category(i, main), None) for i in jsonld.items(value))  # type: ignore[misc]
    categories = [c for c in found if c is not None]
    if not categories:
        return None
    categories.sort(key=lambda c: c.category != "base")  # the base price first
    base = [c.price for c in categories if c.category == "base"]
    free = base[0] == 0 if base else all(c.price == 0 for c in categories)
    return d.Price(free=free, categories=categories[: d.MAX_PRICES])


def _category(item: Mapping[str, Any], main: d.Language) -> d.PriceCategory | None:
    category, price = item.get("category"), jsonld.number(item.get("price"))
    if category not in ("base", "tariff", "uitpas") or price is None or price < 0:
        return None
    currency = jsonld.string(item.get("priceCurrency")) or "EUR"
    return d.PriceCategory(
        category=category,
        name=_localised(item.get("name"), main, d.MAX_SHORT_TEXT_CHARS),
        price=round(price, 2),
        currency=currency.upper() if len(currency) == 3 else "EUR",
    )


def _facilities(terms: Any) -> list[d.Facility]:
    found: dict[str, d.Facility] = {}
    for term in jsonld.items(terms):
        term_id = jsonld.string(term.get("id"))
        if term.get("domain") == _FACILITY and term_id and len(term_id) <= d.MAX_TERM_ID_CHARS:
            found.setdefault(term_id, d.Facility(id=term_id, label=_short(term.get("label"))))
    return list(found.values())[: d.MAX_FACILITIES]


def _organizer(value: Any) -> d.Contact | None:
    if not isinstance(value, Mapping):
        return None
    point = value.get("contactPoint")
    emails, phones, urls = [], [], []
    if isinstance(point, Mapping):
        emails = _strings(point.get("email"))
        phones = _strings(point.get("phone"))
        urls = _urls(point.get("url"))
    else:  # legacy: a list of objects with `telephone` / `email`
        for item in jsonld.items(point):
            emails += _strings(item.get("email"))
            phones += _strings(item.get("telephone") or item.get("phone"))
    name = jsonld.text(value.get("name"), value.get("mainLanguage"))
    contact = d.Contact(
        name=cut(name, d.MAX_TRANSLATED_NAME_CHARS),
        url=url(value.get("url")) or next(iter(urls), None),
        emails=list(dict.fromkeys(emails))[: d.MAX_LINKS],
        phones=list(dict.fromkeys(phones))[: d.MAX_LINKS],
    )
    return None if contact == d.Contact() else contact


def _strings(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [s for s in (_short(v) for v in values) if s]


def _performers(value: Any) -> list[str]:
    values = value if isinstance(value, list) else []
    names = (_short(v.get("name") if isinstance(v, Mapping) else v) for v in values)
    return list(dict.fromkeys(n for n in names if n))[: d.MAX_PERFORMERS]
