"""The registry consumer: `python -m activities.entrypoints.consumer` (Kafka -> state).

Keeps this service's copy of the registry's municipalities and academy organizers, and
re-links stored activities when they change.
"""

from __future__ import annotations

from functools import partial

from activities.bootstrap import open_database
from activities.config import SERVICE, Settings
from activities.service_layer.registry_events import TOPICS, handle_registry_event
from stemkit.processes import run_consumer

GROUP = "activities"
DEAD_LETTER_TOPIC = "stem.activities.dlq.v1"


def main() -> None:
    settings = Settings()
    run_consumer(
        SERVICE,
        settings,
        partial(open_database, settings),
        settings.consumer_metrics_port,
        group=GROUP,
        topics=TOPICS,
        handler=handle_registry_event,
        dead_letter_topic=DEAD_LETTER_TOPIC,
    )


if __name__ == "__main__":
    main()
