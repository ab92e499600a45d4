#!/usr/bin/env bash
# Build examready (installing build packages first if missing) and run `examready check`.
# Arguments are passed on: scripts/check.sh --profile onvue -v
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
# cargo shows its build progress on stderr (the first build takes a few minutes).
cargo run --release -- check "$@"
