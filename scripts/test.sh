#!/usr/bin/env bash
# The whole test suite: installs what the real-part tests need, then format check, clippy with
# warnings as errors, and every test (unit, integration with real processes, sound server, kernel
# shaping and X dummy displays). Under CI=true a test whose real part cannot run fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test
