//! A private, real sound server for tests: PipeWire (with pipewire-pulse and wireplumber) in its
//! own runtime directory, holding a virtual speaker `vsink` and a virtual microphone `vmic`
//! remapped from the speaker's monitor. What is played to the speaker (paplay) is what the
//! microphone hears, in real time; silence when nothing plays. The same recipe as
//! `scripts/audio/start-pipewire.sh`.
//!
//! Each server has its own XDG_RUNTIME_DIR, D-Bus session bus, HOME (with an `.asoundrc` that
//! routes ALSA's `default` device to the server, as a desktop's configuration does) and state
//! directories, so tests run in parallel without meeting each other. Every process started is
//! killed by its pid when the server is dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How the virtual devices are named.
#[derive(Debug, Clone)]
pub struct Options {
    /// `device.description` of the virtual microphone.
    pub source_description: String,
    /// `device.description` of the virtual speaker.
    pub sink_description: String,
    /// Extra `source_properties` (e.g. `device.form_factor=headset`).
    pub source_properties: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            source_description: "VirtualMic".into(),
            sink_description: "VirtualSpeaker".into(),
            source_properties: vec![],
        }
    }
}

pub struct SoundServer {
    pub dir: tempfile::TempDir,
    children: Vec<(String, Child)>,
    env: Vec<(String, String)>,
}

/// Environment variables of the user's own session that must not leak into the private one.
const CLEARED: &[&str] = &[
    "PULSE_SERVER",
    "PULSE_SINK",
    "PULSE_SOURCE",
    "PULSE_RUNTIME_PATH",
    "PIPEWIRE_REMOTE",
    "PIPEWIRE_RUNTIME_DIR",
    "XDG_DATA_HOME",
];

/// An environment with no sound server at all (a private, empty runtime directory).
pub fn empty_environment(dir: &Path) -> Vec<(String, String)> {
    let rt = dir.join("rt");
    let home = dir.join("home");
    std::fs::create_dir_all(&rt).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    set_mode_700(&rt);
    std::fs::write(
        home.join(".asoundrc"),
        "pcm.!default { type pulse }\nctl.!default { type pulse }\n",
    )
    .unwrap();
    vec![
        ("XDG_RUNTIME_DIR".into(), path(&rt)),
        (
            "DBUS_SESSION_BUS_ADDRESS".into(),
            format!("unix:path={}", path(&rt.join("bus"))),
        ),
        ("HOME".into(), path(&home)),
        ("XDG_CONFIG_HOME".into(), path(&home.join(".config"))),
        ("XDG_STATE_HOME".into(), path(&home.join(".local/state"))),
        ("XDG_CACHE_HOME".into(), path(&home.join(".cache"))),
    ]
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn set_mode_700(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700)).unwrap();
}

