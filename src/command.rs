/*!
Running a small system tool (`pactl`, `gsettings`, `netsh`, `scutil`, `reg` ...) from a probe:
with a time limit, stdin closed, stderr dropped, and stdout read on its own thread so a large
output cannot fill the pipe and stall the tool.
*/

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Run `program args` for at most `limit`; its stdout when it exited successfully, `None` when
/// it is missing, fails or runs too long (it is then killed).
pub fn output_within(program: &str, args: &[&str], limit: Duration) -> Option<String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    // Bytes, decoded leniently: Windows tools write in the console's code page, and
    // `read_to_string` would drop the whole output at the first byte that is not UTF-8.
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let text = reader.join().ok()?;
                return status.success().then_some(text);
            }
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn output_success_failure_missing_and_timeout() {
        let limit = Duration::from_secs(5);
        assert_eq!(
            output_within("echo", &["hi"], limit).as_deref(),
            Some("hi\n")
        );
        assert_eq!(output_within("false", &[], limit), None);
        assert_eq!(output_within("/nonexistent/tool", &[], limit), None);
        let start = Instant::now();
        assert_eq!(
            output_within("sleep", &["30"], Duration::from_millis(200)),
            None
        );
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_large_output_does_not_stall_the_tool() {
        // 1 MB through the pipe: more than a pipe buffer holds.
        let out = output_within(
            "head",
            &["-c", "1000000", "/dev/zero"],
            Duration::from_secs(10),
        );
        assert_eq!(out.map(|s| s.len()), Some(1_000_000));
    }
}
