#!/usr/bin/env bash
# Network accuracy benchmark: on kernel-shaped links (scripts/netlab.sh, inside a private
# `unshare -rnm` namespace), run the references side by side with examready's network module
# (default and --quick) against `examready serve`, and print ratios and whether each goal is met.
#
# References:
#   goodput: iperf3 -P 4 for 6 s each way (-R for the download), on the same link just before
#   idle latency and jitter: ping every 50 ms alongside examready's idle phase (its packets share
#   the queue with examready's, as they must: pings on the link alone read up to 2 ms lower on
#   the NFQUEUE-delayed link, whose delayer is a FIFO): median; mdev = population s.d.
#   loaded latency: ping every 50 ms alongside examready's transfers (the phases are told apart
#   by examready's own debug log, EXAMREADY_LOG; each transfer's first 300 ms skipped, as
#   examready's probes skip them). Ping alongside iperf3 is printed too, for comparison.
#   loss: the configured nftables drop, 1-(1-p)^2 on a round trip
# Goals (issue 13): goodput 0.9-1.1 x iperf3; latency within max(1 ms, 5 %) of ping; jitter at
# most 2 x ping mdev (or mdev + 0.5 ms on a link with almost none); loaded latency within 15 % of
# ping alongside iperf3; loss within 1.5 pp; no "fail" under OnVUE's network figures.
#
# Usage: benches/network.sh [LINK...]   (default: all; one run of each takes about a minute)
#   lo-10         lo, tbf 10 Mbit/s
#   lossy         lo, tbf 50 Mbit/s, 15 +- 5 ms each way (NFQUEUE), 2 % drop each way
#   routed-bbr    client-router-server, 20 Mbit/s, 400 ms deep queues, BBR
#   routed-reno   the same with Reno, loss-based like CUBIC (it fills a deep queue): this kernel
#                 lets an unprivileged namespace choose only reno and bbr (tcp_allowed_congestion_control)
# Needs: scripts/install-deps.sh test (iproute2, nftables, iptables, iperf3, iputils-ping).
set -euo pipefail
cd "$(dirname "$0")/.."
links=("$@")
[ ${#links[@]} -eq 0 ] && links=(lo-10 lossy routed-bbr routed-reno)

cargo build --quiet --bin examready
# The NFQUEUE delayer lives in the integration test binary (network_kernel::nfqdelay_helper).
DELAYER=$(cargo test --no-run --message-format=json --test main 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "main" and m.get("executable"):
        print(m["executable"])')
BIN=${CARGO_TARGET_DIR:-$PWD/target}/debug/examready
NETLAB=$PWD/scripts/netlab.sh
OUT=$(mktemp -d)
# KEEP=1 keeps the raw outputs (reports, logs, pings) and prints where.
if [ "${KEEP:-}" = 1 ]; then echo "raw outputs in $OUT" >&2; else trap 'rm -rf "$OUT"' EXIT; fi

# OnVUE's [network] figures, without its server and endpoints (offline here).
python3 - "$OUT/p.toml" <<'PY'
import sys, tomllib
net = tomllib.load(open("checks/onvue.toml", "rb"))["network"]
lines = ['[profile]', 'name = "bench (OnVUE network figures)"', '[runner]', 'deadline_s = 60', '[network]']
for k, v in net.items():
    if k in ("server", "endpoints"):
        continue
    lines.append(f"{k} = {str(v).lower() if isinstance(v, bool) else v}")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY

for link in "${links[@]}"; do
  dir="$OUT/$link"
  mkdir -p "$dir"
  echo "== $link" >&2
  BIN=$BIN NETLAB=$NETLAB DELAYER=$DELAYER DIR=$dir LINK=$link P=$OUT/p.toml \
    unshare -rnm --propagation private bash -s <<'SCRIPT'
set -euo pipefail
. "$NETLAB"
trap lab_cleanup EXIT
case $LINK in
  lo-10) lab_lo 10 ;;
  lossy) lab_lo 50; lab_delay 3 15 5; lab_loss 2 ;;
  routed-bbr) lab_routed 20 400 bbr ;;
  routed-reno) lab_routed 20 400 reno ;;
  *) echo "unknown link $LINK" >&2; exit 2 ;;
esac
$ON_S "$BIN" serve --listen "$SERVER_IP:0" 2>"$DIR/serve.err" &
LAB_PIDS="$LAB_PIDS $!"
$ON_S iperf3 -s -p 5299 >/dev/null 2>&1 &
LAB_PIDS="$LAB_PIDS $!"
for i in $(seq 100); do grep -qs 'http://' "$DIR/serve.err" && break; sleep 0.1; done
SERVER=$(grep -o 'http://[0-9.:]*' "$DIR/serve.err" | head -1)
sleep 0.5
for way in up down; do
  r=""; [ $way = down ] && r=-R
  $ON_C ping -n -i 0.1 -c 60 "$SERVER_IP" >"$DIR/$way.ping" &
  pp=$!
  $ON_C iperf3 -c "$SERVER_IP" -p 5299 -P 4 -t 6 $r -J >"$DIR/$way.json" || true
  kill $pp 2>/dev/null || true
  wait $pp 2>/dev/null || true
  sleep 2 # let the queue drain
