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

/// How the page ended: stopped (with the exit status), or never served because a double-click
/// needs a browser and none opened (with the reason).
pub(super) enum Served {
    Stopped(u8),
    NoBrowser(String),
}

pub(super) fn run_ui(args: &UiArgs) -> anyhow::Result<u8> {
    match serve_page(args, false)? {
        Served::Stopped(code) => Ok(code),
        // Only a double-click gives up when no browser opens; the command only warns.
        Served::NoBrowser(_) => Ok(EXIT_ERROR),
    }
}

/// Serve the page. From a double-click (`double_click`), a browser that does not open ends it
/// before anything is served (the caller runs the check in the window instead), and the window
/// tells the candidate to keep it open.
pub(super) fn serve_page(args: &UiArgs, double_click: bool) -> anyhow::Result<Served> {
    let _signals =
        crate::interrupt::install("examready: interrupted: the page is no longer served");
    let check = CheckArgs {
        select: args.select.clone(),
        measure: args.measure.clone(),
        exam_at: args.exam_at.clone(),
        ..CheckArgs::default()
    };
    let plan = plan(&check)?;
    let submit = args.send.target()?;
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
        watch_min_every: args.watch_min_every,
        submit,
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
    // A double-click prints the address once the browser has it (else it is of no use).
    if !double_click {
        print_raw(&format!("{url}\n"))?;
        say!("examready ui: the page is at the address above; Ctrl-C stops it.");
    }
    match (!args.no_browser).then(|| webbrowser::open(&url)) {
        Some(Err(e)) if double_click => return Ok(Served::NoBrowser(e.to_string())),
        Some(Err(e)) => warn(&format!(
            "could not open a browser ({e}): open the address above yourself"
        )),
        Some(Ok(())) if double_click => say!(
            "examready: the page is open in your browser ({url}).\n\n\
             Keep this window open while you use the page; close it or press Ctrl-C to stop.\n\
             It stops by itself once the page has been closed for {}.",
            humantime::format_duration(args.stop_after_idle)
        ),
        _ => {}
    }
    let served = rt.block_on(crate::ui::serve(listener, token, config));
    // A timed-out probe may still be stuck in a driver: do not wait for it.
    rt.shutdown_background();
    served?;
    say!(
        "examready ui: no page open and no request for {}; stopped.",
        humantime::format_duration(args.stop_after_idle)
    );
    Ok(Served::Stopped(EXIT_READY))
}
