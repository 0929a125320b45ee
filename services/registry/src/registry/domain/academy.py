"""Academies and the rules for their UiTdatabank organizer ids. Pure: no I/O, no framework."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from registry.domain.errors import InvalidInput
from registry.domain.profile import Profile, RawProfile, check_nis_code, parse_profile
from stemkit.domain.uit import normalise_organizer_id

T = TypeVar("T")

NAME_MAX = 200
DEMO_PREFIX = "[DEMO] "


class InvalidAcademy(InvalidInput):
    """An academy's input that breaks a rule, naming each bad field."""


def normalise_organizer_ids(raw: Iterable[str]) -> tuple[str, ...]:
    """Normalised ids, sorted, without duplicates (the same id in two cases is one id)."""
    return tuple(sorted({normalise_organizer_id(item) for item in raw}))


def normalise_name(raw: str, *, demo: bool) -> str:
    name = " ".join(raw.split())
    if not name:
        raise ValueError("the name must not be empty")
    if len(name) > NAME_MAX:
        raise ValueError(f"the name must be at most {NAME_MAX} characters")
    # Synthetic demo data must never pass for a real academy, nor a real one for demo data.
    if demo and not name.startswith(DEMO_PREFIX):
        raise ValueError(f"a demo academy's name starts with {DEMO_PREFIX!r}")
    if not demo and name.upper().startswith(DEMO_PREFIX.strip()):
        raise ValueError(f"only demo academies have names starting with {DEMO_PREFIX.strip()!r}")
    return name


@dataclass(frozen=True)
class Academy:
    id: str
    name: str
    uit_organizer_ids: tuple[str, ...]
    home_nis_code: str | None
    demo: bool
    created_at: datetime
    profile: Profile = field(default_factory=Profile)
    updated_at: datetime | None = None

    @classmethod
    def register(
        cls,
        *,
        name: str,
        uit_organizer_ids: Iterable[str],
        home_nis_code: str | None,
        created_at: datetime,
        demo: bool = False,
        academy_id: str | None = None,
        profile: RawProfile | None = None,
        updated_at: datetime | None = None,
    ) -> Academy:
        """A new academy from raw input; raises InvalidAcademy naming every bad field."""
        errors: dict[str, str] = {}
        clean_name = _collect(errors, "name", lambda: normalise_name(name, demo=demo))
        ids = _collect(
            errors, "uit_organizer_ids", lambda: normalise_organizer_ids(uit_organizer_ids)
        )
        home = None
        if home_nis_code is not None:
            home = _collect(errors, "home_nis_code", lambda: check_nis_code(home_nis_code))
        checked_profile = parse_profile(profile or RawProfile(), errors)
        if errors or clean_name is None or ids is None:
            raise InvalidAcademy(errors)
        return cls(
            id=academy_id or str(uuid.uuid4()),
            name=clean_name,
            uit_organizer_ids=ids,
            home_nis_code=home,
            demo=demo,
            created_at=created_at,
            profile=checked_profile,
            updated_at=updated_at,
        )


def _collect(errors: dict[str, str], field: str, check: Callable[[], T]) -> T | None:
    try:
        return check()
    except ValueError as exc:
        errors[field] = str(exc)
        return None
