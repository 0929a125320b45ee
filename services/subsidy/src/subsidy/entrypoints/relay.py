"""The outbox relay: `python -m subsidy.entrypoints.relay` (outbox -> Kafka) until SIGTERM.

Run exactly one per database (see `stemkit.eventing.relay`); /metrics on SUBSIDY_RELAY_METRICS_PORT.
"""

from __future__ import annotations

from functools import partial

from stemkit.eventing.processes import run_relay
from subsidy.bootstrap import open_database
from subsidy.config import SERVICE, Settings


def main() -> None:
    settings = Settings()
    run_relay(SERVICE, settings, partial(open_database, settings), settings.relay_metrics_port)


if __name__ == "__main__":
    main()
