"""Readiness checks: is the service's database reachable, is the Kafka broker reachable."""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaClient

from stemkit.eventing.kafka_security import connection_options


class BrokerProbe:
    """Asks the broker for metadata, at most once per `ttl` seconds (probes are frequent)."""

    def __init__(self, bootstrap_servers: str, ttl: float = 5.0, timeout: float = 3.0) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.ttl = ttl
        self.timeout = timeout
        self._checked_at = float("-inf")
        self._ok = False
        self._lock = asyncio.Lock()

    async def reachable(self) -> bool:
        async with self._lock:
            if time.monotonic() - self._checked_at < self.ttl:
                return self._ok
            self._ok = await self._probe()
            self._checked_at = time.monotonic()
            return self._ok

    async def _probe(self) -> bool:
        client = AIOKafkaClient(
            bootstrap_servers=self.bootstrap_servers,
            request_timeout_ms=int(self.timeout * 1000),
            **connection_options(),
        )
        try:
            await asyncio.wait_for(client.bootstrap(), self.timeout)
        except Exception:
            return False
        finally:
            await client.close()
        return True
