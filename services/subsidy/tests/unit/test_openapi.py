"""contracts/openapi/subsidy.json is what the app generates (`cli openapi` writes it)."""

from __future__ import annotations

from subsidy.entrypoints.cli import OPENAPI, openapi_text


def test_the_committed_openapi_document_matches_the_app() -> None:
    assert OPENAPI.read_text() == openapi_text(), "run `python -m subsidy.entrypoints.cli openapi`"
