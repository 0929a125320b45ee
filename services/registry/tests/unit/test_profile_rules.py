"""The rules of an academy's profile: KBO enterprise number (mod 97), website, e-mail,
partnership, fixed site."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.academy import Academy, InvalidAcademy
from registry.domain.profile import (
    FixedSite,
    RawProfile,
    check_email,
    check_website,
    normalise_enterprise_number,
    raw_of,
)

NOW = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        "0202.239.951",
        "0202239951",
        "BE 0202 239 951",
        "be0202.239.951",
        "202239951",
        " 0202-239-951",
    ],
)
def test_an_enterprise_number_is_normalised_to_ten_digits(raw: str) -> None:
    assert normalise_enterprise_number(raw) == "0202239951"


def test_a_second_real_enterprise_number() -> None:
    assert normalise_enterprise_number("0417.497.106") == "0417497106"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0202.239.952", "check digits"),
        ("0202.239.915", "check digits"),
        ("2202.239.951", "starts with 0 or 1"),
        ("02022399", "10 digits"),
        ("02022399511", "10 digits"),
        ("BE0202.23X.951", "10 digits"),
        ("", "10 digits"),
    ],
)
def test_a_wrong_enterprise_number_is_refused(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalise_enterprise_number(raw)


def test_websites_and_email_addresses() -> None:
    assert check_website(" https://stem.example.be/academie ") == "https://stem.example.be/academie"
    assert check_email(" Info@Example.BE ") == "info@example.be"
    for bad in ("stem.example.be", "ftp://example.be", "https://", "https://x"):
        with pytest.raises(ValueError, match="website"):
            check_website(bad)
    for bad in ("info", "info@", "a b@example.be", "info@example"):
        with pytest.raises(ValueError, match="e-mail"):
            check_email(bad)


def test_a_profile_with_every_bad_field_names_each() -> None:
    raw = RawProfile(
        enterprise_number="123",
        website="nope",
        contact_email="nope",
        stem_partnership="   ",
        fixed_site=True,
        fixed_nis_code="123",
    )
    with pytest.raises(InvalidAcademy) as caught:
        Academy.register(
            name="Lab", uit_organizer_ids=[], home_nis_code=None, created_at=NOW, profile=raw
        )
    # An empty partnership is no partnership, not an error.
    assert set(caught.value.errors) == {
        "enterprise_number",
        "website",
        "contact_email",
        "fixed_location",
    }


def test_a_profile_round_trips_through_raw_input() -> None:
    raw = RawProfile(
        enterprise_number="0202.239.951",
        website="https://lab.example.be",
        contact_email="Lab@Example.be",
        stem_partnership="  STEM-partnerschap   Limburg ",
        fixed_site=True,
        fixed_postal_code="3500",
    )
    academy = Academy.register(
        name="Lab", uit_organizer_ids=[], home_nis_code=None, created_at=NOW, profile=raw
    )
    profile = academy.profile
    assert profile.enterprise_number == "0202239951"
    assert profile.contact_email == "lab@example.be"
    assert profile.stem_partnership == "STEM-partnerschap Limburg"
    assert profile.fixed_site == FixedSite(postal_code="3500")
    again = Academy.register(
        name="Lab",
        uit_organizer_ids=[],
        home_nis_code=None,
        created_at=NOW,
        profile=raw_of(profile),
        academy_id=academy.id,
    )
    assert again == academy


@given(st.integers(min_value=0, max_value=19_999_999), st.integers(min_value=0, max_value=99))
def test_exactly_the_right_check_digits_pass(base: int, check: int) -> None:
    number = f"{base:08d}{check:02d}"
    formatted = f"{number[:4]}.{number[4:7]}.{number[7:]}"
    if check == 97 - base % 97:
        assert normalise_enterprise_number(formatted) == number
    else:
        with pytest.raises(ValueError, match="mod 97"):
            normalise_enterprise_number(formatted)
