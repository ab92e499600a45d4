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
trap 'kill $PIDS 2>/dev/null || true' EXIT
ip link set lo up
ip link set lo mtu 1500
start_serve() {
  "$BIN" serve --listen 127.0.0.1:0 2>"$DIR/serve.err" &
  PIDS="$PIDS $!"
  for i in $(seq 100); do grep -qs 'http://' "$DIR/serve.err" && break; sleep 0.1; done
  SERVER=$(grep -o 'http://[0-9.:]*' "$DIR/serve.err" | head -1)
}
check() { # $1 = output file, rest = extra flags
  out=$1; shift
  "$BIN" check --only network --json --color never --profile "$DIR/p.toml" --server "$SERVER" "$@" >"$DIR/$out" || true
}
"#;

/// Run `body` under `unshare -rn` with `$BIN` (the binary, with the builder's private
/// environment), `$DIR` and `$TEST_EXE` set; returns stderr.
fn in_namespace(dir: &Path, body: &str) -> String {
    let script = dir.join("run.sh");
    std::fs::write(&script, format!("{PRELUDE}\n{body}\n")).unwrap();
    let mut cmd = examready().through([
        OsStr::new("unshare"),
        OsStr::new("-rn"),
        OsStr::new("sh"),
        script.as_os_str(),
    ]);
    cmd.env("DIR", dir)
        .env("TEST_EXE", std::env::current_exe().unwrap());
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

/// Not a test: the NFQUEUE delayer the delay test starts inside its namespace, with
/// `EXAMREADY_NFQDELAY="QUEUE DELAY_MS"`. Holds every queued packet for the delay and releases
/// them in order (the technique of ../shared/net/nfqdelay). Runs until killed.
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
    let delay = std::time::Duration::from_secs_f64(parts.next().expect("delay ms") / 1000.0);
    delayer(queue, delay);
}

#[cfg(target_os = "linux")]
fn delayer(queue: u16, delay: std::time::Duration) {
    use std::collections::VecDeque;
    use std::time::{Duration, Instant};
    let mut q = nfq::Queue::open().expect("open NFQUEUE");
    q.bind(queue).expect("bind the queue");
    q.set_nonblocking(true);
    let mut held: VecDeque<(Instant, nfq::Message)> = VecDeque::new();
    eprintln!(
        "nfqdelay: queue {queue}, {} ms",
        delay.as_secs_f64() * 1000.0
    );
    loop {
        let mut got = false;
        loop {
            match q.recv() {
                Ok(msg) => {
                    got = true;
                    held.push_back((Instant::now() + delay, msg));
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
fn delayer(_: u16, _: std::time::Duration) {
    panic!("NFQUEUE exists on Linux only");
}
