"""One academy's reach counted apart in a year, per activity, with the session days its
recognition was missing (issue 21: the self-service "not counted" list). The same rule as
the reach counted apart (`service_layer/unrecognised.py`), read for one academy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from subsidy.adapters import activity_facts, registry_copy
from subsidy.domain.audience import open_offer
from subsidy.domain.reach import NO_DECISIONS, ActivityFacts, qualifying_rule
from subsidy.domain.recognition import RecognitionHistory
from subsidy.domain.unrecognised import unrecognised_evidence
from subsidy.service_layer.reach_facts import education_only_counts, unrecorded_counts


@dataclass(frozen=True)
class KeptOut:
    """An activity whose reach in `year` only the missing recognition keeps out."""

    activity_id: str
    nis_codes: tuple[str, ...]
    postal_codes: tuple[str, ...]
    days: tuple[date, ...]  # its sessions that year on a day without recognition
    status: str | None  # the recognition status on the first of them; None: no decision


def _days(facts: ActivityFacts, history: RecognitionHistory, year: int) -> tuple[date, ...]:
    """The sessions of `year` that would qualify for any recognised academy but fall on a
    day this academy was not recognised."""
    counts = unrecorded_counts(year)
    rule = qualifying_rule(year)
    if rule is None:
        return ()
    return tuple(
        sorted(
            {
                occ.day
                for occ in facts.occurrences
                if occ.day.year == year
                and rule(facts, occ, NO_DECISIONS, True)
                and not history.recognised_on(occ.day, unrecorded_counts=counts)
            }
        )
    )


async def kept_out(
    session: AsyncSession, academy_id: str, year: int, *, limit: int, after: str | None
) -> list[KeptOut]:
    """Up to `limit` of the academy's activities after the id `after`, in id order."""
    history = await registry_copy.recognition_of(session, academy_id)
    found = []
    for facts in await activity_facts.activities_of(session, academy_id):
        if after is not None and facts.activity_id <= after:
            continue
        if year not in facts.years:
            continue
        proofs = open_offer(
            facts, unrecognised_evidence(facts, history, unrecorded_counts), education_only_counts
        )
        of_year = [p for p in proofs if p.year == year]
        if not of_year:
            continue
        days = _days(facts, history, year)
        found.append(
            KeptOut(
                activity_id=facts.activity_id,
                nis_codes=tuple(sorted({p.nis_code for p in of_year})),
                postal_codes=tuple(sorted({p.postal_code for p in of_year if p.postal_code})),
                days=days,
                status=history.status_on(days[0]) if days else None,
            )
        )
        if len(found) == limit:
            break
    return found
