"""/academie: an academy coordinator's own pages (issue 21).

Who: a `Principal` with the coordinator role and an `academy_id`, in a server-side session
opened by signing in (signin.py). One router per page: reach_page.py (the reach and what was
not counted), participants_page.py, profile_page.py; what they share (layout, the session's
coordinator, the registry's self-service) is pages.py. Reads use the gateway's own
credential; writes go to the registry's self-service routes naming the person.
"""

from __future__ import annotations

from fastapi import APIRouter

from gateway.academy_web.pages import AcademyPages
from gateway.academy_web.participants_page import participants_router
from gateway.academy_web.profile_page import profile_router
from gateway.academy_web.reach_page import reach_router
from gateway.academy_web.signin import Sessions, sign_in_router
from gateway.config import Settings


def academy_router(settings: Settings) -> APIRouter:
    sessions = Sessions(settings.ops_session_idle_seconds, settings.ops_session_max_seconds)
    pages = AcademyPages(sessions)
    router = APIRouter(include_in_schema=False)
    router.include_router(sign_in_router(settings, sessions, pages.render), prefix="/academie")
    router.include_router(reach_router(pages))
    router.include_router(participants_router(pages))
    router.include_router(profile_router(pages))
    return router
