"""The consumer loop: Kafka -> handler, effectively once per consumer, with a dead-letter topic.

Each fetched partition batch is settled in order, in chunks of consecutive messages, each
chunk in ONE database transaction with the inbox rows of its events; only then is the
partition's Kafka offset committed (once per batch). A crash in between re-delivers the
messages, and the inbox turns them into no-ops. A record that cannot be read, or whose
handler keeps failing, goes to the dead-letter topic and only it (ADR 0009); database and
broker outages are waited out, never charged to a message.

The parts, from the outside in:
- `loop`: `EventConsumer`, its settings and the loop (connect, fetch, reconnect);
- `offsets`: a partition's batch settled chunk by chunk, offset commits, rebalances;
- `unreadable`: records the Kafka client cannot parse, found and dead-lettered;
- `chunks`: what goes into a chunk, and what happens when one of its messages fails;
- `chunk_transaction`: a chunk in one transaction (savepoints on PostgreSQL, ADR 0018);
- `one_message`: one message in its own transaction, retried, then dead-lettered;
- `reading`: which records get to the handler (envelope, catalogue, contract);
- `inbox`: which events this consumer has handled;
- `dead_letters`: sending a dead letter (whole, else reduced, else counted);
- `faults`: outage or fault; `metrics`: what is counted and logged.
"""

from stemkit.eventing.consumer.dead_letters import REDUCED_VALUE_BYTES, DeadLetterSink
from stemkit.eventing.consumer.faults import broker_outage, is_transient, unreadable_record
from stemkit.eventing.consumer.loop import BATCH_SIZE, CHUNK_SECONDS, EventConsumer, Handler
from stemkit.eventing.consumer.metrics import Outcome, type_label
from stemkit.eventing.consumer.offsets import COMMIT_EVERY

__all__ = [
    "BATCH_SIZE",
    "CHUNK_SECONDS",
    "COMMIT_EVERY",
    "REDUCED_VALUE_BYTES",
    "DeadLetterSink",
    "EventConsumer",
    "Handler",
    "Outcome",
    "broker_outage",
    "is_transient",
    "type_label",
    "unreadable_record",
]
