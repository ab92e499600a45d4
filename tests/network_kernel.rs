//! Accuracy of the network module on links shaped by the kernel, inside private network
//! namespaces (`unshare -rn`): rate with `tc tbf` against iperf3 on the same link, loss with
//! nftables random drop, delay with an iptables NFQUEUE rule (nft's `queue` is not built here) and a delaying program (the `nfqdelay_helper`
//! below, run from this very test binary). In CI (`CI=true` or `1`) these fail if they cannot run.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::support::net::PROXY_VARS;
use crate::support::{examready, have, require};

/// The scenarios share two cores with everything else: one at a time keeps timing honest.
static SERIAL: Mutex<()> = Mutex::new(());

fn tools_ready() -> Result<(), String> {
    for tool in ["unshare", "ip", "tc", "nft", "iptables", "iperf3"] {
        if !have(tool) {
            return Err(format!(
                "{tool} is not installed (scripts/install-deps.sh test)"
            ));
        }
    }
    let ok = Command::new("unshare")
        .args(["-rn", "sh", "-c", "ip link set lo up && tc qdisc add dev lo root tbf rate 10mbit burst 32kbit latency 400ms && nft add table inet probe"])
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run unshare: {e}"))?;
    if !ok.status.success() {
        return Err(format!(
            "cannot shape a private network namespace (unshare -rn, tc, nft): {}",
            String::from_utf8_lossy(&ok.stderr).trim()
        ));
    }
    Ok(())
}

const PRELUDE: &str = r#"
set -eu
BIN=$1
PIDS=""
. "$NETLAB"
DELAYER=$TEST_EXE
trap 'kill $PIDS 2>/dev/null || true; lab_cleanup' EXIT
ip link set lo up
ip link set lo mtu 1500
start_serve() {
  $ON_S "$BIN" serve --listen "$SERVER_IP:0" 2>"$DIR/serve.err" &
  PIDS="$PIDS $!"
  for i in $(seq 100); do grep -qs 'http://' "$DIR/serve.err" && break; sleep 0.1; done
  SERVER=$(grep -o 'http://[0-9.:]*' "$DIR/serve.err" | head -1)
}
check() { # $1 = output file, rest = extra flags
  out=$1; shift
  $ON_C "$BIN" check --only network --json --color never --profile "$DIR/p.toml" --server "$SERVER" "$@" >"$DIR/$out" || true
}
"#;

/// Run `body` under `unshare -rnm` with `$BIN` (the binary, with the builder's private
/// environment), `$DIR` and `$TEST_EXE` set and scripts/netlab.sh's functions defined; returns
/// stderr.
fn in_namespace(dir: &Path, body: &str) -> String {
    let script = dir.join("run.sh");
    std::fs::write(&script, format!("{PRELUDE}\n{body}\n")).unwrap();
    let mut cmd = examready().through([
        OsStr::new("unshare"),
        OsStr::new("-rnm"),
        OsStr::new("--propagation"),
        OsStr::new("private"),
        OsStr::new("sh"),
        script.as_os_str(),
    ]);
    cmd.env("DIR", dir)
        .env("TEST_EXE", std::env::current_exe().unwrap())
        .env(
            "NETLAB",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/netlab.sh"),
        );
    for v in PROXY_VARS {
        cmd.env_remove(v);
    }
    let out = cmd.output().expect("run the namespace script");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "namespace script failed: {stderr}");
    stderr
}

fn read_json(dir: &Path, name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON ({e}): {text}"))
}

fn facts(report: &serde_json::Value) -> &serde_json::Value {
    &report["checks"][0]["facts"]
}

fn write_profile(dir: &Path, extra: &str) {
    std::fs::write(
        dir.join("p.toml"),
        format!("[profile]\nname = \"kernel\"\n[runner]\ndeadline_s = 40\n[network]\nmax_loss_percent = 1\n{extra}\n"),
    )
    .unwrap();
}

