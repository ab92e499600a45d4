#!/usr/bin/env bash
# Prepares Wine for running examready.exe and its unit tests (test environment only):
#   - a private Wine prefix in $WINEPREFIX (default: target/wine/prefix), created with wineboot;
#   - bcryptprimitives.dll with ProcessPrng, built from processprng.c (Wine 8.0 lacks it, and
#     Rust's std needs it to start), copied into the prefix's system32;
#   - sleeper.exe, a stand-in Windows application for the process tests.
# Idempotent and quick when already done. Needs mingw-w64 and wine (scripts/install-deps.sh test).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${CARGO_TARGET_DIR:-$root/target}/wine"
export WINEPREFIX="${WINEPREFIX:-$out/prefix}"
# Wine and the libraries it loads (PulseAudio's client, dconf) keep files in HOME: give them a
# folder of their own, never the user's.
export HOME="$out/home" XDG_CONFIG_HOME="$out/home/.config" XDG_CACHE_HOME="$out/home/.cache" \
  XDG_DATA_HOME="$out/home/.local/share"
mkdir -p "$HOME"
export WINEDEBUG=-all
# No Mono or Gecko install prompts: examready needs neither.
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
mkdir -p "$out"

cc=x86_64-w64-mingw32-gcc
build() { # build SRC OUT [LIBS...]: only when the source is newer
  local src=$1 dst=$2; shift 2
  if [ ! -e "$dst" ] || [ "$src" -nt "$dst" ]; then
    "$cc" -O2 -Wall -o "$dst" "$src" "$@"
  fi
}
build "$here/processprng.c" "$out/bcryptprimitives.dll" -shared -ladvapi32
build "$here/sleeper.c" "$out/sleeper.exe"

if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "wine: creating the prefix $WINEPREFIX" >&2
  wine wineboot --init >/dev/null 2>&1 || true
  wineserver -w
fi
[ -f "$WINEPREFIX/system.reg" ] || { echo "wine: could not create $WINEPREFIX" >&2; exit 1; }
# Wine 8.0 presents itself as Windows 7 by default; candidates run Windows 10 and 11.
if ! grep -q '"ProductName"="Microsoft Windows 10' "$WINEPREFIX/system.reg" 2>/dev/null; then
  wine winecfg -v win10 >/dev/null 2>&1 || true
  wineserver -w
fi
# wineboot links the Windows user's Desktop, Documents, Downloads ... to HOME. A program under
# test that saves a file there (examready's double-click run saves its report in Downloads) must
# write inside the prefix, so every such link becomes a folder of the prefix.
for link in "$WINEPREFIX"/drive_c/users/*/*; do
  if [ -L "$link" ]; then
    rm -f "$link"
    mkdir -p "$link"
  fi
done
cp -f "$out/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
echo "$WINEPREFIX"
