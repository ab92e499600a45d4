//! Goodput: parallel download and upload streams, the byte counter sampled every 100 ms, per-second
//! figures after the warm-up, and latency under load.

use super::*;

pub(super) struct TransferResult {
    pub(super) goodput: Option<Goodput>,
    pub(super) error: Option<String>,
    pub(super) loaded: Vec<f64>,
}

/// Read the byte counter every 100 ms from `start` until `end`: `(seconds, bytes)` samples,
/// starting with `(0, 0)`. `report` sees the samples so far after each reading (live progress).
pub(super) async fn sample_counter(
    counter: &AtomicU64,
    start: Instant,
    end: Instant,
    mut report: impl FnMut(&[(f64, u64)]),
) -> Vec<(f64, u64)> {
    let mut samples = vec![(0.0, 0u64)];
    let mut tick = start;
    loop {
        tick += Duration::from_millis(100);
        if tick > end {
            break;
        }
        sleep_until(tick).await;
        samples.push((
            (tick - start).as_secs_f64(),
            counter.load(Ordering::Relaxed),
        ));
        report(&samples);
    }
    samples
}

/// Goodput per second from cumulative `(seconds, bytes)` samples, from `warmup` to the last
/// sample. A window shorter than a second (quick runs) gives one figure if it is at least 0.5 s.
pub fn per_second(samples: &[(f64, u64)], warmup: f64) -> Vec<f64> {
    let Some(&(end, _)) = samples.last() else {
        return vec![];
    };
    let at = |t: f64| -> f64 {
        let i = samples.partition_point(|s| s.0 < t);
        if i == 0 {
            return samples[0].1 as f64;
        }
        if i >= samples.len() {
            return samples[samples.len() - 1].1 as f64;
        }
        let (t0, b0) = samples[i - 1];
        let (t1, b1) = samples[i];
        if t1 <= t0 {
            return b1 as f64;
        }
        b0 as f64 + (b1 as f64 - b0 as f64) * (t - t0) / (t1 - t0)
    };
    let mut out = Vec::new();
    let mut t = warmup;
    while t + 1.0 <= end + 1e-6 {
        out.push(round2((at(t + 1.0) - at(t)) * 8.0 / 1e6));
        t += 1.0;
    }
    if out.is_empty() && end - warmup >= 0.5 {
        out.push(round2((at(end) - at(warmup)) * 8.0 / 1e6 / (end - warmup)));
    }
    out
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn transfer(
    ctx: &ProbeContext,
    p: &Params,
    dir: Direction,
    probe_client: &reqwest::Client,
    probe_url: &Url,
    addrs: &Result<(Vec<SocketAddr>, f64), String>,
    tls: &Result<Arc<rustls::ClientConfig>, String>,
    proxy: Option<&str>,
) -> TransferResult {
    let label = if dir == Direction::Down {
        "download"
    } else {
        "upload"
    };
    let counter = AtomicU64::new(0);
    let start = Instant::now();
    let end = start + p.transfer;
    let errors = std::sync::Mutex::new(Vec::<(u32, String)>::new());
    let lasts: Vec<LastData> = (0..p.streams).map(|_| LastData::new(start)).collect();
    let lasts = &lasts;
    let streams = async {
        let futs = (0..p.streams).map(|i| {
            let counter = &counter;
            let errors = &errors;
            async move {
                // Streams start 50 ms apart, as browsers' speed tests do.
                sleep(Duration::from_millis(50) * i).await;
                let r = match dir {
                    Direction::Down => match client() {
                        Ok(c) => {
                            download_stream(
                                &c,
                                &p.url("__down"),
                                counter,
                                &lasts[i as usize],
                                proxy,
                            )
                            .await
                        }
                        Err(e) => Err(e),
                    },
                    Direction::Up => match addrs {
                        Ok((a, _)) => {
                            upload_stream(
                                &p.server,
                                &p.url("__up"),
                                a,
                                tls,
                                counter,
                                &lasts[i as usize],
                                None,
                            )
                            .await
                        }
                        Err(e) => Err(e.clone()),
                    },
                };
                if let Err(e) = r {
                    errors
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, e));
                }
            }
        });
        let _ = timeout_at(end, join_all(futs)).await;
    };
    let sampler = sample_counter(&counter, start, end, |samples| {
        if samples.len() % 5 == 0 && samples.len() > 10 {
            let (t, b) = samples[samples.len() - 1];
            let (t0, b0) = samples[samples.len() - 11];
            let rate = (b - b0) as f64 * 8.0 / 1e6 / (t - t0);
            ctx.progress(&format!("{label} {rate:.1} Mbps"));
        }
    });
    let loaded = loaded_probes(probe_client, probe_url, end, proxy);
    let ((), samples, loaded) = tokio::join!(streams, sampler, loaded);
    let series = per_second(&samples, p.warmup());
    let mut errs = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    // A stream still open at the end that got nothing for a while has stalled too.
    for (i, last) in lasts.iter().enumerate() {
        let quiet = end.saturating_duration_since(last.get());
        if quiet >= STALL && !errs.iter().any(|(j, _)| *j == i as u32) {
            errs.push((
                i as u32,
                format!(
                    "stalled: no data moved in the last {:.1} s of the test",
                    quiet.as_secs_f64()
                ),
            ));
        }
    }
    let errs: Vec<String> = errs.into_iter().map(|(_, e)| e).collect();
    let total = counter.load(Ordering::Relaxed);
    let error = errs.first().map(|e| {
        format!(
            "{label} from {} broke on {} of {} streams ({} received before): {e}",
            host_port(&p.server),
            errs.len(),
            p.streams,
            human_bytes(total)
        )
        .replace(
            " received before",
            if dir == Direction::Up {
                " sent before"
            } else {
                " received before"
            },
        )
    });
    TransferResult {
        goodput: if total > 0 { Goodput::of(series) } else { None },
        error,
        loaded,
    }
}

