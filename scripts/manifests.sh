#!/usr/bin/env bash
# Writes the package-manager manifests of a release from its SHA256SUMS (as scripts/package.sh
# and the release workflow write it), into DIST/manifests/:
#
#   winget/examready.examready.yaml                 winget's three-file manifest (schema 1.6.0):
#   winget/examready.examready.installer.yaml       version, installers (x64 and arm64 zip with
#   winget/examready.examready.locale.en-US.yaml    the portable examready.exe inside), locale
#   scoop/examready.json                            a Scoop app manifest (64bit and arm64)
#   homebrew/examready.rb                           a Homebrew formula (macOS universal, Linux x86_64)
#
#   scripts/manifests.sh DIST VERSION [OWNER/REPO]
#
# The download addresses are GitHub release assets:
# https://github.com/OWNER/REPO/releases/download/vVERSION/<archive>. OWNER/REPO defaults to
# $GITHUB_REPOSITORY (set in GitHub Actions). Every archive a manifest names must be listed in
# SHA256SUMS; a missing one is an error, not an empty hash. Submitting them (winget-pkgs pull
# request, a Scoop bucket, a Homebrew tap) is left to a person: see README, "Releases".
set -euo pipefail
dist=${1:?usage: scripts/manifests.sh DIST VERSION [OWNER/REPO]}
version=${2:?usage: scripts/manifests.sh DIST VERSION [OWNER/REPO]}
repo=${3:-${GITHUB_REPOSITORY:-}}
[ -n "$repo" ] || { echo "manifests.sh: give OWNER/REPO (or set GITHUB_REPOSITORY)" >&2; exit 2; }
case "$version" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "manifests.sh: VERSION must look like 1.2.3, not \"$version\"" >&2; exit 2 ;;
esac
sums="$dist/SHA256SUMS"
[ -f "$sums" ] || { echo "manifests.sh: no $sums" >&2; exit 1; }

base="https://github.com/$repo/releases/download/v$version"
homepage="https://github.com/$repo"
description="Tells a candidate whether this computer, webcam, microphone and network will pass an online-proctored exam, what is wrong and how to fix it."

# The SHA-256 of archive $1 from SHA256SUMS (lower-case hex, as sha256sum writes it).
hash_of() {
  local h
  h=$(awk -v f="$1" '$2 == f || $2 == "*" f { print $1 }' "$sums")
  [[ "$h" =~ ^[0-9a-f]{64}$ ]] || { echo "manifests.sh: $1 is not in $sums" >&2; exit 1; }
  echo "$h"
}
archive() { echo "examready-$version-$1.$2"; }

win_x64=$(archive x86_64-pc-windows-msvc zip)
win_arm=$(archive aarch64-pc-windows-msvc zip)
mac=$(archive universal-apple-darwin tar.gz)
linux=$(archive x86_64-unknown-linux-gnu tar.gz)
h_win_x64=$(hash_of "$win_x64")
h_win_arm=$(hash_of "$win_arm")
h_mac=$(hash_of "$mac")
h_linux=$(hash_of "$linux")
upper() { tr '[:lower:]' '[:upper:]' <<<"$1"; }

out="$dist/manifests"
mkdir -p "$out/winget" "$out/scoop" "$out/homebrew"
id=examready.examready

cat >"$out/winget/$id.yaml" <<EOF
# yaml-language-server: \$schema=https://aka.ms/winget-manifest.version.1.6.0.schema.json
PackageIdentifier: $id
PackageVersion: $version
DefaultLocale: en-US
ManifestType: version
ManifestVersion: 1.6.0
EOF

cat >"$out/winget/$id.installer.yaml" <<EOF
# yaml-language-server: \$schema=https://aka.ms/winget-manifest.installer.1.6.0.schema.json
PackageIdentifier: $id
PackageVersion: $version
InstallerType: zip
NestedInstallerType: portable
Commands:
  - examready
Installers:
  - Architecture: x64
    InstallerUrl: $base/$win_x64
    InstallerSha256: $(upper "$h_win_x64")
    NestedInstallerFiles:
      - RelativeFilePath: examready-$version-x86_64-pc-windows-msvc\\examready.exe
        PortableCommandAlias: examready
  - Architecture: arm64
    InstallerUrl: $base/$win_arm
    InstallerSha256: $(upper "$h_win_arm")
    NestedInstallerFiles:
      - RelativeFilePath: examready-$version-aarch64-pc-windows-msvc\\examready.exe
        PortableCommandAlias: examready
ManifestType: installer
ManifestVersion: 1.6.0
EOF

cat >"$out/winget/$id.locale.en-US.yaml" <<EOF
# yaml-language-server: \$schema=https://aka.ms/winget-manifest.defaultLocale.1.6.0.schema.json
PackageIdentifier: $id
PackageVersion: $version
PackageLocale: en-US
Publisher: examready
PackageName: examready
PackageUrl: $homepage
License: MIT OR Apache-2.0
ShortDescription: "$description"
Tags:
  - exam
  - proctoring
  - webcam
  - microphone
ReleaseNotesUrl: $homepage/releases/tag/v$version
ManifestType: defaultLocale
ManifestVersion: 1.6.0
EOF

cat >"$out/scoop/examready.json" <<EOF
{
  "version": "$version",
  "description": "$description",
  "homepage": "$homepage",
  "license": "MIT|Apache-2.0",
  "architecture": {
    "64bit": {
      "url": "$base/$win_x64",
      "hash": "$h_win_x64",
      "extract_dir": "examready-$version-x86_64-pc-windows-msvc"
    },
    "arm64": {
      "url": "$base/$win_arm",
      "hash": "$h_win_arm",
      "extract_dir": "examready-$version-aarch64-pc-windows-msvc"
    }
  },
  "bin": "examready.exe",
  "checkver": "github",
  "autoupdate": {
    "architecture": {
      "64bit": {
        "url": "$homepage/releases/download/v\$version/examready-\$version-x86_64-pc-windows-msvc.zip",
        "extract_dir": "examready-\$version-x86_64-pc-windows-msvc"
      },
      "arm64": {
        "url": "$homepage/releases/download/v\$version/examready-\$version-aarch64-pc-windows-msvc.zip",
        "extract_dir": "examready-\$version-aarch64-pc-windows-msvc"
      }
    },
    "hash": { "url": "\$baseurl/SHA256SUMS" }
  }
}
EOF

cat >"$out/homebrew/examready.rb" <<EOF
# Homebrew formula for examready $version, generated by scripts/manifests.sh from SHA256SUMS.
class Examready < Formula
  desc "Checks a computer, webcam, microphone and network before an online-proctored exam"
  homepage "$homepage"
  version "$version"
  license any_of: ["MIT", "Apache-2.0"]

  on_macos do
    url "$base/$mac"
    sha256 "$h_mac"
  end

  on_linux do
    on_intel do
      url "$base/$linux"
      sha256 "$h_linux"
    end
  end

  def install
    bin.install "examready"
    generate_completions_from_executable(bin/"examready", "completions")
    (man1/"examready.1").write Utils.safe_popen_read(bin/"examready", "man")
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/examready --version")
  end
end
EOF
find "$out" -type f | sort
