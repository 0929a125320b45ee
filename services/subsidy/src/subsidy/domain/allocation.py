"""How a call's budget is shared when the claims exceed it. Pluggable, named in every result.

The sources do not say which rule VLAIO uses (subsidy-rules.md §3: "pro rata? first come?
selection criteria?"); pro rata is the default until they do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")
Allocation = Callable[[Sequence[Decimal], Decimal | None], list[Decimal]]


def pro_rata(claims: Sequence[Decimal], budget: Decimal | None) -> list[Decimal]:
    """Every claim scaled by budget / total claims (down to the cent) when oversubscribed."""
    total = sum(claims, Decimal(0))
    if budget is None or total <= budget:
        return list(claims)
    return [(claim * budget / total).quantize(CENT, rounding=ROUND_DOWN) for claim in claims]


def in_order(claims: Sequence[Decimal], budget: Decimal | None) -> list[Decimal]:
    """Claims paid in full in their order (academy id) until the budget runs out."""
    left = budget
    paid = []
    for claim in claims:
        if left is None:
            paid.append(claim)
            continue
        share = min(claim, left)
        paid.append(share)
        left -= share
    return paid


ALLOCATIONS: dict[str, Allocation] = {"pro_rata": pro_rata, "in_order": in_order}
DEFAULT_ALLOCATION = "pro_rata"
