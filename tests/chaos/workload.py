"""The chaos workload: a seeded plan of UiTdatabank changes, and the JSON-LD documents each
change produces when it is carried out.

The plan (which change, to which activity or place, by which channel) is drawn up front
from the seed. A document's `modified` is taken from the clock when the change is carried
out (as UiTdatabank stamps it), strictly increasing per item at one-second resolution
(UiTdatabank's), so "the newest version" is well defined for the tally.

Documents follow the real read models in ../shared/uitdatabank/ (the e2e fixture
`academy-event-approved.json` and `udb3-search-service__original-with-multiple-dates.json`
for events, `...places/...original-for-all-ages.json` for places).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from tests.chaos import poison
from tests.chaos.reference import Academy, Municipality

BRUSSELS = ZoneInfo("Europe/Brussels")
UIT = "https://io.uitdatabank.be"
FIRST_DAY, LAST_DAY = date(2023, 1, 9), date(2025, 12, 19)

ChangeKind = Literal[
    "place_create",
    "place_change",
    "create",
    "update",
    "delete",
    "delete_gone",
    "duplicate_same_delivery",
    "duplicate_new_delivery",
    "out_of_order",
    "hostile",
]
CHANGE_KINDS: tuple[ChangeKind, ...] = (
    "place_create",
    "place_change",
    "create",
    "update",
    "delete",
    "delete_gone",
    "duplicate_same_delivery",
    "duplicate_new_delivery",
    "out_of_order",
    "hostile",
)
Channel = Literal["webhook", "poller"]
Form = Literal["document", "notification"]

# How often each kind of change is drawn after the places exist (weights).
WEIGHTS: dict[ChangeKind, float] = {
    "create": 0.22,
    "update": 0.36,
    "delete": 0.05,
    "delete_gone": 0.01,
    "place_change": 0.03,
    "duplicate_same_delivery": 0.08,
    "duplicate_new_delivery": 0.08,
    "out_of_order": 0.08,
}
POLLER_SHARE = 0.2  # activities that reach the platform only through the Search API poller
NOTIFICATION_SHARE = 0.25  # webhook changes sent as a thin notification (the worker fetches)
UNLINKED_SHARE = 0.1  # activities of an organizer no academy is linked to


@dataclass(frozen=True)
class Step:
    """One planned change. `target` is an activity or place index; a hostile change
    (tests/chaos/poison.py) names its kind in `hostile`, and a poison record its topic."""

    index: int
    kind: ChangeKind
    target: int
    form: Form = "document"
    hostile: str = ""
    topic: str | None = None


@dataclass(frozen=True)
class PlaceVersion:
    modified: datetime
    municipality: Municipality
    street: str
    document: dict[str, Any]


@dataclass
class Place:
    place_id: str
    name: str
    versions: list[PlaceVersion] = field(default_factory=list)

    @property
    def iri(self) -> str:
        return f"{UIT}/place/{self.place_id}"

    @property
    def current(self) -> PlaceVersion:
        return self.versions[-1]


@dataclass(frozen=True)
class OccurrencePlan:
    start: datetime  # Brussels time, aware
    end: datetime
    cancelled: bool


@dataclass(frozen=True)
class EventVersion:
    modified: datetime
    name: str
    workflow_status: str
    cancelled: bool  # the event's own status Unavailable
    occurrences: tuple[OccurrencePlan, ...]
    place_index: int
    document: dict[str, Any]


@dataclass
class Activity:
    activity_id: str
    organizer_id: str
    channel: Channel
    versions: list[EventVersion] = field(default_factory=list)
    gone: bool = False  # the Entry API answers 410

    @property
    def deleted(self) -> bool:
        return bool(self.versions) and self.versions[-1].workflow_status == "DELETED"


@dataclass
class Plan:
    seed: int
    steps: list[Step]
    places: list[Place]
    activities: list[Activity]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_plan(
    seed: int,
    changes: int,
    academies: Sequence[Academy],
    unlinked_organizer: str,
    postal_codes: Sequence[Municipality],
    *,
    slow_poison: bool = True,
) -> Plan:
    """Draw `changes` changes: the places first, then a mix of the other kinds that is
    always possible in the state the earlier changes leave, with hostile ones (the poison
    mix, tests/chaos/poison.py) at seeded places among them."""
    rng = random.Random(seed)
    place_count = max(6, min(len(postal_codes) // 3, changes // 50))
    places = [Place(_uuid(rng), f"[CHAOS] Locatie {n}") for n in range(place_count)]
    steps = [Step(n, "place_create", n) for n in range(min(place_count, changes))]
    poison_rng = random.Random(f"{seed}:poison")
    hostile_at = sorted(
        poison_rng.sample(
            range(place_count, max(changes, place_count)),
            poison.hostile_count(changes, place_count, slow=slow_poison),
        )
    )
    mix = poison.variants(slow=slow_poison)
    poison_rng.shuffle(mix)
    drawn = [mix[n % len(mix)] for n in range(len(hostile_at))]  # each once before any twice
    # The slow kinds first: their ~11 minutes of retries then run beside the workload.
    drawn.sort(key=lambda variant: not poison.HOSTILE[variant[0]].slow)
    hostile_steps = dict(zip(hostile_at, drawn, strict=True))
    activities: list[Activity] = []
    live: list[int] = []  # created, not deleted
    webhook_sent: list[int] = []  # webhook activities with at least one delivery
    versions: list[int] = []  # planned versions per activity
    kinds = list(WEIGHTS)
    weights = [WEIGHTS[k] for k in kinds]
    while len(steps) < changes:
        if len(steps) in hostile_steps:
            hostile, topic = hostile_steps[len(steps)]
            steps.append(Step(len(steps), "hostile", -1, hostile=hostile, topic=topic))
            continue
        kind: ChangeKind = rng.choices(kinds, weights)[0]
        form: Form = "notification" if rng.random() < NOTIFICATION_SHARE else "document"
        webhook_live = [a for a in live if activities[a].channel == "webhook"]
        if kind in ("update", "delete") and not live:
            kind = "create"
        if kind == "delete_gone" and not webhook_live:
            kind = "create"
        if kind in ("duplicate_same_delivery", "duplicate_new_delivery") and not webhook_sent:
            kind = "create"
        older = [a for a in webhook_sent if versions[a] >= 2]
        if kind == "out_of_order" and not older:
            kind = "create"
        target: int
        if kind == "create":
            unlinked = rng.random() < UNLINKED_SHARE
            organizer = unlinked_organizer if unlinked else rng.choice(academies).organizer_id
            channel: Channel = "poller" if rng.random() < POLLER_SHARE else "webhook"
            # Withdrawal by 410 is only learnt through a notification, and the poller
            # reconciles it only for organizers it looks at: keep those on the webhook.
            if unlinked:
                channel = "webhook"
            activities.append(Activity(_uuid(rng), organizer, channel))
            versions.append(1)
            target = len(activities) - 1
            live.append(target)
            if channel == "webhook":
                webhook_sent.append(target)
        elif kind in ("update", "delete"):
            target = rng.choice(live)
            versions[target] += 1
            if kind == "delete":
                live.remove(target)
        elif kind == "delete_gone":
            linked = [a for a in webhook_live if activities[a].organizer_id != unlinked_organizer]
            if not linked:
                continue
            target = rng.choice(linked)
            versions[target] += 1
            live.remove(target)
            # No replay of it after the 410: a version the platform never read (announced
            # by a notification, fetched only after the 410) would be newer than anything
            # it stored, and nothing orders a 410 (docs/chaos.md, "A limit of the model").
            webhook_sent.remove(target)
            form = "notification"
        elif kind == "place_change":
            target = rng.randrange(place_count)
        elif kind == "out_of_order":
            target = rng.choice(older)
        else:
            target = rng.choice(webhook_sent)
        steps.append(Step(len(steps), kind, target, form))
    return Plan(seed, steps, places, activities)


class Clock:
    """`modified` stamps: now at one-second resolution, after the item's previous one."""

    def stamp(self, previous: datetime | None) -> datetime:
        now = datetime.now(UTC).replace(microsecond=0)
        if previous is not None and now <= previous:
            return previous + timedelta(seconds=1)
        return now


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def place_version(
    place: Place, municipality: Municipality, street: str, modified: datetime
) -> PlaceVersion:
    created = place.versions[0].modified if place.versions else modified
    document = {
        "@type": "Place",
        "@id": place.iri,
        "@context": "/contexts/place",
        "mainLanguage": "nl",
        "languages": ["nl"],
        "completedLanguages": ["nl"],
        "calendarType": "permanent",
        "name": {"nl": place.name},
        "address": {
            "nl": {
                "addressCountry": "BE",
                "addressLocality": municipality.name,
                "postalCode": municipality.postal_code,
                "streetAddress": street,
            }
        },
        "typicalAgeRange": "-",
        "workflowStatus": "APPROVED",
        "created": _iso(created.astimezone(BRUSSELS)),
        "modified": _iso(modified.astimezone(BRUSSELS)),
        "creator": "[CHAOS] workload",
    }
    return PlaceVersion(modified, municipality, street, document)


