"""A consumed record, and the dead letter a consumer sends for it (ADR 0009)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from stemkit.eventing.catalog import ContractViolation, UnknownEventType
from stemkit.eventing.envelope import EnvelopeError, Headers


class KafkaRecord(Protocol):
    """What the consumer loop reads of an aiokafka `ConsumerRecord`."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


def _bytes_doc(raw: bytes | None, limit: int | None = None) -> dict[str, Any]:
    """`raw` as JSON: UTF-8 text, or base64 when it is not UTF-8. With `limit`, only its
    first `limit` bytes, plus its size and SHA-256 (to match it with the original)."""
    if raw is None:
        return {"encoding": None, "data": None}
    doc: dict[str, Any] = {}
    if limit is not None and len(raw) > limit:
        doc = {"truncated": True, "size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
        raw = raw[:limit]
    try:
        return {"encoding": "utf-8", "data": raw.decode("utf-8"), **doc}
    except UnicodeDecodeError:
        return {"encoding": "base64", "data": base64.b64encode(raw).decode("ascii"), **doc}


def dead_letter_category(reason: BaseException) -> str:
    """Why a record was dead-lettered, in one word (ADR 0009): `undecodable` (not a
    CloudEvent), `unknown_type` (not in the catalogue for its topic), `contract` (data
    that fails its payload model) or `handler` (the handler kept failing)."""
    if isinstance(reason, EnvelopeError):
        return "undecodable"
    if isinstance(reason, UnknownEventType):
        return "unknown_type"
    if isinstance(reason, ContractViolation):
        return "contract"
    return "handler"


def dead_letter_message(
    record: KafkaRecord,
    *,
    consumer: str,
    reason: BaseException,
    attempts: int,
    event_id: str | None = None,
    value_limit: int | None = None,
) -> tuple[bytes | None, bytes, Headers]:
    """Key, value and headers of the dead letter for `record` (same key as the original).

    With `value_limit`, the reduced dead letter sent when the whole one is refused (too
    large): the original's value, key and each header cut to `value_limit` bytes, each with
    its size and SHA-256, and a `dlq_reduced` header.
    """
    why = f"{type(reason).__name__}: {reason}"
    category = dead_letter_category(reason)
    reduced = value_limit is not None
    small = 256 if reduced else None  # key and header values of a reduced letter
    message, original_headers = str(reason), list(record.headers)
    if reduced:
        message, original_headers = message[:1000], original_headers[:50]
    document = {
        "consumer": consumer,
        "dead_lettered_at": datetime.now(UTC).isoformat(),
        "attempts": attempts,
        "category": category,
        "reason": {"type": type(reason).__name__, "message": message},
        "event_id": event_id,
        "reduced": reduced,
        "original": {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "timestamp": record.timestamp,
            "key": _bytes_doc(record.key, small),
            "value": _bytes_doc(record.value, value_limit),
            "headers": [{"name": name, **_bytes_doc(raw, small)} for name, raw in original_headers],
        },
    }
    headers: Headers = [
        ("content-type", b"application/json"),
        ("dlq_reason", why[:1000].encode()),
        ("dlq_category", category.encode()),
        ("dlq_consumer", consumer.encode()),
        ("dlq_attempts", str(attempts).encode()),
        ("dlq_original_topic", record.topic.encode()),
        ("dlq_original_partition", str(record.partition).encode()),
        ("dlq_original_offset", str(record.offset).encode()),
    ]
    if event_id is not None:
        headers.append(("dlq_event_id", event_id[:256].encode()))
    key = record.key
    if reduced:
        headers.append(("dlq_reduced", b"true"))
        if key is not None and len(key) > 1024:
            key = None  # a key that large would be refused too; the document has its start
    return key, json.dumps(document).encode(), headers
