"""Use cases: calculate a year (stored run + SubsidyCalculated), what-if, diff, overrides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.contracts import CATALOG
from stemkit.contracts.subsidy import AcademySubsidy, SubsidyCalculated
from stemkit.eventing.outbox import add_event
from subsidy.adapters import activity_facts, dirty_years, registry_copy, runs_store
from subsidy.adapters.reach_store import proofs_of_year
from subsidy.domain.calculation import calculate
from subsidy.domain.claims import AcademyFacts
from subsidy.domain.diff import Change, diff, parameter_changes
from subsidy.domain.parameters import Override, ParameterSet
from subsidy.domain.reach import Proof
from subsidy.domain.result import Result
from subsidy.domain.trajecten import Traject
from subsidy.service_layer.reach_facts import base_parameters

SOURCE = "/stem/subsidy"


@dataclass(frozen=True)
class Options:
    call_ids: tuple[str, ...] | None = None
    allocation: str = "pro_rata"
    strict: bool = True
    demo: bool = False  # add the illustrative demo values (development only)


async def _inputs(
    session: AsyncSession, year: int
) -> tuple[dict[str, AcademyFacts], frozenset[Proof], dict[str, Traject]]:
    proofs = await proofs_of_year(session, year)
    academies = await registry_copy.academies_in(session, year)
    for academy_id in {p.academy_id for p in proofs}:  # known only from its activities
        academies.setdefault(academy_id, AcademyFacts(academy_id))
    return academies, proofs, await activity_facts.trajecten_proving(session, year)


async def parameters(
    session: AsyncSession, options: Options, extra: Iterable[Override] = ()
) -> ParameterSet:
    demo = runs_store.demo_overrides() if options.demo else []
    stored = await runs_store.overrides(session)
    return base_parameters().with_overrides([*demo, *stored, *extra])


async def compute(
    session: AsyncSession, year: int, options: Options, extra: Iterable[Override] = ()
) -> Result:
    academies, proofs, trajecten = await _inputs(session, year)
    params = await parameters(session, options, extra)
    return calculate(
        year,
        academies,
        proofs,
        params,
        trajecten=trajecten,
        call_ids=options.call_ids,
        allocation=options.allocation,
        strict=options.strict,
    )


def _euros(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def event_of(run: runs_store.StoredRun) -> SubsidyCalculated:
    totals: dict[tuple[str, str, str], list[Decimal]] = {}
    for line in run.result.lines():
        entry = totals.setdefault((line.academy_id, line.call_id, line.role), [Decimal(0)] * 3)
        entry[0] += line.claimed
        entry[1] += line.paid
        entry[2] += 1 if line.paid > 0 else 0
    return SubsidyCalculated(
        run_id=run.run_id,
        year=run.year,
        trigger="api" if run.trigger == "api" else "debounced",
        rules_version=run.rules_version,
        watermark=run.watermark,
        allocation=run.result.allocation,
        illustrative=run.result.illustrative,
        total_eur=_euros(sum(run.result.per_academy().values(), Decimal(0))),
        subsidies=[
            AcademySubsidy(
                academy_id=a,
                call_id=c,
                role=r,
                claimed_eur=_euros(v[0]),
                paid_eur=_euros(v[1]),
                units=int(v[2]),
            )
            for (a, c, r), v in sorted(totals.items())
        ],
        skipped_calls=[s.call_id for s in run.result.skipped],
    )


async def run_calculation(
    session: AsyncSession, year: int, options: Options, *, trigger: str = "api"
) -> runs_store.StoredRun:
    """Calculate, store the run (immutable) and announce it, in the caller's transaction."""
    mark = await runs_store.watermark(session)
    result = await compute(session, year, options)
    run = await runs_store.store_run(session, result, trigger=trigger, mark=mark)
    await dirty_years.clear(session, year)
    await add_event(session, CATALOG, CATALOG.new_event(event_of(run), source=SOURCE))
    return run


async def what_if(
    session: AsyncSession, year: int, changes: Mapping[str, Any], options: Options
) -> Result:
    """The calculation with changed parameters; nothing is stored. A name that is no
    parameter is refused (`UnknownParameterName`), never silently ignored."""
    base_parameters().check_names(changes)
    extra = [
        Override(name, date(2000, 1, 1), value, "what-if", date.today(), "what-if, not stored")
        for name, value in changes.items()
    ]
    return await compute(session, year, options, extra)


@dataclass(frozen=True)
class RunDiff:
    from_run: str
    to_run: str
    changes: list[Change]
    parameters: list[str]
    watermarks: tuple[str, str]


async def diff_runs(session: AsyncSession, a: str, b: str) -> RunDiff | None:
    old, new = await runs_store.get_run(session, a), await runs_store.get_run(session, b)
    if old is None or new is None:
        return None
    return RunDiff(
        a,
        b,
        diff(old.result, new.result),
        parameter_changes(old.result, new.result),
        (old.watermark, new.watermark),
    )
