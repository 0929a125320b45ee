#!/usr/bin/env bash
# Installs what one make target needs on a fresh machine, and nothing by hand:
#   scripts/bootstrap.sh        uv (pinned) and the locked Python environment (`make setup`)
#   scripts/bootstrap.sh run    the same, plus Java 17 and Maven for the local Kafka (`make run`)
#   scripts/bootstrap.sh test   the same as run, plus Chromium for the browser tests (`make test`)
# PostgreSQL is installed by tools/infra/postgres.py when a test run starts it.
#
# Works as a normal user and on an externally-managed Python (PEP 668): uv is unpacked from
# its PyPI wheel into var/tools/ by tools/install_uv.py (python3's standard library only).
# System packages are installed only when missing: directly as root, through `sudo -n` as a
# user who may, and otherwise bootstrap stops with the one command to run (docs/adr/0011).
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
target="${1:-setup}"
case "$target" in setup | run | test) ;; *)
  echo "usage: $0 [setup|run|test]" >&2
  exit 2
  ;;
esac

# ---------------------------------------------------------------- system packages
# One name per need; the package that provides it on Debian/Ubuntu and on Homebrew.
missing_apt=()
missing_brew=()
need() { # need APT-PACKAGE BREW-PACKAGE: when the check before it failed
  missing_apt+=("$1")
  missing_brew+=("$2")
}
command -v python3 >/dev/null || need python3 python@3.11
if [ "$target" != setup ]; then
  # `java -version`, not `command -v java`: macOS has a /usr/bin/java stub without a JDK.
  java -version >/dev/null 2>&1 || need openjdk-17-jre-headless openjdk@17
  command -v mvn >/dev/null || need maven maven
fi
if [ "$target" = test ] && [ "$(uname -s)" = Linux ]; then
  # Debian's chromium for the browser tests (tests/browser): Playwright cannot download its own.
  [ -x /usr/bin/chromium ] || need chromium chromium
fi

install_system_packages() {
  if [ "$(uname -s)" = Darwin ]; then
    if command -v brew >/dev/null; then
      echo "==> installing ${missing_brew[*]} (brew)"
      brew install "${missing_brew[@]}"
      return
    fi
    how="install Homebrew (https://brew.sh), then: brew install ${missing_brew[*]}"
  elif command -v apt-get >/dev/null; then
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo=(sudo -n)
      else
        how="sudo apt-get install -y --no-install-recommends ${missing_apt[*]}"
      fi
    fi
    if [ -z "${how:-}" ]; then
      echo "==> installing ${missing_apt[*]} (apt-get)"
      ${sudo[@]+"${sudo[@]}"} apt-get update -qq
      ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing_apt[@]}"
      return
    fi
  else
    how="install them with your system's package manager (Debian names: ${missing_apt[*]})"
  fi
  {
    echo "bootstrap: \`make $target\` needs ${missing_apt[*]}, which this user cannot install."
    echo "bootstrap: run this once, then \`make $target\` again:"
    echo "    $how"
  } >&2
  exit 1
}
[ ${#missing_apt[@]} -eq 0 ] || install_system_packages

# ---------------------------------------------------------------- uv, then the environment
has_pinned_uv() { [ "$("$1" --version 2>/dev/null | cut -d' ' -f2)" = "$UV_VERSION" ]; }
uv=var/tools/uv-$UV_VERSION/uv
if command -v uv >/dev/null && has_pinned_uv uv; then
  uv=uv
elif ! has_pinned_uv "$uv"; then
  python3 tools/install_uv.py "$(dirname "$uv")" >/dev/null
fi

echo "==> python environment (uv sync --frozen: exactly what uv.lock pins)"
"$uv" sync --frozen --all-packages --quiet
