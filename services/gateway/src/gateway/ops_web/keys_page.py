"""/ops/keys: an admin's door to the partner API keys (issue 21; scope `keys`, the admin
role). Lists the keys (never a key itself: only hashes are kept), makes one (shown once, in
the answer to the form post, never again), revokes one; records who made and who revoked
each key (the session's subject) and when. Anyone else gets 403 and no link in the nav.

The store is the gateway's own file (`gateway.adapters.key_store`), the same the CLI
writes. No await between reading and writing it: one process's admins do not lose each
other's changes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request, Response, status

from gateway.adapters.key_store import KeyStore
from gateway.domain.keys import PartnerKey, new_key
from gateway.ops_web.staff import (
    Lang,
    Signed,
    StaffPages,
    may_manage_keys,
    posted_form,
    principal_of,
    refuse_cross_site,
)

MAX_NAME = 200
KEY_ID = re.compile(r"^[0-9a-f]{8}$")


def _admin(pages: StaffPages, request: Request, lang: str | None) -> Signed | Response:
    signed = pages.signed(request, lang)
    if signed is None:
        return pages.to_login(lang)
    if not may_manage_keys(signed.caller):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "partner keys are for admins")
    return signed


def _who(signed: Signed) -> str:
    found = principal_of(signed.caller)
    assert found is not None  # may_manage_keys admitted a principal
    return found.author


def _saved(store: KeyStore, records: list[PartnerKey]) -> bool:
    """False when the store cannot be written here (e.g. a read-only mounted Secret)."""
    try:
        store.save(records)
    except OSError:
        return False
    return True


def keys_router(store: KeyStore, pages: StaffPages) -> APIRouter:
    router = APIRouter(prefix="/ops", include_in_schema=False)

    def show(signed: Signed, code: int = 200, **values: object) -> Response:
        records = sorted(store.all(), key=lambda r: r.created, reverse=True)
        return pages.render("keys.html", signed, code, keys=records, **values)

    @router.get("/keys")
    async def list_keys(request: Request, lang: Lang = None) -> Response:
        signed = _admin(pages, request, lang)
        return signed if isinstance(signed, Response) else show(signed)

    @router.post("/keys")
    async def create_key(request: Request, lang: Lang = None) -> Response:
        refuse_cross_site(request)
        signed = _admin(pages, request, lang)
        if isinstance(signed, Response):
            return signed
        form = await posted_form(request)
        name = " ".join(form.get("name", "").split())[:MAX_NAME]
        if not name:
            return show(signed, status.HTTP_422_UNPROCESSABLE_CONTENT, name_needed=True)
        plain, record = new_key(
            name,
            datetime.now(UTC),
            safelist_only=form.get("safelist_only") == "on",
            by=_who(signed),
        )
        if not _saved(store, [*store.all(), record]):
            return show(signed, status.HTTP_503_SERVICE_UNAVAILABLE, read_only=True)
        return show(signed, status.HTTP_201_CREATED, made=(record, plain))

    @router.post("/keys/{key_id}/revoke")
    async def revoke_key(request: Request, key_id: str, lang: Lang = None) -> Response:
        refuse_cross_site(request)
        signed = _admin(pages, request, lang)
        if isinstance(signed, Response):
            return signed
        records = store.all()
        if not KEY_ID.match(key_id) or key_id not in {r.id for r in records}:
            return show(signed, status.HTTP_404_NOT_FOUND, unknown=key_id[:20])
        now, who = datetime.now(UTC), _who(signed)
        if not _saved(store, [r.revoke(now, who) if r.id == key_id else r for r in records]):
            return show(signed, status.HTTP_503_SERVICE_UNAVAILABLE, read_only=True)
        return show(signed, revoked=key_id)

    return router
