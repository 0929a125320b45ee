"""One owner of the `webhook_deliveries` table (issue 20): `adapters/delivery_store.py` holds
every statement that writes it and every read of it but the vocabulary's cross-table Reads
(docs/service-skeleton.md), which only select. Read from the source text (no import runs)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "activities"
OWNER = SRC / "adapters" / "delivery_store.py"
TABLES = SRC / "adapters" / "orm.py"
# Reads: one query across tables for one read; they may select from the table, never write.
READS = {SRC / "adapters" / "not_counted.py", SRC / "adapters" / "unknown_organizers.py"}
# A write: SQLAlchemy's insert/update/delete imported or called on the table, or SQL text.
WRITES = re.compile(
    r"from sqlalchemy[.\w]* import [^\n]*\b(insert|update|delete)\b|dialect_insert"
    r"|\.(insert|update|delete)\(\)|\b(INSERT INTO|UPDATE|DELETE FROM)\b"
)


def _product_modules() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if "migrations" not in p.parts and p != TABLES]


def _names_the_table(path: Path) -> bool:
    source = path.read_text()
    for node in ast.walk(ast.parse(source, str(path))):
        imported = isinstance(node, ast.ImportFrom) and node.module == "activities.adapters.orm"
        if imported and any(a.name == "webhook_deliveries" for a in node.names):  # type: ignore[attr-defined]
            return True
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and re.search(r"\bwebhook_deliveries\b", text):
            return True
    return False


def test_the_delivery_store_exists_and_names_the_table() -> None:
    assert OWNER.exists()
    assert _names_the_table(OWNER)


def test_no_other_module_writes_the_deliveries_table() -> None:
    naming = {p for p in _product_modules() if _names_the_table(p)}
    assert naming - READS - {OWNER} == set(), "only adapters/delivery_store.py owns it"
    for path in naming & READS:
        assert not WRITES.search(path.read_text()), f"{path.name} is a read: select only"


def test_the_table_holds_no_sql_text_outside_its_store() -> None:
    """No raw statement on the table elsewhere (the webhook's intake groups rows, the
    store writes them)."""
    for path in _product_modules():
        if path != OWNER:
            assert "webhook_deliveries (" not in path.read_text(), path.name
