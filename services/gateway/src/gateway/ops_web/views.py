"""What every read page of /ops builds on: the `Page` it is asked from, the years shown, shares
and a section's error in the page's words. Each page's view is a module of its own:
reach_view.py, follow_up_view.py, ingestion_view.py, audit_page.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request

from gateway.adapters.upstreams import Upstreams
from gateway.ops_web.queries import Answer, Executor
from gateway.ops_web.reads import FIRST_YEAR
from gateway.schema.context import Caller


@dataclass(frozen=True)
class Page:
    """Where a page is asked from: its request, signed-in caller, language and labels."""

    request: Request
    caller: Caller
    lang: str
    words: Mapping[str, str]

    async def ask(self, executor: Executor, query: str, **variables: Any) -> Answer:
        return await executor.run(self.request, self.caller, query, variables)

    @property
    def upstreams(self) -> Upstreams:
        found: Upstreams = self.request.app.state.upstreams
        return found


def years_shown(today: date) -> list[int]:
    return list(range(FIRST_YEAR, today.year + 1))


def share(part: int, whole: int, lang: str) -> str:
    if whole == 0:
        return "-"
    text = f"{100 * part / whole:.1f}"
    return f"{text.replace('.', ',')} %" if lang == "nl" else f"{text}%"


def problem(page: Page, message: str | None) -> str | None:
    """A section's error in the page's words: a missing scope, an upstream down."""
    if message is None:
        return None
    if "scope" in message:
        scope = message.split("'")[1] if "'" in message else "?"
        return page.words["no_access"].format(scope=scope)
    return page.words["unavailable"].format(reason=message)
