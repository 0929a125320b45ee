#!/usr/bin/env bash
# `make bench`: start a real Kafka and PostgreSQL, run every benchmark in bench/ (each prints
# its figures next to a baseline measured in the same run on the same broker), tear down.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh

RUN_DIR="var/bench-run"
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR"
PY=.venv/bin/python
cleanup() {
  set +e
  $PY tools/infra/kafka.py stop --dir "$RUN_DIR/kafka" >/dev/null 2>&1
  $PY tools/infra/postgres.py stop --dir "$RUN_DIR/postgres" >/dev/null 2>&1
}
trap cleanup EXIT

kafka_out=$($PY tools/infra/kafka.py start --dir "$RUN_DIR/kafka" --port 0)
export KAFKA_BOOTSTRAP_SERVERS=$(echo "$kafka_out" | sed -n 's/^bootstrap=//p' | tail -1)
pg_out=$($PY tools/infra/postgres.py start --dir "$RUN_DIR/postgres" --port 0)
PG_PORT=$(echo "$pg_out" | sed -n 's/^port=//p' | tail -1)
export STEM_BENCH_POSTGRES_DSN="postgresql+asyncpg://stem@127.0.0.1:${PG_PORT}/postgres"
echo "broker: $($PY tools/infra/kafka.py version) at $KAFKA_BOOTSTRAP_SERVERS"
echo "database: $(echo "$pg_out" | sed -n 's/^version=//p' | tail -1)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)"

for bench in bench/bench_*.py; do
  echo "==> $bench"
  $PY "$bench"
done
