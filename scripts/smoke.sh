#!/usr/bin/env bash
# The built binary runs on this system: --version with its build date, completions, the manual
# page, and the system check (exit 0 ready or 1 not ready: both are answers; 2 is a failure).
# Used by the CI and release workflows on Windows and macOS, where the integration tests'
# real parts (a sound server, namespaces, Xorg) do not exist.
#
#   scripts/smoke.sh BINARY
set -euo pipefail
bin=${1:?usage: scripts/smoke.sh BINARY}
"$bin" --version | grep -E '^examready [0-9]+\.[0-9]+\.[0-9]+ \(built [0-9]{4}-[0-9]{2}-[0-9]{2}\)$'
"$bin" completions bash | grep -q 'complete -F'
"$bin" completions powershell | grep -q 'Register-ArgumentCompleter'
"$bin" man | grep -q '^\.TH examready 1'
"$bin" profiles | grep -q '(updated 20'
set +e
"$bin" check --only system --json >smoke-report.json
code=$?
set -e
[ "$code" = 0 ] || [ "$code" = 1 ] || { echo "smoke: check exited $code" >&2; exit 1; }
grep -q '"build_date"' smoke-report.json
rm -f smoke-report.json
echo "smoke: $("$bin" --version) runs"
