/*!
Started without a terminal: a candidate who double-clicks examready.exe on Windows gets a console
window that Windows closes the moment the program ends; on macOS, examready started from Finder
inside an app bundle has no terminal at all. Such a start opens the candidate's page (`examready
ui` on a free loopback port, in the default browser) instead of printing a report nobody can
read; if no browser opens, examready runs the check in the window, saves the HTML report into
the Downloads folder (else Documents, else the current folder), says where, and waits for Enter
before the window closes.

Whether examready was started that way is decided by [`without_terminal`], a pure function of
what [`Launch::current`] records: the arguments, whether stdin and stdout are terminals, how many
processes share the console (Windows, `GetConsoleProcessList`), whether the parent is launchd
(macOS), and the platform.
*/

use std::path::PathBuf;

/// The platforms whose start-up differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Windows,
    MacOs,
    Other,
}

/// How this process was started, as recorded when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Launch {
    pub platform: Platform,
    /// Command-line arguments after the program's name.
    pub args: usize,
    pub stdin_terminal: bool,
    pub stdout_terminal: bool,
    /// Processes attached to this console (Windows; `None` elsewhere or when unknown).
    pub console_processes: Option<u32>,
    /// The parent is process 1 (launchd on macOS: Finder, the Dock or `open` started it).
    pub parent_is_init: bool,
}

impl Launch {
    /// This process's start.
    pub fn current() -> Launch {
        use std::io::IsTerminal;
        let platform = if cfg!(windows) {
            Platform::Windows
        } else if cfg!(target_os = "macos") {
            Platform::MacOs
        } else {
            Platform::Other
        };
        #[cfg(unix)]
        let parent_is_init = std::os::unix::process::parent_id() == 1;
        #[cfg(not(unix))]
        let parent_is_init = false;
        Launch {
            platform,
            args: std::env::args_os().len().saturating_sub(1),
            stdin_terminal: std::io::stdin().is_terminal(),
            stdout_terminal: std::io::stdout().is_terminal(),
            console_processes: console_processes(),
            parent_is_init,
        }
    }
}

/// Whether nobody started examready from a terminal (so the page, not the terminal report, is
/// what the candidate needs): no arguments, and on Windows alone on its console (a shell that
/// started it would share the console), on macOS with neither stdin nor stdout a terminal and
/// launchd as the parent (a script's `examready </dev/null >log` has its shell as the parent).
/// Elsewhere, never: `examready` with no arguments in a terminal runs the check, as always.
pub fn without_terminal(l: &Launch) -> bool {
    if l.args != 0 {
        return false;
    }
    match l.platform {
        Platform::Windows => l.console_processes == Some(1),
        Platform::MacOs => !l.stdin_terminal && !l.stdout_terminal && l.parent_is_init,
        Platform::Other => false,
    }
}

/// Whether this process was started without a terminal (see [`without_terminal`]).
pub fn started_by_double_click() -> bool {
    without_terminal(&Launch::current())
}

/// How many processes share this console (1: nobody started examready from a shell).
#[cfg(windows)]
fn console_processes() -> Option<u32> {
    let mut pids = [0u32; 4];
    // SAFETY: the buffer holds 4 process ids, as passed.
    let n =
        unsafe { windows_sys::Win32::System::Console::GetConsoleProcessList(pids.as_mut_ptr(), 4) };
    (n > 0).then_some(n)
}

#[cfg(not(windows))]
fn console_processes() -> Option<u32> {
    None
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

/// The arguments a double-click runs first: the candidate's page, with every default (a free
/// loopback port, a fresh token, the default browser).
pub fn page_args() -> Vec<std::ffi::OsString> {
    vec!["examready".into(), "ui".into()]
}

/// The arguments a double-click runs when no browser opens: the default check, with the HTML
/// report saved.
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
    fn a_double_click_serves_the_page_with_the_defaults() {
        let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(page_args()).unwrap();
        let Some(crate::cli::Command::Ui(ui)) = cli.command else {
            panic!("not `ui`: {:?}", cli.command)
        };
        assert!(ui.listen.ip().is_loopback() && ui.listen.port() == 0);
        assert!(!ui.no_browser);
    }

    #[test]
    fn not_a_double_click_here() {
        // The test harness runs with arguments and, off Windows, never owns a console.
        assert!(!started_by_double_click());
        if !cfg!(windows) {
            assert_eq!(Launch::current().console_processes, None);
        }
    }

    /// A launch with no arguments, on terminals, from a shell.
    fn launch(platform: Platform) -> Launch {
        Launch {
            platform,
            args: 0,
            stdin_terminal: true,
            stdout_terminal: true,
            console_processes: None,
            parent_is_init: false,
        }
    }

    #[test]
    fn windows_alone_on_its_console_with_no_arguments_is_a_double_click() {
        let clicked = Launch {
            console_processes: Some(1),
            ..launch(Platform::Windows)
        };
        assert!(without_terminal(&clicked));
        // From cmd.exe or PowerShell the shell shares the console.
        let from_shell = Launch {
            console_processes: Some(2),
            ..clicked
        };
        assert!(!without_terminal(&from_shell));
        // Arguments mean a command line, whoever typed it.
        assert!(!without_terminal(&Launch { args: 1, ..clicked }));
        // Unknown console (the call failed): the usual terminal run.
        let unknown = Launch {
            console_processes: None,
            ..clicked
        };
        assert!(!without_terminal(&unknown));
    }

    #[test]
    fn macos_without_terminals_from_launchd_is_a_double_click() {
        let finder = Launch {
            stdin_terminal: false,
            stdout_terminal: false,
            parent_is_init: true,
            ..launch(Platform::MacOs)
        };
        assert!(without_terminal(&finder));
        // `examready` typed in Terminal: unchanged.
        assert!(!without_terminal(&launch(Platform::MacOs)));
        // Either side on a terminal (`examready > log`, `examready < answers`) is a terminal run.
        for (i, o) in [(true, false), (false, true)] {
            let l = Launch {
                stdin_terminal: i,
                stdout_terminal: o,
                ..finder
            };
            assert!(!without_terminal(&l), "{l:?}");
        }
        // A script's `examready </dev/null >log`: no terminal, but a shell for a parent.
        let script = Launch {
            parent_is_init: false,
            ..finder
        };
        assert!(!without_terminal(&script));
        assert!(!without_terminal(&Launch { args: 2, ..finder }));
    }

    #[test]
    fn elsewhere_no_arguments_is_always_the_terminal_check() {
        for l in [
            launch(Platform::Other),
            Launch {
                stdin_terminal: false,
                stdout_terminal: false,
                parent_is_init: true,
                console_processes: Some(1),
                ..launch(Platform::Other)
            },
        ] {
            assert!(!without_terminal(&l), "{l:?}");
        }
    }
}
