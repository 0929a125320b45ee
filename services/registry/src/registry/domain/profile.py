"""An academy's profile: KBO enterprise number, website, contact, STEM-partnership, fixed
site. Pure rules; each raises ValueError with a message for the person who typed it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

_WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]{2,}$", re.IGNORECASE)
# Deliberately loose: one @, no spaces, a dot in the domain. Mail delivery is the real test.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTAL_CODE = re.compile(r"^[1-9]\d{3}$")
_NIS_CODE = re.compile(r"^\d{5}$")


def check_nis_code(raw: str) -> str:
    code = raw.strip()
    if not _NIS_CODE.match(code):
        raise ValueError(f"{raw!r} is not a NIS code (5 digits)")
    return code


def normalise_enterprise_number(raw: str) -> str:
    """A KBO enterprise number as 10 digits, from "0202.239.951", "BE 0202 239 951" etc.

    The last two digits are 97 minus (the first eight modulo 97). Old numbers of 9 digits get
    their leading 0.
    """
    text = re.sub(r"[\s.\-/]", "", raw.strip().upper()).removeprefix("BE")
    if not text.isdigit() or len(text) not in (9, 10):
        raise ValueError(f"{raw!r} is not an enterprise number (10 digits, e.g. 0202.239.951)")
    digits = text.zfill(10)
    if digits[0] not in "01":
        raise ValueError(f"{raw!r} is not an enterprise number (it starts with 0 or 1)")
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        raise ValueError(f"{raw!r} fails the enterprise number's check digits (mod 97)")
    return digits


def check_website(raw: str) -> str:
    text = raw.strip()
    if len(text) > 300 or not _WEBSITE.match(text):
        raise ValueError(f"{raw!r} is not a website address (http:// or https://)")
    return text


def check_email(raw: str) -> str:
    text = raw.strip()
    if len(text) > 254 or not _EMAIL.match(text):
        raise ValueError(f"{raw!r} is not an e-mail address")
    return text.lower()


def check_partnership(raw: str) -> str:
    text = " ".join(raw.split())
    if not text or len(text) > 200:
        raise ValueError("the STEM-partnership is 1 to 200 characters")
    return text


def check_postal_code(raw: str) -> str:
    text = raw.strip()
    if not _POSTAL_CODE.match(text):
        raise ValueError(f"{raw!r} is not a Belgian postal code (4 digits)")
    return text


@dataclass(frozen=True)
class FixedSite:
    """Where an academy works at its own site; any part may be unknown."""

    nis_code: str | None = None
    postal_code: str | None = None
    address: str | None = None

    @classmethod
    def parse(cls, nis_code: str | None, postal_code: str | None, address: str | None) -> FixedSite:
        clean = " ".join((address or "").split()) or None
        if clean is not None and len(clean) > 300:
            raise ValueError("the address is at most 300 characters")
        return cls(
            nis_code=check_nis_code(nis_code) if nis_code else None,
            postal_code=check_postal_code(postal_code) if postal_code else None,
            address=clean,
        )


@dataclass(frozen=True)
class Profile:
    enterprise_number: str | None = None
    website: str | None = None
    contact_email: str | None = None
    stem_partnership: str | None = None
    fixed_site: FixedSite | None = None


@dataclass(frozen=True)
class RawProfile:
    """A profile as typed (API body, CSV row): checked by `parse_profile`."""

    enterprise_number: str | None = None
    website: str | None = None
    contact_email: str | None = None
    stem_partnership: str | None = None
    fixed_site: bool = False
    fixed_nis_code: str | None = None
    fixed_postal_code: str | None = None
    fixed_address: str | None = None


def parse_profile(raw: RawProfile, errors: dict[str, str]) -> Profile:
    """The checked profile; every bad field is added to `errors` (and left out)."""

    def checked(field: str, value: str | None, check: Callable[[str], str]) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return check(value)
        except ValueError as exc:
            errors[field] = str(exc)
            return None

    site = None
    if raw.fixed_site:
        try:
            site = FixedSite.parse(raw.fixed_nis_code, raw.fixed_postal_code, raw.fixed_address)
        except ValueError as exc:
            errors["fixed_location"] = str(exc)
    return Profile(
        enterprise_number=checked(
            "enterprise_number", raw.enterprise_number, normalise_enterprise_number
        ),
        website=checked("website", raw.website, check_website),
        contact_email=checked("contact_email", raw.contact_email, check_email),
        stem_partnership=checked("stem_partnership", raw.stem_partnership, check_partnership),
        fixed_site=site,
    )


class _Site(Protocol):
    @property
    def nis_code(self) -> str | None: ...
    @property
    def postal_code(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...


class _Fields(Protocol):
    @property
    def enterprise_number(self) -> str | None: ...
    @property
    def website(self) -> str | None: ...
    @property
    def contact_email(self) -> str | None: ...
    @property
    def stem_partnership(self) -> str | None: ...


def raw_of(profile: Profile) -> RawProfile:
    """The profile back as raw input (to apply a partial update and check it again)."""
    return raw_profile(profile, profile.fixed_site)


def raw_profile(fields: _Fields, site: _Site | None) -> RawProfile:
    """Raw input from anything with a profile's fields (a checked profile, an API body)."""
    return RawProfile(
        enterprise_number=fields.enterprise_number,
        website=fields.website,
        contact_email=fields.contact_email,
        stem_partnership=fields.stem_partnership,
        fixed_site=site is not None,
        fixed_nis_code=site.nis_code if site else None,
        fixed_postal_code=site.postal_code if site else None,
        fixed_address=site.address if site else None,
    )
