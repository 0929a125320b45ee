"""Why a municipality is not reached in a year, and what initiative follows (parliamentary
question 2b and 2c). Ops record one follow-up per municipality (NIS code) and year; a new
one for the same pair replaces it. Pure rules.

The registry does not know reach (the subsidy service computes it): a follow-up may be
recorded for any municipality valid in the year, and the yearly report shows those of the
municipalities that are not reached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from registry.domain.errors import InvalidInput
from registry.domain.municipality import FIRST_YEAR

# Planning looks one year ahead at most: a follow-up for a later year says nothing yet.
YEARS_AHEAD = 1
TEXT_MAX = 1000  # the reason's explanation and the initiative: a paragraph each
AUTHOR_MAX = 200
NIS_CODE = re.compile(r"\d{5}")


class Reason(StrEnum):
    """Why a municipality is not reached (Q2b), the categories of the minister's answer."""

    NO_ACADEMY_NEARBY = "no_academy_nearby"  # no academy works in or near it
    NO_LOCAL_PARTNER = "no_local_partner"  # no venue, school or local partner to host
    LOW_DEMAND = "low_demand"  # offered, too few children registered
    ACADEMY_STOPPED = "academy_stopped"  # the academy that reached it stopped or moved
    NOT_INVESTIGATED = "not_investigated"  # not looked into yet
    OTHER = "other"  # the explanation says what


@dataclass(frozen=True)
class FollowUp:
    nis_code: str
    year: int
    reason: Reason
    explanation: str | None  # free text: required with `other`
    initiative: str | None  # the initiative planned (Q2c); null: none decided yet
    no_initiative_reason: str | None  # why no initiative is taken (Q2c "zo niet")
    author: str
    recorded_at: datetime


def _text(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped or None


def _place_errors(nis_code: str, year: int, today: date) -> dict[str, str]:
    """That the municipality exists in the year is the service layer's check (it needs the
    reference data); here only the shape of the code and the years allowed."""
    errors: dict[str, str] = {}
    if not NIS_CODE.fullmatch(nis_code):
        errors["nis_code"] = "a NIS code: 5 digits"
    last = today.year + YEARS_AHEAD
    if not FIRST_YEAR <= year <= last:
        errors["year"] = f"a year from {FIRST_YEAR} to {last}"
    return errors


def _text_errors(reason: str, texts: dict[str, str | None]) -> dict[str, str]:
    """The reason is one of the list; the texts fit and agree with it and with each other."""
    errors: dict[str, str] = {}
    if reason not in set(Reason):
        errors["reason"] = f"one of {', '.join(Reason)}"
    for field, value in texts.items():
        if value is not None and len(value) > TEXT_MAX:
            errors[field] = f"at most {TEXT_MAX} characters"
    if reason == Reason.OTHER and _text(texts["explanation"]) is None:
        errors.setdefault("explanation", "say what the reason is when it is 'other'")
    if _text(texts["initiative"]) and _text(texts["no_initiative_reason"]):
        errors.setdefault(
            "no_initiative_reason", "give the initiative planned or why there is none, not both"
        )
    return errors


def follow_up(
    nis_code: str,
    year: int,
    reason: str,
    explanation: str | None,
    initiative: str | None,
    no_initiative_reason: str | None,
    author: str,
    recorded_at: datetime,
) -> FollowUp:
    """A checked follow-up, its texts stripped (blank is none). Raises InvalidInput naming
    each bad field."""
    texts = {
        "explanation": explanation,
        "initiative": initiative,
        "no_initiative_reason": no_initiative_reason,
    }
    errors = _place_errors(nis_code, year, recorded_at.date()) | _text_errors(reason, texts)
    if not _text(author) or len(author) > AUTHOR_MAX:
        errors["author"] = f"who records it: 1 to {AUTHOR_MAX} characters"
    if errors:
        raise InvalidInput(errors)
    return FollowUp(
        nis_code=nis_code,
        year=year,
        reason=Reason(reason),
        explanation=_text(explanation),
        initiative=_text(initiative),
        no_initiative_reason=_text(no_initiative_reason),
        author=author.strip(),
        recorded_at=recorded_at,
    )
