//! The microphone and speaker modules through a real sound server: each test starts its own
//! private PipeWire (tests/support/sound_server.rs), plays signals made with sox or espeak-ng
//! into the virtual speaker and runs the real `examready` binary, whose microphone records the
//! virtual microphone through cpal and ALSA's pulse plugin.
//!
//! In CI (`CI=true` or `1`) a test fails when the server cannot start; elsewhere it prints SKIPPED.

// A private PipeWire and the Unix process API: Linux (and Unix) only.
#![cfg(unix)]

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::output_within;
use crate::support::sound_server::{self, Options, SoundServer, start_or_skip};

/// The -20 dBFS (RMS) sine's amplitude: 10^(-20/20) * sqrt(2).
const TONE_20_AMPLITUDE: &str = "0.141421";
/// -70 dBFS RMS.
const TONE_70_AMPLITUDE: &str = "0.000447214";
/// Uniform white noise at -30 dBFS RMS: sox's whitenoise is uniform on [-vol, vol], RMS vol/sqrt(3).
const NOISE_30_VOLUME: &str = "0.0547723";

struct Run {
    report: Value,
    code: i32,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn check(&self, id: &str) -> &Value {
        self.report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no {id} check in {}", self.report))
    }
    fn codes(&self, id: &str) -> Vec<(String, String)> {
        self.check(id)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_string(),
                    f["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
    fn has(&self, id: &str, code: &str, status: &str) -> bool {
        self.codes(id).iter().any(|(c, s)| c == code && s == status)
    }
    fn fact(&self, id: &str, key: &str) -> &Value {
        &self.check(id)["facts"][key]
    }
    fn f64(&self, id: &str, key: &str) -> f64 {
        self.fact(id, key)
            .as_f64()
            .unwrap_or_else(|| panic!("{key} is not a number: {}", self.check(id)))
    }
}

/// Run `examready check --json ARGS` in `env`, killing it if it hangs.
fn examready(env: &[(String, String)], args: &[&str]) -> Run {
    let mut cmd = crate::support::examready();
    sound_server::apply_env(&mut cmd, env);
    cmd.arg("check")
        .arg("--json")
        .args(args)
        .stdin(Stdio::null());
    let start = Instant::now();
    let out = output_within(&mut cmd, Duration::from_secs(90));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Run {
        report,
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

fn mic(server: &SoundServer, extra: &[&str]) -> Run {
    let mut args = vec!["--only", "microphone"];
    args.extend(extra);
    let run = examready(server.env(), &args);
    assert!(
        !run.stderr.contains("ALSA lib"),
        "ALSA noise on stderr: {}",
        run.stderr
    );
    run
}

/// A 440 Hz sine of `amplitude` lasting `seconds`, made with sox.
fn sine(server: &SoundServer, name: &str, seconds: f64, amplitude: &str) -> std::path::PathBuf {
    sound_server::sox(
        server.dir.path(),
        name,
        &[
            "synth",
            &seconds.to_string(),
            "sine",
            "440",
            "vol",
            amplitude,
        ],
    )
}

/// A file's peak in dBFS.
fn file_peak_dbfs(file: &Path) -> f64 {
    let (_, _, s) = sound_server::read_wav_i16(file);
    let peak = s.iter().fold(0f32, |m, v| m.max(v.abs())) as f64;
    20.0 * peak.log10()
}

#[test]
fn tone_at_minus_20_dbfs_passes_and_is_measured_within_1_db() {
    let Some(server) = start_or_skip(&Options::default()) else {
        return;
    };
    let tone = sine(&server, "tone.wav", 12.0, TONE_20_AMPLITUDE);
    let _p = server.play(&tone);
    let run = mic(&server, &[]);
    let c = run.check("microphone");
    assert_eq!(c["status"], "pass", "{c:#}");
    assert_eq!(run.code, 0);
    let rms = run.f64("microphone", "rms_dbfs");
    assert!((rms + 20.0).abs() <= 1.0, "measured {rms} dBFS");
    let peak = run.f64("microphone", "peak_dbfs");
    assert!((peak + 17.0).abs() <= 1.0, "peak {peak} dBFS");
    assert!(run.has("microphone", "mic-level", "pass"));
    assert!(run.has("microphone", "mic-noise-ok", "pass"));
    assert_eq!(run.fact("microphone", "device"), "VirtualMic");
    assert_eq!(run.fact("microphone", "mono"), true);
    assert_eq!(run.fact("microphone", "virtual"), false);
    assert_eq!(run.fact("microphone", "clipped_runs"), 0);
    assert_eq!(run.fact("microphone", "sample_rate"), 48000);
    assert_eq!(run.fact("microphone", "channels"), 2);
    let series = run
        .fact("microphone", "level_series_dbfs")
        .as_array()
        .unwrap();
    assert!(series.len() >= 25, "{} windows", series.len());
    // Nearly every 100 ms window reads the tone (a loaded machine may drop a buffer).
    let near = series
        .iter()
        .filter(|v| (v.as_f64().unwrap() + 20.0).abs() <= 1.0)
        .count();
    assert!(near * 10 >= series.len() * 9, "{series:?}");
    let devices = run.fact("microphone", "devices").as_array().unwrap();
    assert_eq!(devices[0]["default"], true, "default first: {devices:?}");
    assert!(
        devices.iter().all(|d| ![
            "alsa:null",
            "alsa:jack",
            "alsa:oss",
            "alsa:lavrate",
            "alsa:speex"
        ]
        .contains(&d["id"].as_str().unwrap())),
        "pseudo-devices listed: {devices:?}"
    );
}

#[test]
fn speech_passes_with_its_peak_measured_within_1_db() {
    let Some(server) = start_or_skip(&Options::default()) else {
        return;
    };
    // One sentence of about 2 s, repeated: every 3 s recording holds a whole sentence.
    let speech = sound_server::speech(server.dir.path(), "I am ready for my exam.", 8);
    let expected_peak = file_peak_dbfs(&speech);
    let _p = server.play(&speech);
    let run = mic(&server, &[]);
    let c = run.check("microphone");
    assert_eq!(c["status"], "pass", "{c:#}");
    let peak = run.f64("microphone", "peak_dbfs");
    assert!(
        (peak - expected_peak).abs() <= 1.0,
        "peak {peak} dBFS, file {expected_peak} dBFS"
    );
    let rms = run.f64("microphone", "rms_dbfs");
    assert!((-40.0..-10.0).contains(&rms), "speech RMS {rms}");
    // The pauses between words set the noise floor, far below the speech.
    assert!(run.f64("microphone", "noise_floor_dbfs") < rms - 20.0);
}

#[test]
fn silence_fails_as_muted_or_broken() {
    let Some(server) = start_or_skip(&Options::default()) else {
        return;
    };
    let run = mic(&server, &["--quick"]);
    let c = run.check("microphone");
    assert_eq!(c["status"], "fail", "{c:#}");
    assert_eq!(run.code, 1);
    assert!(run.has("microphone", "mic-silent", "fail"), "{c:#}");
    let f = &c["findings"][0];
    assert!(
        f["message"].as_str().unwrap().contains("muted or broken"),
        "{f}"
    );
    assert!(f["remedy"].as_str().unwrap().len() > 40);
    assert_eq!(run.f64("microphone", "rms_dbfs"), -150.0);
    // --quick records 1.5 s.
    let secs = run.f64("microphone", "seconds");
    assert!((secs - 1.5).abs() < 0.05, "{secs}");
}

#[test]
fn tone_at_minus_70_dbfs_fails_too_quiet() {
    let Some(server) = start_or_skip(&Options::default()) else {
        return;
    };
    let tone = sine(&server, "quiet.wav", 12.0, TONE_70_AMPLITUDE);
    let _p = server.play(&tone);
    let run = mic(&server, &[]);
    let c = run.check("microphone");
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(run.has("microphone", "mic-quiet", "fail"), "{c:#}");
    assert!(!run.has("microphone", "mic-silent", "fail"));
    let rms = run.f64("microphone", "rms_dbfs");
    assert!((rms + 70.0).abs() <= 1.0, "measured {rms}");
}

#[test]
fn full_scale_square_wave_warns_clipping() {
    let Some(server) = start_or_skip(&Options::default()) else {
        return;
    };
    let square = sound_server::sox(
        server.dir.path(),
        "square.wav",
        &["synth", "12", "square", "440", "vol", "1.0"],
    );
    let _p = server.play(&square);
    let run = mic(&server, &[]);
    let c = run.check("microphone");
    assert!(run.has("microphone", "mic-clipping", "warn"), "{c:#}");
    assert_eq!(c["status"], "warn", "{c:#}");
    // Two full-scale plateaus of ~54 samples per period: 2640 in 3 s, per channel.
    let runs = run.f64("microphone", "clipped_runs");
    assert!(runs > 2000.0, "{runs} clipped runs");
}

#[test]
fn white_noise_at_minus_30_dbfs_warns_noisy_room() {
    let Some(server) = start_or_skip(&Options::default()) else {
        return;
    };
    let noise = sound_server::sox(
        server.dir.path(),
        "noise.wav",
        &["synth", "12", "whitenoise", "vol", NOISE_30_VOLUME],
    );
    let _p = server.play(&noise);
    let run = mic(&server, &[]);
    let c = run.check("microphone");
    assert!(run.has("microphone", "mic-noisy", "warn"), "{c:#}");
    assert_eq!(c["status"], "warn", "{c:#}");
    let floor = run.f64("microphone", "noise_floor_dbfs");
    assert!((floor + 30.0).abs() <= 1.5, "noise floor {floor}");
    let rms = run.f64("microphone", "rms_dbfs");
    assert!((rms + 30.0).abs() <= 1.0, "rms {rms}");
}

#[test]
fn virtual_device_from_the_catalogue_follows_the_profile() {
    let Some(server) = start_or_skip(&Options {
        source_description: "BlackHole 2ch".into(),
        ..Options::default()
    }) else {
        return;
    };
    let tone = sine(&server, "tone.wav", 20.0, TONE_20_AMPLITUDE);
    let _p = server.play(&tone);
    // OnVUE: virtual microphones fail.
    let run = mic(&server, &["--quick"]);
    let c = run.check("microphone");
    assert_eq!(run.fact("microphone", "device"), "BlackHole 2ch");
    assert_eq!(run.fact("microphone", "virtual"), true);
    assert_eq!(run.fact("microphone", "virtual_app"), "BlackHole");
    assert!(run.has("microphone", "mic-virtual", "fail"), "{c:#}");
    assert_eq!(c["status"], "fail");
    // A profile that allows virtual inputs passes the same device.
    let onvue = include_str!("../checks/onvue.toml");
    assert!(onvue.contains("allow_virtual = false"));
    let lenient = server.dir.path().join("lenient.toml");
    std::fs::write(
        &lenient,
        onvue.replace("allow_virtual = false", "allow_virtual = true"),
    )
    .unwrap();
    let run = mic(
        &server,
        &["--quick", "--profile", lenient.to_str().unwrap()],
    );
    let c = run.check("microphone");
    assert!(run.has("microphone", "mic-virtual", "pass"), "{c:#}");
    assert_eq!(c["status"], "pass", "{c:#}");
}

#[test]
fn headset_microphone_fails_under_onvue() {
    let Some(server) = start_or_skip(&Options {
        source_description: "USB Headset Microphone".into(),
        ..Options::default()
    }) else {
        return;
    };
    let tone = sine(&server, "tone.wav", 12.0, TONE_20_AMPLITUDE);
    let _p = server.play(&tone);
    let run = mic(&server, &["--quick"]);
    let c = run.check("microphone");
    assert!(run.has("microphone", "mic-headset", "fail"), "{c:#}");
    assert!(run.has("microphone", "mic-level", "pass"), "{c:#}");
}

#[test]
fn speak_mode_wants_speech_above_the_noise_floor() {
    let Some(server) = start_or_skip(&Options::default()) else {
        return;
    };
    let speech = sound_server::speech(server.dir.path(), "I am ready for my exam.", 8);
    let p = server.play(&speech);
    let run = mic(&server, &["--speak"]);
    let c = run.check("microphone");
    assert!(run.has("microphone", "mic-speech", "pass"), "{c:#}");
    let s = &c["facts"]["speech"];
    assert!(s["above_floor_db"].as_f64().unwrap() >= 15.0, "{s}");
    drop(p);
    // Steady noise: nothing rises above the floor.
    let noise = sound_server::sox(
        server.dir.path(),
        "noise.wav",
        &["synth", "12", "whitenoise", "vol", NOISE_30_VOLUME],
    );
    let _p = server.play(&noise);
    let run = mic(&server, &["--speak"]);
    let c = run.check("microphone");
    assert!(run.has("microphone", "mic-speech-weak", "fail"), "{c:#}");
}

#[test]
fn mic_flag_picks_a_device_or_fails_with_the_list() {
    let Some(server) = start_or_skip(&Options::default()) else {
        return;
    };
    let run = mic(&server, &["--quick", "--mic", "no such microphone"]);
    let c = run.check("microphone");
    assert!(run.has("microphone", "mic-not-found", "fail"), "{c:#}");
    let msg = c["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("PulseAudio Sound Server"), "{msg}");
    let tone = sine(&server, "tone.wav", 12.0, TONE_20_AMPLITUDE);
    let _p = server.play(&tone);
    let run = mic(&server, &["--quick", "--mic", "pulse"]);
    let c = run.check("microphone");
    assert_eq!(run.fact("microphone", "device_id"), "alsa:pulse", "{c:#}");
    assert!(run.has("microphone", "mic-level", "pass"), "{c:#}");
    // The sound server's default source by its description.
    let run = mic(&server, &["--quick", "--mic", "virtualmic"]);
    let c = run.check("microphone");
    assert_eq!(run.fact("microphone", "device"), "VirtualMic", "{c:#}");
    assert!(run.has("microphone", "mic-level", "pass"), "{c:#}");
    // Another source of the server cannot be recorded through ALSA: the finding says how to
    // make it the default.
    let run = mic(&server, &["--quick", "--mic", "Monitor of VirtualSpeaker"]);
    let c = run.check("microphone");
    assert!(run.has("microphone", "mic-not-found", "fail"), "{c:#}");
    let f = &c["findings"][0];
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("\"Monitor of VirtualSpeaker\" (vsink.monitor)"),
        "{f}"
    );
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .contains("pactl set-default-source")
    );
}

#[test]
fn speaker_opens_plays_a_tone_and_flags_headphones() {
    let Some(server) = start_or_skip(&Options {
        sink_description: "Headphones (USB Audio)".into(),
        ..Options::default()
    }) else {
        return;
    };
    let heard = server.dir.path().join("heard.wav");
    let rec = server.record_speaker(&heard);
    let run = examready(server.env(), &["--only", "speaker", "--play-tone"]);
    rec.stop();
    assert!(!run.stderr.contains("ALSA lib"), "{}", run.stderr);
    let c = run.check("speaker");
    assert_eq!(run.fact("speaker", "device"), "Headphones (USB Audio)");
    assert!(run.has("speaker", "speaker-ok", "pass"), "{c:#}");
    assert!(run.has("speaker", "speaker-tone", "pass"), "{c:#}");
    assert!(run.has("speaker", "speaker-headphones", "fail"), "{c:#}");
    assert_eq!(c["status"], "fail");
    // The tone really reached the speaker: peak -12 dBFS.
    let (_, _, samples) = sound_server::read_wav_i16(&heard);
    let peak = samples.iter().fold(0f32, |m, v| m.max(v.abs())) as f64;
    let peak_dbfs = 20.0 * peak.log10();
    assert!(
        (peak_dbfs + 12.0).abs() <= 1.0,
        "the speaker's monitor peaked at {peak_dbfs} dBFS"
    );
}

#[test]
fn no_sound_server_fails_no_microphone_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let env = sound_server::empty_environment(dir.path());
    let run = examready(&env, &["--only", "microphone,speaker"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.report["verdict"], "not-ready");
    assert_eq!(run.report["checks"].as_array().unwrap().len(), 2);
    let c = run.check("microphone");
    assert_eq!(c["status"], "fail", "{c:#}");
    let f = &c["findings"][0];
    assert_eq!(f["code"], "mic-none", "{c:#}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("No microphone found"),
        "{f}"
    );
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .contains("Connect a microphone")
    );
    assert!(run.has("speaker", "speaker-none", "fail"));
    assert!(
        !run.stderr.contains("ALSA lib"),
        "ALSA noise on stderr: {}",
        run.stderr
    );
    assert!(
        run.elapsed < Duration::from_secs(20),
        "took {:?}",
        run.elapsed
    );
}