#[test]
fn goodput_matches_iperf3_on_a_10_mbit_link() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !require(
        tools_ready().is_ok(),
        &tools_ready().err().unwrap_or_default(),
    ) {
        return;
    }
    // iperf3 and examready measure the same shaped link one after the other. Both are real
    // transfers on a shared 2-core machine, so a second pair is measured when the first
    // disagrees (another test's burst of CPU can starve either one); every pair is printed.
    let mut attempts = Vec::new();
    for _ in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        write_profile(dir.path(), "");
        in_namespace(
            dir.path(),
            r#"
tc qdisc add dev lo root tbf rate 10mbit burst 32kbit latency 400ms
start_serve
iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
PIDS="$PIDS $!"
sleep 0.3
iperf3 -c 127.0.0.1 -p 5299 -t 5 -J >"$DIR/iperf.json"
check report.json
"#,
        );
        let iperf = read_json(dir.path(), "iperf.json");
        let reference = iperf["end"]["sum_received"]["bits_per_second"]
            .as_f64()
            .unwrap()
            / 1e6;
        let report = read_json(dir.path(), "report.json");
        let f = facts(&report);
        let down = f["download_mbps"]["median"]
            .as_f64()
            .unwrap_or_else(|| panic!("{f:#}"));
        let up = f["upload_mbps"]["median"].as_f64().unwrap();
        eprintln!("iperf3 {reference:.2} Mbps; examready down {down:.2}, up {up:.2} Mbps");
        let agree = (8.0..=10.5).contains(&reference)
            && [down, up]
                .iter()
                .all(|v| (0.9..=1.1).contains(&(v / reference)));
        attempts.push(format!(
            "iperf3 {reference:.2}, down {down:.2}, up {up:.2} Mbps"
        ));
        if agree {
            return;
        }
    }
    panic!(
        "examready's goodput is not within 10% of iperf3's on a 10 Mbit/s link (iperf3 itself \
         must measure 8 to 10.5): {attempts:#?}"
    );
}

#[test]
fn loss_matches_nftables_random_drop() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !require(
        tools_ready().is_ok(),
        &tools_ready().err().unwrap_or_default(),
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_profile(dir.path(), "loss_packets = 4000\ntest_seconds = 1\n");
    in_namespace(
        dir.path(),
        r#"
start_serve
nft add table inet t
nft add chain inet t c '{ type filter hook input priority 0; }'
nft add rule inet t c numgen random mod 100 '<' 5 drop
check report.json
"#,
    );
    let report = read_json(dir.path(), "report.json");
    let f = facts(&report);
    let loss = f["loss_percent"]
        .as_f64()
        .unwrap_or_else(|| panic!("{f:#}"));
    let expected = 100.0 * (1.0 - 0.95f64 * 0.95);
    eprintln!(
        "loss {loss:.2} % (expected {expected:.2} %), {} sent",
        f["loss_packets_sent"]
    );
    assert_eq!(f["loss_method"], "udp-echo");
    assert!(
        (loss - expected).abs() <= 1.5,
        "loss {loss} vs {expected}: {f:#}"
    );
    let finding = report["checks"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "net-loss-high")
        .cloned();
    assert_eq!(finding.expect("net-loss-high")["status"], "fail");
}

/// Issue 13: --quick sends a quarter of the echo packets, and the rest when a loss already
/// shows by then: a clean link stays quick, a lossy one is measured on the full count.
#[test]
fn quick_sends_every_echo_packet_only_on_a_lossy_link() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !require(
        tools_ready().is_ok(),
        &tools_ready().err().unwrap_or_default(),
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_profile(dir.path(), "loss_packets = 1000\ntest_seconds = 1\n");
    in_namespace(
        dir.path(),
        r#"
start_serve
check clean.json --quick
nft add table inet t
nft add chain inet t c '{ type filter hook input priority 0; }'
nft add rule inet t c numgen random mod 100 '<' 5 drop
check lossy.json --quick
"#,
    );
    let clean = read_json(dir.path(), "clean.json");
    let lossy = read_json(dir.path(), "lossy.json");
    let (c, l) = (facts(&clean), facts(&lossy));
    assert_eq!(c["loss_packets_sent"], 250, "{c:#}");
    assert_eq!(c["loss_percent"], 0.0, "{c:#}");
    assert_eq!(l["loss_packets_sent"], 1000, "{l:#}");
    let loss = l["loss_percent"].as_f64().unwrap();
    let expected = 100.0 * (1.0 - 0.95f64 * 0.95);
    assert!(
        (loss - expected).abs() <= 3.0,
        "loss {loss} vs {expected}: {l:#}"
    );
}

