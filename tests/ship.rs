//! What ships with the binary: `--version` with the build's date (and the report's record of
//! it), each profile's date, shell completions and the manual pages, all from the real binary.

use std::process::Command;

use crate::support::*;

/// The subcommands that exist today; more may come (completions and pages follow clap's command,
/// so a new one appears by itself): these must be there, others may be too.
const SUBCOMMANDS: &[&str] = &[
    "check",
    "checks",
    "profiles",
    "profile",
    "serve",
    "ui",
    "watch",
    "history",
    "diff",
    "judge",
    "explain",
    "checklist",
    "completions",
    "man",
];

fn stdout_of(args: &[&str]) -> String {
    let out = examready().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "examready {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn is_date(s: &str) -> bool {
    jiff::civil::Date::strptime("%Y-%m-%d", s).is_ok() && s.len() == 10
}

#[test]
fn version_shows_the_build_date_and_the_report_records_it() {
    let v = stdout_of(&["--version"]);
    let want = format!("examready {} (built ", env!("CARGO_PKG_VERSION"));
    assert!(v.starts_with(&want), "{v}");
    let date = v.trim().trim_start_matches(&want).trim_end_matches(')');
    assert!(is_date(date), "not a date: {date:?} in {v:?}");
    // build.rs ran with no SOURCE_DATE_EPOCH in a test build, or with the one given: either
    // way a day no later than today.
    assert!(
        date <= jiff::Timestamp::now()
            .strftime("%Y-%m-%d")
            .to_string()
            .as_str(),
        "{date}"
    );

    let out = examready()
        .args(["check", "--only", "system", "--json"])
        .output()
        .unwrap();
    let r = json_of(&out);
    assert_eq!(r["tool"]["build_date"], date, "{}", r["tool"]);
    // The profile's own date travels in the report too.
    let updated = r["profile"]["updated"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(is_date(&updated), "{}", r["profile"]);

    // ... and every readable report shows both dates: the terminal's first line, the Markdown
    // and HTML reports' header.
    let dir = tempfile::tempdir().unwrap();
    let (md, html) = (dir.path().join("r.md"), dir.path().join("r.html"));
    for file in [&md, &html] {
        let out = examready()
            .args(["check", "--only", "system", "--color", "never", "--output"])
            .arg(file)
            .output()
            .unwrap();
        let first = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(
            first.contains(&format!("(built {date})"))
                && first.contains(&format!("requirements read {updated})")),
            "{first}"
        );
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            text.contains(&format!(
                "Pearson OnVUE (onvue, requirements read {updated})"
            )),
            "{text}"
        );
        assert!(text.contains(&format!("(built {date})")), "{text}");
    }
}

#[test]
fn every_builtin_profile_shows_its_date() {
    let list = stdout_of(&["profiles"]);
    for line in list.lines().filter(|l| l.contains(": ")) {
        let date = line
            .rsplit_once("(updated ")
            .map(|(_, d)| d.trim_end_matches(')'))
            .unwrap_or_else(|| panic!("no date on {line:?}"));
        assert!(is_date(date), "{line}");
    }
    let show = stdout_of(&["profile", "show", "psi"]);
    assert!(
        show.lines().any(|l| l
            .trim_start()
            .starts_with("requirements read from the sources on: 20")),
        "{show}"
    );
    // A profile file that extends a built-in one inherits its date; its own date wins.
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("uni.toml");
    std::fs::write(
        &own,
        "[profile]\nextends = \"onvue\"\nupdated = \"2030-01-31\"\n",
    )
    .unwrap();
    let show = stdout_of(&["profile", "show", own.to_str().unwrap()]);
    assert!(show.contains("on: 2030-01-31"), "{show}");
    std::fs::write(&own, "[profile]\nextends = \"onvue\"\n").unwrap();
    let show = stdout_of(&["profile", "show", own.to_str().unwrap()]);
    assert!(show.contains("on: 20"), "{show}");
    // A date that is not one is an error at its place.
    std::fs::write(
        &own,
        "[profile]\nextends = \"onvue\"\nupdated = \"2030-02-30\"\n",
    )
    .unwrap();
    let out = examready()
        .args(["profile", "show", own.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("uni.toml") && err.contains("3"), "{err}");
}

#[test]
fn bash_completion_parses_and_names_every_command() {
    let script = stdout_of(&["completions", "bash"]);
    for sub in SUBCOMMANDS {
        assert!(
            script.contains(&format!("examready__{}", sub.replace('-', "__")))
                || script.contains(&format!(" {sub} ")),
            "bash completion lacks {sub}"
        );
    }
    assert!(script.contains("--profile") && script.contains("complete -F"));
    if !require(have("bash"), "bash is not installed") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("examready.bash");
    std::fs::write(&file, &script).unwrap();
    let out = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Sourced in a real bash, the completion offers the commands after `examready `.
    let probe = format!(
        "source {}; COMP_WORDS=(examready ''); COMP_CWORD=1; COMP_LINE='examready '; \
         COMP_POINT=10; _examready examready '' examready; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &probe])
        .output()
        .unwrap();
    let offered = String::from_utf8_lossy(&out.stdout);
    for sub in SUBCOMMANDS {
        assert!(
            offered.lines().any(|l| l == *sub),
            "{sub} not offered: {offered}"
        );
    }
}

#[test]
fn every_shell_gets_a_script() {
    for (shell, marker) in [
        ("zsh", "#compdef examready"),
        ("fish", "complete -c examready"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[examready]"),
    ] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("checklist"), "{shell}");
    }
    let out = examready().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_man_page_has_a_title_and_every_command() {
    let page = stdout_of(&["man"]);
    let th = page
        .lines()
        .find(|l| l.starts_with(".TH "))
        .expect("no .TH line");
    assert!(th.starts_with(".TH examready 1 20"), "{th}");
    assert!(page.contains(".SH SYNOPSIS") && page.contains(".SH SUBCOMMANDS"));
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("examready\\-{}(1)", sub.replace('-', "\\-"))),
            "the page lacks {sub}"
        );
    }
    // groff renders it without a warning, when installed.
    if have("groff") {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("examready.1");
        std::fs::write(&file, &page).unwrap();
        let out = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "groff: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn man_dir_writes_one_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let listed = stdout_of(&["man", "--dir", pages.to_str().unwrap()]);
    assert_eq!(
        listed.lines().count(),
        std::fs::read_dir(&pages).unwrap().count()
    );
    for name in ["examready.1", "examready-profile-show.1"]
        .into_iter()
        .map(String::from)
        .chain(SUBCOMMANDS.iter().map(|s| format!("examready-{s}.1")))
    {
        let text =
            std::fs::read_to_string(pages.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains(".TH "), "{name}");
    }
    let show = std::fs::read_to_string(pages.join("examready-profile-show.1")).unwrap();
    assert!(show.contains("\\-\\-toml"), "{show}");
}
