"""contracts/openapi/registry.json is what the app generates (`cli export-openapi` writes it)."""

from __future__ import annotations

import json

from registry.entrypoints.bulk import OPENAPI_FILE, openapi_document


def test_the_committed_openapi_document_is_what_the_app_generates() -> None:
    assert OPENAPI_FILE.read_text() == openapi_document(), (
        "run `uv run python -m registry.entrypoints.cli export-openapi` and commit the result"
    )


def test_every_operation_has_a_stable_unique_id() -> None:
    spec = json.loads(openapi_document())
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert all(
        i.split("-", 1)[0]
        in {"academies", "municipalities", "recognition", "participants", "ops", "audit", "self"}
        for i in ids
    )
