#!/bin/bash
# Re-records tests/fixtures/recorded-report.json (the report tests' fixture) from the real
# modules, so it can be regenerated after a facts schema change:
#
#   network     `examready check --only network` (default length) against `examready serve` on
#               127.0.0.1, inside a private network namespace (`unshare -rn`) whose loopback is
#               shaped to a 50 Mbit/s line (`tc tbf`), under a profile that extends onvue and
#               lists that server as the one endpoint (the vendor hosts cannot resolve here);
#   microphone, `examready check --only microphone,speaker` on a private PipeWire
#   speaker     (scripts/audio/start-pipewire.sh, an .asoundrc in a private HOME) while a -20 dBFS
#               440 Hz tone made with sox plays into the virtual speaker; the virtual microphone
#               is NAMED `<img src=x onerror=alert(1)>`, so its findings carry the hostile name
#               for real;
#   webcam      the probe's own pipeline (capture::run) on photographs played as a camera: the
#               ignored test `record_fixture_webcam_facts` in tests/webcam.rs, which also writes
#               the snapshot tests/fixtures/recorded-webcam.png (no camera exists here).
#
# `system`, `processes` and the unknown module `telepathy` are kept from the current fixture.
# The one hand edit: the network interface `eth0` is renamed `<img src=x onerror=alert(1)>` in
# the facts (interface names cannot hold spaces). Then `examready judge` recomputes the status,
# summary, figures and findings of every module this examready knows, so what is stored is real
# judge output in the current report schema.
#
#   scripts/record-fixture.sh --rejudge   only that last step, on the current fixture's facts
#                                         (after a change of the judges or the report schema).
#
# Needs: unshare, ip, tc, jq, sox, paplay, pactl, pipewire, wireplumber, pipewire-pulse,
# dbus-daemon (scripts/install-deps.sh test). Takes about a minute. Review `git diff` after, and
# update the snapshots: INSTA_UPDATE=always cargo test --test main report::.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
FIXTURE=tests/fixtures/recorded-report.json
HOSTILE='<img src=x onerror=alert(1)>'
for tool in unshare ip tc jq sox paplay pactl pipewire wireplumber pipewire-pulse dbus-daemon; do
  command -v "$tool" >/dev/null || { echo "record-fixture: $tool is not installed" >&2; exit 1; }