def _occurrences(rng: random.Random) -> tuple[OccurrencePlan, ...]:
    found: dict[datetime, OccurrencePlan] = {}  # subEvents of one event never coincide
    for _ in range(rng.choice((1, 1, 2, 3))):
        day = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days))
        hour = rng.randrange(9, 16)  # well inside the day: the Brussels date is the date
        start = datetime.combine(day, time(hour), BRUSSELS)
        found[start] = OccurrencePlan(start, start + timedelta(hours=2), rng.random() < 0.05)
    return tuple(sorted(found.values(), key=lambda o: o.start))


def event_version(
    rng: random.Random,
    activity: Activity,
    place_index: int,
    place: Place,
    modified: datetime,
    *,
    deleted: bool = False,
) -> EventVersion:
    """A new version of the activity: new name, dates, place and status, or DELETED (the
    last version with everything else as it was, as UiTdatabank's projection shows it)."""
    previous = activity.versions[-1] if activity.versions else None
    if deleted and previous is not None:
        name, occurrences, cancelled = previous.name, previous.occurrences, previous.cancelled
        place_index, workflow = previous.place_index, "DELETED"
    else:
        name = f"[CHAOS] STEM-activiteit {activity.activity_id[:8]} v{len(activity.versions) + 1}"
        occurrences = _occurrences(rng)
        cancelled = rng.random() < 0.05
        workflow = rng.choices(("APPROVED", "READY_FOR_VALIDATION", "DRAFT"), (0.85, 0.05, 0.10))[0]
    embedded = place.current
    sub_events = [
        {
            "@type": "Event",
            "startDate": _iso(o.start),
            "endDate": _iso(o.end),
            "status": {"type": "Unavailable" if o.cancelled else "Available"},
        }
        for o in occurrences
    ]
    created = activity.versions[0].modified if activity.versions else modified
    document: dict[str, Any] = {
        "@id": f"{UIT}/event/{activity.activity_id}",
        "@context": "/contexts/event",
        "mainLanguage": "nl",
        "languages": ["nl"],
        "completedLanguages": ["nl"],
        "name": {"nl": name},
        "calendarType": "single" if len(occurrences) == 1 else "multiple",
        "startDate": _iso(occurrences[0].start),
        "endDate": _iso(occurrences[-1].end),
        "availableTo": _iso(occurrences[-1].end),
        "subEvent": sub_events,
        "status": {"type": "Unavailable" if cancelled else "Available"},
        "location": {
            "@id": place.iri,
            "@type": "Place",
            "name": {"nl": place.name},
            "address": {
                "nl": {
                    "addressCountry": "BE",
                    "addressLocality": embedded.municipality.name,
                    "postalCode": embedded.municipality.postal_code,
                    "streetAddress": embedded.street,
                }
            },
        },
        "organizer": {
            "@type": "Organizer",
            "@id": f"{UIT}/organizers/{activity.organizer_id}",
            "name": {"nl": "[CHAOS] organisator"},
        },
        "terms": [{"id": "0.3.1.0.0", "label": "Cursus of workshop", "domain": "eventtype"}],
        "typicalAgeRange": "8-14",
        "audience": {"audienceType": "everyone"},
        "workflowStatus": workflow,
        "created": _iso(created.astimezone(BRUSSELS)),
        "modified": _iso(modified.astimezone(BRUSSELS)),
        "creator": "[CHAOS] workload",
    }
    return EventVersion(modified, name, workflow, cancelled, occurrences, place_index, document)
