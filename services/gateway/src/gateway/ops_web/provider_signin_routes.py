"""`<base>/auth/start` and `<base>/auth/callback` of a `Door`: the browser's side of the
sign-in at the provider (provider_signin has the flow; docs/adr/0019)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping

import httpx
from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse

from gateway.ops_web.provider_signin import (
    PENDING_SECONDS,
    PendingSignIns,
    ProviderSignIn,
    SignedIn,
    SignInFailed,
)

Render = Callable[..., Response]
# Opens the pages' session for the person on the response; False: not for these pages.
OpenSession = Callable[[Response, SignedIn], bool]


def provider_signin_router(
    flow: ProviderSignIn,
    open_session: OpenSession,
    render: Render,
    words: Callable[[str], Mapping[str, str]],
    token_form: bool,
) -> APIRouter:
    """`<base>/auth/start` and `<base>/auth/callback`, to include under the pages' router.
    `render(name, request, lang, code=..., **values)` renders their `login.html` (with
    `provider_error`) and `signed_in.html`; `words(lang)` has `signin_failed` and
    `signin_no_role`; `token_form`: the sign-in page also shows the token form."""
    door = flow.door
    router = APIRouter(prefix="/auth", include_in_schema=False)
    pending_sign_ins = PendingSignIns()
    secure = flow.settings.environment == "production"
    cookie_path = f"{door.base}/auth"

    def refused(request: Request, lang: str, shown: str, code: int) -> Response:
        return render(
            "login.html",
            request,
            lang,
            code=code,
            failed=False,
            provider=True,
            token_form=token_form,
            provider_error=shown,
        )

    def failed(request: Request, lang: str, reason: str, code: int = 400) -> Response:
        return refused(request, lang, words(lang)["signin_failed"].format(reason=reason), code)

    @router.get("/start")
    async def start(request: Request, lang: str | None = None) -> Response:
        chosen = door.language(lang)
        state, pending = pending_sign_ins.open(chosen)
        try:
            target = await flow.authorization_url(request, state, pending)
        except (httpx.HTTPError, KeyError, ValueError):
            return failed(request, chosen, "the identity provider did not answer", 503)
        response = RedirectResponse(target, status.HTTP_303_SEE_OTHER)
        response.set_cookie(
            door.state_cookie,
            hashlib.sha256(state.encode()).hexdigest(),
            max_age=int(PENDING_SECONDS),
            path=cookie_path,
            httponly=True,
            samesite="lax",
            secure=secure,
        )
        return response

    @router.get("/callback")
    async def callback(
        request: Request,
        state: str = "",
        code: str = "",
        error: str | None = None,
    ) -> Response:
        bound = request.cookies.get(door.state_cookie, "")
        pending = pending_sign_ins.take(state) if state else None
        lang = pending.lang if pending else door.languages[0]
        if pending is None or not secrets.compare_digest(
            bound.encode(), hashlib.sha256(state.encode()).hexdigest().encode()
        ):
            return failed(request, lang, "unknown or expired sign-in")
        if error or not code:
            return failed(request, lang, f"the identity provider said {error or 'no code'}")
        try:
            signed_in = await flow.exchange(request, code, pending)
        except SignInFailed as exc:
            return failed(request, lang, str(exc))
        target = door.with_language(door.base, lang)
        who = signed_in.principal.name
        response = render("signed_in.html", request, lang, target=target, who=who)
        if not open_session(response, signed_in):
            return refused(request, lang, words(lang)["signin_no_role"], status.HTTP_403_FORBIDDEN)
        response.delete_cookie(door.state_cookie, path=cookie_path, secure=secure, httponly=True)
        return response

    return router
