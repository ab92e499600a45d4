/*!
Double-clicked on Windows: a candidate who double-clicks examready.exe gets a console window that
Windows closes the moment the program ends, taking the verdict with it. When examready is the
only process attached to its console (`GetConsoleProcessList` returns 1: nobody started it from
a terminal) and was given no arguments, it runs the check, saves the HTML report into the
Downloads folder (else Documents, else the current folder), says where, and waits for Enter
before the window closes.
*/

use std::path::PathBuf;

/// Whether this process was started by a double-click: Windows, no arguments, and alone on its
/// console.
pub fn started_by_double_click() -> bool {
    std::env::args_os().len() == 1 && owns_console_alone()
}

/// Whether this process is the only one attached to its console.
#[cfg(windows)]
pub fn owns_console_alone() -> bool {
    let mut pids = [0u32; 4];
    // SAFETY: the buffer holds 4 process ids, as passed.
    let n =
        unsafe { windows_sys::Win32::System::Console::GetConsoleProcessList(pids.as_mut_ptr(), 4) };
    n == 1
}

#[cfg(not(windows))]
pub fn owns_console_alone() -> bool {
    false
}

/// Where the report goes: Downloads, else Documents (the known folders, wherever the user moved
/// them), else the current folder.
pub fn report_folder() -> PathBuf {
    known_folders()
        .into_iter()
        .find(|p| p.is_dir())
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(windows)]
fn known_folders() -> Vec<PathBuf> {
    use windows_sys::Win32::System::Com::CoTaskMemFree;
    use windows_sys::Win32::UI::Shell::{
        FOLDERID_Documents, FOLDERID_Downloads, SHGetKnownFolderPath,
    };
    let mut out = Vec::new();
    for id in [&FOLDERID_Downloads, &FOLDERID_Documents] {
        let mut p: windows_sys::core::PWSTR = std::ptr::null_mut();
        // SAFETY: a known-folder GUID and an out-pointer freed with CoTaskMemFree.
        let hr = unsafe { SHGetKnownFolderPath(id, 0, std::ptr::null_mut(), &mut p) };
        if hr == 0 && !p.is_null() {
            // SAFETY: a NUL-terminated UTF-16 string from the shell.
            let s = unsafe {
                let len = (0..).take_while(|&i| *p.add(i) != 0).count();
                String::from_utf16_lossy(std::slice::from_raw_parts(p, len))
            };
            out.push(PathBuf::from(s));
        }
        // SAFETY: p came from SHGetKnownFolderPath (null is allowed).
        unsafe { CoTaskMemFree(p.cast()) };
    }
    out
}

#[cfg(not(windows))]
fn known_folders() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    home.map(|h| vec![h.join("Downloads"), h.join("Documents")])
        .unwrap_or_default()
}

/// The report's file name for a run at `time`: `examready-report-2026-12-01-0930.html`.
pub fn report_name(time: jiff::Timestamp) -> String {
    let local = time.to_zoned_datetime(jiff::tz::TimeZone::system());
    format!(
        "examready-report-{}.html",
        local.strftime("%Y-%m-%d-%H%M%S")
    )
}

/// The arguments a double-click runs: the default check, with the HTML report saved.
pub fn check_args(report: &std::path::Path) -> Vec<std::ffi::OsString> {
    vec![
        "examready".into(),
        "check".into(),
        "--output".into(),
        report.as_os_str().to_owned(),
    ]
}

/// Wait for Enter (or the end of input) so the window stays open to be read.
pub fn wait_for_enter() {
    use std::io::Write;
    print!("\nPress Enter to close this window.");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_double_click_runs_the_check_with_a_report_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let name = report_name("2026-12-01T09:30:00Z".parse().unwrap());
        assert!(name.starts_with("examready-report-2026-1"), "{name}");
        assert!(name.ends_with(".html"));
        let args = check_args(&dir.path().join(&name));
        assert_eq!(args[1], "check");
        assert_eq!(args[2], "--output");
        // The arguments parse as a real command line.
        let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(&args).unwrap();
        assert!(matches!(cli.command, Some(crate::cli::Command::Check(_))));
    }

    #[test]
    fn not_a_double_click_here() {
        // The test harness runs with arguments and, off Windows, never owns a console.
        assert!(!started_by_double_click());
    }
}
