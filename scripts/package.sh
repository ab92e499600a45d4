#!/usr/bin/env bash
# Packs examready for download: dist/examready-<version>-<target>.tar.gz (a .zip for Windows
# targets) holding the binary, README.md and the licences in one folder of the same name, and
# records its SHA-256 in dist/SHA256SUMS (the format `sha256sum -c` reads; other archives' lines
# are kept, so several targets can be packed into one folder).
#
#   scripts/package.sh [--bin FILE] [--out DIR] [TARGET]
#
#   TARGET     a Rust target triple, or `universal-apple-darwin` for a lipo'd macOS binary
#              (default: this machine's host triple)
#   --bin FILE take this already built binary instead of building (also EXAMREADY_PACKAGE_BIN);
#              the tests pack the debug binary this way
#   --out DIR  where the archive and SHA256SUMS go (default: dist)
#
# Without --bin it builds `cargo build --release --locked --target TARGET`, with
# SOURCE_DATE_EPOCH set to the last commit's time when unset, so `examready --version` shows the
# commit's date and a rebuild gives the same date. The archives are made with Python's tarfile and
# zipfile (names sorted, times set to SOURCE_DATE_EPOCH, owner 0), the same on Linux, macOS and
# Git Bash on Windows.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bin=${EXAMREADY_PACKAGE_BIN:-}
out=dist
target=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=${2:?--bin needs a file}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "package.sh: unknown option $1" >&2; exit 2 ;;
    *) [ -z "$target" ] || { echo "package.sh: one target only" >&2; exit 2; }; target=$1; shift ;;
  esac
done
python=$(command -v python3 || command -v python || true)
[ -n "$python" ] || { echo "package.sh: python3 is needed to write the archive" >&2; exit 1; }
[ -n "$target" ] || target=$(rustc -vV | sed -n 's/^host: //p')
case "$target" in
  *-windows-*) exe=examready.exe; kind=zip ;;
  *) exe=examready; kind=tar.gz ;;
esac
version=$(sed -n '/^\[package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n1)
[ -n "$version" ] || { echo "package.sh: no version in Cargo.toml" >&2; exit 1; }
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH

if [ -z "$bin" ]; then
  [ "$target" != universal-apple-darwin ] || {
    echo "package.sh: build both macOS targets and join them with lipo first, then --bin" >&2
    exit 2
  }
  echo "package.sh: cargo build --release --locked --target $target" >&2
  (cd "$ROOT" && cargo build --release --locked --target "$target")
  bin="${CARGO_TARGET_DIR:-$ROOT/target}/$target/release/$exe"
fi
[ -f "$bin" ] || { echo "package.sh: no binary at $bin" >&2; exit 1; }

name="examready-$version-$target"
mkdir -p "$out"
"$python" - "$out" "$name" "$kind" "$exe" "$bin" "$ROOT" "$SOURCE_DATE_EPOCH" <<'EOF'
import gzip, hashlib, io, os, sys, tarfile, time, zipfile
out, name, kind, exe, binary, root, epoch = sys.argv[1:]
epoch = max(int(epoch), 315532800)  # zip cannot hold times before 1980
files = [(exe, binary, 0o755)] + [
    (f, os.path.join(root, f), 0o644) for f in ("README.md", "LICENSE-MIT", "LICENSE-APACHE")
]
archive = os.path.join(out, f"{name}.{kind}")
if kind == "zip":
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for arc, path, mode in sorted(files):
            info = zipfile.ZipInfo(f"{name}/{arc}", time.gmtime(epoch)[:6])
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as f:
                z.writestr(info, f.read())
else:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        d = tarfile.TarInfo(name)
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, epoch
        t.addfile(d)
        for arc, path, mode in sorted(files):
            info = tarfile.TarInfo(f"{name}/{arc}")
            info.size, info.mode, info.mtime = os.path.getsize(path), mode, epoch
            with open(path, "rb") as f:
                t.addfile(info, f)
    with open(archive, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=epoch, filename="") as g:
        g.write(raw.getvalue())
digest = hashlib.sha256(open(archive, "rb").read()).hexdigest()
sums = os.path.join(out, "SHA256SUMS")
lines = {}
if os.path.exists(sums):
    for line in open(sums, encoding="utf-8"):
        if line.strip():
            h, _, f = line.rstrip("\n").partition("  ")
            lines[f] = h
lines[os.path.basename(archive)] = digest
with open(sums, "w", encoding="utf-8", newline="\n") as f:
    for fname in sorted(lines):
        f.write(f"{lines[fname]}  {fname}\n")
print(archive)
EOF