#[test]
fn icmp_measures_loss_when_the_udp_echo_is_blocked() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !require(
        tools_ready().is_ok(),
        &tools_ready().err().unwrap_or_default(),
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_profile(dir.path(), "loss_packets = 4000\ntest_seconds = 1\n");
    in_namespace(
        dir.path(),
        r#"
# Unprivileged ICMP sockets for root's group in this namespace (the only mapped group).
echo "0 0" >/proc/sys/net/ipv4/ping_group_range
start_serve
PORT=${SERVER##*:}
nft add table inet t
nft add chain inet t c '{ type filter hook input priority 0; }'
nft add rule inet t c udp dport "$PORT" drop
nft add rule inet t c numgen random mod 100 '<' 5 drop
check report.json
"#,
    );
    let report = read_json(dir.path(), "report.json");
    let f = facts(&report);
    let loss = f["loss_percent"]
        .as_f64()
        .unwrap_or_else(|| panic!("{f:#}"));
    let expected = 100.0 * (1.0 - 0.95f64 * 0.95);
    eprintln!("icmp loss {loss:.2} % (expected {expected:.2} %)");
    assert_eq!(f["loss_method"], "icmp", "{f:#}");
    assert!(
        (loss - expected).abs() <= 1.5,
        "loss {loss} vs {expected}: {f:#}"
    );
}

#[test]
fn latency_matches_a_known_nfqueue_delay() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !require(
        tools_ready().is_ok(),
        &tools_ready().err().unwrap_or_default(),
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_profile(dir.path(), "test_seconds = 2\n");
    // 25 ms on every packet leaving lo: each round trip crosses it twice.
    let one_way: f64 = 25.0;
    in_namespace(
        dir.path(),
        r#"
tc qdisc add dev lo root tbf rate 10mbit burst 32kbit latency 400ms
start_serve
EXAMREADY_NFQDELAY="7 25" "$TEST_EXE" --ignored --exact network_kernel::nfqdelay_helper --nocapture >"$DIR/delay.out" 2>&1 &
PIDS="$PIDS $!"
sleep 0.5
iptables -A OUTPUT -o lo -j NFQUEUE --queue-num 7 --queue-bypass
check report.json
"#,
    );
    let report = read_json(dir.path(), "report.json");
    let f = facts(&report);
    let expected = 2.0 * one_way;
    let tolerance = (expected * 0.05).max(1.0);
    for key in ["latency_ms", "tcp_connect_ms"] {
        let median = f[key]["median"]
            .as_f64()
            .unwrap_or_else(|| panic!("{key}: {f:#}"));
        eprintln!("{key} median {median:.2} ms (expected {expected} +- {tolerance})");
        assert!(
            (median - expected).abs() <= tolerance,
            "{key} {median} vs {expected}: {f:#}"
        );
    }
}

/// OnVUE's `[network]` figures (checks/onvue.toml), without its server and endpoints: what a
/// candidate's default run is judged against.
const ONVUE_FIGURES: &str = "min_download_mbps = 3\nrecommended_download_mbps = 6\n\
min_upload_mbps = 3\nrecommended_upload_mbps = 6\nrecommended_max_latency_ms = 150\n\
recommended_max_jitter_ms = 30\nrecommended_max_loss_percent = 1\n\
max_loaded_latency_increase_ms = 100\n";

fn status(report: &serde_json::Value) -> &str {
    report["checks"][0]["status"].as_str().unwrap_or("?")
}

fn has_finding(report: &serde_json::Value, code: &str, status: &str) -> bool {
    report["checks"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["code"] == code && x["status"] == status)
}

fn kernel_ready() -> bool {
    require(
        tools_ready().is_ok(),
        &tools_ready().err().unwrap_or_default(),
    )
}

/// Issue 13: on a 50 Mbit/s link with 15 +- 5 ms each way and 2 % loss each way, jitter was read
/// 10x too high (lost probes waited for TCP retransmissions) and the check failed. Latency now
/// comes from the echo run: jitter near ping's, loss counted once, and no false "not ready".
#[test]
fn a_lossy_jittery_link_gives_no_false_fail() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !kernel_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        format!("[profile]\nname = \"onvue figures\"\n[runner]\ndeadline_s = 40\n[network]\n{ONVUE_FIGURES}"),
    )
    .unwrap();
    in_namespace(
        dir.path(),
        r#"
lab_lo 50
start_serve
lab_delay 5 15 5
lab_loss 2
check report.json
"#,
    );
    let report = read_json(dir.path(), "report.json");
    let f = facts(&report);
    let num = |k: &str, sub: Option<&str>| {
        let v = match sub {
            Some(s) => &f[k][s],
            None => &f[k],
        };
        v.as_f64().unwrap_or_else(|| panic!("{k}: {f:#}"))
    };
    let (lat, jitter, loss) = (
        num("latency_ms", Some("median")),
        num("jitter_ms", None),
        num("loss_percent", None),
    );
    eprintln!(
        "latency {lat} ms, jitter {jitter} ms, loss {loss} %, status {}",
        status(&report)
    );
    assert_eq!(f["latency_method"], "udp-echo", "{f:#}");
    // Two crossings of 15 +- 5 ms: 30 ms (a little more, packets are released in order); ping's
    // mdev here is 3-5 ms, the old reading was 55-61 ms.
    assert!((29.0..=36.0).contains(&lat), "latency {lat}: {f:#}");
    assert!(jitter <= 10.0, "jitter {jitter}: {f:#}");
    let expected = 100.0 * (1.0 - 0.98f64 * 0.98);
    assert!((loss - expected).abs() <= 1.5, "loss {loss} vs {expected}");
    assert_ne!(status(&report), "fail", "{:#}", report["checks"][0]);
    assert!(
        f["download_error"].is_null() && f["upload_error"].is_null(),
        "{f:#}"
    );
}

