#!/usr/bin/env bash
# A release tag names the crate's version: `v` + Cargo.toml's [package] version. Used by the
# release workflow before it builds anything.
#
#   scripts/release-version.sh TAG
set -euo pipefail
tag=${1:?usage: scripts/release-version.sh TAG}
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n '/^\[package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
if [ "$tag" != "v$version" ]; then
  echo "release-version: the tag $tag does not name the crate's version $version (tag v$version)" >&2
  exit 1
fi
echo "release-version: $tag"
