#!/usr/bin/env bash
# `make run`: the whole platform on one machine, on embedded defaults: a SQLite file per
# service under var/data and a local single-node Kafka under var/kafka. Ctrl-C stops all.
# Set KAFKA_BOOTSTRAP_SERVERS to use an external Kafka instead, and <SERVICE>_DATABASE_URL
# to use external databases.
#
# What a person sees: one line per set-up step (their detail goes to var/log/run-setup.log,
# shown when a step fails), the banner, the three things to do first once every API
# answers, and then only what the services log (LOG_LEVEL, WARNING by default here).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh run
PY=.venv/bin/python
export STEM_DATA_DIR="${STEM_DATA_DIR:-var/data}"
mkdir -p "$STEM_DATA_DIR" var/log
# Readable, coloured log lines when this runs at a terminal: honcho hands each service a
# pipe, so the services cannot tell by themselves (stemkit.logging). JSON otherwise.
if [ -t 1 ] && [ -z "${STEM_LOG_FORMAT:-}" ]; then
  export STEM_LOG_FORMAT=console
fi

SETUP_LOG=var/log/run-setup.log
: >"$SETUP_LOG"
quietly() { # run a set-up step into SETUP_LOG (plain text); on failure show its end and stop
  if ! NO_COLOR=1 "$@" >>"$SETUP_LOG" 2>&1; then
    echo "==> failed: $*; the end of $SETUP_LOG:" >&2
    tail -n 40 "$SETUP_LOG" >&2
    exit 1
  fi
}

started_kafka=""
waiter=""
cleanup() {
  set +e
  [ -n "$waiter" ] && { pkill -P "$waiter"; kill "$waiter"; } 2>/dev/null
  if [ -n "$started_kafka" ]; then
    echo "==> stopping the local Kafka"
    $PY tools/infra/kafka.py stop --dir "$kafka_dir" >/dev/null
  fi
  if [ -n "$started_keycloak" ]; then
    echo "==> stopping the local Keycloak"
    $PY tools/infra/keycloak.py stop --dir var/keycloak >/dev/null
  fi
}
trap cleanup EXIT

# The OpenID Connect provider (docs/adr/0019): a local Keycloak with the realm, clients and
# demo users of deploy/keycloak/stem-realm.json, started in the background (it takes
# 20-60 s) while Kafka and the databases are set up; set STEM_OIDC_ISSUER to use another
# provider, or STEM_KEYCLOAK=0 for none (then only the development tokens sign in).
started_keycloak=""
keycloak_start=""
if [ -z "${STEM_OIDC_ISSUER:-}" ] && [ "${STEM_KEYCLOAK:-1}" != 0 ]; then
  echo "==> starting a local Keycloak (OpenID Connect) in var/keycloak, in the background"
  NO_COLOR=1 $PY tools/infra/keycloak.py start --dir var/keycloak --port 8180 \
    >var/log/keycloak-start.log 2>&1 &
  keycloak_start=$!
  started_keycloak=yes
  export STEM_OIDC_ISSUER=http://127.0.0.1:8180/realms/stem
  # The realm's development client secrets (refused in production like every dev default).
  export GATEWAY_OPS_OIDC_CLIENT_SECRET="${GATEWAY_OPS_OIDC_CLIENT_SECRET:-dev-stem-ops-client-secret-for-make-run-and-tests}"
  export GATEWAY_OIDC_CLIENT_ID="${GATEWAY_OIDC_CLIENT_ID:-stem-gateway}"
  export GATEWAY_OIDC_CLIENT_SECRET="${GATEWAY_OIDC_CLIENT_SECRET:-dev-stem-gateway-client-secret-for-make-run-and-tests}"
  export STEM_CLI_OIDC_CLIENT_ID="${STEM_CLI_OIDC_CLIENT_ID:-stem-cli}"
  export STEM_CLI_OIDC_CLIENT_SECRET="${STEM_CLI_OIDC_CLIENT_SECRET:-dev-stem-cli-client-secret-for-make-run-and-tests}"
fi

# KAFKA_BROKERS=3 make run: a 3-node KRaft cluster in var/kafka-cluster (ports 9092, 9094,
# 9096; controllers 9093, 9095, 9097) with deploy/k8s's RF 3 and min ISR 2.
kafka_brokers="${KAFKA_BROKERS:-1}"
kafka_dir=var/kafka
[ "$kafka_brokers" != 1 ] && kafka_dir=var/kafka-cluster
if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  echo "==> starting a local Apache Kafka (KRaft, $kafka_brokers node(s)) in $kafka_dir (the first time: fetching its jars)"
  quietly $PY tools/infra/kafka.py start --dir "$kafka_dir" --port 9092 --controller-port 9093 \
    --brokers "$kafka_brokers" --env-file var/kafka-bootstrap.env
  started_kafka=yes
  export "$(cat var/kafka-bootstrap.env)"
fi
quietly $PY tools/infra/topics.py --bootstrap "$KAFKA_BOOTSTRAP_SERVERS"

echo "==> migrating the databases; loading reference data and [DEMO] academies"
migrations=()
for service in registry activities subsidy; do # one database each: side by side
  quietly $PY -m "$service.entrypoints.cli" migrate &
  migrations+=($!)
done
for pid in "${migrations[@]}"; do wait "$pid" || exit 1; done
quietly $PY -m registry.entrypoints.cli load-reference
quietly $PY -m tools.demo seed # the [DEMO] academies (tools/demo)

if [ -n "$keycloak_start" ]; then
  echo "==> waiting for the local Keycloak (the first time: fetching it, ~170 MB)"
  if ! wait "$keycloak_start"; then
    echo "==> failed: the local Keycloak; the end of var/log/keycloak-start.log:" >&2
    tail -n 40 var/log/keycloak-start.log >&2
    exit 1
  fi
fi

# The services say only what a person should see (warnings and errors) unless asked:
# LOG_LEVEL=INFO make run for what each process does, DEBUG for every event.
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"
# uvicorn's own start-up lines ("Started server process", ...) follow the same level.
export UVICORN_LOG_LEVEL="${UVICORN_LOG_LEVEL:-$(echo "$LOG_LEVEL" | tr '[:upper:]' '[:lower:]')}"
$PY tools/devbanner.py
# [DEMO] Flanders 2019-2026 (tools/flanders, docs/adr/0014): ~100 academies and their
# UiTdatabank documents go in through the registry API and the signed webhook once the
# services answer (a progress bar; a second run adds nothing), until the subsidy service
# shows the planned reach (stem report is complete from then on), then the first steps.
{
  $PY -m tools.flanders load --wait-platform --wait-reach 600 || true
  $PY tools/devbanner.py next-steps
} &
waiter=$!
# Ctrl-C reaches honcho and this script alike: honcho stops every process, and a stop
# asked for is a clean exit, not an error. Its "started (pid=...)" and "sending SIGTERM/
# SIGKILL" lines (repeated while it waits) say nothing a person needs; "stopped (rc=...)"
# stays. The filter ignores Ctrl-C and ends when honcho does.
stopped=""
trap 'stopped=yes' INT
exec_status=0
.venv/bin/honcho start -f Procfile 2>&1 |
  (trap '' INT && grep --line-buffered -v -e ' started (pid=' -e ' sending SIG' || true) ||
  exec_status=$?
[ -n "$stopped" ] && exit 0
exit $exec_status
