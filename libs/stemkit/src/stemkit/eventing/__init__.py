"""Eventing: the CloudEvents envelope, event catalogue, outbox, its relay, the consumer loop."""

from stemkit.eventing.catalog import EventCatalog, EventType
from stemkit.eventing.envelope import CloudEvent

__all__ = ["CloudEvent", "EventCatalog", "EventType"]
