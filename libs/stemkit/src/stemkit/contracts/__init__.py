"""Every event type the platform publishes, with its typed payload.

This is the code side of `contracts/events/`: the JSON Schemas there are generated from
these models (`make contracts`), and the contract tests fail when the two differ or when a
published version changes in a way that breaks its readers. A breaking change is a new
major version (a new type and topic), never an edit.
"""

from stemkit.contracts import activities, audit, registry, subsidy
from stemkit.eventing.catalog import EventCatalog

CATALOG = EventCatalog(
    [*registry.EVENT_TYPES, *activities.EVENT_TYPES, *subsidy.EVENT_TYPES, *audit.EVENT_TYPES]
)

__all__ = ["CATALOG"]
