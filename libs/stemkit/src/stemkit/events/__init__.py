"""CloudEvents envelope and the explicit catalogue of event types."""

from stemkit.events.catalog import EventCatalog, EventType
from stemkit.events.envelope import CloudEvent

__all__ = ["CloudEvent", "EventCatalog", "EventType"]
