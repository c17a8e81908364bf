#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh machine (Debian's chromium for
# the browser tests, the npm front-end libraries), then vets and tests every package.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (browser tests)..."
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
scripts/assets.sh
go vet ./...
go test -count=1 -timeout 20m "$@" ./...
