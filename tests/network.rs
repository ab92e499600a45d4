//! The network module against real servers on 127.0.0.1: `examready serve` for a complete
//! report, and small misbehaving servers for each fault (HTTP 500, a stall and a reset in the
//! middle of a body, TLS to plain TCP, a refused port, a `.invalid` name, a dead proxy).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::support::examready;
use crate::support::net::{PROXY_VARS, Run, Serve, check, profile};

/// Short measurements so the suite stays quick; the accuracy tests use the defaults.
const SHORT: &str = "test_seconds = 2\nlatency_probes = 8\nloss_packets = 200\n";

#[test]
fn complete_report_against_examready_serve() {
    let serve = Serve::start();
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        dir.path(),
        &format!(
            "{SHORT}endpoints = [{{ host = \"127.0.0.1\", port = {}, tls = false }}]",
            serve.port()
        ),
    );
    let run = check(&p, &serve.url(), &[], &[]);
    let f = run.facts();
    assert_eq!(run.code, 0, "ready expected: {:#}", run.network());
    for key in ["latency_ms", "tcp_connect_ms"] {
        assert!(f[key]["median"].as_f64().unwrap() > 0.0, "{key}: {f:#}");
        assert!(f[key]["p95"].as_f64().unwrap() >= f[key]["median"].as_f64().unwrap());
    }
    assert!(f["jitter_ms"].as_f64().is_some());
    for key in ["download_mbps", "upload_mbps"] {
        let g = &f[key];
        assert!(g["median"].as_f64().unwrap() > 1.0, "{key}: {g}");
        assert!(g["min"].as_f64().unwrap() <= g["median"].as_f64().unwrap());
        assert!(!g["series"].as_array().unwrap().is_empty());
    }
    assert!(f["loaded_latency_ms"]["median"].as_f64().is_some());
    assert!(f["loaded_latency_increase_ms"].as_f64().is_some());
    assert_eq!(f["loss_method"], "udp-echo");
    assert_eq!(f["loss_percent"].as_f64(), Some(0.0));
    assert_eq!(f["loss_packets_sent"], 200);
    assert!(f["loss_not_measured_reason"].is_null());
    let ep = &f["endpoints"][0];
    assert_eq!(ep["status"], "ok");
    assert!(ep["dns_ms"].as_f64().is_some() && ep["connect_ms"].as_f64().is_some());
    assert!(
        f["interfaces"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind"] == "loopback")
    );
    assert!(f["proxy"]["settings"].as_array().unwrap().is_empty());
    for code in [
        "net-endpoints-reachable",
        "net-download-ok",
        "net-upload-ok",
        "net-latency-ok",
        "net-jitter-ok",
        "net-loss-ok",
        "net-loaded-latency-ok",
        "net-no-proxy",
    ] {
        assert_eq!(
            run.finding(code).unwrap_or_else(|| panic!("{code}"))["status"],
            "pass"
        );
    }
}

#[test]
fn quick_run_and_soak_produce_figures() {
    let serve = Serve::start();
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        dir.path(),
        "quick_test_seconds = 1\nvideo_bitrate_mbps = 2\nlatency_probes = 6\n",
    );
    let run = check(&p, &serve.url(), &["--quick", "--soak", "3s"], &[]);
    let f = run.facts();
    assert_eq!(f["quick"], true);
    assert_eq!(
        f["download_mbps"]["series"].as_array().unwrap().len(),
        1,
        "{f:#}"
    );
    let soak = &f["soak"];
    assert_eq!(soak["target_mbps"], 2.0);
    let series = soak["series"].as_array().unwrap();
    assert!(series.len() >= 2, "{soak}");
    // Paced at 2 Mbps on loopback: every second delivers about the target.
    for s in series {
        let v = s.as_f64().unwrap();
        assert!((1.5..=2.6).contains(&v), "{soak}");
    }
    assert_eq!(soak["stalls"], 0);
    assert_eq!(run.finding("net-soak-ok").unwrap()["status"], "pass");
}

#[test]
fn serve_bounds_requests_survives_many_clients_and_stops_on_ctrl_c() {
    let mut serve = Serve::start();
    let addr = serve.addr.clone();
    let get = |path: &str| -> String {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    let r = get("/__down?bytes=2000000000");
    assert!(r.starts_with("HTTP/1.1 400"), "{}", &r[..r.len().min(200)]);
    let r = get("/__down?bytes=abc");
    assert!(r.starts_with("HTTP/1.1 400"));
    let r = get("/__down?bytes=100");
    assert!(r.starts_with("HTTP/1.1 200"));
    assert!(r.contains("x-examready-udp-echo: "));
    assert!(r.ends_with(&"\0".repeat(100)));
    // Oversized upload declared up front: refused.
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /__up HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000000\r\n\r\n"
    )
    .unwrap();
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 413"));

    // 200 clients at once, each downloading 200 kB: all complete.
    let handles: Vec<_> = (0..200)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(&addr).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                write!(
                    s,
                    "GET /__down?bytes=200000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                )
                .unwrap();
                let mut out = Vec::new();
                s.read_to_end(&mut out).unwrap();
                out.len()
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap() > 200_000);
    }

    // UDP echo: only datagrams with the magic come back, unchanged.
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    udp.connect(&addr).unwrap();
    udp.send(b"ERdy-hello").unwrap();
    let mut b = [0u8; 64];
    let n = udp.recv(&mut b).unwrap();
    assert_eq!(&b[..n], b"ERdy-hello");
    udp.send(b"no magic").unwrap();
    assert!(
        udp.recv(&mut b).is_err(),
        "a datagram without the magic must not be echoed"
    );

    // Ctrl-C (SIGINT): a clean stop with status 0.
    unsafe_sigint(serve.child.id());
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = serve.child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "serve did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn unsafe_sigint(pid: u32) {
    let ok = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[test]
