#!/usr/bin/env bash
# Every offline check of the deployment: installs the tools it needs when they are missing
# (tools/k8s/toolchain.py, pinned, into ${STEM_CACHE_DIR:-~/.cache/stem-platform}/k8s-tools),
# then checks, and says what it checked. Exit status non-zero when any check fails.
#
#   1. generated manifests up to date (tools/k8s/render.py check)
#   2. kustomize build of every overlay
#   3. schema validation of every built manifest, custom resources included (validate.py)
#   4. the KafkaTopics of every overlay equal deploy/topics.yaml; KafkaUser ACLs
#   5. policy scan (checkov) of the built manifests and the Dockerfile; every finding fixed
#      or explained in deploy/k8s/policy-exceptions.yaml
#   6. promtool check rules, and promtool test rules (alerts-test.yaml)
#   7. the AsyncAPI document validates against the AsyncAPI 3.0.0 schema and lists exactly
#      the public topics of deploy/topics.yaml
#   8. the build stage of deploy/docker/Dockerfile, replayed without Docker for each service
#      (tools/k8s/images.py)
# Needs: Go, Java 21+ (Strimzi's CRD generator), Maven, npm; kcat is installed for the
# subscribe tests. Set CHECK_DEPLOY_SKIP_IMAGES=1 to leave out step 8.
set -uo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
[ -x .venv/bin/python ] || ./scripts/bootstrap.sh
PY=.venv/bin/python
OUT=var/k8s
rm -rf "$OUT" && mkdir -p "$OUT/build" "$OUT/rules" "$OUT/policy"

results=()
failed=0
step() {  # step NAME COMMAND...: run, time and record one check
  local name=$1; shift
  local t0=$(date +%s)
  echo "==> $name"
  if "$@"; then
    results+=("ok   $name ($(( $(date +%s) - t0 )) s)")
  else
    results+=("FAIL $name ($(( $(date +%s) - t0 )) s)")
    failed=1
  fi
}

echo "==> tools (installed when missing)"
t0=$(date +%s)
if ! tools=$($PY -m tools.k8s.toolchain all); then
  echo "check-deploy: could not install the tools" >&2
  exit 1
fi
echo "$tools"
tool() { echo "$tools" | sed -n "s/^$1=//p"; }
KUSTOMIZE=$(tool kustomize); PROMTOOL=$(tool promtool); VENV_PY=$(tool venv); CRDS=$(tool crds)
results+=("ok   tools ready ($(( $(date +%s) - t0 )) s)")

step "generated manifests up to date" $PY -m tools.k8s.render check

build_overlays() {
  local overlay ok=0
  for overlay in deploy/k8s/overlays/*/; do
    overlay=$(basename "$overlay")
    if "$KUSTOMIZE" build "deploy/k8s/overlays/$overlay" > "$OUT/build/$overlay.yaml"; then
      echo "kustomize build overlays/$overlay: $(grep -c '^kind:' "$OUT/build/$overlay.yaml") resources"
    else
      ok=1
    fi
  done
  return $ok
}
step "kustomize build of every overlay" build_overlays

step "schema validation (Kubernetes + Strimzi, CloudNativePG, KEDA, Prometheus Operator CRDs)" \
  "$VENV_PY" tools/k8s/validate.py --crds "$CRDS" "$OUT"/build/*.yaml

step "KafkaTopics = deploy/topics.yaml; KafkaUser ACLs" \
  $PY -m tools.k8s.consistency "$OUT"/build/*.yaml

policy_scan() {
  local checkov
  checkov="$(dirname "$VENV_PY")/checkov"
  # checkov exits 1 on any failed check; policy.py judges the findings instead.
  "$checkov" --quiet --compact --framework kubernetes -d "$OUT/build" -o json --skip-download \
    > "$OUT/policy/manifests.json" 2> "$OUT/policy/manifests.log"
  "$checkov" --quiet --compact --framework dockerfile -o json --skip-download \
    -f deploy/docker/Dockerfile \
    > "$OUT/policy/dockerfiles.json" 2> "$OUT/policy/dockerfiles.log"
  $PY -m tools.k8s.policy "$OUT/policy/manifests.json" "$OUT/policy/dockerfiles.json"
}
step "policy scan (checkov) of manifests and the Dockerfile" policy_scan

alerts() {
  $PY -m tools.k8s.alerts deploy/k8s/components/monitoring/prometheusrule.yaml \
    "$OUT/rules/stem-platform.rules.yaml" \
    && "$PROMTOOL" check rules "$OUT/rules/stem-platform.rules.yaml" \
    && cp deploy/k8s/components/monitoring/alerts-test.yaml "$OUT/rules/" \
    && "$PROMTOOL" test rules "$OUT/rules/alerts-test.yaml"
}
step "promtool check rules + test rules" alerts

step "AsyncAPI 3.0 document (schema, public topics, payload schemas, examples)" \
  $PY -m tools.k8s.asyncapi check

if [ "${CHECK_DEPLOY_SKIP_IMAGES:-0}" != 1 ]; then
  step "Dockerfile build stage replayed per service, entrypoints import" $PY -m tools.k8s.images
fi

echo
echo "==> check-deploy summary"
printf '%s\n' "${results[@]}"
echo "total $(( $(date +%s) - started )) s"
exit $failed
