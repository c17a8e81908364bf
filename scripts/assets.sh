#!/usr/bin/env bash
# Fetches the pinned front-end libraries (package-lock.json) and copies the files Persona
# serves into static/vendor, which go:embed then builds into the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p static/vendor
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js
