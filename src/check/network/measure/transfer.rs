//! Goodput: parallel download and upload streams, the byte counter sampled every 100 ms, per-second
//! figures after the warm-up, and latency under load.

use super::samples::{goodput_settled, longest_pause, mean_goodput, settled};
use super::*;

pub(super) struct TransferResult {
    pub(super) goodput: Option<Goodput>,
    pub(super) error: Option<String>,
    pub(super) loaded: Vec<f64>,
    /// Whether the loaded latency had stopped rising at the end; None without samples.
    pub(super) settled: Option<bool>,
    /// How long the transfer ran.
    pub(super) seconds: f64,
}

/// Read the byte counter every 100 ms from `start` until `done(seconds so far)`: `(seconds,
/// bytes)` samples, starting with `(0, 0)`. `report` sees the samples so far after each reading
/// (live progress).
pub(super) async fn sample_counter(
    counter: &AtomicU64,
    start: Instant,
    mut done: impl FnMut(f64) -> bool,
    mut report: impl FnMut(&[(f64, u64)]),
) -> Vec<(f64, u64)> {
    let mut samples = vec![(0.0, 0u64)];
    let mut tick = start;
    loop {
        tick += Duration::from_millis(100);
        sleep_until(tick).await;
        let t = (tick - start).as_secs_f64();
        samples.push((t, counter.load(Ordering::Relaxed)));
        report(&samples);
        if done(t) {
            break;
        }
    }
    samples
}

pub(super) async fn transfer(
    ctx: &ProbeContext,
    p: &Params,
    dir: Direction,
    probes: &Probes<'_>,
    addrs: &Result<(Vec<SocketAddr>, f64), String>,
    tls: &Result<Arc<rustls::ClientConfig>, String>,
    proxy: Option<&str>,
) -> TransferResult {
    let label = dir.label();
    let counter = AtomicU64::new(0);
    let start = Instant::now();
    let errors = std::sync::Mutex::new(Vec::<String>::new());
    let run = LoadedRun::new();
    let streams = async {
        tokio::select! {
            _ = all_streams(p, dir, &counter, &errors, addrs, tls, proxy) => {}
            _ = run.stopped() => {}
        }
    };
    // --quick runs on (up to the full length) while the goodput or the latency under load still
    // rises: a short test on a slow-starting link or a filling queue would read both low.
    let window = if probes.by.is_some() { 5 } else { 3 };
    let (least, most) = (p.transfer.as_secs_f64(), p.max_transfer.as_secs_f64());
    let goodput_steady = std::sync::atomic::AtomicBool::new(false);
    tracing::debug!("network: {label} started");
    let sampler = async {
        let samples = sample_counter(
            &counter,
            start,
            |t| {
                t + 1e-6 >= least
                    && (t + 1e-6 >= most
                        || (goodput_steady.load(Ordering::Relaxed)
                            && settled(&run.samples(), window)))
            },
            |samples| {
                goodput_steady.store(goodput_settled(samples), Ordering::Relaxed);
                report_rate(ctx, label, samples);
            },
        )
        .await;
        run.stop();
        samples
    };
    let loaded = run.probe(probes);
    let ((), samples, ()) = tokio::join!(streams, sampler, loaded);
    let errs = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    let total = counter.load(Ordering::Relaxed);
    summarize(p, dir, &samples, total, &errs, run.samples(), window)
}

/// Live progress every half second once there is a second to measure: the Mbps of the last one.
fn report_rate(ctx: &ProbeContext, label: &str, samples: &[(f64, u64)]) {
    if samples.len().is_multiple_of(5) && samples.len() > 10 {
        let (t, b) = samples[samples.len() - 1];
        let (t0, b0) = samples[samples.len() - 11];
        let rate = (b - b0) as f64 * 8.0 / 1e6 / (t - t0);
        ctx.progress(&format!("{label} {rate:.1} Mbps"));
    }
}