fn unreachable_endpoints_are_named_with_their_exact_failure() {
    let serve = Serve::start();
    let refused = TcpListener::bind("127.0.0.1:0").unwrap();
    let refused_port = refused.local_addr().unwrap().port();
    drop(refused);
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        dir.path(),
        &format!(
            "{SHORT}endpoints = [{{ host = \"examready-test.invalid\", port = 443 }}, \
             {{ host = \"127.0.0.1\", port = {refused_port} }}, \
             {{ host = \"127.0.0.1\", port = {}, tls = true }}]",
            serve.port()
        ),
    );
    let run = check(&p, &serve.url(), &[], &[]);
    assert_eq!(run.code, 1);
    let eps = run.facts()["endpoints"].as_array().unwrap().clone();
    assert_eq!(eps[0]["status"], "dns-failed");
    assert_eq!(eps[1]["status"], "refused");
    assert_eq!(eps[2]["status"], "tls-failed");
    let msgs: Vec<String> = run.network()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "net-endpoint-unreachable")
        .map(|f| format!("{} | {}", f["message"], f["remedy"]))
        .collect();
    assert_eq!(msgs.len(), 3, "{msgs:#?}");
    assert!(
        msgs[0].contains("examready-test.invalid:443: DNS failed"),
        "{}",
        msgs[0]
    );
    assert!(
        msgs[1].contains(&format!("127.0.0.1:{refused_port}: connection refused")),
        "{}",
        msgs[1]
    );
    assert!(msgs[1].contains(&format!("port {refused_port}")));
    assert!(msgs[2].contains("TLS failed"), "{}", msgs[2]);
    // The rest of the module still measured.
    assert!(run.facts()["download_mbps"]["median"].as_f64().is_some());
}

// --- misbehaving servers ---------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Fault {
    Http500,
    /// Accepts connections, reads the request, never answers.
    Silent,
    StallMidBody,
    #[cfg_attr(not(unix), allow(dead_code))]
    ResetMidBody,
}

struct FaultServer {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn read_head(s: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

fn serve_fault(mode: Fault) -> FaultServer {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let st = stop.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            if st.load(Ordering::Relaxed) {
                break;
            }
            let Ok(mut s) = conn else { continue };
            let st = st.clone();
            std::thread::spawn(move || {
                while let Some(head) = read_head(&mut s) {
                    let first = head.lines().next().unwrap_or_default().to_string();
                    if let Fault::Silent = mode {
                        while !st.load(Ordering::Relaxed) {
                            std::thread::sleep(Duration::from_millis(100));
                        }
                        return;
                    }
                    if let Fault::Http500 = mode {
                        let _ = s.write_all(
                            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!",
                        );
                        continue;
                    }
                    if first.starts_with("POST") {
                        let len: u64 = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().to_string())
                            })
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0);
                        let mut left = len;
                        let mut buf = vec![0u8; 65536];
                        while left > 0 {
                            match s.read(&mut buf) {
                                Ok(0) | Err(_) => return,
                                Ok(n) => left = left.saturating_sub(n as u64),
                            }
                        }
                        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                    } else if first.contains("bytes=0 ") {
                        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                    } else {
                        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 50000000\r\n\r\n");
                        let _ = s.write_all(&vec![0u8; 256 * 1024]);
                        match mode {
                            Fault::StallMidBody => {
                                // Hold the connection open and send nothing more.
                                for _ in 0..300 {
                                    if st.load(Ordering::Relaxed) {
                                        break;
                                    }
                                    std::thread::sleep(Duration::from_millis(100));
                                }
                            }
                            #[cfg(unix)]
                            _ => reset(s),
                            #[cfg(not(unix))]
                            _ => drop(s),
                        }
                        return;
                    }
                }
            });
        }
    });
    FaultServer { port, stop }
}

/// Close with a TCP reset (SO_LINGER 0; set through the Unix socket API, so Unix only).
#[cfg(unix)]
fn reset(s: TcpStream) {
    use std::os::fd::AsRawFd;
    let l = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt on a socket we own, with a correctly sized linger struct.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&l as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    drop(s);
}

