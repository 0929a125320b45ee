"""What every /academie page shares: its layout (rendering in the coordinator's language),
the session's coordinator, and the registry's self-service reads and writes made for them.

The pages never take an academy from the request: every read and write is for the
session's academy. Writes go to the registry's self-service routes, which the gateway may
use only naming the person and their academy (stemkit.access.actor, registry).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import httpx
from fastapi import Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from gateway.academy_web.signin import COOKIE, Sessions
from gateway.academy_web.words import LANGUAGES, words
from gateway.adapters.upstreams import UpstreamError, Upstreams
from gateway.ops_web.staff import SECURITY_HEADERS
from stemkit.access.actor import Actor
from stemkit.access.identity import COORDINATOR, Principal

ACADEMY_HEADER = "X-Stem-Actor-Academy"
FIRST_YEAR = 2019


def acting(principal: Principal) -> dict[str, str]:
    """What the registry needs to believe the gateway acts for this coordinator."""
    actor = Actor(subject=principal.subject, via=principal.via, name=principal.name)
    return actor.headers() | {ACADEMY_HEADER: quote(principal.academy_id or "")}


class SelfService:
    """The registry's self-service routes of the session's academy, for its coordinator."""

    def __init__(self, request: Request, principal: Principal) -> None:
        upstreams: Upstreams = request.app.state.upstreams
        self.registry = upstreams.registry
        self.path = f"/self-service/academies/{quote(principal.academy_id or '', safe='')}"
        self.headers = acting(principal)

    async def own(self) -> dict[str, Any]:
        """The academy and its link requests."""
        answer = await self.registry.get(self.path, headers=self.headers)
        if answer.status_code != 200:
            raise UpstreamError("registry")
        found: dict[str, Any] = answer.json()
        return found

    async def get(self, below: str) -> httpx.Response:
        return await self.registry.get(f"{self.path}{below}", headers=self.headers)

    async def send(self, method: str, below: str, body: dict[str, Any]) -> httpx.Response:
        path = f"{self.path}{below}"
        return await self.registry.request(method, path, json=body, headers=self.headers)


def refused(lang: str, answer: httpx.Response) -> Response:
    """The registry refused a write: its reason, in the page's words."""
    return Response(
        words(lang)["refused"].format(reason=answer.text[:300]),
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        media_type="text/plain",
    )


def done(page: str, lang: str) -> Response:
    """Back to the page after a write, saying it is done."""
    suffix = f"&lang={lang}" if lang != "nl" else ""
    return RedirectResponse(f"/academie/{page}?done=1{suffix}", 303)


class AcademyPages:
    """The coordinators' sessions and the /academie layout."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.templates = Environment(
            # Its own pages first; the sign-in hand-over pages are the /ops ones (one copy).
            loader=ChoiceLoader(
                [
                    PackageLoader("gateway.academy_web", "templates"),
                    PackageLoader("gateway.ops_web", "templates"),
                ]
            ),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(
        self, name: str, request: Request, lang: str, code: int = 200, **values: Any
    ) -> Response:
        def link(path: str, **params: Any) -> str:
            given = {k: v for k, v in params.items() if v is not None}
            if lang != "nl":
                given["lang"] = lang
            return f"/academie{path}" + (f"?{urlencode(given)}" if given else "")

        others = [
            (code_, f"{request.url.path}?{urlencode(dict(request.query_params) | {'lang': code_})}")
            for code_ in LANGUAGES
            if code_ != lang
        ]
        html = self.templates.get_template(name).render(
            t=words(lang), lang=lang, link=link, others=others, path=request.url.path, **values
        )
        return HTMLResponse(html, status_code=code, headers=SECURITY_HEADERS)

    def who(self, request: Request) -> Principal | None:
        """The signed-in coordinator of an academy; None for anyone else."""
        found = self.sessions.principal(request.cookies.get(COOKIE, ""))
        if found is None or COORDINATOR not in found.roles or not found.academy_id:
            return None
        return found