/// Issue 13: a routed 20 Mbit/s link with 400 ms deep queues and BBR made one upload stream wait
/// behind the queue for 1.5 s, and the check called the link stalled. The stall is judged on
/// all streams together now.
#[test]
fn a_deep_queue_is_not_a_stall() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !kernel_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_profile(dir.path(), "min_download_mbps = 6\nmin_upload_mbps = 6\n");
    in_namespace(
        dir.path(),
        r#"
lab_routed 20 400 bbr
start_serve
check report.json
"#,
    );
    let report = read_json(dir.path(), "report.json");
    let f = facts(&report);
    eprintln!(
        "down {} up {} Mbps; errors {} / {}",
        f["download_mbps"]["median"],
        f["upload_mbps"]["median"],
        f["download_error"],
        f["upload_error"]
    );
    assert!(
        f["download_error"].is_null() && f["upload_error"].is_null(),
        "{f:#}"
    );
    for k in ["download_mbps", "upload_mbps"] {
        let v = f[k]["median"]
            .as_f64()
            .unwrap_or_else(|| panic!("{k}: {f:#}"));
        assert!(v >= 15.0, "{k} {v} on a 20 Mbit/s link: {f:#}");
    }
    assert_ne!(status(&report), "fail", "{:#}", report["checks"][0]);
}

