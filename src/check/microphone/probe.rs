//! The probe: list the inputs, choose one (`--mic NAME` or the first that works), record from it
//! and measure the recording; the Windows consent and macOS permission facts around it.

use super::*;

/// List the inputs, choose one (`--mic NAME` or the first that works), record and measure it.
pub(super) fn probe(req: &MicrophoneRequirements, ctx: &ProbeContext) -> anyhow::Result<MicFacts> {
    let quiet = device::quiet_alsa();
    let mut facts = MicFacts::empty(
        OsFamily::current(),
        device::host_name(),
        req.clip_run_samples(),
    );
    facts.requested = ctx.options.mic.clone();
    facts.speak = ctx.options.speak;
    // Read before recording: examready's own use is not recorded yet.
    facts.consent =
        crate::os::consent::probe(crate::os::consent::Capability::Microphone, ctx.catalogue());
    ctx.progress("listing microphones");
    let listing_deadline = Instant::now() + ctx.remaining().mul_f64(0.3);
    let found = device::list(Direction::Input, listing_deadline);
    facts.devices = found.iter().map(|d| d.info.clone()).collect();
    facts.server = server::query(Side::Sources, Duration::from_secs(2));
    let chosen = match &ctx.options.mic {
        Some(q) => match pick_named(&found, q, facts.server.as_ref()) {
            Some(d) => Some(d),
            None => {
                facts.error = Some(DeviceError {
                    class: ErrorClass::NotFound,
                    message: format!("no input named like \"{q}\""),
                });
                None
            }
        },
        None => device::first_working(&found),
    };
    match chosen {
        None if facts.error.is_none() => {
            // Nothing opens: report the most telling reason (refused, busy, absent).
            facts.error = Some(device::worst_error(
                &found,
                "the system lists no input device",
            ));
            if let Some(d) = found.iter().find(|d| d.info.default).or(found.first())
                && matches!(
                    facts.error.as_ref().map(|e| e.class),
                    Some(ErrorClass::Busy | ErrorClass::Permission)
                )
            {
                facts.device = Some(d.info.name.clone());
                facts.device_id = Some(d.info.id.clone());
            }
        }
        None => {}
        Some(d) => {
            facts.device_id = Some(d.info.id.clone());
            facts.default_device = d.info.default;
            facts.device = Some(d.info.name.clone());
            if let Some(s) = facts.server_source() {
                facts.device = Some(s.description.clone());
            }
            if let Some(e) = &d.info.error {
                facts.error = Some(e.clone());
            } else {
                facts.channels = d.info.channels;
                facts.sample_rate = d.info.sample_rate;
                let seconds = if ctx.options.speak {
                    req.record_seconds(false).max(SPEAK_SECONDS)
                } else {
                    req.record_seconds(ctx.options.quick)
                };
                measure(req, ctx, &mut facts, d, seconds);
            }
        }
    }
    if let Some(app) = virtual_input(&facts, ctx.catalogue()) {
        facts.r#virtual = true;
        facts.virtual_app = Some(app);
    }
    facts.backend_messages = quiet.messages();
    // After recording: the answer to the prompt it may have raised counts.
    facts.macos_permission =
        crate::os::macos_permissions::probe(crate::os::macos_permissions::Device::Microphone);
    Ok(facts)
}

/// Whether `query` names the sound server's default source (name or description, or part).
pub(super) fn server_default_matches(server: Option<&ServerFacts>, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    server.and_then(|s| s.default.as_ref()).is_some_and(|d| {
        !q.is_empty()
            && (d.name.to_lowercase().contains(&q) || d.description.to_lowercase().contains(&q))
    })
}

/// The input `--mic NAME` names: a device by name or id, or else, when `NAME` is the sound
/// server's default source (Linux), ALSA's sound-server device that records it.
pub fn pick_named<'a>(
    found: &'a [device::Found],
    q: &str,
    server: Option<&ServerFacts>,
) -> Option<&'a device::Found> {
    device::pick(found, q).or_else(|| {
        // The sound server's default source is recorded through ALSA's sound-server
        // devices (Linux): `--mic VirtualMic` means those.
        server_default_matches(server, q)
            .then(|| {
                device::first_working(found).filter(|d| {
                    device::alsa_pcm(&d.info.id).is_some_and(device::is_sound_server_pcm)
                })
            })
            .flatten()
    })
}

/// Record from the chosen device and fill in the measured facts.
fn measure(
    req: &MicrophoneRequirements,
    ctx: &ProbeContext,
    facts: &mut MicFacts,
    found: &device::Found,
    seconds: f64,
) {
    let dev_name = facts.device.clone().unwrap_or_default();
    if ctx.options.speak {
        ctx.progress(&format!("say aloud now: \"{SENTENCE}\""));
    }
    let progress = |frac: f64| {
        let done = frac * seconds;
        if ctx.options.speak {
            ctx.progress(&format!(
                "say aloud: \"{SENTENCE}\" · {:.0} s left",
                (seconds - done).max(0.0).ceil()
            ));
        } else {
            ctx.progress(&format!("recording {done:.1}/{seconds} s from {dev_name}"));
        }
    };
    // Not while the speaker plays its test tone.
    let _quiet_room = crate::audio::exclusive();
    let remaining = ctx.remaining().saturating_sub(Duration::from_millis(500));
    let grace = remaining
        .saturating_sub(Duration::from_secs_f64(seconds + SETTLE_SECONDS))
        .min(Duration::from_secs(3));
    match device::record(
        &found.device,
        seconds,
        SETTLE_SECONDS,
        grace,
        &|| ctx.is_cancelled(),
        &progress,
    ) {
        Err(e) => facts.error = Some(e),
        Ok(rec) => {
            let l = levels::analyze(
                &rec.samples,
                rec.channels as usize,
                rec.sample_rate,
                req.clip_run_samples(),
            );
            facts.channels = Some(rec.channels);
            facts.sample_rate = Some(rec.sample_rate);
            facts.sample_format = Some(rec.sample_format);
            facts.first_data_ms = rec.first_data_ms;
            facts.seconds =
                (l.frames as f64 / rec.sample_rate.max(1) as f64 * 100.0).round() / 100.0;
            facts.rms_dbfs = Some(l.rms_dbfs);
            facts.peak_dbfs = Some(l.peak_dbfs);
            facts.clipped_runs = Some(l.clipped_runs);
            facts.noise_floor_dbfs = Some(l.noise_floor_dbfs);
            facts.mono = Some(l.mono);
            facts.per_channel = l.per_channel;
            if ctx.options.speak {
                let speech = levels::loud_level(&l.level_series_dbfs);
                facts.speech = Some(SpeechFacts {
                    sentence: SENTENCE.into(),
                    speech_dbfs: speech,
                    above_floor_db: levels::round1(speech - l.noise_floor_dbfs),
                });
            }
            facts.level_series_dbfs = l.level_series_dbfs;
        }
    }
}
