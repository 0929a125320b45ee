"""The subsidy calls, chosen by year, and their formulas (one function per call).

Each formula reads its parameters at the call's period and returns claims: one `Claim` per
academy and unit paid for (a postal code, a municipality or the academy), with the proof.
A formula that needs an unknown parameter raises `UnknownParameter` (fails closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from subsidy.domain.claims import AcademyFacts, Call, Claim, Formula
from subsidy.domain.parameters import ParameterSet
from subsidy.domain.reach import NO_POSTAL_CODE, Proof

POSTAL, NIS = 3, 2  # positions in a Proof (a named tuple)


def _by(proofs: frozenset[Proof], place: int | None) -> dict[str, dict[str, set[str]]]:
    """academy -> place (a Proof field, or '' for none) -> proving activity ids."""
    found: dict[str, dict[str, set[str]]] = {}
    for proof in proofs:
        where = proof.postal_code if place == POSTAL else proof.nis_code if place == NIS else ""
        found.setdefault(proof[0], {}).setdefault(where, set()).add(proof[4])
    return found


def uitrollers_2023(
    academies: Mapping[str, AcademyFacts], proofs: frozenset[Proof], p: ParameterSet, on: date
) -> list[Claim]:
    """2023: €1,500 once per postal code where ≥1 approved traject was rolled out, at most
    €30,000 per academy; a fixed-location academy's own site counts once; several academies
    may claim one postal code for different trajecten, never for the same one [S V12, V13]."""
    base = "stem/calls/uitrollers_2023/"
    amount = Decimal(p.get(base + "amount_per_postcode_eur", on))
    cap = Decimal(p.get(base + "max_per_academy_eur", on))
    needed = int(p.get(base + "min_approved_trajecten_per_postcode", on))
    on_site = int(p.get(base + "fixed_location_max_grants_on_site", on))
    names = (base + "amount_per_postcode_eur", base + "max_per_academy_eur")
    # One traject rolled out by several academies is claimed once: `calculate` passes only
    # the proofs of trajecten (`domain.trajecten.payable`), each to the one academy that
    # claims it, so each proof here is that academy's claim.
    claims = []
    for academy_id, places in sorted(_by(proofs, POSTAL).items()):
        academy = academies.get(academy_id)
        if academy is None or "uitroller" not in academy.roles:
            continue
        paid = Decimal(0)
        over_cap: list[str] = []
        for postal, acts in sorted(places.items()):
            if postal == NO_POSTAL_CODE or len(acts) < needed:
                continue
            if paid >= cap:
                over_cap.append(postal)
                continue
            site = postal == academy.fixed_postal_code
            grants = min(on_site, 1) if site else 1
            share = min(amount * grants, cap - paid)
            paid += share
            note = "own site (fixed location): one grant" if grants and site else ""
            if share < amount * grants:
                note = f"capped: at most {cap} per academy"
            claims.append(
                Claim(academy_id, "postal_code", postal, share, names, tuple(sorted(acts)), note)
            )
        if over_cap:
            note = f"not paid, the cap of {cap} per academy is reached: " + ", ".join(over_cap)
            claims.append(
                Claim(academy_id, "postal_code", "(over cap)", Decimal(0), names, (), note)
            )
    return claims


def _per_municipality(call: str) -> Formula:
    def formula(
        _academies: Mapping[str, AcademyFacts], proofs: frozenset[Proof], p: ParameterSet, on: date
    ) -> list[Claim]:
        name = f"stem/calls/{call}/amount_per_unit_eur"
        amount = Decimal(p.get(name, on))
        return [
            Claim(academy_id, "municipality", nis, amount, (name,), tuple(sorted(acts)))
            for academy_id, places in sorted(_by(proofs, NIS).items())
            for nis, acts in sorted(places.items())
        ]

    formula.__doc__ = f"{call}: a fixed amount per municipality reached with a traject [S V5, V7]."
    return formula


def academies_2019(
    _academies: Mapping[str, AcademyFacts], proofs: frozenset[Proof], p: ParameterSet, on: date
) -> list[Claim]:
    """2019: a rate per activity (dagdeel), at least €1,000 per working period [S V1, V2].
    [I] counted per proving activity: occurrences per period are not in the input yet."""
    rate = Decimal(p.get("stem/calls/academies_2019/rate_per_activity_eur", on))
    minimum = Decimal(p.get("stem/calls/academies_2019/min_grant_per_period_eur", on))
    names = ("stem/calls/academies_2019/rate_per_activity_eur",)
    claims = []
    for academy_id, places in sorted(_by(proofs, None).items()):
        acts = tuple(sorted(places[""]))
        claims.append(
            Claim(academy_id, "academy", academy_id, max(rate * len(acts), minimum), names, acts)
        )
    return claims


def _per_role(call: str, role: str) -> Formula:
    def formula(
        academies: Mapping[str, AcademyFacts], _proofs: frozenset[Proof], p: ParameterSet, on: date
    ) -> list[Claim]:
        name = f"stem/calls/{call}/grant_per_academy_eur"
        amount = Decimal(p.get(name, on))
        holders = sorted(a.academy_id for a in academies.values() if role in a.roles)
        return [Claim(a, "academy", a, amount, (name,)) for a in holders]

    formula.__doc__ = f"{call}: the call's formula is not public; one unknown grant per {role}."
    return formula


CALLS = [
    Call(
        "academies_2019",
        2019,
        "academie",
        academies_2019,
        "stem/calls/academies_2019/budget_eur",
        "V1,V2",
    ),
    Call(
        "academies_2020",
        2020,
        "academie",
        _per_municipality("academies_2020"),
        None,
        "V5,V6",
        per_traject=True,
    ),
    Call(
        "academies_2021",
        2021,
        "academie",
        _per_municipality("academies_2021"),
        "stem/calls/academies_2021/budget_eur",
        "V7",
        per_traject=True,
    ),
    Call(
        "uitrollers_2023",
        2023,
        "uitroller",
        uitrollers_2023,
        "stem/calls/uitrollers_2023/budget_eur",
        "V12,V13",
        per_traject=True,
    ),
    Call(
        "gangmakers_2023", 2023, "gangmaker", _per_role("gangmakers_2023", "gangmaker"), None, "V12"
    ),
    Call(
        "ontwikkelaars_2023",
        2023,
        "ontwikkelaar",
        _per_role("ontwikkelaars_2023", "ontwikkelaar"),
        None,
        "V14",
    ),
]


def calls_of(year: int) -> list[Call]:
    """The calls of a year; none known for 2022 and from 2024 (subsidy-rules.md §4, item 8)."""
    return [c for c in CALLS if c.year == year]
