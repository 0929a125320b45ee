"""Events of the activities service: the STEM-kalender built from UiTdatabank."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from stemkit.contracts.activity_details import ActivityDetails
from stemkit.domain import calendar_rules
from stemkit.eventing.catalog import EventType

ACTIVITY_TOPIC = "stem.activities.activity.v1"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Occurrence(_Payload):
    start: datetime = Field(description="Start, with offset")
    end: datetime | None = Field(default=None, description="End, with offset")
    status: Literal["available", "temporarily_unavailable", "unavailable"] | None = Field(
        default=None, description="This occurrence's own status, when UiTdatabank gives one"
    )
    nis_code: str | None = Field(
        default=None,
        pattern=r"^\d{5}$",
        description="Municipality as of this occurrence's date, when it differs in time",
    )


class MunicipalityPeriod(_Payload):
    """The location's municipality in one period of the reference data (stemkit.places)."""

    first: date | None = Field(default=None, description="First day; null: from any day")
    last: date | None = Field(default=None, description="Last day; null: still")
    nis_code: str | None = Field(default=None, pattern=r"^\d{5}$", description="None: unresolved")
    by: Literal["postal_code", "locality", "coordinates", "centroid"] | None = Field(
        default=None, description="What decided it (the precedence of stemkit.places)"
    )
    disagreement: str | None = Field(
        default=None, description="For ops: the coordinates lie in another municipality"
    )


class Location(_Payload):
    place_id: str | None = Field(default=None, description="UiTdatabank place id (lower case)")
    name: str | None = None
    street_address: str | None = Field(default=None, description="Street and number")
    postal_code: str | None = None
    locality: str | None = None
    country: str | None = Field(default=None, description="ISO 3166 alpha-2")
    nis_code: str | None = Field(
        default=None, pattern=r"^\d{5}$", description="Municipality, when resolved"
    )
    kind: Literal["place", "online", "school", "dummy", "none"] | None = Field(
        default=None,
        description="place: a UiTdatabank place; online: the nil location; school: "
        "'in consultation with the school'; dummy: an address without a place id; none",
    )
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    unresolved_reason: str | None = Field(
        default=None, description="Why no municipality could be resolved, when none was"
    )
    periods: list[MunicipalityPeriod] = Field(
        default_factory=list,
        max_length=20,
        description="The municipality per period (before and from the 2025 mergers): a "
        "session's date picks the one that holds it; empty in events of older versions",
    )


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MAX_CALENDAR_RULES = 200  # entries of one list of a compact calendar


class OpeningHours(_Payload):
    day_of_week: list[Weekday] = Field(max_length=7, description="UiT openingHours.dayOfWeek")
    opens: time = Field(description="Brussels wall-clock time (UiT opens, HH:MM)")
    closes: time = Field(description="Brussels wall-clock time (UiT closes, HH:MM)")

    def rule(self) -> calendar_rules.WeeklyHours:
        days = tuple(sorted({calendar_rules.WEEKDAYS.index(d) for d in self.day_of_week}))
        return calendar_rules.WeeklyHours(days, self.opens, self.closes)


class DayRange(_Payload):
    first: date = Field(description="First day (Brussels date), included")
    last: date = Field(description="Last day (Brussels date), included")

    def rule(self) -> calendar_rules.DayRange:
        return calendar_rules.DayRange(self.first, self.last)


class AdjustedDays(DayRange):
    opening_hours: list[OpeningHours] = Field(
        default_factory=list,
        max_length=MAX_CALENDAR_RULES,
        description="Hours that replace the weekly ones on these days (empty: closed)",
    )


class Calendar(_Payload):
    """The compact calendar of a periodic or permanent activity (ranges and weekly rules,
    never the dates they expand to): `stemkit.calendar_rules.sessions` expands it."""

    type: Literal["periodic", "permanent"]
    period: DayRange | None = Field(
        default=None, description="Periodic: startDate..endDate (Brussels dates); permanent: null"
    )
    opening_hours: list[OpeningHours] = Field(
        default_factory=list, max_length=MAX_CALENDAR_RULES, description="UiT openingHours"
    )
    closed_days: list[DayRange] = Field(
        default_factory=list,
        max_length=MAX_CALENDAR_RULES,
        description="UiT openingHoursClosedDays: no session on these days",
    )
    adjusted_days: list[AdjustedDays] = Field(
        default_factory=list,
        max_length=MAX_CALENDAR_RULES,
        description="UiT openingHoursAdjustedDays: other hours on these days",
    )

    def rules(self) -> calendar_rules.CalendarRules:
        return calendar_rules.CalendarRules(
            kind=self.type,
            period=None if self.period is None else self.period.rule(),
            hours=tuple(h.rule() for h in self.opening_hours),
            closed=tuple(c.rule() for c in self.closed_days),
            adjusted=tuple(
                calendar_rules.AdjustedDays(a.rule(), tuple(h.rule() for h in a.opening_hours))
                for a in self.adjusted_days
            ),
        )

    @classmethod
    def of(cls, rules: calendar_rules.CalendarRules) -> Calendar:
        return cls(
            type=rules.kind,
            period=None if rules.period is None else _range(rules.period),
            opening_hours=[_hours(h) for h in rules.hours],
            closed_days=[_range(c) for c in rules.closed],
            adjusted_days=[
                AdjustedDays(
                    first=a.days.first,
                    last=a.days.last,
                    opening_hours=[_hours(h) for h in a.hours],
                )
                for a in rules.adjusted
            ],
        )


