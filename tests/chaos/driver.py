"""Carries out the plan: documents into the UiTdatabank stand-ins, signed deliveries to the
webhook, retried like a webhook sender retries (same webhook-id) until acknowledged.

Two stand-ins run inside the runner, so the workload can change what they serve:
- the Entry API (`GET /{kind}s/{id}`): every item's newest document, 410 for deleted ones;
  thin notifications point here, and the worker fetches what it says now;
- the Search API the poller reads: only the activities of the poller channel and the
  places, so a webhook delivery that got lost is not quietly repaired by the poller.

Hostile changes (tests/chaos/poison.py) go the same ways: signed deliveries (a 4xx is
their expected answer, not the workload's mistake), hostile answers of the Entry API
stand-in (a redirect off-host, bytes that are not UTF-8 or nest too deep), and records
written straight to the topics the services consume.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaProducer

from tests.chaos import poison
from tests.chaos.reference import UNLINKED_ORGANIZER, Municipality
from tests.chaos.workload import (
    Activity,
    Clock,
    Place,
    Plan,
    Step,
    event_version,
    place_version,
)
from tests.e2e.harness import free_port
from tools.send_webhook import signed_headers
from tools.uitdatabank_standin.app import create_standin
from tools.uitdatabank_standin.notify import notification
from tools.uitdatabank_standin.store import Store


class StandIn:
    """One stand-in app served by uvicorn inside the runner's event loop."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.port = free_port()
        config = uvicorn.Config(
            create_standin(store),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task


@dataclass
class HostileSent:
    """One hostile change as carried out, and the answer it got."""

    step: int
    kind: str
    item: str  # the webhook-id, or the poison record's Kafka key
    topic: str | None = None  # a poison record's topic
    activity_id: str | None = None  # the event a delivery names: never to be stored
    answer: str = ""  # "202 stored", "401 refused"..., or "written" for a record
    detail: str = ""  # the refusal's text


@dataclass
class Figures:
    changes: Counter[str] = field(default_factory=Counter)  # by kind
    channels: Counter[str] = field(default_factory=Counter)  # webhook document/notif, poller
    posts: Counter[str] = field(default_factory=Counter)  # HTTP outcomes of every attempt
    undelivered: list[str] = field(default_factory=list)
    hostile: list[HostileSent] = field(default_factory=list)


class Driver:
    def __init__(
        self,
        plan: Plan,
        municipalities: list[Municipality],
        webhook_url: str,
        secret: str,
        entry: StandIn,
        search: StandIn,
        *,
        rate: float,
        concurrency: int,
        give_up_after: float,
        kafka: str | None = None,
    ) -> None:
        self.plan = plan
        self.kafka = kafka  # where poison records are written
        self.municipalities = municipalities
        self.webhook_url = webhook_url
        self.secret = secret
        self.entry = entry
        self.search = search
        self.rate = rate
        self.give_up_after = give_up_after
        self.clock = Clock()
        self.figures = Figures()
        self.progress = 0  # steps carried out
        self._slots = asyncio.Semaphore(concurrency)
        self._pending: dict[int, set[asyncio.Task[None]]] = {}
        self._all: set[asyncio.Task[None]] = set()
        self._sent: dict[int, list[tuple[str, str]]] = {}  # activity -> (webhook-id, body)
        self._client: httpx.AsyncClient | None = None
        self._producer: AIOKafkaProducer | None = None

    async def run(self) -> None:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
        if self.kafka is not None and any(s.topic for s in self.plan.steps):
            self._producer = AIOKafkaProducer(
                bootstrap_servers=self.kafka, enable_idempotence=True, request_timeout_ms=10_000
            )
            await self._producer.start()
        try:
            await self._run(limits)
        finally:
            if self._producer is not None:
                await self._producer.stop()

    async def _run(self, limits: httpx.Limits) -> None:
        async with httpx.AsyncClient(timeout=15, limits=limits) as client:
            self._client = client
            started = time.monotonic()
            for step in self.plan.steps:
                due = started + step.index / self.rate
                if (wait := due - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                await self._carry_out(step)
                self.progress = step.index + 1
            while self._all:  # a task may start others (a wait, then its delivery)
                await asyncio.gather(*list(self._all))

    # ----------------------------------------------------------------- steps

    async def _carry_out(self, step: Step) -> None:
        rng = random.Random(f"{self.plan.seed}:{step.index}")
        self.figures.changes[step.kind] += 1
        if step.kind == "hostile":
            self._hostile(step, rng)
            return
        if step.kind in ("place_create", "place_change"):
            place = self.plan.places[step.target]
            self._new_place_version(rng, place)
            self._send_place(step, place)
            return
        if step.kind in ("delete_gone", "out_of_order"):
            # Both must follow every earlier delivery of the activity: an older version
            # arrives after the newer one it follows; a 410 carries no `modified`, so the
            # platform cannot order it against an older delivery still in flight. The wait
            # runs aside, so the rest of the workload keeps flowing meanwhile.
            earlier = list(self._pending.get(step.target, ()))
            self._track(step.target, asyncio.create_task(self._after(earlier, step, rng)))
            return
        await self._make_version(step, rng)

    async def _after(
        self, earlier: list[asyncio.Task[None]], step: Step, rng: random.Random
    ) -> None:
        if earlier:
            await asyncio.gather(*earlier)
        await self._make_version(step, rng)

    async def _make_version(self, step: Step, rng: random.Random) -> None:
        activity = self.plan.activities[step.target]
        if step.kind in ("create", "update", "delete", "delete_gone"):
            place_index = self._place_for(rng, step, activity)
            version = event_version(
                rng,
                activity,
                place_index,
                self.plan.places[place_index],
                self.clock.stamp(activity.versions[-1].modified if activity.versions else None),
                deleted=step.kind in ("delete", "delete_gone"),
            )
            activity.versions.append(version)
            self.entry.store.put(version.document)
            if step.kind == "delete_gone":
                activity.gone = True
                self.entry.store.gone[activity.activity_id] = 410
            if activity.channel == "poller":
                self.search.store.put(version.document)
                self.figures.channels["poller"] += 1
                return
            if step.form == "notification":
                body = json.dumps(notification(self.entry.url, "event", activity.activity_id))
            else:
                body = json.dumps(version.document)
            self._send(step, step.target, body, new_id=True)
            return
        sent = self._sent.get(step.target) or []
        if step.kind == "duplicate_same_delivery" and sent:
            webhook_id, body = rng.choice(sent)
            self._send(step, step.target, body, webhook_id=webhook_id)
        elif step.kind == "duplicate_new_delivery" and sent:
            self._send(step, step.target, sent[-1][1], new_id=True)
        elif step.kind == "out_of_order" and len(activity.versions) >= 2:
            older = rng.choice(activity.versions[:-1])
            self._send(step, step.target, json.dumps(older.document), new_id=True)
        else:  # nothing to duplicate yet: the planned change becomes a no-op, counted apart
            self.figures.changes[step.kind] -= 1
            self.figures.changes["skipped"] += 1

    def _place_for(self, rng: random.Random, step: Step, activity: Activity) -> int:
        if activity.versions and (step.kind != "update" or rng.random() < 0.7):
            return activity.versions[-1].place_index
        return rng.randrange(len(self.plan.places))

    def _new_place_version(self, rng: random.Random, place: Place) -> None:
        previous = place.current if place.versions else None
        choices = [
            m
            for m in self.municipalities
            if previous is None or m.nis_code != previous.municipality.nis_code
        ]
        municipality = rng.choice(choices)
        street = f"Chaosstraat {rng.randrange(1, 300)}"
        modified = self.clock.stamp(previous.modified if previous else None)
        version = place_version(place, municipality, street, modified)
        place.versions.append(version)
        self.entry.store.put(version.document)
        self.search.store.put(version.document)

    def _send_place(self, step: Step, place: Place) -> None:
        if step.form == "notification":
            body = json.dumps(notification(self.entry.url, "place", place.place_id))
        else:
            body = json.dumps(place.current.document)
        self._send(step, -1 - step.target, body, new_id=True)

    # ----------------------------------------------------------------- hostile

    def _hostile(self, step: Step, rng: random.Random) -> None:
        kind = step.hostile
        if poison.HOSTILE[kind].channel == "kafka":
            assert step.topic is not None
            key = f"{poison.KEY_PREFIX}{self.plan.seed}-{step.index}"
            value, headers = poison.record(kind, step.topic, key, rng)
            sent = HostileSent(step.index, kind, key, topic=step.topic)
            self.figures.hostile.append(sent)
            self.figures.channels["kafka poison record"] += 1
            self._track(-1, asyncio.create_task(self._write_record(sent, value, headers)))
            return
        activity_id = poison.item_id(rng)
        webhook_id = f"chaos_{self.plan.seed}_{step.index}"
        store, entry = self.entry.store, f"{self.entry.url}/events/{activity_id}"
        if kind == "iri_bad_port":
            iri = f"http://127.0.0.1:abc/events/{activity_id}"
            body = json.dumps(poison.notification(iri, activity_id)).encode()
        elif kind == "oversized_document":
            body = poison.oversized_document(rng, activity_id, UNLINKED_ORGANIZER)
        elif kind == "redirect_off_host":
            # Same machine, another host name: only 127.0.0.1 is on the allow-list. What is
            # there is a usable document of the notified event, so following the redirect
            # would store an activity.
            elsewhere = poison.item_id(rng)
            store.redirects[activity_id] = f"http://localhost:{self.entry.port}/events/{elsewhere}"
            document = poison.valid_document(activity_id, UNLINKED_ORGANIZER)
            store.raw[elsewhere] = json.dumps(document).encode()
            body = json.dumps(poison.notification(entry, activity_id)).encode()
        elif kind in ("invalid_utf8_fetched", "deep_json_fetched"):
            fetched = kind == "deep_json_fetched"
            store.raw[activity_id] = poison.deep_json() if fetched else poison.invalid_utf8(rng)
            body = json.dumps(poison.notification(entry, activity_id)).encode()
        elif kind == "invalid_utf8_webhook":
            body = poison.invalid_utf8(rng)
        elif kind == "deep_json_webhook":
            body = poison.deep_json()
        elif kind == "wrong_types_document":
            body = poison.wrong_types_document(rng, activity_id)
        elif kind == "wrong_types_notification":
            body, activity_id = poison.wrong_types_notification(rng), ""
        else:
            raise AssertionError(f"unknown hostile kind {kind}")
        sent = HostileSent(step.index, kind, webhook_id, activity_id=activity_id or None)
        self.figures.hostile.append(sent)
        self.figures.channels["webhook hostile"] += 1
        self._track(-1, asyncio.create_task(self._post_hostile(sent, body)))

    async def _post_hostile(self, sent: HostileSent, body: bytes) -> None:
        deadline = time.monotonic() + self.give_up_after
        delay = 0.2
        async with self._slots:
            while True:
                outcome = await self._attempt(sent.item, body, hostile=sent)
                self.figures.posts[outcome] += 1
                if not outcome.startswith("retry"):
                    sent.answer = outcome
                    return
                if time.monotonic() > deadline:
                    self.figures.undelivered.append(sent.item)
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _write_record(
        self, sent: HostileSent, value: bytes, headers: list[tuple[str, bytes]]
    ) -> None:
        """Written until the broker acknowledges it (the idempotent producer writes it once
        across its own retries), or given up after `give_up_after`."""
        assert self._producer is not None and sent.topic is not None
        deadline = time.monotonic() + self.give_up_after
        delay = 0.2
        while True:
            try:
                await asyncio.wait_for(  # aiokafka may wait for metadata without end
                    self._producer.send_and_wait(
                        sent.topic, value=value, key=sent.item.encode(), headers=headers
                    ),
                    15,
                )
            except Exception as exc:  # the broker restarting: again, like a producer does
                if time.monotonic() > deadline:
                    sent.answer = f"not written: {type(exc).__name__}"
                    self.figures.undelivered.append(sent.item)
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            else:
                sent.answer = "written"
                return

    # ----------------------------------------------------------------- sending

    def _send(
        self,
        step: Step,
        target: int,
        body: str,
        *,
        new_id: bool = False,
        webhook_id: str | None = None,
    ) -> None:
        if new_id:
            webhook_id = f"chaos_{self.plan.seed}_{step.index}"
        assert webhook_id is not None
        duplicate = step.kind.startswith("duplicate") or step.kind == "out_of_order"
        self.figures.channels["webhook repeat" if duplicate else f"webhook {step.form}"] += 1
        if target >= 0 and step.kind not in ("duplicate_same_delivery",):
            self._sent.setdefault(target, []).append((webhook_id, body))
        self._track(target, asyncio.create_task(self._post(webhook_id, body)))

    def _track(self, target: int, task: asyncio.Task[None]) -> None:
        self._pending.setdefault(target, set()).add(task)
        self._all.add(task)
        task.add_done_callback(self._pending[target].discard)
        task.add_done_callback(self._all.discard)

    async def _post(self, webhook_id: str, body: str) -> None:
        assert self._client is not None
        deadline = time.monotonic() + self.give_up_after
        delay = 0.2
        async with self._slots:
            while True:
                outcome = await self._attempt(webhook_id, body)
                self.figures.posts[outcome] += 1
                if outcome in ("202 stored", "200 duplicate"):
                    return
                if time.monotonic() > deadline:
                    self.figures.undelivered.append(webhook_id)
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _attempt(
        self, webhook_id: str, body: str | bytes, hostile: HostileSent | None = None
    ) -> str:
        assert self._client is not None
        text = body if isinstance(body, str) else body.decode("utf-8", errors="replace")
        # A body that is not UTF-8 is signed as its replacement text: refused either way.
        headers = signed_headers(self.secret, text, webhook_id)
        try:
            response = await self._client.post(self.webhook_url, content=body, headers=headers)
        except httpx.TransportError as exc:
            return f"retry: {type(exc).__name__}"
        if response.status_code == 202:
            return "202 stored"
        if response.status_code == 200:
            return "200 duplicate"
        if response.status_code >= 500:
            return f"retry: {response.status_code}"
        if hostile is not None:
            hostile.detail = response.text[:300]
            return f"{response.status_code} refused"
        # A 4xx is the workload's own mistake (bad signature, not JSON): stop loudly.
        raise AssertionError(
            f"webhook refused {webhook_id}: {response.status_code} {response.text}"
        )


def documents_sent(plan: Plan) -> dict[str, Any]:
    """How many versions were made, for the figures."""
    return {
        "activities": sum(1 for a in plan.activities if a.versions),
        "activity versions": sum(len(a.versions) for a in plan.activities),
        "places": sum(1 for p in plan.places if p.versions),
        "place versions": sum(len(p.versions) for p in plan.places),
    }