pub(super) fn human_bytes(b: u64) -> String {
    if b >= 1_000_000 {
        format!("{:.1} MB", b as f64 / 1e6)
    } else {
        format!("{b} bytes")
    }
}

pub(super) async fn loaded_probes(
    c: &reqwest::Client,
    url: &Url,
    end: Instant,
    proxy: Option<&str>,
) -> Vec<f64> {
    let mut out = Vec::new();
    // Let the transfers get going before the first probe.
    let mut next = Instant::now() + Duration::from_millis(300);
    while next < end {
        sleep_until(next).await;
        if let Ok(Ok((t, _))) = timeout_at(end, http_probe(c, url, proxy)).await {
            out.push(round2(t));
        }
        next += Duration::from_millis(250);
    }
    out
}

pub(super) async fn download_stream(
    c: &reqwest::Client,
    url: &Url,
    counter: &AtomicU64,
    last: &LastData,
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
            match timeout(STALL, resp.chunk()).await {
                Err(_) => {
                    return Err(format!(
                        "stalled: no data for {} s in the middle of the response",
                        STALL.as_secs_f64()
                    ));
                }
                Ok(Err(e)) => return Err(describe(&e, proxy)),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(b))) => {
                    counter.fetch_add(b.len() as u64, Ordering::Relaxed);
                    last.touch();
                }
            }
        }
    }
}

/// When a stream last moved data (ms after the transfer's start).
pub(super) struct LastData {
    pub(super) start: Instant,
    pub(super) ms: AtomicU64,
}

impl LastData {
    pub(super) fn new(start: Instant) -> LastData {
        LastData {
            start,
            ms: AtomicU64::new(0),
        }
    }
    pub(super) fn touch(&self) {
        self.ms
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    pub(super) fn get(&self) -> Instant {
        self.start + Duration::from_millis(self.ms.load(Ordering::Relaxed))
    }
}
