"""What a call's formula takes and gives: the facts of each academy in the year, the
claims (one per academy and unit paid for, with the proof), and the call itself: its year,
role, formula, budget and sources. The calls of each year are in `calls.py`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from subsidy.domain.parameters import ParameterSet
from subsidy.domain.reach import Proof


@dataclass(frozen=True)
class AcademyFacts:
    academy_id: str
    roles: frozenset[str] = frozenset()  # roles held in the year of the calculation
    fixed_postal_code: str | None = None
    # The recognition decisions in force during the year (`recognition.describe`): reach,
    # and so every euro paid for it, needs one on the session's date.
    recognition: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    academy_id: str
    unit: str  # postal_code | municipality | academy
    place: str
    amount: Decimal
    parameters: tuple[str, ...]
    activity_ids: tuple[str, ...] = ()
    note: str = ""


Formula = Callable[[Mapping[str, AcademyFacts], frozenset[Proof], ParameterSet, date], list[Claim]]


@dataclass(frozen=True)
class Call:
    call_id: str
    year: int
    role: str
    formula: Formula
    budget: str | None  # the budget parameter, if the call has one
    source: str
    # Pays per place reached "with a STEM-traject" [S V5, V7, V12, V13]: only the proofs of
    # activities that are a traject claimed by the academy (`domain.trajecten.payable`).
    per_traject: bool = False
