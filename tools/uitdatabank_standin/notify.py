"""Signed change notifications in UiTdatabank's own shape (uitdatabank.md §13), sent to
a webhook the way our platform takes them (Standard Webhooks, signed as
`tools/send_webhook.py` signs)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from activities.domain.documents import Kind
from tools.send_webhook import signed_headers


def notification(base_url: str, kind: Kind, item_id: str, playhead: int = 1) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": str(uuid.uuid4()),
        "playhead": playhead,
        "metadata": {"request_time": int(now.timestamp()), "api": "stand-in"},
        "payload": {"item_id": item_id, "iri": f"{base_url.rstrip('/')}/{kind}s/{item_id}"},
        "recorded_on": now.isoformat(),
    }


async def send(
    client: httpx.AsyncClient, webhook_url: str, secret: str, payload: dict[str, Any]
) -> httpx.Response:
    body = json.dumps(payload)
    return await client.post(webhook_url, content=body, headers=signed_headers(secret, body))
