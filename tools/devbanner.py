"""What `make run` prints: where everything is and the development credentials (refused
when STEM_ENV=production), then, once every API answers, the three things to do first.

    python tools/devbanner.py             # the banner
    python tools/devbanner.py next-steps  # waits for the four APIs, then the first steps
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

if not __package__:  # run as a script: the repository root, for tools.demo
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from activities.config import DEV_WEBHOOK_SECRET
from gateway.config import DEV_PARTNER_KEY
from stemkit.settings import DEV_OPS_TOKEN
from tools.demo.academies import DEMO_ACADEMIES

READY_URLS = tuple(f"http://127.0.0.1:{port}/healthz" for port in (8000, 8001, 8002, 8003))
WAIT_SECONDS = 300

BANNER = f"""
================================================================================
 STEM-academies platform (development; demo academies are labelled [DEMO])

 gateway (GraphQL)    http://127.0.0.1:8000/graphql   header X-API-Key: {DEV_PARTNER_KEY}
 registry   API docs  http://127.0.0.1:8001/docs
 activities API docs  http://127.0.0.1:8002/docs      webhook POST /webhooks/uitdatabank
 subsidy    API docs  http://127.0.0.1:8003/docs
 metrics              http://127.0.0.1:800X/metrics; relays 910X, consumers 911X,
                      activities worker 9122
 ops bearer token     {DEV_OPS_TOKEN}
 webhook secret       {DEV_WEBHOOK_SECRET}

 demo data            [DEMO] Flanders 2019-2026 (tools/flanders), loaded below through
                      the registry API and the webhook; then: .venv/bin/stem report --year 2020

 logs: warnings and errors; LOG_LEVEL=INFO make run: what each process does,
       LOG_LEVEL=DEBUG: every event.  stop: Ctrl-C
================================================================================"""

NEXT_STEPS = f"""Ready. Three things to do first:
 1. open the GraphQL playground  http://127.0.0.1:8000/graphql
    (header X-API-Key: {DEV_PARTNER_KEY})
 2. send a real UiTdatabank document, from another terminal:
    .venv/bin/python tools/send_webhook.py tests/e2e/fixtures/academy-event-approved.json
 3. open the ops pages  http://127.0.0.1:8000/ops  (sign in as a demo user of the banner,
    e.g. ops-decider, or with the ops bearer token), or an academy's own pages
    http://127.0.0.1:8000/academie  (as coordinator-leuven)"""


REALM_FILE = Path(__file__).resolve().parent.parent / "deploy" / "keycloak" / "stem-realm.json"


def with_people(banner: str) -> str:
    """The banner with the provider and its demo users (deploy/keycloak/stem-realm.json),
    when `make run` started one (STEM_OIDC_ISSUER)."""
    issuer = os.environ.get("STEM_OIDC_ISSUER")
    if not issuer:
        return banner
    lines = [
        f" sign-in (OIDC)       {issuer}",
        "                      /ops (staff) and /academie (coordinators): 'Sign in with your",
        "                      account'; GraphQL: Bearer <access token>",
        " demo users           (username / password: role)",
    ]
    named = {a.academy_id: a.name for a in DEMO_ACADEMIES}
    for user in json.loads(REALM_FILE.read_text())["users"]:
        if "serviceAccountClientId" in user:
            continue
        roles = [r for r in user["realmRoles"] if not r.startswith("default-roles")]
        password = next(c["value"] for c in user["credentials"] if c["type"] == "password")
        academy = (user.get("attributes") or {}).get("academy_id")
        what = ", ".join(roles) + (f" of {named.get(academy[0], academy[0])}" if academy else "")
        lines.append(f"   {user['username']:<20} / {password}: {what}")
    head, _, rule = banner.rpartition("\n")
    return "\n".join([head, "", *lines, rule])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_then_show_next_steps() -> int:
    deadline = time.monotonic() + WAIT_SECONDS
    waiting = list(READY_URLS)
    while waiting and time.monotonic() < deadline:
        waiting = [url for url in waiting if not answers(url)]
        if waiting:
            time.sleep(1)
    if waiting:
        print(f"not answering after {WAIT_SECONDS} s: {', '.join(waiting)}", flush=True)
        return 1
    print(NEXT_STEPS, flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["next-steps"]:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C while waiting: just stop
        sys.exit(wait_then_show_next_steps())
    print(with_people(BANNER), flush=True)
