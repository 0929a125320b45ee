// Not a program: pins the Go modules whose sources ship the CustomResourceDefinitions that
// tools/k8s/validate.py checks our manifests against (go.sum verifies them).
// Fetched with `go mod download` by tools/k8s/toolchain.py; nothing here is built.
module stem-platform/tools/k8s/crds

go 1.25.0

require (
	github.com/cloudnative-pg/cloudnative-pg v1.28.1
	github.com/kedacore/keda/v2 v2.21.0
	github.com/prometheus-operator/prometheus-operator v0.85.0
)
