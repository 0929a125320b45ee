"""The CloudEvents 1.0 envelope and its Kafka binary-mode binding.

Binary mode (CloudEvents Kafka protocol binding): the Kafka value is the event's data as
JSON, every other attribute travels as a `ce_<attr>` header, `content-type` carries
`datacontenttype`, and the Kafka key is the `subject` (the aggregate id), so all events of
one aggregate land on one partition and stay in order. Any Kafka client can read the data
without knowing CloudEvents; CloudEvents-aware clients get the full envelope.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# `type` ends in a major version: `be.vlaio.stem.activity.published.v1`.
TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*)+\.v[1-9][0-9]*$")

Headers = list[tuple[str, bytes]]


class EnvelopeError(ValueError):
    """A Kafka message that is not a CloudEvent in binary or structured mode."""


class CloudEvent(BaseModel):
    """One CloudEvents 1.0 event with JSON data."""

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(pattern=TYPE_PATTERN.pattern)
    subject: str = Field(min_length=1)
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    data: dict[str, Any]

    @field_validator("time")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("time must carry a time zone")
        return value.astimezone(UTC)

    @property
    def major_version(self) -> int:
        return int(self.type.rsplit(".v", 1)[1])

    def to_kafka(self) -> tuple[bytes, bytes, Headers]:
        """Key, value and headers of this event in Kafka binary mode."""
        headers: Headers = [
            ("ce_specversion", self.specversion.encode()),
            ("ce_id", self.id.encode()),
            ("ce_source", self.source.encode()),
            ("ce_type", self.type.encode()),
            ("ce_subject", self.subject.encode()),
            ("ce_time", self.time.isoformat().replace("+00:00", "Z").encode()),
            ("ce_dataschema", self.dataschema.encode()),
            ("content-type", self.datacontenttype.encode()),
        ]
        value = json.dumps(self.data, separators=(",", ":"), sort_keys=True).encode()
        return self.subject.encode(), value, headers

    @classmethod
    def from_kafka(cls, key: bytes | None, value: bytes | None, headers: Headers) -> CloudEvent:
        """Read an event from a Kafka message, binary mode or structured mode.

        Anything that is not a valid CloudEvent raises `EnvelopeError`, whatever went wrong
        while reading it (invalid UTF-8, JSON nested too deep for the parser, which raises
        RecursionError, a header without a value, an attribute of the wrong type): one
        hostile record must never escape as another exception and stop its consumer.
        """
        try:
            return cls._from_kafka(key, value, headers)
        except EnvelopeError:
            raise
        except Exception as exc:
            raise EnvelopeError(f"not a valid CloudEvent: {type(exc).__name__}: {exc}") from exc

    @classmethod
    def _from_kafka(cls, key: bytes | None, value: bytes | None, headers: Headers) -> CloudEvent:
        found: dict[str, str] = {}
        for name, raw in headers:
            if name.startswith("ce_") or name == "content-type":
                if raw is None:
                    raise EnvelopeError(f"header {name} has no value")
                found[name] = raw.decode("utf-8")  # CloudEvents attributes are UTF-8
        content_type = found.get("content-type", "")
        if content_type.startswith("application/cloudevents"):
            return cls.model_validate_json(value or b"")
        attrs: dict[str, Any] = {
            name.removeprefix("ce_"): text for name, text in found.items() if name.startswith("ce_")
        }
        if "id" not in attrs or "type" not in attrs:
            raise EnvelopeError("message has no ce_id/ce_type headers: not a CloudEvent")
        attrs.setdefault("subject", key.decode() if key else "")
        if content_type:
            attrs["datacontenttype"] = content_type.split(";")[0].strip()
        attrs["data"] = json.loads(value or b"null")
        return cls.model_validate(attrs)

    def to_json(self) -> str:
        """Structured-mode JSON (as stored in the outbox and in dead letters)."""
        return self.model_dump_json()
