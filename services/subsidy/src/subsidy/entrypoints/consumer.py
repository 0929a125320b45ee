"""The consumer: `python -m subsidy.entrypoints.consumer` (events -> state, reach) until SIGTERM.

Group `subsidy` on the registry's academy and municipality topics and the activities
topic; messages that keep failing go to the dead-letter topic. /metrics on
SUBSIDY_CONSUMER_METRICS_PORT.
"""

from __future__ import annotations

from functools import partial

from stemkit.contracts.activities import ACTIVITY_TOPIC
from stemkit.contracts.registry import ACADEMY_TOPIC, MUNICIPALITY_TOPIC
from stemkit.processes import run_consumer
from subsidy.bootstrap import open_database
from subsidy.config import SERVICE, Settings
from subsidy.service_layer.handlers import handle_event


def main() -> None:
    settings = Settings()
    run_consumer(
        SERVICE,
        settings,
        partial(open_database, settings),
        settings.consumer_metrics_port,
        group=settings.consumer_group,
        topics=[MUNICIPALITY_TOPIC, ACADEMY_TOPIC, ACTIVITY_TOPIC],
        handler=handle_event,
        dead_letter_topic=settings.dead_letter_topic,
    )


if __name__ == "__main__":
    main()
