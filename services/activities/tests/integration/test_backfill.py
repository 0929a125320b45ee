"""The backfill: a folder or a JSON-lines file, through the webhook's path, idempotent."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.service_layer.backfill import backfill, documents, progress_bar

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uitdatabank"


async def test_a_folder_is_ingested_once_with_a_progress_bar(
    sessions: async_sessionmaker[AsyncSession], uit: Any
) -> None:
    bodies = documents(FIXTURES)
    shown = io.StringIO()

    first = await backfill(sessions, uit, bodies, progress_bar(shown))
    again = await backfill(sessions, uit, bodies)

    assert first == Counter(processed=38, quarantined=1)
    assert again == Counter({"unchanged (seen before)": 39})
    assert shown.getvalue().rstrip().endswith("39/39 processed 38, quarantined 1")


async def test_a_json_lines_file_with_a_broken_line_quarantines_that_line(
    sessions: async_sessionmaker[AsyncSession], uit: Any, tmp_path: Path
) -> None:
    lines = [json.dumps(json.loads(b)) for b in documents(FIXTURES / "places")[:2]]
    path = tmp_path / "documents.jsonl"
    path.write_text("\n".join([*lines, '{"@id": "https://io', ""]))

    outcomes = await backfill(sessions, uit, documents(path))

    assert outcomes == Counter(processed=2, quarantined=1)
