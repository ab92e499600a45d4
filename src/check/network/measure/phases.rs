//! The phases of a measurement against the server: idle latency and TCP connects, the echo run
//! for loss (and latency where it answers), then the transfers with latency probed under load.

use super::*;

/// What the idle probes reach: the server's kept-alive HTTP client, its 0-byte URL, and the
/// server's addresses for the TCP connects.
pub(super) struct Target<'a> {
    pub(super) client: &'a reqwest::Client,
    pub(super) probe_url: &'a Url,
    pub(super) proxy: Option<&'a str>,
    pub(super) addrs: &'a Result<(Vec<SocketAddr>, f64), String>,
}

/// The idle phase's HTTP round trips and TCP connect times (ms), one of each per probe interval.
pub(super) async fn idle_probes(
    ctx: &ProbeContext,
    p: &Params,
    t: &Target<'_>,
) -> (Vec<f64>, Vec<f64>) {
    let mut http = Vec::new();
    let mut tcp = Vec::new();
    let start = Instant::now();
    // A slow or lossy server must not stretch the idle phase beyond its plan plus one step.
    let until = start + p.probe_interval * p.probes + STEP;
    for i in 0..p.probes {
        sleep_until(start + p.probe_interval * i).await;
        if Instant::now() >= until {
            break;
        }
        if let Ok(Ok((_, _, ms))) = match t.addrs {
            Ok((a, _)) => timeout_at(until, connect_any(a))
                .await
                .map(|r| r.map_err(|_| ())),
            Err(_) => Ok(Err(())),
        } {
            tcp.push(round2(ms));
        }
        if let Ok(Ok((ms, _))) = timeout_at(until, http_probe(t.client, t.probe_url, t.proxy)).await
        {
            http.push(round2(ms));
        }
        ctx.progress(&format!("latency probe {}/{}", i + 1, p.probes));
    }
    (http, tcp)
}

/// The echo run over the idle phase: a UDP echo where the server offers one, else ICMP echo
/// where the OS allows it unprivileged; otherwise the reasons, never a number.
pub(super) async fn echo_run(
    p: &Params,
    addrs: &Result<(Vec<SocketAddr>, f64), String>,
    udp_port: Option<u16>,
) -> Result<(Echo, EchoRun), String> {
    let mut reasons = Vec::new();
    let addrs = match addrs {
        Ok((a, _)) => a.clone(),
        Err(e) => return Err(e.clone()),
    };
    let plan = EchoPlan::spread(p.loss_packets, p.probe_interval * p.probes)
        .more_if_lost(p.loss_packets_more);
    match udp_port {
        Some(port) => {
            let target = SocketAddr::new(addrs[0].ip(), port);
            match udp_echo(target, &plan).await {
                Ok(run) => return Ok((Echo::Udp(target), run)),
                Err(e) => reasons.push(format!("the UDP echo failed: {e}")),
            }
        }
        None => reasons.push(format!(
            "the measurement server {} offers no UDP echo (only `examready serve` does)",
            host_port(&p.server)
        )),
    }
    let ip = addrs[0].ip();
    match tokio::task::spawn_blocking(move || crate::check::network::icmp::echo(ip, &plan)).await {
        Ok(Ok(run)) => return Ok((Echo::Icmp(ip), run)),
        Ok(Err(e)) => reasons.push(format!("ICMP echo: {e}")),
        Err(e) => reasons.push(format!("ICMP echo: {e}")),
    }
    Err(reasons.join("; "))
}

/// Download, then upload, each with latency probes running alongside; the loaded latency over
/// both and its increase over `idle_median`.
pub(super) async fn loaded_phase(
    ctx: &ProbeContext,
    p: &Params,
    probes: &Probes<'_>,
    addrs: &Result<(Vec<SocketAddr>, f64), String>,
    tls: &Result<Arc<rustls::ClientConfig>, String>,
    idle_median: Option<f64>,
    facts: &mut NetworkFacts,
) {
    let mut loaded = Vec::new();
    let mut settled = Vec::new();
    let budget_ok = |ctx: &ProbeContext| ctx.remaining() > p.transfer + Duration::from_millis(1500);
    for dir in [Direction::Down, Direction::Up] {
        let (rate, error, seconds) = match dir {
            Direction::Down => (
                &mut facts.download_mbps,
                &mut facts.download_error,
                &mut facts.download_seconds,
            ),
            Direction::Up => (
                &mut facts.upload_mbps,
                &mut facts.upload_error,
                &mut facts.upload_seconds,
            ),
        };
        if !budget_ok(ctx) {
            *error = Some("not measured: the module ran out of time".into());
            continue;
        }
        let r = transfer(ctx, p, dir, probes, addrs, tls, probes.proxy).await;
        *rate = r.goodput;
        *error = r.error;
        *seconds = Some(round2(r.seconds));
        loaded.extend(r.loaded);
        settled.extend(r.settled);
    }
    facts.loaded_latency_ms = Spread::of(&loaded);
    facts.loaded_latency_settled = (!settled.is_empty()).then(|| settled.iter().all(|s| *s));
    if let (Some(l), Some(i)) = (facts.loaded_latency_ms, idle_median) {
        facts.loaded_latency_increase_ms = Some(round2((l.median - i).max(0.0)));
    }
}
