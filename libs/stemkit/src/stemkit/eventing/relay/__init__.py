"""The outbox relay: publishes committed outbox rows to Kafka, in `seq` order, at least once.

One sweep (`relay_once`) runs in one database transaction: read the oldest unsent rows,
hand them to the `Publisher`, and set `sent_at` on the rows the broker acknowledged (on
failure: the acknowledged prefix only, plus `attempts`/`last_error` on the rest). A row is
never skipped: the next sweep starts again at the first unacknowledged row, so events that
share a key keep their order. A crash between the broker's ack and the commit re-sends the
batch on restart; consumers dedupe by event id (`stemkit.eventing.consumer`).

A row that can never be sent as it is (`PublishError.unsendable`: bigger than
`stemkit.eventing.kafka.MAX_MESSAGE_BYTES`, an envelope that is no record, a broker refusing that
record) is parked instead: `parked_at` and `parked_reason` set, logged once, counted in
`stem_outbox_parked`, and the sweep goes on with the rows behind it. Rows with the same topic
and key as a parked row are parked behind it ("held"), so that a key's events never overtake
each other; ops put a parked row back in line or discard it (`stemkit.ops.outbox_parked`,
ADR 0008). Errors of the broker or the connection (down, leader elections, timeouts) are
never the row's fault: the row stays first in line and the sweep is retried with backoff.

Between sweeps that found nothing the relay waits `idle_interval`. On PostgreSQL it also
LISTENs on `stemkit.eventing.outbox.OUTBOX_CHANNEL`, which every transaction that stages an event
NOTIFYs at commit: it sweeps as soon as something is committed, and polls only every
`listen_idle_interval` as a safety net (a lost listening connection falls back to polling
at `idle_interval` until it is back). After a notification it waits `coalesce` (50 ms) so
that a stream of commits is swept in batches, not one sweep per commit. Idle relays cost
almost nothing, and an event leaves within about `coalesce` of its commit instead of up
to an idle interval later.

On PostgreSQL each sweep takes `pg_try_advisory_xact_lock`, so a second replica stands by
instead of interleaving batches (the lock dies with the transaction, also when the process
is killed): two relays per database are safe and keep the order per key (ADR 0018). On
SQLite there is no such lock: never point two relay processes at one SQLite file.

The parts: `loop` (`OutboxRelay`: the sweep and the loop around it), `rows` (the outbox
rows of a sweep, the advisory lock), `parking` (unsendable rows and the rows held behind
them), `messages` (`OutboxMessage`, `Publisher`, `PublishError`), `metrics`, and
`crash_hooks` (fault injection for the crash tests).
"""

from stemkit.eventing.relay.loop import OutboxRelay
from stemkit.eventing.relay.messages import OutboxMessage, Publisher, PublishError
from stemkit.eventing.relay.parking import HELD_BEHIND
from stemkit.eventing.relay.rows import RELAY_LOCK_KEY

__all__ = [
    "HELD_BEHIND",
    "RELAY_LOCK_KEY",
    "OutboxMessage",
    "OutboxRelay",
    "PublishError",
    "Publisher",
]
