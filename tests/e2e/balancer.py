"""A small round-robin TCP balancer on loopback, for running two replicas of an API: each
new connection goes to the next backend; one that refuses the connection (killed,
restarting) is skipped for that connection. It runs its own event loop in a daemon thread,
so the synchronous harness can start and stop it."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading


class RoundRobin:
    def __init__(self, port: int, backends: list[int]) -> None:
        self.port = port
        self.backends = backends
        self._next = itertools.cycle(range(len(backends)))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self.connections = [0] * len(backends)  # per backend, for the report

    def start(self) -> None:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            self._server = loop.run_until_complete(
                asyncio.start_server(self._pipe, "127.0.0.1", self.port, backlog=512)
            )
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=serve, name=f"balancer:{self.port}", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"the balancer on port {self.port} did not start")

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = None
        for _ in range(len(self.backends)):
            index = next(self._next)
            try:
                upstream = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.backends[index]), 3
                )
            except (OSError, TimeoutError):
                continue
            self.connections[index] += 1
            break
        if upstream is None:  # no replica answers: the client sees a closed connection
            writer.close()
            return
        up_reader, up_writer = upstream

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            with contextlib.suppress(OSError):
                sink.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
