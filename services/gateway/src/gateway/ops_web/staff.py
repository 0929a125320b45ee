"""What a signed-in ops person may do on the pages that change things (issue 21), and the
plumbing those pages share: the session lookup, rendering in the ops layout, form posts.

Roles come from the person's principal (the provider's roles, docs/adr/0019); the shared
development ops token stands for every staff role (`static:ops`, as at the services); an
extra `GATEWAY_OPS_TOKEN_SCOPES` token is a reader only. What a role may do is what its
service scopes allow (`stemkit.access.identity.ROLE_SCOPES`): linking an organizer changes an
academy (`write` + `edit`: editors); partner keys need `keys` (admins).

Form posts are protected against cross-site request forgery as every /ops form is: the
session cookie is SameSite=Strict (no other site's page sends it). On top, a post a browser
marks as coming from another origin (`Sec-Fetch-Site`) is refused, which also covers a
sibling subdomain (same site, other origin).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import HTTPException, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from gateway.config import Settings
from gateway.ops_web import palette, session
from gateway.ops_web.labels import labels, language
from gateway.ops_web.session import FormTooLarge, SessionStore
from gateway.schema.context import Caller
from stemkit.access.actor import ROLES_HEADER, Actor
from stemkit.access.identity import Principal, static_principal
from stemkit.access.scopes import DECIDE, EDIT, KEYS, WRITE

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; "
    "img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
Lang = Annotated[str | None, Query(description="nl (default) or en")]
LINK_REQUESTS = "link_requests"
KEYS_DOOR = "keys"
ACADEMIES_DOOR = "academies"
SHARED_OPS_TOKEN = static_principal("ops", frozenset())


def ops_sessions(settings: Settings) -> SessionStore:
    """The /ops sessions of this process (one store for every /ops router)."""
    return SessionStore(
        idle_seconds=settings.ops_session_idle_seconds,
        max_seconds=settings.ops_session_max_seconds,
        clock=time.monotonic,
    )


def principal_of(caller: Caller | None) -> Principal | None:
    """The person behind an /ops session; None for a reader-only token (or no session)."""
    if caller is None or caller.kind != "ops":
        return None
    return caller.principal


def person_headers(signed: Signed) -> dict[str, str]:
    """Who the registry records for a write of these pages: the signed-in person, with the
    roles it checks (registry/entrypoints/standing_in.py)."""
    person = principal_of(signed.caller)
    assert person is not None  # the page's role check admitted a principal
    actor = Actor(subject=person.subject, via=person.via, name=person.name)
    return actor.headers() | {ROLES_HEADER: ",".join(sorted(person.roles))}


def may_link_organizers(caller: Caller | None) -> bool:
    found = principal_of(caller)
    return found is not None and {WRITE, EDIT} <= found.scopes


def may_change_academies(caller: Caller | None) -> bool:
    """An academy's details and participant reports: editors, as linking an organizer."""
    return may_link_organizers(caller)


def may_decide_recognition(caller: Caller | None) -> bool:
    found = principal_of(caller)
    return found is not None and {WRITE, DECIDE} <= found.scopes


def may_manage_keys(caller: Caller | None) -> bool:
    found = principal_of(caller)
    return found is not None and KEYS in found.scopes


def doors(caller: Caller | None) -> list[str]:
    """The change pages the navigation offers this caller: keys only to admins; link
    requests to every ops reader (they see the list; only editors get the buttons); the
    academies' changes to editors and deciders."""
    if caller is None or caller.kind != "ops":
        return []
    changes = may_change_academies(caller) or may_decide_recognition(caller)
    return [
        LINK_REQUESTS,
        *([ACADEMIES_DOOR] if changes else []),
        *([KEYS_DOOR] if may_manage_keys(caller) else []),
    ]


@dataclass(frozen=True)
class Signed:
    """A request of a signed-in ops caller, in its language."""

    request: Request
    caller: Caller
    lang: str


class StaffPages:
    """Rendering in the ops layout and the session lookup, for every /ops page."""

    def __init__(self, sessions: SessionStore) -> None:
        self.sessions = sessions
        self.templates = Environment(
            loader=PackageLoader("gateway.ops_web", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def signed(self, request: Request, lang: str | None) -> Signed | None:
        caller = self.sessions.caller(request.cookies.get(session.COOKIE, ""))
        return None if caller is None else Signed(request, caller, language(lang))

    @staticmethod
    def to_login(lang: str | None) -> Response:
        suffix = "?lang=en" if language(lang) == "en" else ""
        return RedirectResponse(f"/ops/login{suffix}", status.HTTP_303_SEE_OTHER)

    def render(self, name: str, signed: Signed, code: int = 200, **values: Any) -> Response:
        return self._html(name, signed.request, signed.lang, signed.caller, code, values)

    def render_page(
        self, name: str, request: Request, lang: str, code: int = 200, **values: Any
    ) -> Response:
        """A page that may be asked without a session (sign-in, sign-out)."""
        caller = self.sessions.caller(request.cookies.get(session.COOKIE, ""))
        return self._html(name, request, lang, caller, code, values)

    def _html(
        self,
        name: str,
        request: Request,
        lang: str,
        caller: Caller | None,
        code: int,
        values: dict[str, Any],
    ) -> Response:
        def link(path: str, **params: Any) -> str:
            given = {k: v for k, v in params.items() if v is not None}
            if lang != "nl":
                given["lang"] = lang
            return f"/ops{path}" + (f"?{urlencode(given)}" if given else "")

        switch = dict(request.query_params) | {"lang": "en" if lang == "nl" else "nl"}
        html = self.templates.get_template(name).render(
            t=labels(lang),
            lang=lang,
            link=link,
            other_language_url=f"{request.url.path}?{urlencode(switch)}",
            palette=palette,
            path=request.url.path,
            doors=doors(caller),
            **values,
        )
        return HTMLResponse(html, status_code=code, headers=SECURITY_HEADERS)


def refuse_cross_site(request: Request) -> None:
    """403 for a form post a browser says came from another origin."""
    fetched_from = request.headers.get("sec-fetch-site", "same-origin")
    if fetched_from not in {"same-origin", "none"}:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a form of another site")


async def posted_form(request: Request) -> dict[str, str]:
    """An urlencoded form of at most MAX_FORM_BYTES (413 past it), first value per field."""
    try:
        return await session.read_form(request)
    except FormTooLarge:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "form too large") from None