/// Apply a test environment to a command.
pub fn apply_env(cmd: &mut Command, env: &[(String, String)]) {
    for k in CLEARED {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
}

impl SoundServer {
    /// Start a private PipeWire. Errors say what is missing or what failed.
    pub fn start(opts: &Options) -> Result<SoundServer, String> {
        for p in [
            "dbus-daemon",
            "pipewire",
            "wireplumber",
            "pipewire-pulse",
            "pactl",
            "paplay",
        ] {
            if !super::have(p) {
                return Err(format!(
                    "{p} is not installed (scripts/install-deps.sh test installs it)"
                ));
            }
        }
        let dir = tempfile::Builder::new()
            .prefix("examready-audio-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let env = empty_environment(dir.path());
        let mut server = SoundServer {
            dir,
            children: vec![],
            env,
        };
        let rt = server.dir.path().join("rt");
        let bus = rt.join("bus");
        server.spawn(
            "dbus-daemon",
            &[
                "--session",
                "--nofork",
                "--nopidfile",
                &format!("--address=unix:path={}", path(&bus)),
            ],
        )?;
        server.wait_for(
            |_| bus.exists(),
            "the D-Bus socket",
            Duration::from_secs(10),
        )?;
        server.spawn("pipewire", &[])?;
        let pw_socket = rt.join("pipewire-0");
        server.wait_for(
            |_| pw_socket.exists(),
            "the PipeWire socket",
            Duration::from_secs(10),
        )?;
        server.spawn("wireplumber", &[])?;
        server.spawn("pipewire-pulse", &[])?;
        server.wait_for(
            |s| s.pactl(&["info"]).is_ok(),
            "pipewire-pulse to answer",
            Duration::from_secs(15),
        )?;
        // pipewire-pulse takes a quoted list of properties whose values may be single-quoted.
        let mut source_props = vec![format!("device.description='{}'", opts.source_description)];
        source_props.extend(opts.source_properties.iter().cloned());
        server.pactl(&[
            "load-module",
            "module-null-sink",
            "sink_name=vsink",
            "rate=48000",
            "channels=2",
            &format!(
                "sink_properties=\"device.description='{}'\"",
                opts.sink_description
            ),
        ])?;
        server.pactl(&[
            "load-module",
            "module-remap-source",
            "master=vsink.monitor",
            "source_name=vmic",
            &format!("source_properties=\"{}\"", source_props.join(" ")),
        ])?;
        server.pactl(&["set-default-sink", "vsink"])?;
        server.pactl(&["set-default-source", "vmic"])?;
        // wireplumber applies the defaults asynchronously.
        server.wait_for(
            |s| {
                s.pactl(&["get-default-source"])
                    .is_ok_and(|x| x.trim() == "vmic")
                    && s.pactl(&["get-default-sink"])
                        .is_ok_and(|x| x.trim() == "vsink")
            },
            "the virtual devices to become the defaults",
            Duration::from_secs(10),
        )?;
        Ok(server)
    }

    fn spawn(&mut self, program: &str, args: &[&str]) -> Result<(), String> {
        let log = std::fs::File::create(self.dir.path().join(format!("{program}.log")))
            .map_err(|e| e.to_string())?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        apply_env(&mut cmd, &self.env);
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {program}: {e}"))?;
        self.children.push((program.to_string(), child));
        Ok(())
    }

    fn wait_for(
        &mut self,
        mut ok: impl FnMut(&SoundServer) -> bool,
        what: &str,
        limit: Duration,
    ) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if ok(self) {
                return Ok(());
            }
            for (name, child) in &mut self.children {
                if let Ok(Some(status)) = child.try_wait() {
                    let log = std::fs::read_to_string(self.dir.path().join(format!("{name}.log")))
                        .unwrap_or_default();
                    return Err(format!(
                        "{name} exited ({status}) while waiting for {what}: {}",
                        log.trim()
                    ));
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("timed out after {limit:?} waiting for {what}"))
    }

    /// The environment a client needs to reach this server.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// A command with this server's environment.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        apply_env(&mut cmd, &self.env);
        cmd
    }

    /// Run pactl against this server; its stdout on success.
    pub fn pactl(&self, args: &[&str]) -> Result<String, String> {
        let out: Output = self
            .command("pactl")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "pactl {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// Play a file to the virtual speaker; returns once the server is playing it.
    pub fn play(&self, file: &Path) -> Player {
        let child = self
            .command("paplay")
            .arg("--device=vsink")
            .arg(file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start paplay");
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if self
                .pactl(&["list", "short", "sink-inputs"])
                .is_ok_and(|s| !s.trim().is_empty())
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // The stream is linked; give the first buffers time to arrive at the monitor.
        std::thread::sleep(Duration::from_millis(200));
        Player(child)
    }

    /// Record the virtual speaker's monitor into `file` (WAV) until the recorder is dropped.
    pub fn record_speaker(&self, file: &Path) -> Player {
        let child = self
            .command("parec")
            .args([
                // Small fragments: with the default latency parec may hold seconds of audio.
                "--latency-msec=20",
                "--device=vsink.monitor",
                "--file-format=wav",
                "--format=s16le",
                "--rate=48000",
                // Both channels as played (a mono recording would sum them).
                "--channels=2",
            ])
            .arg(file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start parec");
        std::thread::sleep(Duration::from_millis(300));
        Player(child)
    }
}

impl Drop for SoundServer {
    fn drop(&mut self) {
        for (_, child) in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A running player or recorder, stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Player(Child);

impl Player {
    /// Stop it gracefully (so a recorder finishes its file).
    pub fn stop(mut self) {
        self.terminate();
    }
    fn terminate(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            unsafe {
                libc::kill(self.0.id() as i32, libc::SIGTERM);
            }
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(3) {
                if let Ok(Some(_)) = self.0.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// Start a server, or (see `support::skip_or_fail`): under CI fail with the reason; elsewhere
/// print a loud SKIPPED and return `None`.
pub fn start_or_skip(opts: &Options) -> Option<SoundServer> {
    SoundServer::start(opts)
        .map_err(|e| super::skip_or_fail(&format!("cannot start a sound server: {e}")))
        .ok()
}

/// Make a test signal with sox (no dither, so full scale stays full scale).
pub fn sox(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut cmd = Command::new("sox");
    cmd.args(["-D", "-n", "-r", "48000", "-c", "1", "-b", "16"])
        .arg(&out)
        .args(args);
    let o = cmd.output().expect("sox is not installed");
    assert!(
        o.status.success(),
        "sox {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// Make speech with espeak-ng, resampled to 48 kHz and repeated to `repeat + 1` copies.
pub fn speech(dir: &Path, text: &str, repeat: u32) -> PathBuf {
    let raw = dir.join("speech-raw.wav");
    // espeak-ng opens a PulseAudio client even when it only writes a file, and that client
    // keeps files in HOME: give it a private, server-less environment.
    let mut cmd = Command::new("espeak-ng");
    apply_env(&mut cmd, &empty_environment(&dir.join("espeak-env")));
    let o = cmd
        .args(["-w"])
        .arg(&raw)
        .arg(text)
        .output()
        .expect("espeak-ng is not installed");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.join("speech.wav");
    let o = Command::new("sox")
        .arg("-D")
        .arg(&raw)
        .args(["-r", "48000", "-c", "1", "-b", "16"])
        .arg(&out)
        .args(["repeat", &repeat.to_string()])
        .output()
        .expect("sox is not installed");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// A WAV file's samples (16-bit PCM) as f32, read by hand (no extra crate).
pub fn read_wav_i16(file: &Path) -> (u32, u16, Vec<f32>) {
    let b = std::fs::read(file).unwrap();
    assert_eq!(&b[0..4], b"RIFF");
    let mut i = 12;
    let (mut rate, mut channels) = (0u32, 0u16);
    while i + 8 <= b.len() {
        let id = &b[i..i + 4];
        let mut len = u32::from_le_bytes(b[i + 4..i + 8].try_into().unwrap()) as usize;
        let body = i + 8;
        if id == b"fmt " {
            channels = u16::from_le_bytes(b[body + 2..body + 4].try_into().unwrap());
            rate = u32::from_le_bytes(b[body + 4..body + 8].try_into().unwrap());
        } else if id == b"data" {
            // A recorder stopped early may leave the length unset.
            if len == 0 || len == u32::MAX as usize || body + len > b.len() {
                len = b.len() - body;
            }
            let samples = b[body..body + len]
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]) as f32 / 32768.0)
                .collect();
            return (rate, channels, samples);
        }
        i = body + len + (len & 1);
    }
    panic!("no data chunk in {}", file.display());
}
