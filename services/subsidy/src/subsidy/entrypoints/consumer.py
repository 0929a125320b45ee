"""The consumer: `python -m subsidy.entrypoints.consumer` (activity events -> reach) until SIGTERM.

Group `subsidy` on the activities topic; messages that keep failing go to the dead-letter
topic. /metrics on SUBSIDY_CONSUMER_METRICS_PORT.
"""

from __future__ import annotations

from functools import partial

from stemkit.contracts.activities import ACTIVITY_TOPIC
from stemkit.processes import run_consumer
from subsidy.bootstrap import open_database
from subsidy.config import SERVICE, Settings
from subsidy.service_layer.handlers import handle_activity_event


def main() -> None:
    settings = Settings()
    run_consumer(
        SERVICE,
        settings,
        partial(open_database, settings),
        settings.consumer_metrics_port,
        group=settings.consumer_group,
        topics=[ACTIVITY_TOPIC],
        handler=handle_activity_event,
        dead_letter_topic=settings.dead_letter_topic,
    )


if __name__ == "__main__":
    main()
