#!/usr/bin/env bash
# Installs everything the platform needs on a fresh machine, and nothing by hand:
# uv (pinned), the locked Python environment, Java 17 and Maven for the Kafka broker.
# PostgreSQL is installed by tools/infra/postgres.py when a test run needs it.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9

need_apt=()
command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need_apt+=(maven)
# Debian's chromium for the browser tests (tests/browser): Playwright cannot download its own.
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> installing ${need_apt[*]} (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

if ! command -v uv >/dev/null || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  echo "==> installing uv $UV_VERSION (pip)"
  python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi

echo "==> python environment (uv sync --frozen: exactly what uv.lock pins)"
uv sync --frozen --all-packages --quiet
