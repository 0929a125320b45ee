"""The independent tally: what the platform must show, computed only from what the runner
sent (the plan's versions) and the published rules, never from the services' code.

- An activity's final state is its version with the newest `modified`; DELETED (or 410)
  means withdrawn.
- Its municipality is the NIS code of the postal code chosen for its place's newest
  version (the workload only uses postal codes with one municipality that never changed).
- Reach (subsidy-rules: public, not withdrawn, event and occurrence not cancelled, in
  Flanders, academy recognised on the day): one (academy, year, NIS code) per qualifying
  occurrence, with the activities and postal codes that prove it. Recognition holds on
  every generated day (see reference.RECOGNISED_FROM/UNTIL), checked here, not assumed.
- Subsidies, 2023 (the Uitrollers call of 2023, parameters read from the subsidy service's
  rule data `rules/parameters/stem/calls/uitrollers_2023/*.yaml`): per Uitroller academy,
  the amount per postal code with at least the needed number of its own activities that
  are a traject (at least `stem/recognition/min_sessions_per_traject` distinct days with a
  session not cancelled, over the whole activity; ADR 0013), up to the cap per academy;
  pro rata when the claims exceed the call's budget.
- Hostile changes (tests/chaos/poison.py, docs/bad-input.md): a delivery is refused with a
  4xx or quarantined with its reason, by its kind, and never stored as an activity; a
  poison record reaches the dead-letter topic of every consumer of its topic. Their ids
  follow from the seed and the step: `chaos_<seed>_<step>`, `chaos-poison-<seed>-<step>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

from tests.chaos import poison
from tests.chaos.reference import (
    RECOGNISED_FROM,
    RECOGNISED_UNTIL,
    UITROLLER_YEARS,
    Academy,
)
from tests.chaos.workload import BRUSSELS, Plan

PARAMETERS = Path(__file__).resolve().parents[2] / "services/subsidy/src/subsidy/rules/parameters"
RULES = PARAMETERS / "stem/calls/uitrollers_2023"
MIN_SESSIONS = PARAMETERS / "stem/recognition/min_sessions_per_traject"
PUBLIC = frozenset({"APPROVED", "READY_FOR_VALIDATION"})
FLEMISH_PREFIXES = ("1", "3", "4", "7", "23", "24")


@dataclass(frozen=True)
class ExpectedOccurrence:
    start: datetime  # UTC
    nis_code: str
    cancelled: bool


@dataclass(frozen=True)
class ExpectedActivity:
    activity_id: str
    withdrawn: bool
    gone: bool  # withdrawn by a 410: its stored `modified` stays the last one it read
    modified: datetime
    name: str
    workflow_status: str
    public: bool
    cancelled: bool
    academy_id: str | None
    postal_code: str
    nis_code: str
    occurrences: tuple[ExpectedOccurrence, ...]
    sessions_held: int = 0  # distinct Brussels days with a session not cancelled


@dataclass(frozen=True)
class ExpectedHostile:
    step: int
    kind: str
    item: str  # webhook-id, or the poison record's key
    expected: poison.Expected
    dead_letter_topics: tuple[str, ...] = ()  # of a poison record: one per consumer


@dataclass
class Tally:
    activities: dict[str, ExpectedActivity] = field(default_factory=dict)
    hostile: list[ExpectedHostile] = field(default_factory=list)
    # (academy, year, nis) -> proving activity ids
    reach: dict[tuple[str, int, str], set[str]] = field(default_factory=dict)
    reach_postal_codes: dict[tuple[str, int, str], set[str]] = field(default_factory=dict)
    subsidies_2023: dict[str, Decimal] = field(default_factory=dict)  # academy -> paid

    def listed_per_academy(self) -> dict[str | None, int]:
        """The STEM-kalender: public, not withdrawn, and of an organizer linked to an
        academy (an unlinked organizer's activities are stored, not listed: issue 15)."""
        found: dict[str | None, int] = {}
        for a in self.activities.values():
            if a.public and not a.withdrawn and a.academy_id is not None:
                found[a.academy_id] = found.get(a.academy_id, 0) + 1
        return found

    def municipalities_reached(self) -> dict[tuple[str, int], int]:
        found: dict[tuple[str, int], int] = {}
        for academy_id, year, _ in self.reach:
            found[(academy_id, year)] = found.get((academy_id, year), 0) + 1
        return found


def _parameter(name: str, on: date, rules: Path = RULES) -> Any:
    values = yaml.safe_load((rules / f"{name}.yaml").read_text())["values"]
    found = [(day, v) for day, v in values.items() if _day(day) <= on]
    if not found:
        raise LookupError(f"no value of {name} on {on}")
    entry = max(found, key=lambda item: _day(item[0]))[1]
    if entry["status"] == "unknown":
        raise LookupError(f"{name} is unknown on {on}")
    return entry["value"]


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def tally(plan: Plan, academies: list[Academy]) -> Tally:
    academy_of = {a.organizer_id: a.academy_id for a in academies}
    result = Tally()
    for activity in plan.activities:
        if not activity.versions:
            continue
        final = max(activity.versions, key=lambda v: v.modified)
        place = plan.places[final.place_index]
        where = max(place.versions, key=lambda v: v.modified).municipality
        occurrences = tuple(
            ExpectedOccurrence(o.start.astimezone(UTC), where.nis_code, o.cancelled)
            for o in final.occurrences
        )
        withdrawn = activity.gone or final.workflow_status == "DELETED"
        expected = ExpectedActivity(
            activity_id=activity.activity_id,
            withdrawn=withdrawn,
            gone=activity.gone,
            modified=final.modified,
            name=final.name,
            workflow_status=final.workflow_status,
            public=final.workflow_status in PUBLIC,
            cancelled=final.cancelled,
            academy_id=academy_of.get(activity.organizer_id),
            postal_code=where.postal_code,
            nis_code=where.nis_code,
            occurrences=occurrences,
            sessions_held=len(
                {o.start.astimezone(BRUSSELS).date() for o in final.occurrences if not o.cancelled}
            ),
        )
        result.activities[activity.activity_id] = expected
        if (
            expected.academy_id is None
            or withdrawn
            or not expected.public
            or expected.cancelled
            or not where.nis_code.startswith(FLEMISH_PREFIXES)
        ):
            continue
        for occurrence, planned in zip(occurrences, final.occurrences, strict=True):
            day = planned.start.astimezone(BRUSSELS).date()
            if occurrence.cancelled or not RECOGNISED_FROM <= day <= RECOGNISED_UNTIL:
                continue
            key = (expected.academy_id, day.year, occurrence.nis_code)
            result.reach.setdefault(key, set()).add(expected.activity_id)
            result.reach_postal_codes.setdefault(key, set()).add(where.postal_code)
    result.subsidies_2023 = _uitrollers_2023(result)
    result.hostile = hostile(plan)
    return result


def hostile(plan: Plan) -> list[ExpectedHostile]:
    found = []
    for step in plan.steps:
        if step.kind != "hostile":
            continue
        kind = poison.HOSTILE[step.hostile]
        if step.topic is None:
            item = f"chaos_{plan.seed}_{step.index}"
            found.append(ExpectedHostile(step.index, step.hostile, item, kind.expected))
        else:
            item = f"{poison.KEY_PREFIX}{plan.seed}-{step.index}"
            topics = tuple(poison.expected_dead_letters(step.topic))
            found.append(ExpectedHostile(step.index, step.hostile, item, kind.expected, topics))
    return found


def _uitrollers_2023(result: Tally) -> dict[str, Decimal]:
    """The 2023 Uitrollers call: activities are each organised by one academy, so none is
    shared; an academy's own fixed site gets one grant like any other postal code while
    `fixed_location_max_grants_on_site` is 1."""
    on = date(2023, 1, 1)
    amount = Decimal(str(_parameter("amount_per_postcode_eur", on)))
    cap = Decimal(str(_parameter("max_per_academy_eur", on)))
    needed = int(_parameter("min_approved_trajecten_per_postcode", on))
    budget = Decimal(str(_parameter("budget_eur", on)))
    sessions = int(_parameter(MIN_SESSIONS.name, on, MIN_SESSIONS.parent))
    assert int(_parameter("fixed_location_max_grants_on_site", on)) >= 1
    per_postal: dict[str, dict[str, set[str]]] = {}
    for (academy_id, year, _), activity_ids in result.reach.items():
        if year != 2023 or 2023 not in UITROLLER_YEARS:
            continue
        for activity_id in activity_ids:
            if result.activities[activity_id].sessions_held < sessions:  # no traject
                continue
            postal = result.activities[activity_id].postal_code
            per_postal.setdefault(academy_id, {}).setdefault(postal, set()).add(activity_id)
    claimed = {
        academy_id: min(cap, amount * sum(1 for acts in places.values() if len(acts) >= needed))
        for academy_id, places in per_postal.items()
    }
    total = sum(claimed.values(), Decimal(0))
    if total > budget:  # pro rata
        claimed = {
            a: (v * budget / total).quantize(Decimal("0.01"), ROUND_HALF_UP)
            for a, v in claimed.items()
        }
    return {a: v for a, v in claimed.items() if v > 0}
