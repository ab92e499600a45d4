#!/usr/bin/env bash
# The whole test suite: installs what the real-part tests need, then format check, clippy with
# warnings as errors, and every test (unit, integration with real processes, sound server, kernel
# shaping and X dummy displays). Under CI=true (or 1) a test whose real part cannot run fails loudly.
#
# The tests run with HOME set to an empty folder of their own (cargo and rustup keep theirs):
# every run of the binary and every server a test starts must use private folders, so the
# script fails if anything appears in that folder, or if the real HOME's examready data folder
# (the history) changes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
cargo fmt --check
cargo clippy --all-targets -- -D warnings
# Windows: clippy for the Windows target, its unit tests under Wine, examready.exe for
# tests/windows.rs.
scripts/windows-test.sh

export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
real_data=${XDG_DATA_HOME:-$HOME/.local/share}/examready
listing() {
  if [ -e "$real_data" ]; then
    find "$real_data" -printf '%p %y %s %T@\n' | sort
  else
    echo "(no $real_data)"
  fi
}
before=$(listing)
sentinel=$(mktemp -d "${TMPDIR:-/tmp}/examready-test-home.XXXXXX")
trap 'rm -rf "$sentinel"' EXIT
rc=0
env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_CACHE_HOME -u XDG_STATE_HOME HOME="$sentinel" \
  cargo test || rc=$?

left=$(cd "$sentinel" && find . -mindepth 1 | sort)
if [ -n "$left" ]; then
  echo "test.sh: the tests wrote into HOME ($sentinel):" >&2
  echo "$left" >&2
  rc=1
fi
after=$(listing)
if [ "$before" != "$after" ]; then
  echo "test.sh: the tests changed the real data folder $real_data:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  rc=1
fi
exit $rc
