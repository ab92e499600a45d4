/*!
Live progress on stderr while modules run: one spinner per module with its latest message
(e.g. "upload 9.4 Mbps"). Drawn only when stderr is a terminal; otherwise it does nothing.
*/

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::runner::{Event, EventSink};

/// Build an event sink that draws spinners, and a handle to clear them at the end.
pub fn spinners(enabled: bool) -> (EventSink, Arc<MultiProgress>) {
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
    (sink, multi)
}
