//! The soak: a paced upload at the video bit rate for a while, second by second.

use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) async fn soak(
    ctx: &ProbeContext,
    p: &Params,
    secs: Duration,
    mbps: f64,
    probes: &Probes<'_>,
    addrs: &Result<(Vec<SocketAddr>, f64), String>,
    tls: &Result<Arc<rustls::ClientConfig>, String>,
    idle_median: Option<f64>,
) -> SoakFacts {
    let secs = secs.min(ctx.remaining().saturating_sub(Duration::from_secs(2)));
    let counter = AtomicU64::new(0);
    let start = Instant::now();
    let end = start + secs;
    let run = LoadedRun::new();
    let mut error = None;
    let up = async {
        match addrs {
            Ok((a, _)) => {
                match timeout_at(
                    end,
                    upload_stream(&p.server, &p.url("__up"), a, tls, &counter, Some(mbps)),
                )
                .await
                {
                    Ok(Err(e)) => Some(e),
                    _ => None,
                }
            }
            Err(e) => Some(e.clone()),
        }
    };
    let sampler = async {
        let samples = sample_counter(
            &counter,
            start,
            |t| t + 1e-6 >= secs.as_secs_f64(),
            |samples| {
                if samples.len() % 10 == 1 {
                    ctx.progress(&format!(
                        "soak {:.0}/{:.0} s at {mbps} Mbps",
                        samples[samples.len() - 1].0,
                        secs.as_secs_f64()
                    ));
                }
            },
        )
        .await;
        run.stop();
        samples
    };
    let loaded = run.probe(probes);
    let (e, samples, ()) = tokio::join!(up, sampler, loaded);
    if let Some(e) = e {
        error = Some(format!(
            "the paced upload to {} broke: {e}",
            host_port(&p.server)
        ));
    }
    let series = per_second(&samples, 0.0);
    let stalls = series.iter().filter(|&&r| r < mbps * 0.5).count() as u32;
    let loaded: Vec<f64> = run.samples().into_iter().map(round2).collect();
    let latency = Spread::of(&loaded);
    SoakFacts {
        seconds: secs.as_secs_f64(),
        target_mbps: mbps,
        series,
        stalls,
        latency_increase_ms: match (latency, idle_median) {
            (Some(l), Some(i)) => Some(round2((l.median - i).max(0.0))),
            _ => None,
        },
        latency_ms: latency,
        error,
    }
}
