"""The outbox relay: `python -m activities.entrypoints.relay` (outbox -> Kafka).

Run exactly one per database (see `stemkit.eventing.relay`).
"""

from __future__ import annotations

from functools import partial

from activities.bootstrap import open_database
from activities.config import SERVICE, Settings
from stemkit.eventing.processes import run_relay


def main() -> None:
    settings = Settings()
    run_relay(SERVICE, settings, partial(open_database, settings), settings.relay_metrics_port)


if __name__ == "__main__":
    main()
