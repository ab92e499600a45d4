/*!
[`Threaded`]: runs any [`FrameSource`] on its own worker thread and bounds every call with a
timeout. Camera drivers can block for ever (a device that never delivers a frame); a call that
times out leaves the worker behind (it may be stuck in the driver) and the wrapper answers every
later call with an error at once, so the probe always finishes in time.
*/

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use image::RgbImage;

use super::source::{Format, FrameSource, Listed};
use crate::units::Resolution;

enum Cmd {
    List,
    Formats(u32),
    Open(u32, Resolution),
    Frame(Duration),
    Close,
}

enum Reply {
    List(Result<Vec<Listed>, String>),
    Formats(Result<Vec<Format>, String>),
    Open(Result<Format, String>),
    Frame(Result<RgbImage, String>),
    Closed,
}

/// Extra wait beyond a frame timeout, so a source that honours its timeout answers first.
const FRAME_MARGIN: Duration = Duration::from_millis(250);

pub struct Threaded {
    tx: Sender<Cmd>,
    rx: Receiver<Reply>,
    backend: String,
    /// How long listing, reading formats, opening and closing may take.
    call_timeout: Duration,
    /// Set once a call timed out: the worker is stuck.
    hung: Option<String>,
}

impl Threaded {
    /// Start a worker thread that builds its source with `make` (so the source itself need not
    /// be `Send`: nokhwa's camera is not).
    pub fn spawn<F>(backend: &str, call_timeout: Duration, make: F) -> Threaded
    where
        F: FnOnce() -> Box<dyn FrameSource> + Send + 'static,
    {
        let (tx, cmd_rx) = channel::<Cmd>();
        let (reply_tx, rx) = channel::<Reply>();
        std::thread::Builder::new()
            .name("webcam".into())
            .spawn(move || worker(make(), cmd_rx, reply_tx))
            .expect("cannot start the webcam thread");
        Threaded {
            tx,
            rx,
            backend: backend.to_string(),
            call_timeout,
            hung: None,
        }
    }

    fn call(&mut self, cmd: Cmd, what: &str, timeout: Duration) -> Result<Reply, String> {
        if let Some(h) = &self.hung {
            return Err(format!("the camera stopped answering earlier ({h})"));
        }
        self.tx
            .send(cmd)
            .map_err(|_| "the camera thread has stopped".to_string())?;
        match self.rx.recv_timeout(timeout) {
            Ok(r) => Ok(r),
            Err(RecvTimeoutError::Timeout) => {
                let msg = format!("{what}: no answer within {:.1} s", timeout.as_secs_f64());
                self.hung = Some(msg.clone());
                Err(msg)
            }
            Err(RecvTimeoutError::Disconnected) => Err("the camera thread has stopped".into()),
        }
    }
}

fn worker(mut src: Box<dyn FrameSource>, rx: Receiver<Cmd>, tx: Sender<Reply>) {
    while let Ok(cmd) = rx.recv() {
        let reply = match cmd {
            Cmd::List => Reply::List(src.list()),
            Cmd::Formats(i) => Reply::Formats(src.formats(i)),
            Cmd::Open(i, r) => Reply::Open(src.open(i, r)),
            Cmd::Frame(t) => Reply::Frame(src.frame(t)),
            Cmd::Close => {
                src.close();
                Reply::Closed
            }
        };
        if tx.send(reply).is_err() {
            break;
        }
    }
}

const UNEXPECTED: &str = "the camera thread gave an unexpected answer";

impl FrameSource for Threaded {
    fn backend(&self) -> String {
        self.backend.clone()
    }

    fn list(&mut self) -> Result<Vec<Listed>, String> {
        match self.call(Cmd::List, "listing cameras", self.call_timeout)? {
            Reply::List(r) => r,
            _ => Err(UNEXPECTED.into()),
        }
    }

    fn formats(&mut self, index: u32) -> Result<Vec<Format>, String> {
        match self.call(Cmd::Formats(index), "reading formats", self.call_timeout)? {
            Reply::Formats(r) => r,
            _ => Err(UNEXPECTED.into()),
        }
    }

    fn open(&mut self, index: u32, want: Resolution) -> Result<Format, String> {
        match self.call(
            Cmd::Open(index, want),
            "opening the camera",
            self.call_timeout,
        )? {
            Reply::Open(r) => r,
            _ => Err(UNEXPECTED.into()),
        }
    }

    fn frame(&mut self, timeout: Duration) -> Result<RgbImage, String> {
        match self.call(
            Cmd::Frame(timeout),
            "waiting for a frame",
            timeout + FRAME_MARGIN,
        )? {
            Reply::Frame(r) => r,
            _ => Err(UNEXPECTED.into()),
        }
    }

    fn close(&mut self) {
        let t = self.call_timeout.min(Duration::from_secs(3));
        let _ = self.call(Cmd::Close, "closing the camera", t);
    }
}
