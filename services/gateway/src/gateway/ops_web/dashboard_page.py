"""The ops dashboard's read pages: /ops (reach: map and tables), /ops/municipality/{nis}
(a municipality's detail, for the map's script), /ops/follow-up, /ops/ingestion and
/ops/audit. What each shows is built in
reach_view.py, follow_up_view.py, ingestion_view.py and audit_page.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter, HTTPException, Request, Response, status

from gateway.adapters.upstreams import UpstreamError
from gateway.ops_web import audit_page, follow_up_view, ingestion_view, reach_view, views
from gateway.ops_web.labels import labels
from gateway.ops_web.queries import Executor
from gateway.ops_web.reads import FIRST_YEAR, Maps
from gateway.ops_web.staff import Lang, StaffPages


def _today() -> date:
    return datetime.now(UTC).date()


def _year_of(given: int | None) -> int:
    today = _today()
    if given is None:
        return today.year
    if not FIRST_YEAR <= given <= today.year:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"year {FIRST_YEAR}..{today.year}")
    return given


def dashboard_router(pages: StaffPages, executor: Executor, upstream_token: str) -> APIRouter:
    """`executor` runs the GraphQL API's operations in-process for the signed-in caller;
    `upstream_token` is the gateway's own credential (the ingestion page's REST reads)."""
    router = APIRouter(prefix="/ops", include_in_schema=False)
    maps = Maps()

    def page_of(request: Request, lang: str | None) -> views.Page | None:
        signed = pages.signed(request, lang)
        if signed is None:
            return None
        return views.Page(request, signed.caller, signed.lang, labels(signed.lang))

    def render(name: str, page: views.Page, code: int = 200, **values: object) -> Response:
        return pages.render_page(name, page.request, page.lang, code, **values)

    @router.get("")
    async def reach(
        request: Request, lang: Lang = None, year: int | None = None, nis: str | None = None
    ) -> Response:
        page = page_of(request, lang)
        if page is None:
            return pages.to_login(lang)
        chosen = _year_of(year)
        try:
            shown = await reach_view.reach_page(page, executor, maps, chosen, _today())
            detail = (
                await reach_view.municipality_detail(page, executor, chosen, nis) if nis else None
            )
        except UpstreamError as exc:
            return render("unavailable.html", page, code=503, reason=str(exc))
        return render("reach.html", page, detail=detail, **shown)

    @router.get("/municipality/{nis_code}")
    async def municipality(
        request: Request, nis_code: str, lang: Lang = None, year: int | None = None
    ) -> Response:
        """A municipality's detail as an HTML fragment, for the map's script."""
        page = page_of(request, lang)
        if page is None:
            return Response(status_code=status.HTTP_401_UNAUTHORIZED)
        detail = await reach_view.municipality_detail(page, executor, _year_of(year), nis_code)
        if detail is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such municipality that year")
        return render("detail.html", page, detail=detail)

    @router.get("/follow-up")
    async def follow_up(request: Request, lang: Lang = None, year: int | None = None) -> Response:
        page = page_of(request, lang)
        if page is None:
            return pages.to_login(lang)
        shown = await follow_up_view.follow_up_page(page, executor, _year_of(year), _today())
        return render("follow_up.html", page, **shown)

    @router.get("/ingestion")
    async def ingestion(request: Request, lang: Lang = None) -> Response:
        page = page_of(request, lang)
        if page is None:
            return pages.to_login(lang)
        shown = await ingestion_view.ingestion_page(page, executor, upstream_token)
        return render("ingestion.html", page, **shown)

    @router.get("/audit")
    async def audit(request: Request, lang: Lang = None, academy: str | None = None) -> Response:
        """An academy's audit trail (issue 21)."""
        page = page_of(request, lang)
        if page is None:
            return pages.to_login(lang)
        try:
            shown = await audit_page.audit_page(page, executor, academy or None)
        except UpstreamError as exc:
            return render("unavailable.html", page, code=503, reason=str(exc))
        return render("audit.html", page, **shown)

    return router
