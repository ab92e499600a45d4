/*!
Live progress on stderr while modules run: one spinner per module with its latest message
(e.g. "upload 9.4 Mbps"). Drawn only when stderr is a terminal; otherwise it does nothing.
*/

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::runner::{Event, EventSink};

/// The spinners being drawn, to clear at the end (or when the run is interrupted).
pub struct Spinners {
    multi: Arc<MultiProgress>,
    bars: Arc<Mutex<HashMap<&'static str, ProgressBar>>>,
}

impl Spinners {
    /// After Ctrl-C. A terminal that echoes control characters printed `^C` at the cursor, which
    /// sat at the end of the last spinner line; the line is full (`wide_msg`), so `^C` went to a
    /// row of its own. Erase that row and go back up, then erase the spinners.
    /// `ctrl_c`: SIGINT (typed, so echoed) rather than SIGTERM.
    pub fn clear_interrupted(&self, ctrl_c: bool) {
        if ctrl_c && !self.multi.is_hidden() && echoes_control_chars() {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(b"\r\x1b[2K\x1b[1A");
            let _ = err.flush();
        }
        self.clear();
    }

    /// Stop every spinner still turning (an interrupted run leaves some) and erase them all.
    pub fn clear(&self) {
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        for (_, pb) in bars.drain() {
            pb.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}

/// Whether the terminal on stdin echoes typed control characters as `^C` (termios ECHOCTL).
#[cfg(unix)]
fn echoes_control_chars() -> bool {
    // SAFETY: tcgetattr only fills the zeroed struct it is given.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        libc::tcgetattr(libc::STDIN_FILENO, &mut t) == 0
            && t.c_lflag & libc::ECHO != 0
            && t.c_lflag & libc::ECHOCTL != 0
    }
}

#[cfg(not(unix))]
fn echoes_control_chars() -> bool {
    false
}

/// Build an event sink that draws spinners, and a handle to clear them at the end.
pub fn spinners(enabled: bool) -> (EventSink, Spinners) {
    let target = if enabled {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let multi = Arc::new(MultiProgress::with_draw_target(target));
    let bars: Arc<Mutex<HashMap<&'static str, ProgressBar>>> = Arc::default();
    let style = ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let m = multi.clone();
    let handle = Spinners {
        multi: multi.clone(),
        bars: bars.clone(),
    };
    let sink: EventSink = Arc::new(move |ev| {
        let mut bars = bars.lock().unwrap_or_else(|p| p.into_inner());
        match ev {
            Event::Started { id, title } => {
                let pb = m.add(ProgressBar::new_spinner());
                pb.set_style(style.clone());
                pb.set_prefix(title.to_string());
                pb.enable_steady_tick(Duration::from_millis(100));
                bars.insert(id, pb);
            }
            Event::Progress { id, message } => {
                if let Some(pb) = bars.get(id) {
                    pb.set_message(message);
                }
            }
            Event::Finished { result } => {
                if let Some(pb) = bars.remove(result.id.as_str()) {
                    pb.finish_and_clear();
                }
            }
        }
    });
    (sink, handle)
}
