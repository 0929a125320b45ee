"""The activity as this service understands it: plain values, no I/O, no framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from stemkit.contracts.activity_details import ActivityDetails
from stemkit.domain.calendar_rules import CalendarRules

Status = Literal["available", "temporarily_unavailable", "unavailable"]
Audience = Literal["everyone", "members", "education"]
LocationKind = Literal["place", "online", "school", "dummy", "none"]

BRUSSELS = ZoneInfo("Europe/Brussels")
PUBLIC_WORKFLOW = frozenset({"READY_FOR_VALIDATION", "APPROVED"})  # what calendars show
WITHDRAWN_WORKFLOW = frozenset({"REJECTED", "DELETED"})  # gone from every calendar


@dataclass(frozen=True)
class Occurrence:
    start: datetime
    end: datetime | None = None
    status: Status | None = None  # the subEvent's own status, when it has one
    nis_code: str | None = None  # municipality as of this occurrence's day

    def day(self) -> date:
        return self.start.astimezone(BRUSSELS).date()


@dataclass(frozen=True)
class MunicipalityPeriod:
    """The location's municipality from `first` to `last` (None: open ended), by the dated
    rule of `stemkit.domain.places`; `disagreement` when the coordinates lie elsewhere."""

    first: date | None
    last: date | None
    nis_code: str | None
    by: str | None = None
    disagreement: str | None = None


@dataclass(frozen=True)
class Location:
    place_id: str | None = None  # the canonical place, when the place is a duplicate
    name: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    country: str | None = None
    nis_code: str | None = None  # resolved from the registry's municipalities, not UiT
    kind: LocationKind = "none"
    latitude: float | None = None
    longitude: float | None = None
    unresolved_reason: str | None = None  # why nis_code is None
    periods: tuple[MunicipalityPeriod, ...] = ()  # the municipality per period, dated


@dataclass(frozen=True)
class Activity:
    """One UiTdatabank event, normalised. Value equality is what "unchanged" means."""

    activity_id: str
    name: str
    modified: datetime
    organizer_id: str | None = None
    academy_id: str | None = None  # resolved from the registry's academies, not UiT
    occurrences: tuple[Occurrence, ...] = ()
    # Periodic and permanent: the period and weekly hours the sessions derive from.
    calendar: CalendarRules | None = None
    location: Location = field(default_factory=Location)
    theme_ids: tuple[str, ...] = ()
    type_ids: tuple[str, ...] = ()
    status: Status = "available"
    public: bool = False
    age_min: int | None = None
    age_max: int | None = None
    audience: Audience | None = None
    workflow_status: str | None = None
    available_from: datetime | None = None
    available_to: datetime | None = None
    # UiT labels and hiddenLabels, lower case (`reader._labels`): a configured STEM label
    # lists an activity of no academy on the STEM-kalender (issue 15).
    labels: tuple[str, ...] = ()
    # What partners show (issue 18); the contract's frozen model, compared by value.
    details: ActivityDetails | None = None

    @property
    def withdrawn(self) -> bool:
        return self.workflow_status in WITHDRAWN_WORKFLOW

    def reference_day(self) -> date:
        """The day that decides which municipality version applies: the first occurrence,
        or the last modification for an activity without dates (permanent)."""
        moment = self.occurrences[0].start if self.occurrences else self.modified
        return moment.astimezone(BRUSSELS).date()


Change = Literal["published", "updated", "withdrawn", "unchanged", "stale"]


def change_of(stored: Activity | None, incoming: Activity) -> Change:
    """What storing `incoming` over `stored` means. A document older than the stored one
    never wins (deliveries and polls arrive out of order); one with the same `modified`
    but other content does, because embedded place and organizer data (and our own
    registry links) change without UiTdatabank's `modified` moving. A withdrawn activity
    (DELETED, REJECTED, gone) that consumers never saw is stored but not announced. A
    withdrawal is not undone by a version with the same `modified` (a redelivery of the
    version a 410 withdrew, which keeps that `modified`): only a newer one brings it back."""
    if stored is not None and incoming.modified < stored.modified:
        return "stale"
    if (
        stored is not None
        and stored.withdrawn
        and not incoming.withdrawn
        and incoming.modified == stored.modified
    ):
        return "stale"
    if stored == incoming:
        return "unchanged"
    if incoming.withdrawn:
        return "withdrawn" if stored is not None and not stored.withdrawn else "unchanged"
    if stored is None or stored.withdrawn:
        return "published"
    return "updated"


@dataclass(frozen=True)
class Place:
    place_id: str
    name: str | None
    location: Location  # the address part (kind "place")
    canonical_id: str | None = None  # duplicateOf
    modified: datetime | None = None
    deleted: bool = False


@dataclass(frozen=True)
class Organizer:
    organizer_id: str
    name: str | None
    modified: datetime | None = None
    deleted: bool = False
