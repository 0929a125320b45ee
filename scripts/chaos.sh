#!/usr/bin/env bash
# `make chaos`: 10,000 UiTdatabank changes through the webhook and the poller while every
# platform process is killed with SIGKILL at seeded moments, Kafka and PostgreSQL restart
# once each; then every count is compared with an independent tally of what was sent.
# Its own Kafka and PostgreSQL live in var/chaos (wiped first); loopback only.
#
#   make chaos                          # 10,000 changes, a drawn seed (printed)
#   CHANGES=2000 SEED=42 make chaos     # smaller, or the same run again (RATE=changes/s)
#   make chaos CLUSTER=1                # a 3-node Kafka cluster (broker kill -9 of the
#                                       # busiest leader and the active controller, a
#                                       # SIGSTOP), two replicas of every process (var/chaos-cluster)
# Figures: stdout and test-artifacts/chaos[-cluster]/figures.json; process logs beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh run  # Java and Maven for the broker; tools/infra/postgres.py installs PostgreSQL

DIR="var/chaos"
if [ "${CLUSTER:-0}" = "1" ]; then DIR="var/chaos-cluster"; fi
PY=.venv/bin/python
cleanup() {  # the runner stops them itself; this is for a runner that was killed
  set +e
  $PY tools/infra/kafka.py stop --dir "$DIR/kafka" >/dev/null 2>&1  # one broker or a cluster
  $PY tools/infra/postgres.py stop --dir "$DIR/pg" >/dev/null 2>&1
}
trap cleanup EXIT

args=(--changes "${CHANGES:-10000}" --dir "$DIR")
if [ -n "${SEED:-}" ]; then args+=(--seed "$SEED"); fi
if [ -n "${RATE:-}" ]; then args+=(--rate "$RATE"); fi
if [ "${CLUSTER:-0}" = "1" ]; then args+=(--cluster); fi
$PY -m tests.chaos.run "${args[@]}"
