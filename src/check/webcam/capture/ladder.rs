//! The resolution ladder: one frame at each resolution, only when the camera works at all.

use std::time::{Duration, Instant};

use super::{Env, Plan};
use crate::check::webcam::RungFacts;
use crate::check::webcam::source::FrameSource;
use crate::units::Resolution;

/// Try camera `index` at `rung` (unless it delivered no frame or no time is left).
pub(super) fn rung(
    source: &mut dyn FrameSource,
    index: u32,
    rung: Resolution,
    plan: &Plan,
    capture_ok: bool,
    env: &Env<'_>,
) -> RungFacts {
    let mut r = RungFacts {
        resolution: rung,
        ok: false,
        format: None,
        delivered: None,
        error: None,
    };
    if !capture_ok {
        r.error = Some("not tried: the camera delivered no frame".into());
    } else if (env.cancelled)()
        || Instant::now() + plan.first_frame_timeout.min(Duration::from_secs(4)) >= plan.deadline
    {
        r.error = Some("not tried: no time left before the deadline".into());
    } else {
        (env.progress)(&format!("trying {rung}"));
        match source.open(index, rung) {
            Err(e) => r.error = Some(e),
            Ok(format) => {
                r.format = Some(format.to_string());
                one_frame(source, plan, &mut r);
                source.close();
            }
        }
    }
    r
}

/// Take one frame from the opened camera: does it have the rung's size?
fn one_frame(source: &mut dyn FrameSource, plan: &Plan, r: &mut RungFacts) {
    match source.frame(plan.first_frame_timeout) {
        Ok(f) => {
            let got = Resolution {
                width: f.width(),
                height: f.height(),
            };
            r.delivered = Some(got);
            r.ok = got.width >= r.resolution.width && got.height >= r.resolution.height;
            if !r.ok {
                r.error = Some(format!("delivered {got} instead"));
            }
        }
        Err(e) => r.error = Some(format!("no frame: {e}")),
    }
}
