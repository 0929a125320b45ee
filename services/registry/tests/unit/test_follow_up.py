"""The rules of a municipality follow-up (Q2b/c): each bad field is named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.domain.errors import InvalidInput
from registry.domain.follow_up import TEXT_MAX, FollowUp, Reason, follow_up

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def make(**given: object) -> FollowUp:
    fields: dict[str, object] = {
        "nis_code": "23023",
        "year": 2022,
        "reason": "no_local_partner",
        "explanation": None,
        "initiative": None,
        "no_initiative_reason": None,
        "author": "VLAIO ops",
        "recorded_at": NOW,
    }
    return follow_up(**{**fields, **given})  # type: ignore[arg-type]


def bad_fields(**given: object) -> set[str]:
    with pytest.raises(InvalidInput) as refused:
        make(**given)
    return set(refused.value.errors)


def test_a_follow_up_keeps_its_texts_stripped_and_blank_is_none() -> None:
    found = make(initiative="  Netwerkdag in Pajottenland  ", explanation="   ")
    assert found == make(initiative="Netwerkdag in Pajottenland")
    assert found.reason is Reason.NO_LOCAL_PARTNER
    assert found.explanation is None


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"nis_code": "2302"}, "nis_code"),
        ({"nis_code": "2302A"}, "nis_code"),
        ({"year": 2018}, "year"),
        ({"year": 2028}, "year"),  # more than one year ahead of 2026
        ({"reason": "lazy"}, "reason"),
        ({"reason": "other"}, "explanation"),  # other says what
        ({"reason": "other", "explanation": " "}, "explanation"),
        ({"explanation": "x" * (TEXT_MAX + 1)}, "explanation"),
        ({"initiative": "x" * (TEXT_MAX + 1)}, "initiative"),
        ({"initiative": "a day", "no_initiative_reason": "none needed"}, "no_initiative_reason"),
        ({"author": " "}, "author"),
        ({"author": "x" * 201}, "author"),
    ],
)
def test_a_bad_field_is_named(given: dict[str, object], field: str) -> None:
    assert field in bad_fields(**given)


def test_next_year_can_be_planned_and_other_with_its_explanation_is_accepted() -> None:
    assert make(year=2027).year == 2027
    assert make(reason="other", explanation="road works").explanation == "road works"
