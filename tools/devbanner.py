"""What `make run` prints once the platform is starting: where everything is, and the
development credentials (refused when STEM_ENV=production)."""

from __future__ import annotations

from activities.config import DEV_WEBHOOK_SECRET
from gateway.config import DEV_PARTNER_KEY
from stemkit.settings import DEV_OPS_TOKEN

BANNER = f"""
================================================================================
 STEM-academies platform (development; demo academies are labelled [DEMO])

 GraphQL playground   http://127.0.0.1:8000/graphql   header X-API-Key: {DEV_PARTNER_KEY}
 registry   API docs  http://127.0.0.1:8001/docs
 activities API docs  http://127.0.0.1:8002/docs      webhook POST /webhooks/uitdatabank
 subsidy    API docs  http://127.0.0.1:8003/docs
 metrics              http://127.0.0.1:800X/metrics; relays 910X, consumers 911X

 ops bearer token     Authorization: Bearer {DEV_OPS_TOKEN}
 webhook secret       {DEV_WEBHOOK_SECRET}

 try the slice:       uv run python tools/send_webhook.py \\
                        tests/e2e/fixtures/academy-event-approved.json
 stop:                Ctrl-C
================================================================================
"""

if __name__ == "__main__":
    print(BANNER, flush=True)
