#!/usr/bin/env bash
# Network benchmark: in one private, shaped network namespace (unshare -rn; tc tbf on lo), run
# iperf3 and examready's network module (default and --quick) against `examready serve`, and
# print both goodputs, their ratio, loss, latency and the module's wall time.
# Goals: goodput within 10 % of iperf3; default network check under 15 s, --quick under 5 s.
# Usage: benches/network.sh [RATE_MBIT] [LOSS_PERCENT_PER_DIRECTION]     (defaults: 10 0)
# Needs: iproute2, nftables, iperf3, util-linux (scripts/install-deps.sh test); builds examready.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-10}
loss=${2:-0}
cargo build --quiet --bin examready
BIN=$PWD/target/debug/examready
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cat >"$DIR/p.toml" <<'TOML'
[profile]
name = "bench"
[runner]
deadline_s = 40
[network]
# The OnVUE figures, so the run judges like the default profile (no endpoints: offline here).
min_download_mbps = 6
min_upload_mbps = 6
max_latency_ms = 150
max_jitter_ms = 30
max_loss_percent = 1
max_loaded_latency_increase_ms = 100
test_seconds = 5
quick_test_seconds = 1.5
TOML
export BIN DIR rate loss
unshare -rn bash -s <<'SCRIPT'
set -euo pipefail
PIDS=""
trap 'kill $PIDS 2>/dev/null || true' EXIT
ip link set lo up
ip link set lo mtu 1500
tc qdisc add dev lo root tbf rate "${rate}mbit" burst 32kbit latency 400ms
if [ "$loss" != 0 ]; then
  nft add table inet t
  nft add chain inet t c '{ type filter hook input priority 0; }'
  nft add rule inet t c numgen random mod 100 '<' "$loss" drop
fi
"$BIN" serve --listen 127.0.0.1:0 2>"$DIR/serve.err" &
PIDS="$PIDS $!"
for i in $(seq 100); do grep -qs 'http://' "$DIR/serve.err" && break; sleep 0.1; done
SERVER=$(grep -o 'http://[0-9.:]*' "$DIR/serve.err" | head -1)
iperf3 -s -p 5299 >/dev/null 2>&1 &
PIDS="$PIDS $!"
sleep 0.3
iperf3 -c 127.0.0.1 -p 5299 -t 5 -J >"$DIR/up.json" || true
iperf3 -c 127.0.0.1 -p 5299 -t 5 -R -J >"$DIR/down.json" || true
for mode in default quick; do
  flag=""; [ $mode = quick ] && flag=--quick
  sleep 2 # let the shaper's queue from the previous run drain
  start=$(date +%s.%N)
  "$BIN" check --only network --json --color never --profile "$DIR/p.toml" --server "$SERVER" $flag >"$DIR/$mode.json" || true
  end=$(date +%s.%N)
  echo "$start $end" >"$DIR/$mode.time"
done
SCRIPT
python3 - "$DIR" "$rate" "$loss" <<'PY'
import json, sys
d, rate, loss = sys.argv[1], sys.argv[2], float(sys.argv[3])
def iperf(n):
    try:
        j = json.load(open(f"{d}/{n}.json"))
        return j["end"]["sum_received"]["bits_per_second"] / 1e6
    except Exception as e:
        print(f"iperf3 ({n}) gave no figure: {j.get('error', e) if 'j' in dir() else e}")
        return float("nan")
iup, idown = iperf("up"), iperf("down")
print(f"link: tbf {rate} Mbit/s on lo" + (f", nft random drop {loss:g} % per direction (expected round-trip loss {100*(1-(1-loss/100)**2):.2f} %)" if loss else ""))
print(f"iperf3: client->server {iup:.2f} Mbit/s, server->client {idown:.2f} Mbit/s")
for mode in ("default", "quick"):
    r = json.load(open(f"{d}/{mode}.json"))
    c = r["checks"][0]; f = c["facts"]
    s, e = map(float, open(f"{d}/{mode}.time").read().split())
    dn, up = f["download_mbps"], f["upload_mbps"]
    fmt = lambda g, ref: f"{g['median']:.2f} Mbit/s (min {g['min']:.2f}, ratio to iperf3 {g['median']/ref:.3f}, series {g['series']})" if g else "not measured"
    lat = f["latency_ms"]
    print(f"\n[{mode}] status {c['status']}, module {c['duration_ms']/1000:.2f} s, process wall time {e-s:.2f} s")
    print(f"  download {fmt(dn, idown)}")
    print(f"  upload   {fmt(up, iup)}")
    print(f"  latency  median {lat['median']:.2f} ms, p95 {lat['p95']:.2f} ms, jitter {f['jitter_ms']} ms, loaded +{f['loaded_latency_increase_ms']} ms")
    print(f"  loss     {f['loss_percent']} % ({f['loss_method']}, {f['loss_packets_sent']} sent)" if f["loss_percent"] is not None else f"  loss     not measured: {f['loss_not_measured_reason']}")
PY
