//! The command line: every command and option (clap).

use super::*;

mod network;

pub use network::*;

#[derive(Debug, Parser)]
#[command(
    name = "examready",
    version = concat!(env!("CARGO_PKG_VERSION"), " (built ", env!("EXAMREADY_BUILD_DATE"), ")"),
    about = "Will this computer pass an online-proctored exam? Checks the system, running \
             applications, network, microphone, speaker and webcam against the proctoring \
             service's requirements, and says how to fix what fails.",
    args_conflicts_with_subcommands = true,
    after_help = "Exit status: 0 ready, 1 not ready, 2 usage, profile or internal error, \
                  130 interrupted (Ctrl-C), 143 terminated (SIGTERM). `explain`: 0 a known \
                  message matched, 1 none did."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
    /// When to use colour: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the checks (the default when no command is given).
    Check(CheckArgs),
    /// List the check modules: id, title, what each verifies.
    Checks,
    /// List the built-in requirement profiles.
    Profiles,
    /// Show a profile's resolved requirements.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Run a network measurement server (GET /__down?bytes=N, POST /__up, UDP echo on the same
    /// port number) for `examready check --server http://HOST:PORT`. Stops on Ctrl-C.
    Serve(ServeArgs),
    /// For institutions: collect candidates' reports and show who is not ready (a server with
    /// a submit API and a dashboard, its tokens, deleting a candidate's data).
    #[command(subcommand)]
    Collect(CollectCommand),
    /// The candidate's page: a local web page (on this computer only) that runs the checks and
    /// shows each one live, then the verdict, the fixes and the report. Prints the page's
    /// address (with its one-time token) as the first line and opens the browser.
    Ui(UiArgs),
    /// Re-check every few minutes until check-in opens (`--exam-at`): the first result in
    /// full, then only what changed (with a terminal bell and a desktop notification), and a
    /// last verdict at check-in (its exit status). Every run is saved in the history.
    Watch(WatchArgs),
    /// The past runs, one line each: time, profile, verdict, report id.
    History,
    /// What changed between two runs (default: the last two), new problems first.
    Diff {
        /// The older run: a report id from `examready history` or a JSON report file.
        old: Option<String>,
        /// The newer run (default: the latest saved run).
        new: Option<String>,
    },
    /// Judge the facts of a saved JSON report again under a profile, without touching hardware.
    Judge(JudgeArgs),
    /// What a message from a proctoring vendor's tool means ("Network check 80%", "A virtual
    /// machine has been detected" ...): likely causes, the examready checks that detect them,
    /// and what to do. Exit status: 0 when a known message matches, 1 when none does, 2 on a
    /// usage error.
    Explain(ExplainArgs),
    /// Send a saved run (or a JSON report file) to your institution's examready collect
    /// server. Exit status: 0 stored or already there, 2 refused or failed.
    Submit(SubmitCmdArgs),
    /// The hosts, ports and protocols a campus firewall must allow for a proctoring service,
    /// from its profile, with their sources.
    Allowlist {
        /// Requirement profile: a built-in id (see `examready profiles`) or a .toml file.
        #[arg(long, value_name = "NAME|FILE", default_value = profile::DEFAULT_PROFILE)]
        profile: String,
        /// text: a table; csv: with a header line; json: an array of objects.
        #[arg(long, value_enum, default_value_t = crate::allowlist::Format::Text)]
        format: crate::allowlist::Format,
    },
    /// The manual checklist: what no program can verify before check-in.
    Checklist {
        /// Requirement profile: a built-in id or a .toml file.
        #[arg(long, value_name = "NAME|FILE", default_value = profile::DEFAULT_PROFILE)]
        profile: String,
    },
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish (e.g.
    /// `examready completions bash > ~/.local/share/bash-completion/completions/examready`).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff, for `man -l -`), or write one page per command into a
    /// folder with --dir.
    Man {
        /// Write examready.1, examready-check.1 ... into this folder (created if missing).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `examready explain TEXT...`.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// The message as the vendor's tool shows it (or a part of it); several words are joined
    /// with spaces, so quotes are optional.
    #[arg(
        value_name = "TEXT",
        required_unless_present = "list",
        conflicts_with = "list"
    )]
    pub text: Vec<String>,
    /// List every message examready knows.
    #[arg(long)]
    pub list: bool,
    /// Print the answer as JSON on stdout (and nothing else there).
    #[arg(long)]
    pub json: bool,
    /// Then run the checks that detect the best match's causes (`examready check --only ...`,
    /// under the vendor's profile); the exit status is then the check's.
    #[arg(long, conflicts_with_all = ["list", "json"])]
    pub run: bool,
}

/// `examready ui`: where the page is served and what it runs.
#[derive(Debug, Clone, Args)]
pub struct UiArgs {
    /// Address to serve the page on: a loopback address only (port 0: a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0", value_parser = parse_loopback)]
    pub listen: std::net::SocketAddr,
    /// Do not open a browser; only print the address.
    #[arg(long)]
    pub no_browser: bool,
    /// The profile (`--profile`, which the page preselects; the page offers every built-in
    /// profile too) and the checks to run.
    #[command(flatten)]
    pub select: Selection,
    #[command(flatten)]
    pub measure: Measurement,
    /// When the exam starts, local time (as for `check --exam-at`).
    #[arg(long, value_name = "YYYY-MM-DD HH:MM")]
    pub exam_at: Option<String>,
    /// With --submit, the page offers "Send to my institution" after a run.
    #[command(flatten)]
    pub send: SendArgs,
    /// Stop once the page has been closed (no open page, no request) for this long.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_timeout)]
    pub stop_after_idle: std::time::Duration,
    /// The shortest interval the page's watch toggle accepts (for tests).
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = parse_timeout, hide = true)]
    pub watch_min_every: std::time::Duration,
}

