/*!
Watching until check-in (`examready watch`, and the page's watch toggle): when the next run is,
what a change between two runs says in a notification, and how a desktop notification is sent.

Candidates report links that slow down by the hour and applications that restart themselves:
re-checking every few minutes until check-in opens catches both. The schedule is pure (it is
given the times), the announcement is made from [`crate::diff`], the same comparison as
`examready diff`, and the notifier is a trait, so the terminal command and the page share them
and the tests record notifications instead of showing them.
*/

use std::time::Duration;

use anyhow::Context;
use jiff::Timestamp;

use crate::diff::Diff;

/// The shortest interval between runs for a watch that runs until check-in: a check takes up
/// to a minute (the network measures for several seconds) and should not be back-to-back.
pub const MIN_EVERY: Duration = Duration::from_secs(60);
/// The shortest interval when the number of runs is bounded (`--runs N`): such a watch ends by
/// itself soon, whatever the interval.
pub const MIN_EVERY_BOUNDED: Duration = Duration::from_secs(1);

/// When the runs happen: every `every` until check-in opens; the run at check-in is the last.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// When check-in opens (the exam's start when the profile does not say).
    pub check_in: Timestamp,
    pub every: Duration,
    /// At most this many runs (`--runs N`).
    pub max_runs: Option<u32>,
}

/// The next run: when, and whether it is the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextRun {
    pub at: Timestamp,
    pub last: bool,
}

impl Schedule {
    /// Whether the first run, starting at `now`, is also the last: check-in is already open, or
    /// only one run is allowed.
    pub fn only_one(&self, now: Timestamp) -> bool {
        now >= self.check_in || self.max_runs == Some(1)
    }

    /// After run number `done` (1 for the first), which started at `started`: the next run, or
    /// `None` when that was the last (it started at or after check-in, or the runs are used up).
    pub fn after(&self, started: Timestamp, done: u32) -> Option<NextRun> {
        if started >= self.check_in || self.max_runs.is_some_and(|m| done >= m) {
            return None;
        }
        let every = jiff::SignedDuration::try_from(self.every).unwrap_or(jiff::SignedDuration::MAX);
        let next = started.saturating_add(every).unwrap_or(self.check_in);
        let (at, by_time) = if next >= self.check_in {
            (self.check_in, true)
        } else {
            (next, false)
        };
        let by_count = self.max_runs.is_some_and(|m| done + 1 >= m);
        Some(NextRun {
            at,
            last: by_time || by_count,
        })
    }
}

/// `--every`: a duration such as `10m`, `90s`, `1h`, at least `min`.
pub fn parse_every(text: &str, min: Duration) -> anyhow::Result<Duration> {
    let d = humantime::parse_duration(text.trim()).map_err(|e| {
        anyhow::anyhow!("--every {text:?} is not a duration ({e}); write e.g. 10m, 90s, 1h")
    })?;
    if d < min {
        anyhow::bail!(
            "--every {text:?} is too short: re-check no more often than every {} (a check takes up \
             to a minute itself)",
            humantime::format_duration(min)
        );
    }
    if d > Duration::from_secs(24 * 3600) {
        anyhow::bail!("--every {text:?} is longer than a day: re-check at least once a day");
    }
    Ok(d)
}

/// A change to announce: a title ("examready: 2 changes") and the changes, one a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub title: String,
    pub body: String,
}

/// What a notification says about `diff`; `None` when nothing changed.
pub fn announcement(diff: &Diff) -> Option<Announcement> {
    let n = diff.count();
    if n == 0 {
        return None;
    }
    let body: Vec<String> = diff
        .render_changes()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    Some(Announcement {
        title: format!(
            "examready: {n} change{} ({})",
            if n == 1 { "" } else { "s" },
            diff.new_verdict.as_str()
        ),
        body: body.join("\n"),
    })
}

/// Shows a desktop notification. A failure is the caller's to log, never to stop on.
pub trait Notifier: Send + Sync {
    fn notify(&self, a: &Announcement) -> anyhow::Result<()>;
}

/// The platform's own notification command: `notify-send` (Linux and other Unix desktops),
/// `osascript` (macOS), PowerShell's toast (Windows), run for at most [`NOTIFY_LIMIT`]. A
/// missing command or a failure is an error for the caller to log (see [`announce`]).
pub struct SystemNotifier;

/// How long the notification command may take.
const NOTIFY_LIMIT: Duration = Duration::from_secs(10);

impl SystemNotifier {
    /// The program and its arguments for `a` on this platform.
    pub fn command(a: &Announcement) -> (String, Vec<String>) {
        if cfg!(windows) {
            let q = |s: &str| s.replace('\'', "''");
            let script = format!(
                "[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, \
                 ContentType = WindowsRuntime] > $null; \
                 $t = [Windows.UI.Notifications.ToastNotificationManager]::GetTemplateContent(\
                 [Windows.UI.Notifications.ToastTemplateType]::ToastText02); \
                 $x = $t.GetElementsByTagName('text'); \
                 $x.Item(0).AppendChild($t.CreateTextNode('{}')) > $null; \
                 $x.Item(1).AppendChild($t.CreateTextNode('{}')) > $null; \
                 [Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier(\
                 '{{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}}\\WindowsPowerShell\\v1.0\\powershell.exe'\
                 ).Show([Windows.UI.Notifications.ToastNotification]::new($t))",
                q(&a.title),
                q(&a.body)
            );
            (
                "powershell".into(),
                vec![
                    "-NoProfile".into(),
                    "-NonInteractive".into(),
                    "-Command".into(),
                    script,
                ],
            )
        } else if cfg!(target_os = "macos") {
            let q = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
            (
                "osascript".into(),
                vec![
                    "-e".into(),
                    format!(
                        "display notification \"{}\" with title \"{}\"",
                        q(&a.body),
                        q(&a.title)
                    ),
                ],
            )
        } else {
            (
                "notify-send".into(),
                vec![
                    "--app-name=examready".into(),
                    "--".into(),
                    a.title.clone(),
                    a.body.clone(),
                ],
            )
        }
    }
}

impl Notifier for SystemNotifier {
    fn notify(&self, a: &Announcement) -> anyhow::Result<()> {
        let (program, args) = Self::command(a);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        crate::command::output_within(&program, &args, NOTIFY_LIMIT)
            .map(drop)
            .with_context(|| format!("{program} failed, is missing or took too long"))
    }
}

/// Announce `diff` through `notifier` when something changed; a failure is logged
/// (`EXAMREADY_LOG=warn`), never shown with the results nor fatal.
/// Returns the announcement made.
pub fn announce(notifier: &dyn Notifier, diff: &Diff) -> Option<Announcement> {
    let a = announcement(diff)?;
    if let Err(e) = notifier.notify(&a) {
        tracing::warn!("no desktop notification: {e:#}");
    }
    Some(a)
}

#[cfg(test)]
mod tests;