done
for mode in default quick; do
  flag=""; [ $mode = quick ] && flag=--quick
  $ON_C ping -D -n -i 0.05 -w 60 "$SERVER_IP" >"$DIR/$mode.ping" &
  pp=$!
  start=$(date +%s.%N)
  EXAMREADY_LOG=examready::check::network=debug $ON_C "$BIN" check --only network --json \
    --color never --profile "$P" --server "$SERVER" $flag >"$DIR/$mode.json" 2>"$DIR/$mode.log" || true
  echo "$start $(date +%s.%N)" >"$DIR/$mode.time"
  kill $pp 2>/dev/null || true
  wait $pp 2>/dev/null || true
  sleep 2
done
SCRIPT
done

python3 - "$OUT" "${links[@]}" <<'PY'
import json, re, statistics, sys
from datetime import datetime
out, links = sys.argv[1], sys.argv[2:]
loss_cfg = {"lossy": 2.0}
def pings(path):
    """(send time, rtt ms) of every answered ping; -D stamps the answer's arrival."""
    try:
        text = open(path).read()
    except OSError:
        return []
    return [(float(t) - float(ms) / 1000, float(ms))
            for t, ms in re.findall(r"\[([0-9.]+)\].*time=([0-9.]+) ms", text)]
def phases(path):
    """Times of examready's 'network: ... started/ended' debug lines, by name."""
    at = {}
    for line in open(path, errors="replace"):
        m = re.match(r"(\S+Z)\s+DEBUG .*network: (idle phase|download|upload) (started|ended)", line)
        if m:
            at[(m.group(2), m.group(3))] = datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp()
    return at
def within(samples, spans):
    return [rtt for t, rtt in samples if any(a <= t <= b for a, b in spans)]
def med(v):
    return statistics.median(v) if v else float("nan")
def iperf(path):
    try:
        j = json.load(open(path))
        return j["end"]["sum_received"]["bits_per_second"] / 1e6
    except Exception:
        return float("nan")
def plain_pings(path, skip):
    try:
        v = [float(m) for m in re.findall(r"time=([0-9.]+) ms", open(path).read())]
    except OSError:
        return []
    return v[skip:]
ok_all = True
for link in links:
    d = f"{out}/{link}"
    ref_up, ref_down = iperf(f"{d}/up.json"), iperf(f"{d}/down.json")
    iperf_loaded = med(plain_pings(f"{d}/up.ping", 10) + plain_pings(f"{d}/down.ping", 10))
    ref_loss = 100 * (1 - (1 - loss_cfg.get(link, 0) / 100) ** 2)
    print(f"\n### {link}: iperf3 -P 4 up {ref_up:.2f} / down {ref_down:.2f} Mbit/s (ping alongside iperf3 "
          f"{iperf_loaded:.1f} ms); configured loss {ref_loss:.2f} %")
    print("| mode | status | s | down/iperf3 | up/iperf3 | latency (ping) | jitter (limit) | loaded (ping) | loss (cfg) | goals |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for mode in ("default", "quick"):
        try:
            r = json.load(open(f"{d}/{mode}.json"))
            at = phases(f"{d}/{mode}.log")
            idle_span = (at[("idle phase", "started")], at[("idle phase", "ended")])
            load_spans = [(at[(w, "started")] + 0.3, at[(w, "ended")]) for w in ("download", "upload")]
        except Exception as e:
            print(f"| {mode} | no report or phases: {e!r} |"); ok_all = False; continue
        ping = pings(f"{d}/{mode}.ping")
        idle = within(ping, [idle_span])
        loaded_ref = med(within(ping, load_spans))
        lat_ref = med(idle)
        mdev = statistics.pstdev(idle) if len(idle) > 1 else float("nan")
        c = r["checks"][0]; f = c["facts"]
        s, e = map(float, open(f"{d}/{mode}.time").read().split())
        g = lambda k: (f.get(k) or {}).get("median", float("nan"))
        down, up = g("download_mbps") / ref_down, g("upload_mbps") / ref_up
        lat = g("latency_ms"); jit = f.get("jitter_ms")
        jit = float("nan") if jit is None else jit
        ld = g("loaded_latency_ms"); loss = f.get("loss_percent")
        loss = float("nan") if loss is None else loss
        jit_goal = max(2 * mdev, mdev + 0.5)
        goals = {
            "goodput": 0.9 <= down <= 1.1 and 0.9 <= up <= 1.1,
            "latency": abs(lat - lat_ref) <= max(1.0, 0.05 * lat_ref),
            "jitter": jit <= jit_goal,
            "loaded": abs(ld - loaded_ref) <= 0.15 * loaded_ref,
            "loss": abs(loss - ref_loss) <= 1.5,
            "no false fail": c["status"] != "fail",
        }
        missed = [k for k, v in goals.items() if not v]
        ok_all &= not missed
        secs = f"{f.get('download_seconds')}/{f.get('upload_seconds')}"
        print(f"| {mode} | {c['status']} | {e - s:.1f} ({secs}) | {down:.2f} | {up:.2f} | {lat:.2f} ({lat_ref:.2f}) "
              f"| {jit:.2f} ({jit_goal:.2f}) | {ld:.1f} ({loaded_ref:.1f}) | {loss:.2f} ({ref_loss:.2f}) "
              f"| {'all met' if not missed else 'missed: ' + ', '.join(missed)} |")
        bad = [x["code"] for x in c["findings"] if x["status"] in ("fail", "warn")]
        if bad:
            print(f"|  | findings: {', '.join(bad)} | | | | | | | | |")
        if f.get("download_error") or f.get("upload_error"):
            print(f"|  | errors: {f.get('download_error')} / {f.get('upload_error')} | | | | | | | | |")
print("\nall goals met" if ok_all else "\nsome goals missed")
PY
