"""Fault injection for the crash tests; never set these in production.

`STEM_RELAY_CRASH_BEFORE_PUBLISH` / `STEM_RELAY_CRASH_AFTER_PUBLISH` = `1` makes the process
`os._exit(137)` right before publishing / right after the broker's ack and before `sent_at`
is written; `hang` freezes the process there so a test can `kill -9` it.
"""

from __future__ import annotations

import logging
import os
import time

from stemkit.eventing.relay.metrics import log


class CrashHooks:
    def __init__(self) -> None:
        self._faults = {
            stage: os.environ.get(f"STEM_RELAY_CRASH_{stage}", "")
            for stage in ("BEFORE_PUBLISH", "AFTER_PUBLISH")
        }

    def fire(self, stage: str) -> None:
        value = self._faults.get(stage)
        if not value:
            return
        log.critical("test fault hook STEM_RELAY_CRASH_%s=%s fired", stage, value)
        for handler in logging.getLogger().handlers:
            handler.flush()
        if value == "hang":
            while True:  # frozen mid-sweep, transaction open, until the test kills -9 us
                time.sleep(3600)
        os._exit(137)
