"""Send a UiTdatabank document to the activities webhook, signed per Standard Webhooks.

    uv run python tools/send_webhook.py FILE.json [--url URL] [--secret whsec_...]

The defaults match `make run`: the local activities service and its development secret.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from standardwebhooks.webhooks import Webhook

from activities.config import DEV_WEBHOOK_SECRET


def signed_headers(secret: str, body: str, msg_id: str | None = None) -> dict[str, str]:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, now, body),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--url", default="http://127.0.0.1:8002/webhooks/uitdatabank")
    parser.add_argument("--secret", default=DEV_WEBHOOK_SECRET)
    args = parser.parse_args()
    body = args.file.read_text()
    response = httpx.post(args.url, content=body, headers=signed_headers(args.secret, body))
    print(response.status_code, response.text)
    return 0 if response.is_success else 1


if __name__ == "__main__":
    sys.exit(main())
