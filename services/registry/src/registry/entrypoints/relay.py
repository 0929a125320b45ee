"""The outbox relay: `python -m registry.entrypoints.relay` (outbox -> Kafka) until SIGTERM.

Run exactly one per database (see `stemkit.eventing.relay`). The registry has no consumer: it reads
no other service's events.
"""

from __future__ import annotations

from functools import partial

from registry.bootstrap import open_database
from registry.config import SERVICE, Settings
from stemkit.eventing.processes import run_relay


def main() -> None:
    settings = Settings()
    run_relay(SERVICE, settings, partial(open_database, settings), settings.relay_metrics_port)


if __name__ == "__main__":
    main()
