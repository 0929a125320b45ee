"""`GET /dead-letters?limit=` (ops scope): the consumer's dead letters, newest first."""

from __future__ import annotations

from fastapi import APIRouter

from activities.config import Settings
from activities.entrypoints.consumer import DEAD_LETTER_TOPIC
from stemkit.access.auth import OPS
from stemkit.ops.dead_letters import dead_letter_router


def dead_letters_router(settings: Settings) -> APIRouter:
    return dead_letter_router(
        settings.kafka_bootstrap_servers,
        DEAD_LETTER_TOPIC,
        guard=settings.doorkeeper().require(OPS),
    )