/// Issue 13: --quick must not pass a link that the default run flags. A deep queue filled by a
/// loss-based congestion control (Reno here: CUBIC is not allowed in an unprivileged namespace)
/// keeps latency rising; --quick runs on until it stops rising.
#[test]
fn quick_flags_the_bufferbloat_the_default_run_flags() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !kernel_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_profile(dir.path(), "max_loaded_latency_increase_ms = 100\n");
    in_namespace(
        dir.path(),
        r#"
lab_routed 20 400 reno
start_serve
check default.json
sleep 2
check quick.json --quick
"#,
    );
    let default = read_json(dir.path(), "default.json");
    let quick = read_json(dir.path(), "quick.json");
    let inc = |r: &serde_json::Value| {
        facts(r)["loaded_latency_increase_ms"]
            .as_f64()
            .unwrap_or(0.0)
    };
    eprintln!(
        "loaded latency increase: default {} ms, quick {} ms",
        inc(&default),
        inc(&quick)
    );
    assert!(
        has_finding(&default, "net-bufferbloat", "warn"),
        "{:#}",
        facts(&default)
    );
    assert!(
        has_finding(&quick, "net-bufferbloat", "warn"),
        "{:#}",
        facts(&quick)
    );
    assert!(
        inc(&quick) >= 0.8 * inc(&default),
        "quick reads bufferbloat low"
    );
}

/// A link that really is too slow and too lossy still fails, --quick included.
#[test]
fn a_truly_bad_link_still_fails() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !kernel_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_profile(dir.path(), "min_download_mbps = 3\nmin_upload_mbps = 3\n");
    in_namespace(
        dir.path(),
        r#"
lab_lo 2
start_serve
lab_loss 8
check report.json --quick
"#,
    );
    let report = read_json(dir.path(), "report.json");
    eprintln!("{:#}", report["checks"][0]["findings"]);
    assert_eq!(status(&report), "fail");
    assert!(
        has_finding(&report, "net-download-low", "fail"),
        "{:#}",
        report["checks"][0]
    );
    assert!(
        has_finding(&report, "net-loss-high", "fail"),
        "{:#}",
        report["checks"][0]
    );
}

/// Not a test: the NFQUEUE delayer the delay tests (and benches/network.sh) start inside their
/// namespace, with `EXAMREADY_NFQDELAY="QUEUE DELAY_MS [JITTER_MS]"`. Holds every queued packet
/// for the delay, plus or minus a uniform random jitter, and releases them in order (a packet is
/// never released before the one queued ahead of it; the technique of ../shared/net/nfqdelay).
/// Runs until killed.
#[test]
#[ignore = "helper process for latency_matches_a_known_nfqueue_delay"]
fn nfqdelay_helper() {
    let Ok(spec) = std::env::var("EXAMREADY_NFQDELAY") else {
        return;
    };
    let mut parts = spec
        .split_whitespace()
        .map(|s| s.parse::<f64>().expect("numbers"));
    let queue = parts.next().expect("queue") as u16;
    let delay = parts.next().expect("delay ms");
    let jitter = parts.next().unwrap_or(0.0);
    delayer(queue, delay, jitter);
}

#[cfg(target_os = "linux")]
fn delayer(queue: u16, delay_ms: f64, jitter_ms: f64) {
    use std::collections::VecDeque;
    use std::time::{Duration, Instant};
    let mut q = nfq::Queue::open().expect("open NFQUEUE");
    q.bind(queue).expect("bind the queue");
    q.set_nonblocking(true);
    let mut held: VecDeque<(Instant, nfq::Message)> = VecDeque::new();
    // xorshift64: a uniform number in [0, 1) per packet.
    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(std::process::id());
    let mut uniform = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut last = Instant::now();
    eprintln!("nfqdelay: queue {queue}, {delay_ms} +- {jitter_ms} ms");
    loop {
        let mut got = false;
        loop {
            match q.recv() {
                Ok(msg) => {
                    got = true;
                    let d = (delay_ms + (uniform() * 2.0 - 1.0) * jitter_ms).max(0.0);
                    let at = (Instant::now() + Duration::from_secs_f64(d / 1000.0)).max(last);
                    last = at;
                    held.push_back((at, msg));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("nfqueue: {e}"),
            }
        }
        let now = Instant::now();
        while held.front().is_some_and(|(t, _)| *t <= now) {
            let (_, mut m) = held.pop_front().unwrap();
            m.set_verdict(nfq::Verdict::Accept);
            q.verdict(m).expect("verdict");
        }
        if !got {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn delayer(_: u16, _: f64, _: f64) {
    panic!("NFQUEUE exists on Linux only");
}
