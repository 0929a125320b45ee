"""aiokafka plumbing shared by the relay and the consumer loop.

- `clients`: `make_producer`, `make_consumer`, `stop_quietly`, `MAX_MESSAGE_BYTES` (the one
  size limit of a record, end to end), the cluster's metadata;
- `publisher`: `KafkaPublisher`, the relay's `Publisher` on Kafka, and `record_is_at_fault`;
- `records`: `KafkaRecord` and `dead_letter_message`, the document a consumer sends to its
  dead-letter topic.
"""

from stemkit.eventing.kafka.clients import (
    FETCH_MAX_BYTES,
    MAX_MESSAGE_BYTES,
    cluster_metadata,
    load_topic_metadata,
    make_consumer,
    make_producer,
    stop_quietly,
)
from stemkit.eventing.kafka.publisher import RECORD_ERRORS, KafkaPublisher, record_is_at_fault
from stemkit.eventing.kafka.records import KafkaRecord, dead_letter_category, dead_letter_message

__all__ = [
    "FETCH_MAX_BYTES",
    "MAX_MESSAGE_BYTES",
    "RECORD_ERRORS",
    "KafkaPublisher",
    "KafkaRecord",
    "cluster_metadata",
    "dead_letter_category",
    "dead_letter_message",
    "load_topic_metadata",
    "make_consumer",
    "make_producer",
    "record_is_at_fault",
    "stop_quietly",
]
