"""The recognition (erkenning) lifecycle of an academy. Pure: no I/O.

requested -> provisionally recognised (1 year) -> recognised (3 years) -> renewal due /
under review -> renewed (3 years), suspended, withdrawn or expired. Every decision is kept
with its date, reason and author; the newest is the current status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import get_args

from registry.domain.errors import InvalidInput
from registry.domain.recognition_terms import last_day, terms_on
from stemkit.contracts.registry import RecognitionStatus

Status = RecognitionStatus  # the contract's list, written once
STATUSES: tuple[Status, ...] = get_args(Status)

_ENDINGS: tuple[Status, ...] = ("suspended", "withdrawn", "expired")
# Which decisions may follow which; None is an academy without any decision yet.
TRANSITIONS: dict[Status | None, tuple[Status, ...]] = {
    None: ("requested",),
    "requested": ("provisionally_recognised", "withdrawn"),
    "provisionally_recognised": ("recognised", "under_review", *_ENDINGS),
    "recognised": ("renewal_due", "under_review", *_ENDINGS),
    "renewal_due": ("under_review", "renewed", *_ENDINGS),
    "under_review": ("recognised", "renewed", *_ENDINGS),
    "renewed": ("renewal_due", "under_review", *_ENDINGS),
    "suspended": ("under_review", "withdrawn", "expired"),
    "withdrawn": ("requested",),
    "expired": ("requested",),
}
# The academy counts as recognised in these (until the recognition's last day).
RECOGNISED: frozenset[Status] = frozenset(
    {"provisionally_recognised", "recognised", "renewal_due", "under_review", "renewed"}
)
# Statuses whose recognition runs out: a review falls due on its last day.
_RUNS_OUT: frozenset[Status] = frozenset(
    {"provisionally_recognised", "recognised", "renewal_due", "renewed"}
)
REASON_MAX = 2000
AUTHOR_MAX = 200


class TransitionRefused(Exception):
    """The lifecycle does not allow this decision from the current status."""

    def __init__(self, current: Status | None, wanted: str) -> None:
        self.current = current
        self.allowed = TRANSITIONS[current]
        where = f"from {current!r}" if current else "before any decision"
        super().__init__(f"{wanted!r} is not allowed {where}; allowed: {', '.join(self.allowed)}")


@dataclass(frozen=True)
class Decision:
    decision_id: str
    academy_id: str
    sequence: int
    status: Status
    decided_on: date
    valid_from: date
    valid_until: date | None
    reason: str
    author: str


def decide(
    history: Sequence[Decision],
    *,
    decision_id: str,
    academy_id: str,
    status: Status,
    decided_on: date,
    valid_from: date | None,
    reason: str,
    author: str,
) -> Decision:
    """The next decision, or TransitionRefused / InvalidInput (naming each bad field)."""
    current = history[-1] if history else None
    if status not in TRANSITIONS[current.status if current else None]:
        raise TransitionRefused(current.status if current else None, status)
    start = valid_from or decided_on
    errors = {}
    if current is not None and start < current.valid_from:
        errors["valid_from"] = f"must not be before the current status's {current.valid_from}"
    clean_reason, clean_author = reason.strip(), " ".join(author.split())
    if not clean_reason or len(clean_reason) > REASON_MAX:
        errors["reason"] = f"a reason of 1 to {REASON_MAX} characters is required"
    if not clean_author or len(clean_author) > AUTHOR_MAX:
        errors["author"] = f"an author of 1 to {AUTHOR_MAX} characters is required"
    if errors:
        raise InvalidInput(errors)
    return Decision(
        decision_id=decision_id,
        academy_id=academy_id,
        sequence=(current.sequence + 1) if current else 1,
        status=status,
        decided_on=decided_on,
        valid_from=start,
        valid_until=_valid_until(status, start, current),
        reason=clean_reason,
        author=clean_author,
    )


def _valid_until(status: Status, start: date, current: Decision | None) -> date | None:
    terms = terms_on(start)
    if status == "provisionally_recognised":
        return last_day(start, terms.provisional_years)
    if status in ("recognised", "renewed"):
        return last_day(start, terms.recognition_years)
    if status in ("renewal_due", "under_review", "suspended") and current is not None:
        return current.valid_until  # the recognition being reviewed keeps its last day
    return None


def status_on(history: Sequence[Decision], day: date) -> Decision | None:
    """The decision in force on `day`: the newest that took effect by then."""
    in_force = [d for d in history if d.valid_from <= day]
    return in_force[-1] if in_force else None


def recognised_on(history: Sequence[Decision], day: date) -> bool:
    decision = status_on(history, day)
    return (
        decision is not None
        and decision.status in RECOGNISED
        and (decision.valid_until is None or day <= decision.valid_until)
    )


def recognised_in_year(history: Sequence[Decision], year: int) -> bool:
    """Recognised on at least one day of `year`: the status only changes on a decision's
    first day, so 1 January and those days are the days to look at."""
    days = [date(year, 1, 1)] + [d.valid_from for d in history if d.valid_from.year == year]
    return any(recognised_on(history, day) for day in days)


def review_due(history: Sequence[Decision], before: date) -> Decision | None:
    """The current decision if its recognition runs out before `before` (a review is due)."""
    current = history[-1] if history else None
    if current is None or current.status not in _RUNS_OUT or current.valid_until is None:
        return None
    return current if current.valid_until < before else None


# The funding roles (Gangmaker, Ontwikkelaar, Uitroller) exist from the 2023 funding
# system on [S subsidy-rules.md §1.2 calls G-I, V12; domain.md "from 2023"]; before it
# academies were funded per activity or per municipality reached, without roles.
ROLES_FROM_YEAR = 2023


def check_role_year(year: int) -> None:
    """Refuse a role for a year before the roles existed (`InvalidInput` on `year`)."""
    if year < ROLES_FROM_YEAR:
        raise InvalidInput(
            {
                "year": f"roles (gangmaker, ontwikkelaar, uitroller) exist from "
                f"{ROLES_FROM_YEAR} (the 2023 funding system, VLAIO V12); {year} is before"
            }
        )