/// A finished transfer's figures: goodput from the counter's `samples` (`total` bytes in all),
/// the error if it broke, and the latency samples taken under load (`window` as [`settled`]).
fn summarize(
    p: &Params,
    dir: Direction,
    samples: &[(f64, u64)],
    total: u64,
    errs: &[String],
    loaded: Vec<f64>,
    window: usize,
) -> TransferResult {
    let label = dir.label();
    let seconds = samples.last().map_or(0.0, |s| s.0);
    tracing::debug!("network: {label} ended after {seconds:.1} s");
    // --quick: one mean over its last 2 s at most (the warm-up discarded). Acknowledged bytes
    // come in bursts when a deep queue overflows and losses are repaired, so a window of one
    // second can land in a repair and read a tenth of the link.
    let series = if p.max_transfer > p.transfer {
        mean_goodput(samples, p.warmup().max(seconds - 2.0))
            .into_iter()
            .collect()
    } else {
        per_second(samples, p.warmup())
    };
    let error = transfer_error(
        dir,
        &host_port(&p.server),
        p.streams,
        errs,
        samples,
        total,
        seconds,
    );
    TransferResult {
        goodput: if total > 0 { Goodput::of(series) } else { None },
        error,
        settled: (!loaded.is_empty()).then(|| settled(&loaded, window)),
        loaded: loaded.into_iter().map(round2).collect(),
        seconds,
    }
}

/// Every stream of a transfer, started 50 ms apart, each adding what it moves to `counter` and
/// its error, if it breaks, to `errors`; runs until every stream has ended.
async fn all_streams(
    p: &Params,
    dir: Direction,
    counter: &AtomicU64,
    errors: &std::sync::Mutex<Vec<String>>,
    addrs: &Result<(Vec<SocketAddr>, f64), String>,
    tls: &Result<Arc<rustls::ClientConfig>, String>,
    proxy: Option<&str>,
) {
    let futs = (0..p.streams).map(|i| {
        async move {
            // Streams start 50 ms apart, as browsers' speed tests do.
            sleep(Duration::from_millis(50) * i).await;
            let r = match dir {
                Direction::Down => match client() {
                    Ok(c) => download_stream(&c, &p.url("__down"), counter, proxy).await,
                    Err(e) => Err(e),
                },
                Direction::Up => match addrs {
                    Ok((a, _)) => {
                        upload_stream(&p.server, &p.url("__up"), a, tls, counter, None).await
                    }
                    Err(e) => Err(e.clone()),
                },
            };
            if let Err(e) = r {
                errors.lock().unwrap_or_else(|e| e.into_inner()).push(e);
            }
        }
    });
    join_all(futs).await;
}

/// What went wrong with a transfer, if anything: streams that broke (how many, the first error),
/// a stall of the whole link (no stream moved for [`STALL`]), or nothing moved at all.
fn transfer_error(
    dir: Direction,
    server: &str,
    streams: u32,
    errs: &[String],
    samples: &[(f64, u64)],
    total: u64,
    seconds: f64,
) -> Option<String> {
    let label = dir.label();
    // The link stalled if no stream moved anything for a while; one stream waiting behind a deep
    // queue while the others move is not a stall.
    let pause = longest_pause(samples);
    let stalled = (pause >= STALL.as_secs_f64())
        .then(|| format!("no data moved on any of the streams for {pause:.1} s"));
    let sent = if dir == Direction::Up {
        "sent"
    } else {
        "received"
    };
    let before = format!("{} {sent} before", human_bytes(total));
    match (errs.first(), stalled) {
        (Some(e), stalled) => Some(format!(
            "{label} from {server} broke on {} of {} streams ({before}): {e}{}",
            errs.len(),
            streams,
            stalled.map(|s| format!("; {s}")).unwrap_or_default()
        )),
        (None, Some(s)) => Some(format!("{label} from {server} stalled ({before}): {s}")),
        (None, None) if total == 0 => Some(format!(
            "{label} from {server} stalled: no data moved in {seconds:.1} s"
        )),
        (None, None) => None,
    }
}

