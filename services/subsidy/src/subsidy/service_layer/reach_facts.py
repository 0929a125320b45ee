"""From an activity event to what reach counts: the activity's facts (its session days, each
with the municipality of its day) and the proofs they give under the year's dated rules
(recognition on the day, open offer). Pure but for reading the parameter files once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

from stemkit.contracts.activities import ActivitySnapshot
from stemkit.domain.place_periods import Period
from subsidy.domain.audience import open_offer
from subsidy.domain.municipalities import on_session_days
from subsidy.domain.parameters import ParameterSet, load_parameters
from subsidy.domain.reach import ActivityFacts, OccurrenceFacts, Proof, brussels_day, evidence
from subsidy.domain.recognition import RecognitionHistory
from subsidy.domain.sessions import session_occurrences, subevent_days

UNRECORDED = "stem/reach/unrecorded_recognition_counts"
EDUCATION_ONLY = "stem/reach/education_only_counts"


@lru_cache(maxsize=1)
def base_parameters() -> ParameterSet:
    """The parameter files, read once per process (they change with a deployment only)."""
    return load_parameters()


@lru_cache(maxsize=256)
def unrecorded_counts(year: int) -> bool:
    """The dated rule for academies without any recognition decision (see the parameter)."""
    return bool(base_parameters().lookup(UNRECORDED, date(year, 1, 1)).value)


def _occurrences(
    snapshot: ActivitySnapshot, through_year: int | None
) -> tuple[OccurrenceFacts, ...]:
    """The days of its dates (a multi-day one: each day), or for a periodic or permanent
    activity the days its sessions are held (`domain.sessions`: the compact calendar
    expanded by the rule both services share)."""
    if snapshot.calendar is None:  # a multi-day occurrence (a camp): a session per day
        return subevent_days((o.start, o.end, o.status, o.nis_code) for o in snapshot.occurrences)
    ranges = {o.nis_code for o in snapshot.occurrences}
    return session_occurrences(
        snapshot.calendar.rules(),
        through_year=through_year or datetime.now(UTC).year,
        available_from=None
        if snapshot.available_from is None
        else brussels_day(snapshot.available_from),
        nis_code=ranges.pop() if len(ranges) == 1 else None,
    )


def facts_of(snapshot: ActivitySnapshot, through_year: int | None = None) -> ActivityFacts:
    occurrences = _occurrences(snapshot, through_year)
    nis_code = snapshot.location.nis_code
    if snapshot.location.periods:  # the session's date picks the municipality
        periods = [Period(**p.model_dump()) for p in snapshot.location.periods]
        occurrences, nis_code = on_session_days(occurrences, periods), None
    return ActivityFacts(
        activity_id=snapshot.activity_id,
        academy_id=snapshot.academy_id,
        nis_code=nis_code,
        postal_code=snapshot.location.postal_code,
        public=snapshot.public,
        status=snapshot.status,
        occurrences=occurrences,
        theme_ids=tuple(snapshot.theme_ids),
        age_min=snapshot.age_min,
        age_max=snapshot.age_max,
        audience=snapshot.audience,
    )


@lru_cache(maxsize=256)
def education_only_counts(year: int) -> bool:
    """The dated rule for school-only (`audienceType: education`) activities."""
    return bool(base_parameters().lookup(EDUCATION_ONLY, date(year, 1, 1)).value)


def proofs_of(facts: ActivityFacts, history: RecognitionHistory) -> frozenset[Proof]:
    return open_offer(facts, evidence(facts, history, unrecorded_counts), education_only_counts)
