#!/usr/bin/env bash
# `make bench`: start a real Kafka and PostgreSQL, run every benchmark in bench/ (each prints
# its figures next to a baseline measured in the same run on the same broker, and records
# them in $STEM_BENCH_RESULTS), tear down, and write docs/performance.md from the figures.
# One bench that fails does not stop the others; the script then exits non-zero.
#
#   make bench                          # everything (about 12-15 minutes on 2 idle cores)
#   BENCHES=scaling make bench          # one process against two (bench/bench_scaling.py)
#   BENCHES="freshness memory" make bench   # only these (bench/bench_<name>.py)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh run  # Java and Maven for the broker; tools/infra/postgres.py installs PostgreSQL

RUN_DIR="var/bench-run"
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR"
PY=.venv/bin/python
export STEM_BENCH_RESULTS="$RUN_DIR/results.jsonl"
cleanup() {
  set +e
  $PY tools/infra/kafka.py stop --dir "$RUN_DIR/kafka" >/dev/null 2>&1
  $PY tools/infra/postgres.py stop --dir "$RUN_DIR/postgres" >/dev/null 2>&1
}
trap cleanup EXIT

# The machine's state before anything of ours runs: is it idle?
$PY -m tools.performance_report machine --out "$RUN_DIR/machine.json" \
  --command-line "scripts/bench.sh${BENCHES:+ (BENCHES=$BENCHES)}"

kafka_out=$($PY tools/infra/kafka.py start --dir "$RUN_DIR/kafka" --port 0)
export KAFKA_BOOTSTRAP_SERVERS=$(echo "$kafka_out" | sed -n 's/^bootstrap=//p' | tail -1)
pg_out=$($PY tools/infra/postgres.py start --dir "$RUN_DIR/postgres" --port 0)
PG_PORT=$(echo "$pg_out" | sed -n 's/^port=//p' | tail -1)
export STEM_BENCH_POSTGRES_DSN="postgresql+asyncpg://stem@127.0.0.1:${PG_PORT}/postgres"
$PY tools/infra/topics.py --bootstrap "$KAFKA_BOOTSTRAP_SERVERS" >/dev/null
KAFKA_VERSION=$($PY tools/infra/kafka.py version)
PG_VERSION=$(echo "$pg_out" | sed -n 's/^version=//p' | tail -1)
echo "broker: $KAFKA_VERSION at $KAFKA_BOOTSTRAP_SERVERS"
echo "database: $PG_VERSION"
# Versions into the run's description (the machine was described before they started).
$PY - "$RUN_DIR/machine.json" "$KAFKA_VERSION" "$PG_VERSION" <<'EOF'
import json, sys
path, kafka, postgres = sys.argv[1:]
info = json.load(open(path))
info.update(kafka=kafka, postgres=postgres)
json.dump(info, open(path, "w"), indent=2)
EOF

failed=0
names=${BENCHES:-$(ls bench/bench_*.py | sed 's|bench/bench_||; s|\.py$||')}
for name in $names; do
  echo "==> bench/bench_$name.py"
  started=$(date +%s)
  set +e
  # As a module from the repository root: benches import bench.results and tests.e2e.
  $PY -m "bench.bench_$name" 2>&1 | tee "$RUN_DIR/$name.log"
  code=${PIPESTATUS[0]}
  set -e
  printf '%s\t%s\t%s\n' "$name" "$code" "$(($(date +%s) - started))" >>"$RUN_DIR/status.tsv"
  if [ "$code" -ne 0 ]; then
    echo "!! bench/bench_$name.py exited $code"
    failed=1
  fi
done

$PY -m tools.performance_report render --run "$RUN_DIR" --out docs/performance.md
exit $failed
