"""`python -m tools.demo seed`: add the synthetic [DEMO] academies to the registry's database
(REGISTRY_DATABASE_URL, or the SQLite file under STEM_DATA_DIR, as the registry finds it);
idempotent, after `python -m registry.entrypoints.cli load-reference`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from registry.config import SERVICE, Settings
from registry.domain.academy import InvalidAcademy
from registry.service_layer.academies import OrganizerTaken
from stemkit.logging import configure_logging
from tools.demo.academies import seed_demo_academies

log = logging.getLogger("tools.demo")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "seed", help="add the synthetic [DEMO] academies (idempotent; after load-reference)"
    )
    parser.parse_args(argv)
    settings = Settings()
    configure_logging(SERVICE, settings.log_level)
    try:
        asyncio.run(seed_demo_academies(settings))
    except (InvalidAcademy, OrganizerTaken) as exc:
        # Seeding refuses rather than overwrite: e.g. municipalities not loaded yet, or a demo
        # organizer id already owned by a real academy.
        log.error("seeding the demo academies failed: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
