#!/usr/bin/env bash
# The demo command: builds the front-end assets and the binary, then creates (or reuses) a
# demo shop in persona-demo.db and serves it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/assets.sh
mkdir -p bin
go build -o bin/persona ./cmd/persona
exec bin/persona demo --db "${PERSONA_DEMO_DB:-persona-demo.db}" "$@"
