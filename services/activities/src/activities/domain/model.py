"""The activity as this service understands it: plain values, no I/O, no framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

Status = Literal["available", "temporarily_unavailable", "unavailable"]

BRUSSELS = ZoneInfo("Europe/Brussels")


@dataclass(frozen=True)
class Occurrence:
    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class Location:
    place_id: str | None = None
    name: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    country: str | None = None
    nis_code: str | None = None  # resolved from the registry's municipalities, not UiT


@dataclass(frozen=True)
class Activity:
    """One UiTdatabank event, normalised. Value equality is what "unchanged" means."""

    activity_id: str
    name: str
    modified: datetime
    organizer_id: str | None = None
    academy_id: str | None = None  # resolved from the registry's academies, not UiT
    occurrences: tuple[Occurrence, ...] = ()
    location: Location = field(default_factory=Location)
    theme_ids: tuple[str, ...] = ()
    status: Status = "available"
    public: bool = False

    def reference_day(self) -> date:
        """The day that decides which municipality version applies: the first occurrence,
        or the last modification for an activity without dates (permanent)."""
        moment = self.occurrences[0].start if self.occurrences else self.modified
        return moment.astimezone(BRUSSELS).date()


Change = Literal["published", "updated", "unchanged", "stale"]


def change_of(stored: Activity | None, incoming: Activity) -> Change:
    """What storing `incoming` over `stored` means. A document older than the stored one
    never wins (deliveries and polls arrive out of order); one with the same `modified`
    but other content does, because embedded place and organizer data (and our own
    registry links) change without UiTdatabank's `modified` moving."""
    if stored is None:
        return "published"
    if incoming.modified < stored.modified:
        return "stale"
    if incoming == stored:
        return "unchanged"
    return "updated"
