//! Monitors counted for real: Xorg with the dummy video driver gives real RandR outputs on a
//! headless machine (Xvfb always shows one monitor, so it cannot test the two-monitor rule).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

struct Xorg {
    child: Child,
    display: String,
    _dir: tempfile::TempDir,
}

impl Xorg {
    fn start() -> Option<Xorg> {
        if !require(
            have("Xorg") && have("xrandr"),
            "Xorg and xrandr are not installed (scripts/install-deps.sh test)",
        ) {
            return None;
        }
        let conf = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/xorg-dummy.conf"
        );
        let dir = tempfile::tempdir().unwrap();
        // A display number no other server uses.
        let n = (0..50)
            .map(|i| 150 + (std::process::id() as usize + i) % 300)
            .find(|n| {
                !std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !std::path::Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .unwrap();
        let display = format!(":{n}");
        let child = Command::new("Xorg")
            .args([
                &display,
                "-config",
                conf,
                "-noreset",
                "-nolisten",
                "tcp",
                "-novtswitch",
                "-sharevts",
                "vt7",
                "-logfile",
            ])
            .arg(dir.path().join("Xorg.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let x = Xorg {
            child,
            display,
            _dir: dir,
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if x.xrandr(&["--listmonitors"]).is_some() {
                return Some(x);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        require(
            false,
            "Xorg with the dummy driver did not start within 15 s",
        );
        None
    }

    fn xrandr(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("xrandr")
            .env("DISPLAY", &self.display)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn system_report(&self) -> serde_json::Value {
        let out = examready()
            .env("DISPLAY", &self.display)
            .args(["--only", "system", "--json"])
            .output()
            .unwrap();
        json_of(&out)
    }
}

impl Drop for Xorg {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn one_monitor_passes_two_fail_and_low_resolution_fails() {
    let Some(x) = Xorg::start() else { return };

    let r = x.system_report();
    let s = check(&r, "system");
    let monitors = s["facts"]["displays"]["monitors"].as_array().unwrap();
    assert_eq!(monitors.len(), 1, "{s}");
    assert_eq!(s["facts"]["displays"]["source"], "x11-randr");
    assert_eq!(findings(s, "display-ok")[0]["status"], "pass");
    assert!(findings(s, "display-count").is_empty());

    x.xrandr(&["--addmode", "DUMMY1", "1280x1024"])
        .expect("addmode");
    x.xrandr(&[
        "--output",
        "DUMMY1",
        "--mode",
        "1280x1024",
        "--right-of",
        "DUMMY0",
    ])
    .expect("second output");
    let r = x.system_report();
    let s = check(&r, "system");
    assert_eq!(
        s["facts"]["displays"]["monitors"].as_array().unwrap().len(),
        2,
        "{s}"
    );
    let count = findings(s, "display-count");
    assert_eq!(count.len(), 1, "{s}");
    assert_eq!(count[0]["status"], "fail");
    assert!(
        count[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("2 monitors are connected")
    );
    assert!(count[0]["remedy"].as_str().unwrap().contains("Disconnect"));

    x.xrandr(&["--output", "DUMMY1", "--off"])
        .expect("second output off");
    x.xrandr(&["--addmode", "DUMMY0", "800x600"]).ok_or(()).ok();
    x.xrandr(&["--output", "DUMMY0", "--mode", "800x600"])
        .expect("800x600 mode");
    let r = x.system_report();
    let s = check(&r, "system");
    let low = findings(s, "display-resolution-low");
    assert_eq!(low.len(), 1, "{s}");
    assert_eq!(low[0]["status"], "fail");
    assert!(low[0]["message"].as_str().unwrap().contains("800x600"));
}
