"""Signing in with the ops token, once, for a browser: a server-side session.

The sign-in form posts the token; the gateway checks it exactly as it checks an
`Authorization: Bearer` header (same tokens, same scopes) and, when valid, opens a session:
a random id (256 bits) in a cookie, the caller (id and scopes, never the token) in this
process's memory (for a person signed in at the provider also their ID token, used only to
end the provider's session at sign-out). The cookie is HttpOnly (no script reads it),
SameSite=Strict (no other site's page sends it, so no cross-site request forgery),
Path=/ops, Secure in production.
A session ends when it has been idle too long, at its absolute lifetime, at sign-out
(revoked here, so a copied cookie is refused too) and when the process restarts.

Sessions live in the replica that opened them (no shared store in the stack): with several
replicas, /ops needs cookie affinity at the ingress (docs/adr/0012). A cookie shown to
another replica is simply unknown there: refused, never accepted.

Sign-in is throttled (`SignInThrottle`): failed attempts are counted per client address and
in all, in a sliding window; past either limit every attempt is a 429 with Retry-After,
the right token included, so guessing stops. The form's body is refused over
`MAX_FORM_BYTES` from its Content-Length, or while it streams, before it is read whole.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import Request, Response
from starlette.requests import ClientDisconnect, HTTPConnection

from gateway.schema.context import Caller

COOKIE = "stem_ops_session"
MAX_FORM_BYTES = 4096
MAX_SESSIONS = 10_000  # in memory; past it the least recently used goes first
MAX_TRACKED_ADDRESSES = 10_000  # per-address counters kept; the global limit covers the rest

Identify = Callable[[HTTPConnection], Caller | None]
Clock = Callable[[], float]


def caller_of_token(identify: Identify, token: str) -> Caller | None:
    """The ops caller a token stands for (None: not a valid ops token)."""
    if not token:
        return None
    header = f"Bearer {token}".encode()
    found = identify(HTTPConnection({"type": "http", "headers": [(b"authorization", header)]}))
    return found if found is not None and found.kind == "ops" else None


@dataclass
class _Session:
    caller: Caller
    opened: float
    seen: float
    id_token: str = ""  # signed in at the provider: only to end its session at sign-out


def _key(session_id: str) -> str:
    # Stored by hash: what memory holds is no cookie a reader could present.
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """Open sessions of this process: id (by hash) -> caller, with idle and absolute ends."""

    def __init__(self, *, idle_seconds: float, max_seconds: float, clock: Clock) -> None:
        self.idle, self.lifetime, self.clock = idle_seconds, max_seconds, clock
        self._sessions: OrderedDict[str, _Session] = OrderedDict()

    def open(self, caller: Caller, id_token: str = "") -> str:
        """A new session of `caller` (signed in at the provider with `id_token`); its id,
        for the cookie."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        self._sessions[_key(session_id)] = _Session(caller, now, now, id_token)
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.popitem(last=False)
        return session_id

    def caller(self, session_id: str) -> Caller | None:
        """The session's caller, its idle time restarted; None if unknown or over."""
        key = _key(session_id)
        found = self._sessions.get(key)
        if found is None:
            return None
        now = self.clock()
        if now - found.seen > self.idle or now - found.opened > self.lifetime:
            del self._sessions[key]
            return None
        found.seen = now
        self._sessions.move_to_end(key)
        return found.caller

    def revoke(self, session_id: str) -> str:
        """Ends the session; its ID token ("": none), to end the provider's session too."""
        found = self._sessions.pop(_key(session_id), None)
        return found.id_token if found else ""

    def __len__(self) -> int:
        return len(self._sessions)


class SignInThrottle:
    """Failed sign-ins in a sliding window, per client address and in all."""

    def __init__(self, *, per_address: int, in_all: int, window: float, clock: Clock) -> None:
        self.per_address, self.in_all, self.window, self.clock = per_address, in_all, window, clock
        self._all: deque[float] = deque()
        self._by_address: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, times: deque[float], now: float) -> deque[float]:
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def wait(self, address: str) -> int:
        """Seconds until `address` may try again; 0: it may now."""
        now = self.clock()
        waits = []
        for times, limit in (
            (self._all, self.in_all),
            (self._by_address.get(address, deque()), self.per_address),
        ):
            recent = self._recent(times, now)
            if len(recent) >= limit:
                # The oldest failure that keeps the count at the limit must leave the window.
                waits.append(recent[len(recent) - limit] + self.window - now)
        return max(1, math.ceil(max(waits))) if waits else 0

    def failed(self, address: str) -> None:
        now = self.clock()
        self._all.append(now)
        times = self._by_address.setdefault(address, deque())
        times.append(now)
        self._by_address.move_to_end(address)
        while len(self._by_address) > MAX_TRACKED_ADDRESSES:
            self._by_address.popitem(last=False)
        # Bounded: entries past the limit add nothing to a refusal.
        while len(times) > self.per_address:
            times.popleft()
        while len(self._all) > self.in_all:
            self._all.popleft()


def address_of(request: Request) -> str:
    """The client's address as the server saw it (uvicorn takes X-Forwarded-For only from
    the proxies `--forwarded-allow-ips` names)."""
    return request.client.host if request.client else "unknown"


class FormTooLarge(Exception):
    pass


async def read_form(request: Request) -> dict[str, str]:
    """A small urlencoded form, first value per field, stripped. A body declared or found
    over MAX_FORM_BYTES raises FormTooLarge before more is read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise FormTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge
    return {k: v[0].strip() for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


async def posted_token(request: Request) -> str:
    """The `token` field of the sign-in form (application/x-www-form-urlencoded); over
    MAX_FORM_BYTES raises FormTooLarge."""
    try:
        return (await read_form(request)).get("token", "")
    except ClientDisconnect:
        return ""


def keep(response: Response, session_id: str, *, max_age: int, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=max_age,
        path="/ops",
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def forget(response: Response, *, secure: bool) -> None:
    response.delete_cookie(COOKIE, path="/ops", httponly=True, samesite="strict", secure=secure)
