"""The GraphQL object types partners see (camelCase in the schema): an academy, a
municipality in a year and an activity, which refer to each other; an academy's standing is
academy_standing.py, an activity's plain parts activity_parts.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import partial
from typing import cast

import strawberry

from gateway.adapters import activities as activities_api
from gateway.adapters.activities import ActivityFilters, ActivityRead
from gateway.adapters.registry import AcademyRead, MunicipalityRead
from gateway.partner_api import activity_details as ad
from gateway.partner_api import detail_types
from gateway.partner_api.academy_standing import (
    AcademyRole,
    Reach,
    Recognition,
    academy_reach,
    academy_recognition,
    academy_roles,
)
from gateway.partner_api.activity_parts import STATUSES, ActivityStatus, Location, Occurrence
from gateway.partner_api.detail_types import Language, language_order, pick
from gateway.schema.context import Resolve
from gateway.schema.loaders import _later, ready
from gateway.schema.paging import Connection, check_first
from stemkit.contracts.activity_details import ActivityDetails


# Resolvers are plain functions passed as `resolver=` (not decorated methods), so mypy
# --strict sees their types without a Strawberry plugin.
async def _academy_activities(
    root: Academy,
    info: Resolve,
    first: int,
    after: str | None = None,
    languages: list[Language] | None = None,
) -> Connection[Activity] | None:
    check_first(first)
    filters = ActivityFilters(academy_id=root.id)
    client = info.context.loaders.upstreams.activities
    found, following = await activities_api.list_activities(client, filters, first, after)
    return Connection.of([Activity.of(read, languages) for read in found], following)


@strawberry.type(description="A STEM-academy")
class Academy:
    id: strawberry.ID
    name: str
    demo: bool = strawberry.field(description="Synthetic demo data, never real")
    home_nis_code: str | None = strawberry.field(
        description="NIS code of the municipality the academy is based in"
    )
    stem_partnership: str | None = strawberry.field(description="Its regional STEM-partnership")
    website: str | None
    reach: list[Reach] = strawberry.field(
        resolver=academy_reach,
        description="Reached municipalities, all years unless `year` is given",
    )
    recognition: Recognition | None = strawberry.field(
        resolver=academy_recognition,
        description="Its recognition in force `on` a day (default: today, Brussels time)",
    )
    roles: list[AcademyRole] = strawberry.field(
        resolver=academy_roles, description="The roles it holds in `year`"
    )
    activities: Connection[Activity] | None = strawberry.field(
        resolver=_academy_activities,
        description="Its activities on the STEM-kalender, in start order (one call per academy)",
    )

    @classmethod
    def of(cls, read: AcademyRead) -> Academy:
        return cls(
            id=strawberry.ID(read.id),
            name=read.name,
            demo=read.demo,
            home_nis_code=read.home_nis_code,
            stem_partnership=read.stem_partnership,
            website=read.website,
        )


async def _municipality_reached(root: Municipality, info: Resolve) -> bool:
    return root.nis_code in await info.context.loaders.reached.load(root.year)


async def _municipality_reached_by(root: Municipality, info: Resolve) -> list[Academy]:
    # One subsidy call per year asked; the academies of every municipality of the answer
    # go through the registry DataLoader together (one call per batch of 100).
    found = await info.context.loaders.reached_by.load(root.year)
    ids = found.get(root.nis_code, [])
    academies = await info.context.loaders.academies.load_many(ids)
    return [Academy.of(a) for a in academies if a is not None]


@strawberry.type(description="A Flemish municipality in a year")
class Municipality:
    nis_code: str
    name: str
    province: str
    year: strawberry.Private[int]
    reached: bool | None = strawberry.field(
        resolver=_municipality_reached,
        description="Whether an academy reached it that year (subsidy service)",
    )
    reached_by: list[Academy] = strawberry.field(
        resolver=_municipality_reached_by,
        description="The academies that reached it that year (subsidy service, names from the "
        "registry); empty when none did",
    )

    @classmethod
    def of(cls, read: MunicipalityRead, year: int) -> Municipality:
        return cls(nis_code=read.nis_code, name=read.name_nl, province=read.province_nl, year=year)


def municipality_key(root: Activity) -> tuple[str, int] | None:
    """(NIS code, year of the first occurrence) of an activity's municipality."""
    if root.location.nis_code is None:
        return None
    year = root.occurrences[0].start.year if root.occurrences else date.today().year
    return root.location.nis_code, year


# These two resolvers are plain functions: when a list resolver already loaded the batch
# (`loaders.ready`), they answer at once, without a coroutine per row; otherwise they hand
# graphql-core an awaitable (it awaits what a resolver returns).
def _activity_municipality(root: Activity, info: Resolve) -> Municipality | None:
    key = municipality_key(root)
    if key is None:
        return None
    loader = info.context.loaders.municipalities
    done, found = ready(loader, key)
    year = key[1]
    if done:
        return None if found is None else Municipality.of(found, year)
    convert = partial(Municipality.of, year=year)
    return cast("Municipality | None", _later(loader.load(key), convert))


