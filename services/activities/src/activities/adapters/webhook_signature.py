"""Standard Webhooks signature verification, with several secrets during a rotation.

The reference implementation (`standardwebhooks`) does the work: HMAC-SHA256 over
`id.timestamp.body`, constant-time comparison, a ±5 minute timestamp tolerance.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping, Sequence

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

_SIGNED = ("webhook-id", "webhook-timestamp", "webhook-signature")


class InvalidSignature(Exception):
    """The delivery is not signed by any configured secret, or its timestamp is stale."""


class SignatureVerifier:
    def __init__(self, secrets: Sequence[str]) -> None:
        if not secrets:
            raise ValueError("at least one webhook secret is needed")
        self._webhooks = [Webhook(secret) for secret in secrets]

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Return when any secret verifies `body` under these headers; else raise.

        `headers` is looked up by lower-case name: the request's (case-insensitive) headers,
        or a plain mapping with lower-case names."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            # The reference implementation signs text; a non-UTF-8 body cannot be verified.
            raise InvalidSignature("the body is not UTF-8, so it cannot be verified") from None
        # Only the three headers it reads: the library lower-cases every name it is given.
        signed = {name: headers[name] for name in _SIGNED if name in headers}
        reason = "no signature matched"
        for webhook in self._webhooks:
            try:
                webhook.verify(text, signed, json_parse=False)
            except WebhookVerificationError as exc:
                reason = str(exc)
            except (ValueError, binascii.Error):
                # The library raises these on a malformed signature list ("v1" without ",").
                reason = "malformed webhook-signature header"
            else:
                return
        raise InvalidSignature(reason)
