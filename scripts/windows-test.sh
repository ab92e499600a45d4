#!/usr/bin/env bash
# The Windows part of the test suite, run by scripts/test.sh: the Windows build is linted, its
# unit tests run under Wine, and examready.exe is built for the end-to-end tests that
# `cargo test` then runs under Wine (tests/windows.rs). Debug builds only: no release build
# in the test path.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
scripts/wine/setup.sh >/dev/null
echo "windows: clippy --target $target" >&2
cargo clippy --target "$target" --all-targets -- -D warnings
echo "windows: unit tests under Wine" >&2
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$PWD/scripts/wine/run" \
  cargo test --target "$target" --lib
echo "windows: building examready.exe for the end-to-end tests" >&2
cargo build --target "$target" --bin examready
