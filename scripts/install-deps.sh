#!/usr/bin/env bash
# Installs the system packages examready needs, on Debian/Ubuntu. Idempotent: only what is
# missing is installed. Usage: scripts/install-deps.sh [build|test]   (test includes build)
#   build: what `cargo build` needs (ALSA headers for cpal, libclang for nokhwa's V4L2 bindings)
#   test:  also the real parts the tests drive (sound server, kernel shaping, X dummy driver ...)
set -euo pipefail
what=${1:-build}

build_pkgs=(pkg-config libasound2-dev libclang-dev)
test_pkgs=(
  # processes / system: Xorg's dummy driver gives real RandR monitors to count
  xserver-xorg-core xserver-xorg-video-dummy x11-xserver-utils
  # network: namespaces, shaping, loss, the iperf3 reference peer
  iproute2 nftables iptables iperf3 util-linux iputils-ping
  # benches/network.sh summarises the JSON reports with python3
  python3
  # audio: a real sound server with a virtual microphone, and signals to play into it
  pipewire pipewire-bin pipewire-pulse wireplumber pulseaudio-utils libasound2-plugins dbus sox espeak-ng
  # scripts/record-fixture.sh assembles the report fixture with jq
  jq
  # ui: the page of `examready ui` in headless Chromium, driven through chromedriver (tests/ui.rs)
  chromium chromium-driver
  # collect: the tests and benches/collect.sh run a private PostgreSQL cluster (initdb, pg_ctl)
  postgresql
  # Windows: cross-build with mingw-w64, run examready.exe and its unit tests under Wine
  gcc-mingw-w64-x86-64 wine wine64
  # release: scripts/package.sh writes the archives with python3; tests/release.rs checks them
  # with tar, sha256sum and the generated Homebrew formula with `ruby -c`
  tar coreutils ruby
)

# The Windows target's standard library, for the Windows build the tests run under Wine.
if [ "$what" = test ] && command -v rustup >/dev/null \
  && ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
  echo "install-deps: adding the x86_64-pc-windows-gnu target" >&2
  rustup target add x86_64-pc-windows-gnu >&2
fi

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "install-deps: not a Debian/Ubuntu system; install these yourself: ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
