//! `examready ui`: validate the options (before anything listens), bind a loopback address,
//! print the page's address with its token as the first line on stdout, open the browser, and
//! serve the page until Ctrl-C or until the page has been gone for a while.

use super::*;

/// `--listen`: a socket address on a loopback interface only (a usage error otherwise).
pub(super) fn parse_loopback(s: &str) -> Result<std::net::SocketAddr, String> {
    let addr: std::net::SocketAddr = s
        .parse()
        .map_err(|e| format!("{e} (write e.g. 127.0.0.1:0 or [::1]:8080)"))?;
    if !addr.ip().is_loopback() {
        return Err(format!(
            "{} is not a loopback address: the page is served to this computer only \
             (use 127.0.0.1 or [::1])",
            addr.ip()
        ));
    }
    Ok(addr)
}

pub(super) fn run_ui(args: &UiArgs) -> anyhow::Result<u8> {
    let _signals =
        crate::interrupt::install("examready: interrupted: the page is no longer served");
    let check = CheckArgs {
        select: args.select.clone(),
        quick: args.quick,
        server: args.server.clone(),
        exam_at: args.exam_at.clone(),
        mic: args.mic.clone(),
        camera: args.camera.clone(),
        camera_frames: args.camera_frames.clone(),
        ..CheckArgs::default()
    };
    let plan = plan(&check)?;
    // The profile named on the command line first (preselected), then the other built-ins.
    let mut profiles = vec![plan.profile.clone()];
    for p in profile::show::builtin_profiles()? {
        if p.id != plan.profile.id {
            profiles.push(Arc::new(p));
        }
    }
    let config = crate::ui::Config {
        profiles,
        checks: plan.checks,
        options: plan.options,
        exam_at: args.exam_at.clone(),
        idle: args.stop_after_idle,
    };
    let token = crate::ui::new_token()?;
    crate::runner::quiet_panics();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(args.listen))
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let url = crate::ui::url(listener.local_addr()?, &token);
    print_raw(&format!("{url}\n"))?;
    say!("examready ui: the page is at the address above; Ctrl-C stops it.");
    if !args.no_browser
        && let Err(e) = webbrowser::open(&url)
    {
        warn(&format!(
            "could not open a browser ({e}): open the address above yourself"
        ));
    }
    let served = rt.block_on(crate::ui::serve(listener, token, config));
    // A timed-out probe may still be stuck in a driver: do not wait for it.
    rt.shutdown_background();
    served?;
    say!(
        "examready ui: no page open and no request for {}; stopped.",
        humantime::format_duration(args.stop_after_idle)
    );
    Ok(EXIT_READY)
}
