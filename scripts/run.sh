#!/usr/bin/env bash
# `make run`: the whole platform on one machine, on embedded defaults: a SQLite file per
# service under var/data and a local single-node Kafka under var/kafka. Ctrl-C stops all.
# Set KAFKA_BOOTSTRAP_SERVERS to use an external Kafka instead, and <SERVICE>_DATABASE_URL
# to use external databases.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh run
PY=.venv/bin/python
export STEM_DATA_DIR="${STEM_DATA_DIR:-var/data}"
mkdir -p "$STEM_DATA_DIR"

started_kafka=""
cleanup() {
  set +e
  if [ -n "$started_kafka" ]; then
    echo "==> stopping the local Kafka"
    $PY tools/infra/kafka.py stop --dir var/kafka >/dev/null
  fi
}
trap cleanup EXIT

if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  echo "==> starting a local Apache Kafka (KRaft) in var/kafka"
  $PY tools/infra/kafka.py start --dir var/kafka --port 9092 --controller-port 9093
  started_kafka=yes
  export KAFKA_BOOTSTRAP_SERVERS=localhost:9092
fi
$PY tools/infra/topics.py --bootstrap "$KAFKA_BOOTSTRAP_SERVERS"

echo "==> migrating the databases"
for service in registry activities subsidy; do
  $PY -m "$service.entrypoints.cli" migrate
done
echo "==> loading reference data (municipalities, postal codes) and [DEMO] academies"
$PY -m registry.entrypoints.cli load-reference
$PY -m registry.entrypoints.cli seed-demo
$PY tools/demo_activities.py load  # [DEMO] history academies and activities 2019-2025 (stem report)

$PY tools/devbanner.py
# Ctrl-C reaches honcho and this script alike: honcho stops every process, and a stop
# asked for is a clean exit, not an error.
stopped=""
trap 'stopped=yes' INT
exec_status=0
.venv/bin/honcho start -f Procfile || exec_status=$?
[ -n "$stopped" ] && exit 0
exit $exec_status