pub(super) fn human_bytes(b: u64) -> String {
    if b >= 1_000_000 {
        format!("{:.1} MB", b as f64 / 1e6)
    } else {
        format!("{b} bytes")
    }
}

/// Latency probes while the line is loaded (a transfer or the soak): the stop signal its sampler
/// gives, seen by the probes and the streams, and the round trips (ms) taken so far.
pub(super) struct LoadedRun {
    /// For a blocking probe (ICMP on its own thread) and the echo loops.
    stop: Arc<std::sync::atomic::AtomicBool>,
    /// For async waits.
    stopped: tokio::sync::watch::Sender<bool>,
    live: Arc<std::sync::Mutex<Vec<f64>>>,
}

impl LoadedRun {
    pub(super) fn new() -> LoadedRun {
        LoadedRun {
            stop: Arc::default(),
            stopped: tokio::sync::watch::Sender::new(false),
            live: Arc::default(),
        }
    }

    pub(super) fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.stopped.send_replace(true);
    }

    /// Resolves once [`LoadedRun::stop`] has been called.
    pub(super) async fn stopped(&self) {
        let _ = self.stopped.subscribe().wait_for(|s| *s).await;
    }

    pub(super) fn samples(&self) -> Vec<f64> {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Probe until stopped: echo packets every 100 ms where an echo answered in the idle phase
    /// (a lost one is no sample), else a 0-byte HTTP request every 250 ms. They start 300 ms in,
    /// once the transfers are going.
    pub(super) async fn probe(&self, probes: &Probes<'_>) {
        tokio::select! {
            _ = sleep(Duration::from_millis(300)) => {}
            _ = self.stopped() => return,
        }
        let plan =
            EchoPlan::until_stopped(ECHO_LOADED_INTERVAL, self.stop.clone(), self.live.clone());
        match probes.by {
            Some(Echo::Udp(target)) => {
                let _ = udp_echo(target, &plan).await;
            }
            Some(Echo::Icmp(ip)) => {
                let _ =
                    tokio::task::spawn_blocking(move || super::super::icmp::echo(ip, &plan)).await;
            }
            None => {
                let mut next = Instant::now();
                loop {
                    let probe = async {
                        sleep_until(next).await;
                        http_probe(probes.client, probes.url, probes.proxy).await
                    };
                    tokio::select! {
                        r = probe => {
                            if let Ok((t, _)) = r {
                                plan.report(t);
                            }
                        }
                        _ = self.stopped() => return,
                    }
                    next += Duration::from_millis(250);
                }
            }
        }
    }
}

pub(super) async fn download_stream(
    c: &reqwest::Client,
    url: &Url,
    counter: &AtomicU64,
    proxy: Option<&str>,
) -> Result<(), String> {
    let mut u = url.clone();
    u.set_query(Some(&format!("bytes={DOWN_REQUEST_BYTES}")));
    loop {
        let mut resp = match timeout(STEP, c.get(u.clone()).send()).await {
            Err(_) => return Err(format!("no answer within {} s", STEP.as_secs())),
            Ok(Err(e)) => return Err(describe(&e, proxy)),
            Ok(Ok(r)) => r,
        };
        if !resp.status().is_success() {
            return Err(format!("the server answered HTTP {}", resp.status()));
        }
        loop {
            match timeout(STREAM_STALL, resp.chunk()).await {
                Err(_) => {
                    return Err(format!(
                        "stalled: no data for {} s in the middle of the response",
                        STREAM_STALL.as_secs_f64()
                    ));
                }
                Ok(Err(e)) => return Err(describe(&e, proxy)),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(b))) => {
                    counter.fetch_add(b.len() as u64, Ordering::Relaxed);
                }
            }
        }
    }
}
