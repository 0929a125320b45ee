"""Signature verification with the reference implementation, several secrets at once."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from activities.adapters.webhook_signature import InvalidSignature, SignatureVerifier

OLD = "whsec_" + base64.b64encode(b"o" * 32).decode()
NEW = "whsec_" + base64.b64encode(b"n" * 32).decode()
BODY = '{"@id": "x"}'


def headers(secret: str, *, at: datetime | None = None, msg_id: str = "msg_1") -> dict[str, str]:
    at = at or datetime.now(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, BODY),
    }


def test_any_configured_secret_verifies() -> None:
    verifier = SignatureVerifier([OLD, NEW])

    verifier.verify(BODY.encode(), headers(OLD))
    verifier.verify(BODY.encode(), headers(NEW))


def test_a_signature_list_passes_when_one_entry_matches() -> None:
    signed = headers(NEW)
    signed["webhook-signature"] = "v1,AAAA " + signed["webhook-signature"]

    SignatureVerifier([NEW]).verify(BODY.encode(), signed)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda h: h | {"webhook-signature": headers(OLD)["webhook-signature"]}, "No matching"),
        (lambda h: h | {"webhook-id": "msg_2"}, "No matching"),
        (lambda h: {k: v for k, v in h.items() if k != "webhook-signature"}, "Missing"),
        (lambda h: h | {"webhook-signature": "garbage"}, "malformed"),
        (lambda h: h | {"webhook-timestamp": "soon"}, "Invalid"),
    ],
)
def test_refuses(tamper: Callable[[dict[str, str]], dict[str, str]], reason: str) -> None:
    with pytest.raises(InvalidSignature, match=reason):
        SignatureVerifier([NEW]).verify(BODY.encode(), tamper(headers(NEW)))


def test_refuses_a_changed_body() -> None:
    with pytest.raises(InvalidSignature):
        SignatureVerifier([NEW]).verify(b'{"@id": "y"}', headers(NEW))


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_refuses_a_timestamp_outside_five_minutes(offset: timedelta) -> None:
    with pytest.raises(InvalidSignature, match="timestamp"):
        SignatureVerifier([NEW]).verify(BODY.encode(), headers(NEW, at=datetime.now(UTC) + offset))


def test_refuses_a_body_that_is_not_utf8() -> None:
    with pytest.raises(InvalidSignature, match="UTF-8"):
        SignatureVerifier([NEW]).verify(b"\xff\xfe", headers(NEW))
