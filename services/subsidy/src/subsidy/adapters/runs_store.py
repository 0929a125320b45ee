"""Stored calculation runs (immutable: inserted once, never updated) and operator overrides."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from stemkit.storage.db import inbox
from subsidy.adapters.orm import calculation_runs, parameter_overrides
from subsidy.domain.parameters import Override
from subsidy.domain.result import Result

RESULT = TypeAdapter(Result)
DEMO_OVERRIDES = Path(__file__).resolve().parent.parent / "rules" / "demo_overrides.yaml"


@dataclass(frozen=True)
class StoredRun:
    run_id: str
    year: int
    created_at: datetime
    trigger: str
    rules_version: str
    watermark: str
    result: Result


async def watermark(session: AsyncSession) -> str:
    """The input state a run sees: how many events were applied, and the latest's time."""
    count, last = (await session.execute(select(func.count(), func.max(inbox.c.handled_at)))).one()
    stamp = last.isoformat() if last is not None else "-"
    return f"events={count};last={stamp}"


async def store_run(session: AsyncSession, result: Result, *, trigger: str, mark: str) -> StoredRun:
    run = StoredRun(
        str(uuid.uuid4()),
        result.year,
        datetime.now(UTC),
        trigger,
        result.rules_version,
        mark,
        result,
    )
    await session.execute(
        insert(calculation_runs).values(
            run_id=run.run_id,
            year=run.year,
            created_at=run.created_at,
            trigger=trigger,
            rules_version=run.rules_version,
            watermark=mark,
            result=RESULT.dump_json(result).decode(),
        )
    )
    return run


def _run_of(row: Any) -> StoredRun:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return StoredRun(
        row.run_id,
        row.year,
        created,
        row.trigger,
        row.rules_version,
        row.watermark,
        RESULT.validate_json(row.result),
    )


async def get_run(session: AsyncSession, run_id: str) -> StoredRun | None:
    row = (
        await session.execute(select(calculation_runs).where(calculation_runs.c.run_id == run_id))
    ).one_or_none()
    return None if row is None else _run_of(row)


async def runs_of(session: AsyncSession, year: int | None = None) -> list[StoredRun]:
    query = select(calculation_runs).order_by(calculation_runs.c.created_at)
    if year is not None:
        query = query.where(calculation_runs.c.year == year)
    return [_run_of(row) for row in await session.execute(query)]


async def latest_run(session: AsyncSession, year: int) -> StoredRun | None:
    runs = await runs_of(session, year)
    return runs[-1] if runs else None


async def add_override(session: AsyncSession, override: Override) -> str:
    override_id = str(uuid.uuid4())
    await session.execute(
        insert(parameter_overrides).values(
            override_id=override_id,
            name=override.name,
            effective_from=override.effective_from,
            value=json.dumps(override.value),
            author=override.author,
            decided_on=override.decided_on,
            reason=override.reason,
            created_at=datetime.now(UTC),
        )
    )
    return override_id


async def overrides(session: AsyncSession) -> list[Override]:
    o = parameter_overrides.c
    rows = await session.execute(select(parameter_overrides).order_by(o.created_at))
    return [
        Override(r.name, r.effective_from, json.loads(r.value), r.author, r.decided_on, r.reason)
        for r in rows
    ]


def demo_overrides() -> list[Override]:
    """The illustrative demo values (development only), each flagged `illustrative`."""
    entries = yaml.safe_load(DEMO_OVERRIDES.read_text())
    return [
        Override(
            e["name"],
            date(2019, 1, 1),
            e["value"],
            "demo data (make run)",
            date(2026, 11, 28),
            "ILLUSTRATIVE demo value, not a rule: no public source states it",
            illustrative=True,
        )
        for e in entries
    ]