def _range(days: calendar_rules.DayRange) -> DayRange:
    return DayRange(first=days.first, last=days.last)


def _hours(hours: calendar_rules.WeeklyHours) -> OpeningHours:
    return OpeningHours(
        day_of_week=[calendar_rules.WEEKDAYS[d] for d in hours.weekdays],
        opens=hours.opens,
        closes=hours.closes,
    )


class ActivitySnapshot(_Payload):
    """What consumers need of an activity: the whole current state, not a delta."""

    activity_id: str = Field(description="UiTdatabank event id (lower-case UUID)")
    name: str
    organizer_id: str | None = Field(default=None, description="UiTdatabank organizer id")
    academy_id: str | None = Field(
        default=None, description="Academy, when the organizer is linked"
    )
    occurrences: list[Occurrence] = Field(
        default_factory=list,
        description="The dates: subEvents; a periodic activity's whole period as one range",
    )
    calendar: Calendar | None = Field(
        default=None,
        description="Periodic and permanent activities: the period and the weekly hours and "
        "closed days, from which stemkit.calendar_rules derives the sessions",
    )
    location: Location
    theme_ids: list[str] = Field(default_factory=list, description="UiTdatabank theme term ids")
    status: Literal["available", "temporarily_unavailable", "unavailable"] = "available"
    public: bool = Field(default=True, description="Shown on the STEM-kalender")
    age_min: int | None = Field(default=None, ge=0, description="Youngest age (typicalAgeRange)")
    age_max: int | None = Field(default=None, ge=0, description="Oldest age; null if open ended")
    audience: Literal["everyone", "members", "education"] | None = None
    type_ids: list[str] | None = Field(default=None, description="UiTdatabank eventtype term ids")
    workflow_status: str | None = Field(
        default=None, description="UiTdatabank workflowStatus as read (DRAFT, APPROVED, ...)"
    )
    available_from: datetime | None = Field(default=None, description="Shown from (UiT rule)")
    available_to: datetime | None = Field(
        default=None, description="Shown until (UiT rule: start for courses and camps)"
    )
    modified: datetime = Field(description="UiTdatabank `modified` of the source document")
    labels: list[str] = Field(
        default_factory=list,
        description="UiTdatabank labels and hiddenLabels, lower case (at most 10 of at most "
        "64 characters): the activities service lists an activity of no academy when one "
        "is a configured STEM label (ACTIVITIES_STEM_LABELS)",
    )
    details: ActivityDetails | None = Field(
        default=None,
        description="What a partner needs to show it: texts per language, images, booking, "
        "price, links, attendance mode, facilities, organizer contact; null in older events",
    )


class ActivityPublished(ActivitySnapshot):
    """An activity appeared on the STEM-kalender."""


class ActivityUpdated(ActivitySnapshot):
    """An activity on the STEM-kalender changed."""


class ActivityWithdrawn(_Payload):
    """An activity left the STEM-kalender (deleted, rejected, or no longer STEM)."""

    activity_id: str
    reason: str
    modified: datetime


EVENT_TYPES = [
    EventType(
        name="be.vlaio.stem.activity.published.v1",
        topic=ACTIVITY_TOPIC,
        payload=ActivityPublished,
        subject_field="activity_id",
        description="An activity appeared on the STEM-kalender.",
    ),
    EventType(
        name="be.vlaio.stem.activity.updated.v1",
        topic=ACTIVITY_TOPIC,
        payload=ActivityUpdated,
        subject_field="activity_id",
        description="An activity on the STEM-kalender changed; carries the whole new state.",
    ),
    EventType(
        name="be.vlaio.stem.activity.withdrawn.v1",
        topic=ACTIVITY_TOPIC,
        payload=ActivityWithdrawn,
        subject_field="activity_id",
        description="An activity left the STEM-kalender.",
    ),
]
