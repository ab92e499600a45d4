/*!
Ctrl-C (SIGINT) and SIGTERM during `check` and `judge`: the program always ends, with exit 130
after SIGINT and 143 after SIGTERM (128 + the signal, as shells report it), in every phase: while
the arguments and the profile are read, while the probes run, and while the run is saved and the
report written (to a named pipe whose reader does not read, say).

Once tokio installs a handler for a signal it stays for the life of the process: the default
action (end the program) never comes back, so a blocked write after the probes used to make the
program deaf to both signals. Instead one watcher thread, started by [`install`] before anything
else, owns both signals for the rest of the command. When one arrives it removes the temporary
files being written ([`crate::fsutil::remove_unfinished`]: the files they replace stay as they
were), prints the phase's message ([`Watcher::set_message`]) and exits, whatever the other threads
are doing. Except in a [`Deferred`] phase (the probes), where the caller stops the run itself and
clears its spinners; a second signal then ends the program at once all the same.
*/

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::watch;

/// Exit status after Ctrl-C (SIGINT): 128 + 2.
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit status after SIGTERM: 128 + 15.
pub const EXIT_TERMINATED: u8 = 143;

/// The signal that ends the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT, Ctrl-C.
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl Signal {
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => EXIT_INTERRUPTED,
            Signal::Terminate => EXIT_TERMINATED,
        }
    }
}

struct State {
    /// The caller handles a signal itself (see [`Deferred`]).
    deferred: bool,
    /// The first signal received.
    pending: Option<Signal>,
    /// Printed on stderr when the watcher ends the program.
    message: &'static str,
}

static STATE: Mutex<State> = Mutex::new(State {
    deferred: false,
    pending: None,
    message: "examready: interrupted",
});

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The handle of the watcher thread.
#[derive(Clone)]
pub struct Watcher {
    rx: watch::Receiver<Option<Signal>>,
}

/// Take SIGINT and SIGTERM over for the rest of the process (the thread starts once), with
/// `message` printed if a signal ends the program now.
pub fn install(message: &'static str) -> Watcher {
    static RX: OnceLock<watch::Receiver<Option<Signal>>> = OnceLock::new();
    let w = Watcher {
        rx: RX.get_or_init(start).clone(),
    };
    w.set_message(message);
    w
}

impl Watcher {
    /// What a signal that ends the program from now on prints (a line on stderr).
    pub fn set_message(&self, message: &'static str) {
        state().message = message;
    }

    /// Hand signals to the caller until the returned guard is dropped or
    /// [`handled`](Deferred::handled): they no longer end the program by themselves, and
    /// [`signalled`](Watcher::signalled) resolves.
    pub fn defer(&self) -> Deferred {
        state().deferred = true;
        Deferred(())
    }

    /// Resolves when a signal has arrived (never if none can be watched).
    pub async fn signalled(&self) -> Signal {
        let mut rx = self.rx.clone();
        match rx.wait_for(Option::is_some).await {
            Ok(s) => s.unwrap_or(Signal::Interrupt),
            Err(_) => std::future::pending().await,
        }
    }
}

/// A phase where the caller handles a signal itself. Dropped without
/// [`handled`](Deferred::handled) after a signal came (it arrived just as the phase ended), the
/// program ends as it would have outside the phase.
#[must_use]
pub struct Deferred(());

impl Deferred {
    /// The caller has dealt with the signal and is ending the run.
    pub fn handled(self) {
        state().deferred = false;
        std::mem::forget(self);
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        let mut s = state();
        s.deferred = false;
        if let Some(signal) = s.pending {
            exit_now(signal, s.message);
        }
    }
}

/// Remove the unfinished temporary files, say why, and end the program.
fn exit_now(signal: Signal, message: &str) -> ! {
    crate::fsutil::remove_unfinished();
    // stderr may be a pipe nobody reads, or held by a blocked writer: the message gets a moment,
    // no more.
    let text = format!("{message}\n");
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::Write;
        let _ = std::io::stderr().write_all(text.as_bytes());
        let _ = done.send(());
    });
    let _ = wait.recv_timeout(Duration::from_secs(1));
    std::process::exit(signal.exit_code().into())
}

/// A signal arrived: the caller's in a deferred phase (the first one only), else the end.
fn on_signal(signal: Signal, tx: &watch::Sender<Option<Signal>>) {
    let mut s = state();
    let first = s.pending.is_none();
    s.pending.get_or_insert(signal);
    let _ = tx.send(Some(signal));
    if !(s.deferred && first) {
        exit_now(signal, s.message);
    }
}

/// Install the handlers (before returning, so no signal slips through) and start the thread.
fn start() -> watch::Receiver<Option<Signal>> {
    let (tx, rx) = watch::channel(None);
    if let Err(e) = spawn_watcher(tx) {
        tracing::warn!("signals keep their default action: {e}");
    }
    rx
}

#[cfg(unix)]
fn spawn_watcher(tx: watch::Sender<Option<Signal>>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut int, mut term) = {
        let _inside = rt.enter();
        (
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        )
    };
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            loop {
                let got = rt.block_on(async {
                    tokio::select! {
                        _ = int.recv() => Signal::Interrupt,
                        _ = term.recv() => Signal::Terminate,
                    }
                });
                on_signal(got, &tx);
            }
        })?;
    Ok(())
}

#[cfg(windows)]
fn spawn_watcher(tx: watch::Sender<Option<Signal>>) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut ctrl_c = {
        let _inside = rt.enter();
        tokio::signal::windows::ctrl_c()?
    };
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            loop {
                rt.block_on(ctrl_c.recv());
                on_signal(Signal::Interrupt, &tx);
            }
        })?;
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn spawn_watcher(tx: watch::Sender<Option<Signal>>) -> std::io::Result<()> {
    // Nothing to watch: the default actions stay, and `signalled` never resolves.
    std::mem::forget(tx);
    Ok(())
}