fn assert_precise_failure(run: &Run) {
    assert_eq!(run.code, 1, "{:#}", run.network());
    assert_eq!(
        run.network()["status"],
        "fail",
        "not a timeout or crash: {:#}",
        run.network()
    );
    assert!(
        run.elapsed < Duration::from_secs(30),
        "took {:?}",
        run.elapsed
    );
}

#[test]
fn http_500_is_a_precise_server_error() {
    let srv = serve_fault(Fault::Http500);
    let dir = tempfile::tempdir().unwrap();
    let p = profile(dir.path(), SHORT);
    let run = check(&p, &format!("http://127.0.0.1:{}", srv.port), &[], &[]);
    assert_precise_failure(&run);
    let f = run
        .finding("net-server-unreachable")
        .expect("server finding");
    assert!(f["message"].as_str().unwrap().contains("HTTP 500"), "{f}");
    assert!(run.facts()["loss_percent"].is_null());
    assert!(run.facts()["loss_not_measured_reason"].as_str().is_some());
}

#[test]
fn a_server_that_never_answers_times_out_precisely() {
    let srv = serve_fault(Fault::Silent);
    let dir = tempfile::tempdir().unwrap();
    let p = profile(dir.path(), SHORT);
    let run = check(&p, &format!("http://127.0.0.1:{}", srv.port), &[], &[]);
    assert_precise_failure(&run);
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
    let f = run
        .finding("net-server-unreachable")
        .expect("server finding");
    assert!(f["message"].as_str().unwrap().contains("timed out"), "{f}");
}

#[test]
fn a_stall_mid_body_is_reported_not_waited_for() {
    let srv = serve_fault(Fault::StallMidBody);
    let dir = tempfile::tempdir().unwrap();
    let p = profile(dir.path(), SHORT);
    let run = check(&p, &format!("http://127.0.0.1:{}", srv.port), &[], &[]);
    assert_precise_failure(&run);
    let err = run.facts()["download_error"]
        .as_str()
        .expect("download_error");
    assert!(err.contains("stalled"), "{err}");
    let f = run.finding("net-transfer-failed").unwrap();
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("download test broke")
    );
    // This server offers no UDP echo: loss comes from ICMP where the OS allows unprivileged
    // ICMP sockets, else it is null with both reasons, never a guess.
    let f = run.facts();
    if f["loss_percent"].is_null() {
        let reason = f["loss_not_measured_reason"].as_str().unwrap();
        assert!(
            reason.contains("no UDP echo") && reason.contains("ICMP"),
            "{reason}"
        );
        assert_eq!(
            run.finding("net-loss-not-measured").unwrap()["status"],
            "skip"
        );
    } else {
        assert_eq!(f["loss_method"], "icmp");
    }
}

#[cfg(unix)]
#[test]
fn a_reset_mid_transfer_is_reported() {
    let srv = serve_fault(Fault::ResetMidBody);
    let dir = tempfile::tempdir().unwrap();
    let p = profile(dir.path(), SHORT);
    let run = check(&p, &format!("http://127.0.0.1:{}", srv.port), &[], &[]);
    assert_precise_failure(&run);
    let err = run.facts()["download_error"]
        .as_str()
        .expect("download_error");
    assert!(err.contains("reset"), "{err}");
}

#[test]
fn a_proxy_pointing_nowhere_is_named() {
    let serve = Serve::start();
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let proxy = format!("http://127.0.0.1:{dead_port}");
    let dir = tempfile::tempdir().unwrap();
    let p = profile(dir.path(), SHORT);
    let run = check(
        &p,
        &serve.url(),
        &[],
        &[("HTTP_PROXY", &proxy), ("HTTPS_PROXY", &proxy)],
    );
    assert_precise_failure(&run);
    let f = run.finding("net-proxy").expect("net-proxy");
    assert_eq!(f["status"], "fail");
    assert!(f["message"].as_str().unwrap().contains(&proxy), "{f}");
    let s = run
        .finding("net-server-unreachable")
        .expect("server finding");
    let m = s["message"].as_str().unwrap();
    assert!(
        m.contains("proxy") && m.contains(&dead_port.to_string()),
        "{m}"
    );
}

#[test]
fn default_profile_fails_fast_without_a_network() {
    // This machine has no outside network: every OnVUE endpoint must fail precisely, in time.
    let mut cmd = examready();
    cmd.args(["check", "--only", "network", "--json", "--quick"]);
    for v in PROXY_VARS {
        cmd.env_remove(v);
    }
    let start = std::time::Instant::now();
    let out = cmd.output().unwrap();
    let elapsed = start.elapsed();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let net = &report["checks"][0];
    if net["facts"]["server_error"].is_null() {
        eprintln!(
            "SKIPPED: this machine reaches the outside network; the offline case cannot be checked"
        );
        return;
    }
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(net["status"], "fail");
    assert!(elapsed < Duration::from_secs(25), "{elapsed:?}");
    for ep in net["facts"]["endpoints"].as_array().unwrap() {
        assert_ne!(ep["status"], "ok");
        assert!(ep["error"].as_str().is_some_and(|e| !e.is_empty()), "{ep}");
    }
}
