#!/usr/bin/env bash
# `make test`: set up, start real Kafka and PostgreSQL, run the quality gates and every
# test, tear everything down, and say which broker and database were used.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh test

RUN_DIR="var/test-run"
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR"
PY=.venv/bin/python

cleanup() {
  set +e
  $PY tools/infra/keycloak.py stop --dir "$RUN_DIR/keycloak" >/dev/null 2>&1
  $PY tools/infra/kafka.py stop --dir "$RUN_DIR/kafka" >/dev/null 2>&1
  $PY tools/infra/postgres.py stop --dir "$RUN_DIR/postgres" >/dev/null 2>&1
}
trap cleanup EXIT

# Keycloak (the OpenID Connect provider of tests/identity, docs/adr/0019) takes 20-60 s to
# start: in the background, while the quality gates run.
$PY tools/infra/keycloak.py start --dir "$RUN_DIR/keycloak" --port 0 >"$RUN_DIR/keycloak.out" 2>&1 &
keycloak_start=$!

echo "==> quality gates: ruff (lint, format) and mypy --strict"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy libs/stemkit/src libs/stemkit/tests services/*/src services/*/tests tools bench conftest.py tests

# Before pytest, so that pytest's summary stays the last word of the run; a failure here
# still lets every test run, and fails `make test` at the end.
echo "==> deployment checks, offline (kustomize, schemas, topics, policy, promtool, AsyncAPI)"
deploy_status=0
./scripts/check-deploy.sh || deploy_status=$?

echo "==> starting Apache Kafka (KRaft, single node) and PostgreSQL"
kafka_out=$($PY tools/infra/kafka.py start --dir "$RUN_DIR/kafka" --port 0 --sasl-port 0)
echo "$kafka_out"
KAFKA_BOOTSTRAP_SERVERS=$(echo "$kafka_out" | sed -n 's/^bootstrap=//p' | tail -1)
pg_out=$($PY tools/infra/postgres.py start --dir "$RUN_DIR/postgres" --port 0)
echo "$pg_out" | grep -v DATABASE_URL
PG_PORT=$(echo "$pg_out" | sed -n 's/^port=//p' | tail -1)
export KAFKA_BOOTSTRAP_SERVERS
export STEM_KAFKA_SASL_BOOTSTRAP=$(echo "$kafka_out" | sed -n 's/^sasl_bootstrap=//p' | tail -1)
export STEM_KAFKA_DIR="$RUN_DIR/kafka"
export STEM_TEST_POSTGRES_DSN="postgresql+asyncpg://stem@127.0.0.1:${PG_PORT}/postgres"
$PY tools/infra/topics.py --bootstrap "$KAFKA_BOOTSTRAP_SERVERS"

if ! wait "$keycloak_start"; then
  echo "==> Keycloak did not start:" >&2
  tail -n 40 "$RUN_DIR/keycloak.out" >&2
  exit 1
fi
export STEM_TEST_OIDC_ISSUER=$(sed -n 's/^issuer=//p' "$RUN_DIR/keycloak.out" | tail -1)
echo "==> OpenID Connect provider for tests: $(grep -E '^(issuer|startup_seconds)=' "$RUN_DIR/keycloak.out" | tr '\n' ' ')"

broker="$($PY tools/infra/kafka.py version) at $KAFKA_BOOTSTRAP_SERVERS"
database="$(echo "$pg_out" | sed -n 's/^version=//p' | tail -1) at 127.0.0.1:$PG_PORT"
echo "==> tests on broker: $broker; database: $database"

status=0
.venv/bin/pytest "$@" || status=$?

echo "==> broker used: $broker"
echo "==> database used: $database"
[ $deploy_status -ne 0 ] && echo "==> deployment checks FAILED"
[ $status -ne 0 ] && exit $status
exit $deploy_status
