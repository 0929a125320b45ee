"""`AnyLabel`: does an activity's snapshot carry one of some UiT labels (SQL, per dialect).

The labels live in the stored snapshot (`ActivitySnapshot.labels`, lower case), so a change
of ACTIVITIES_STEM_LABELS applies at once, without a migration or a re-read. PostgreSQL
asks its JSONB `?|` operator; SQLite (development, tests) walks the list with `json_each`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import Text


class AnyLabel(ColumnElement[bool]):
    """True when the JSON `snapshot` column's `labels` list holds one of `labels`."""

    type = Boolean()
    inherit_cache = False  # the labels are part of the statement, not cached apart

    def __init__(self, snapshot: Any, labels: Sequence[str]) -> None:
        self.snapshot = snapshot
        self.labels = tuple(labels)


@compiles(AnyLabel, "postgresql")
def _postgresql(element: AnyLabel, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.snapshot, **kw)
    labels = compiler.process(
        bindparam(None, list(element.labels), type_=ARRAY(Text()), unique=True), **kw
    )
    return f"(({column} -> 'labels') ?| CAST({labels} AS TEXT[]))"


@compiles(AnyLabel)
def _json_each(element: AnyLabel, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.snapshot, **kw)
    labels = ", ".join(
        compiler.process(bindparam(None, label, unique=True), **kw) for label in element.labels
    )
    return (
        f"EXISTS (SELECT 1 FROM json_each({column}, '$.labels') AS stem_label"
        f" WHERE stem_label.value IN ({labels}))"
    )