/// `examready watch`: the exam, the interval, and the checks of each run.
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// When the exam starts, local time; the runs stop when check-in opens (the profile's
    /// check-in minutes before it, 30 for OnVUE).
    #[arg(long, value_name = "YYYY-MM-DD HH:MM", required = true)]
    pub exam_at: String,
    /// How often to re-check (at least 1m): e.g. 5m, 10m, 1h.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub every: String,
    /// Stop after N runs even before check-in (the last one gives the verdict); with it,
    /// --every may be as short as 1s.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub runs: Option<u32>,
    /// No desktop notification (the terminal bell still rings when something changes).
    #[arg(long)]
    pub no_notify: bool,
    #[command(flatten)]
    pub select: Selection,
    #[command(flatten)]
    pub measure: Measurement,
    /// Show the facts behind each result, passed items and the checklist in the first result.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

pub(super) fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (write e.g. 500ms, 10s, 2m)"))?;
    if d < std::time::Duration::from_millis(100) || d > std::time::Duration::from_secs(3600) {
        return Err("a timeout must be between 100ms and 1h".into());
    }
    Ok(d)
}

#[derive(Debug, Clone, Args)]
pub struct JudgeArgs {
    /// A JSON report written by `examready check --output r.json`, or the report id of a saved
    /// run (see `examready history`).
    #[arg(value_name = "FACTS.json|ID")]
    pub file: PathBuf,
    /// Judge under this profile (default: the report's own profile if built in, else onvue).
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Print the JSON report on stdout (and nothing else there).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Also write the new report to FILE; the extension picks the format (.json, .html, .md).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The format of --output (overrides its extension), or, without --output, of stdout.
    #[arg(long, value_enum)]
    pub format: Option<render::output::Format>,
    /// Show the facts behind each result, passed items and the checklist too.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Print the resolved requirements of a built-in profile or a profile file (with what it
    /// inherits through `extends`), grouped per section.
    Show {
        /// A built-in profile id (see `examready profiles`) or a .toml file.
        name: String,
        /// Print a complete TOML file a user can edit (it parses back to the same profile).
        #[arg(long)]
        toml: bool,
    },
}

/// The profile and the checks of a run (`check`, `ui`).
#[derive(Debug, Clone, Default, Args)]
pub struct Selection {
    /// Requirement profile: a built-in id (see `examready profiles`) or a .toml file.
    #[arg(long, value_name = "NAME|FILE", default_value = profile::DEFAULT_PROFILE)]
    pub profile: String,
    /// Run only these checks (comma-separated ids, see `examready checks`).
    #[arg(long, value_name = "ID,ID", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Skip these checks (comma-separated ids).
    #[arg(long, value_name = "ID,ID", value_delimiter = ',')]
    pub skip: Vec<String>,
}

/// How a run measures (`check`, `ui`, `watch`): short or full, which devices, which server.
#[derive(Debug, Clone, Default, Args)]
pub struct Measurement {
    /// Shorter measurements (less accurate; for a quick look).
    #[arg(long)]
    pub quick: bool,
    /// Record this microphone instead of the default input (a name or part of it, as listed
    /// in the microphone check's facts).
    #[arg(long, value_name = "NAME")]
    pub mic: Option<String>,
    /// Webcam to examine: its name, part of its name, or its index (default: the first).
    #[arg(long, value_name = "NAME")]
    pub camera: Option<String>,
    /// Play the images in DIR as the camera (machines without one; for tests).
    #[arg(long, value_name = "DIR", hide = true)]
    pub camera_frames: Option<PathBuf>,
    /// Network measurement server (speaks GET /__down?bytes=N and POST /__up, e.g. one running
    /// `examready serve`), instead of the profile's.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub select: Selection,
    #[command(flatten)]
    pub measure: Measurement,
    /// Print the JSON report on stdout (and nothing else there).
    #[arg(long)]
    pub json: bool,
    /// Also write the report to FILE; the extension picks the format (.json, .html, .md).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show the facts behind each result, passed items and the manual checklist too.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// The format of --output (overrides its extension), or, without --output, of stdout.
    #[arg(long, value_enum, conflicts_with = "json")]
    pub format: Option<render::output::Format>,
    /// When the exam starts, local time: shows when check-in opens and when to re-check.
    #[arg(long, value_name = "YYYY-MM-DD HH:MM")]
    pub exam_at: Option<String>,
    /// Compare with the previous saved run and show what changed.
    #[arg(long, value_name = "last", value_parser = ["last"])]
    pub compare: Option<String>,
    #[command(flatten)]
    pub send: SendArgs,

    /// Microphone check: you are asked to say a sentence, and your voice must rise clearly
    /// above the room's noise.
    #[arg(long)]
    pub speak: bool,
    /// Speaker check: play a short test tone you should hear.
    #[arg(long)]
    pub play_tone: bool,

    /// Save one webcam frame as a PNG image to FILE (only when asked).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,

    /// Also stream a paced upload at the profile's video bit rate for this long (e.g. 60s, 5m):
    /// can this link carry webcam + screen for the whole exam?
    #[arg(long, value_name = "DURATION", value_parser = parse_soak)]
    pub soak: Option<std::time::Duration>,
}

pub(super) fn parse_soak(s: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (write e.g. 60s, 5m, 1h)"))?;
    if d < std::time::Duration::from_secs(1) || d > std::time::Duration::from_secs(4 * 3600) {
        return Err("the soak must last between 1 s and 4 h".into());
    }
    Ok(d)
}