def _activity_academy(root: Activity, info: Resolve) -> Academy | None:
    if root.academy_id is None:
        return None
    loader = info.context.loaders.academies
    done, found = ready(loader, root.academy_id)
    if done:
        return None if found is None else Academy.of(found)
    return cast("Academy | None", _later(loader.load(root.academy_id), Academy.of))


@strawberry.type(description="An activity on the STEM-kalender (from UiTdatabank)")
class Activity:
    id: strawberry.ID = strawberry.field(description="UiTdatabank event id")
    name: str
    organizer_id: str | None = strawberry.field(description="UiTdatabank organizer id")
    occurrences: list[Occurrence]
    location: Location
    theme_ids: list[str] = strawberry.field(description="UiTdatabank theme term ids")
    status: ActivityStatus
    age_min: int | None = strawberry.field(description="Youngest age it suits")
    age_max: int | None = strawberry.field(description="Oldest age it suits; null if open")
    academy_id: strawberry.Private[str | None]
    modified: strawberry.Private[datetime | None]
    read: strawberry.Private[ActivityRead]
    details: strawberry.Private[ActivityDetails | None]
    order: strawberry.Private[tuple[str, ...]]  # languages to try for texts, first first
    language: Language | None = strawberry.field(
        resolver=ad.text_language,
        description="The language `name` and the other texts are in (issue 18)",
    )
    main_language: Language | None = strawberry.field(
        resolver=ad.main_language, description="The UiTdatabank document's mainLanguage"
    )
    languages: list[Language] = strawberry.field(
        resolver=ad.languages, description="Every language the activity is given in"
    )
    description: str | None = strawberry.field(
        resolver=ad.description,
        description="Sanitised HTML (p, br, strong, em, ul, ol, li, links); at most 1,000 "
        "characters, `descriptionCut` when longer (the UiT page has all)",
    )
    description_text: str | None = strawberry.field(
        resolver=ad.description_text, description="The description as plain text"
    )
    description_cut: bool = strawberry.field(
        resolver=ad.description_cut, description="The description was longer and is cut"
    )
    translations: list[detail_types.ActivityTranslation] = strawberry.field(
        resolver=ad.translations, description="The texts in every language it has"
    )
    images: list[detail_types.Image] = strawberry.field(
        resolver=ad.images, description="Images, the main one first, with their rights"
    )
    booking: detail_types.Booking | None = strawberry.field(
        resolver=ad.booking, description="How to book: URL, phone, e-mail, when"
    )
    booking_availability: detail_types.BookingAvailability | None = strawberry.field(
        resolver=ad.booking_availability, description="UNAVAILABLE: sold out"
    )
    price: detail_types.Price | None = strawberry.field(
        resolver=ad.price, description="Price categories; null when UiT gives none"
    )
    uit_url: str | None = strawberry.field(
        resolver=ad.uit_url, description="Its UiTinVlaanderen page (from sameAs)"
    )
    same_as: list[str] = strawberry.field(
        resolver=ad.same_as, description="Pages about the same activity (UiT sameAs)"
    )
    attendance_mode: detail_types.AttendanceMode | None = strawberry.field(
        resolver=ad.attendance_mode, description="Offline, online or mixed"
    )
    online_url: str | None = strawberry.field(
        resolver=ad.online_url, description="Where to join, online and mixed activities"
    )
    facilities: list[detail_types.Facility] = strawberry.field(
        resolver=ad.facilities, description="Accessibility facilities, if given"
    )
    organizer: detail_types.Organizer | None = strawberry.field(
        resolver=ad.organizer, description="The organizer's name and contact (UiT)"
    )
    performers: list[str] = strawberry.field(
        resolver=ad.performers, description="Performers, where UiT names them"
    )
    status_reason: str | None = strawberry.field(
        resolver=ad.status_reason, description="Why it is cancelled or postponed"
    )
    calendar_summary: str | None = strawberry.field(
        resolver=ad.summary,
        description="When, in one line, in the language asked (Brussels time)",
    )
    municipality: Municipality | None = strawberry.field(
        resolver=_activity_municipality,
        description="The municipality it takes place in (as of its first occurrence)",
    )
    academy: Academy | None = strawberry.field(
        resolver=_activity_academy,
        description="The organising academy, when the organizer is linked",
    )

    @classmethod
    def of(cls, read: ActivityRead, languages: Sequence[Language] | None = None) -> Activity:
        place = read.location
        found = read.details
        order = language_order(languages, found.main_language if found else None)
        name = (pick(found.names, order)[1] if languages and found else None) or read.name
        return cls(
            id=strawberry.ID(read.activity_id),
            name=name,
            organizer_id=read.organizer_id,
            occurrences=[Occurrence(start=o.start, end=o.end) for o in read.occurrences],
            location=Location(
                name=place.name,
                postal_code=place.postal_code,
                locality=place.locality,
                nis_code=place.nis_code,
                street_address=place.street_address,
                country=place.country,
                latitude=place.latitude,
                longitude=place.longitude,
                online=place.kind == "online",
            ),
            theme_ids=list(read.theme_ids),
            status=STATUSES.get(read.status) or ActivityStatus(read.status),
            age_min=read.age_min,
            age_max=read.age_max,
            academy_id=read.academy_id,
            modified=read.modified,
            read=read,
            details=found,
            order=order,
        )