done
cargo build --quiet
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/examready"
WORK=$(mktemp -d)
# Runs made here are not the developer's: keep them out of the real history.
export EXAMREADY_DATA_DIR="$WORK/data"
PW_PIDS_DIR="$WORK/pw"
cleanup() {
  [ -f "$PW_PIDS_DIR/pw.pid" ] && PW_DIR="$PW_PIDS_DIR" bash "$ROOT/scripts/audio/stop-pipewire.sh" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

REJUDGE=false
[ "${1:-}" = --rejudge ] && REJUDGE=true

if $REJUDGE; then
  cp "$FIXTURE" "$WORK/draft.json"
else
# --- network ----------------------------------------------------------------------------------
echo "record-fixture: network (about 15 s)" >&2
cat > "$WORK/net.sh" <<'EOF'
set -eu
BIN=$1; W=$2; PORT=18770
ip link set lo up
# A default route on an "eth0" as on a real machine (/proc/net/route is per namespace).
ip link add eth0 type veth peer name veth1
ip link set veth1 up
ip addr add 192.0.2.2/24 dev eth0
ip link set eth0 up
ip route add default via 192.0.2.1 dev eth0
# A 50 Mbit/s line: every byte to and from the server goes through the loopback's one queue.
ip link set lo mtu 1500
tc qdisc add dev lo root tbf rate 50mbit burst 64kbit latency 50ms
cat > "$W/line.toml" <<T
[profile]
extends = "onvue"
[network]
endpoints = [ { host = "127.0.0.1", port = $PORT, tls = false } ]
T
"$BIN" serve --listen 127.0.0.1:$PORT > "$W/serve.log" 2>&1 &
S=$!
for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
set +e
"$BIN" check --only network --profile "$W/line.toml" --server http://127.0.0.1:$PORT --json \
  > "$W/network.json"
code=$?
kill $S
exit $code
EOF
unshare -rn bash "$WORK/net.sh" "$BIN" "$WORK" || [ $? = 1 ]

# --- microphone and speaker -------------------------------------------------------------------
echo "record-fixture: microphone and speaker (about 5 s)" >&2
(
  mkdir -p "$WORK/home" "$PW_PIDS_DIR"
  printf 'pcm.!default { type pulse }\nctl.!default { type pulse }\n' > "$WORK/home/.asoundrc"
  export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config"
  export XDG_STATE_HOME="$WORK/home/.local/state" XDG_CACHE_HOME="$WORK/home/.cache"
  unset PULSE_SERVER PULSE_SINK PULSE_SOURCE PULSE_RUNTIME_PATH PIPEWIRE_REMOTE \
    PIPEWIRE_RUNTIME_DIR XDG_DATA_HOME
  export PW_DIR="$PW_PIDS_DIR" MIC_NAME="$HOSTILE"
  # shellcheck source=audio/start-pipewire.sh
  source "$ROOT/scripts/audio/start-pipewire.sh"
  for i in $(seq 100); do
    [ "$(pactl get-default-source 2>/dev/null)" = vmic ] &&
      [ "$(pactl get-default-sink 2>/dev/null)" = vsink ] && break
    sleep 0.1
  done
  # -20 dBFS RMS: amplitude 10^(-20/20) * sqrt(2).
  sox -D -n -r 48000 -c 1 -b 16 "$WORK/tone.wav" synth 12 sine 440 vol 0.141421
  paplay --device=vsink "$WORK/tone.wav" &
  PLAYER=$!
  trap 'kill "$PLAYER" 2>/dev/null || true' EXIT
  for i in $(seq 200); do [ -n "$(pactl list short sink-inputs)" ] && break; sleep 0.05; done
  sleep 0.3
  "$BIN" check --only microphone,speaker --json > "$WORK/audio.json" || [ $? = 1 ]
)

# --- webcam -----------------------------------------------------------------------------------
echo "record-fixture: webcam (cargo test --test main webcam::record_fixture_webcam_facts)" >&2
EXAMREADY_RECORD_WEBCAM="$WORK/webcam.json" \
  cargo test --quiet --test main webcam::record_fixture_webcam_facts -- --ignored --exact >&2

# --- assemble and judge -----------------------------------------------------------------------
jq --arg hostile "$HOSTILE" \
  --slurpfile net "$WORK/network.json" \
  --slurpfile audio "$WORK/audio.json" \
  --slurpfile cam "$WORK/webcam.json" '
  def kept(id): .checks[] | select(.id == id);
  def recorded(r; id): r.checks[] | select(.id == id);
  .checks = [
    kept("system"),
    kept("processes"),
    (recorded($net[0]; "network")
      | .facts.interfaces |= map(if .name == "eth0" then .name = $hostile else . end)),
    recorded($audio[0]; "microphone"),
    recorded($audio[0]; "speaker"),
    {id: "webcam", title: "Webcam", status: "pass", summary: "",
     duration_ms: $cam[0].duration_ms, facts: $cam[0].facts, findings: []},
    kept("telepathy")
  ]' "$FIXTURE" > "$WORK/draft.json"
fi
"$BIN" judge "$WORK/draft.json" --profile onvue --json > "$WORK/judged.json" || [ $? = 1 ]
# Every module this examready knows takes the judge's result; an unknown one (telepathy) stays
# as recorded, with the keys of the current schema.
jq --slurpfile judged "$WORK/judged.json" '
  ($judged[0].checks | map({key: .id, value: .}) | from_entries) as $j
  | .schema_version = $judged[0].schema_version
  | .verdict = $judged[0].verdict
  | .checks |= map(
      if ($j[.id].findings | map(.code) | index("check-unknown")) == null
      then $j[.id] | {id, title, status, summary, duration_ms, facts, figures, findings}
      else {id, title, status, summary, duration_ms, facts, figures: (.figures // []),
            findings: (.findings
              | map({code, status, message, remedy, figure, measured, limit, unit}))}
      end)' "$WORK/draft.json" > "$WORK/fixture.json"
# Every recorded module was judged for real.
if jq -e '.checks[] | select(.status == "crash")' "$WORK/fixture.json" >/dev/null; then
  echo "record-fixture: a module crashed while judging:" >&2
  jq '.checks[] | select(.status == "crash") | .findings' "$WORK/fixture.json" >&2
  exit 1
fi
cp "$WORK/fixture.json" "$FIXTURE"
jq -r '.checks[] | "\(.id): \(.status): \(.summary)"' "$FIXTURE" >&2
echo "record-fixture: wrote $FIXTURE and tests/fixtures/recorded-webcam.png" >&2
