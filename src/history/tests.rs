use std::time::SystemTime;

use super::folder::run_sequence;
use super::*;
use crate::model::{CheckResult, ProfileRef, Status};

pub(crate) fn report(at: &str, upload: f64) -> Report {
    Report::new(
        at.parse().unwrap(),
        ProfileRef {
            id: "onvue".into(),
            name: "Pearson OnVUE".into(),
            updated: None,
        },
        vec![CheckResult {
            id: "network".into(),
            title: "Network".into(),
            status: Status::Pass,
            summary: format!("upload {upload} Mbps"),
            duration_ms: 5000,
            facts: serde_json::json!({"upload_mbps": {"median": upload}}),
            figures: vec![],
            findings: vec![],
        }],
    )
}

#[test]
fn empty_or_missing_folder_is_an_empty_history() {
    let dir = tempfile::tempdir().unwrap();
    let l = Store::at(dir.path().join("nothing-here")).load();
    assert!(l.entries.is_empty() && l.warnings.is_empty());
    let l = Store::at(dir.path()).load();
    assert!(l.entries.is_empty() && l.warnings.is_empty());
    assert_eq!(list_lines(&l, &jiff::tz::TimeZone::UTC), "");
}

#[test]
fn saves_and_lists_in_save_order_with_ids() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path().join("h"));
    let newer = report("2026-11-24T09:00:00Z", 4.2);
    let older = report("2026-11-20T09:00:00Z", 9.1);
    // Saved in this order: the second one's date is earlier (the clock went back).
    let p = store.save(&newer).unwrap();
    let q = store.save(&older).unwrap();
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(
        name(&p),
        format!("20261124T090000Z-{}-1.json", newer.content_id())
    );
    assert_eq!(
        name(&q),
        format!("20261120T090000Z-{}-2.json", older.content_id())
    );
    let l = store.load();
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    assert_eq!(l.entries.len(), 2);
    assert_eq!(l.entries[0].report, newer.clone().with_id());
    assert_eq!(
        l.entries[1].id,
        older.content_id(),
        "the last saved is last"
    );
    let lines = list_lines(&l, &jiff::tz::TimeZone::UTC);
    let first = lines.lines().next().unwrap();
    assert!(first.starts_with("2026-11-24 09:00  onvue"), "{lines}");
    assert!(first.contains("ready") && first.contains(&newer.content_id()));
    // Resolve by id prefix and by path.
    let (id, r) = resolve(&newer.content_id()[..6], &l).unwrap();
    assert_eq!((id, r.time), (newer.content_id(), newer.time));
    let (_, r) = resolve(p.to_str().unwrap(), &l).unwrap();
    assert_eq!(r.time, newer.time);
    let e = resolve("zzzz", &l).unwrap_err().to_string();
    assert!(e.contains("neither a report file"), "{e}");
}

#[test]
fn run_names_old_and_new_are_recognised_and_nothing_else() {
    for (name, want) in [
        ("20261124T090000Z-3f2a1b9c0d.json", Some(None)),
        ("20261124T090000Z-3f2a1b9c0d-17.json", Some(Some(17))),
        ("20261121T000000Z-broken.json", Some(None)),
        ("my-backup.json", None),
        ("20261124T090000Z-3f2a1b9c0d.json.corrupt", None),
        ("20261124T090000Z-3f2a1b9c0d-+1.json", None),
        ("20261124T090000Z-3f2a1b9c0d-1-2.json", None),
        ("20261124T090000Z-.json", None),
        ("2026112XT090000Z-3f2a1b9c0d.json", None),
        ("20261124T090000Z3f2a1b9c0d.json", None),
        ("20261124T090000Z-3f2a 1b9c0d.json", None),
    ] {
        assert_eq!(run_sequence(name), want, "{name}");
    }
}

/// Bug: the next save deleted all but 200 of the set-aside files.
#[test]
fn set_aside_files_are_never_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    for i in 0..10_000 {
        let name = format!("20200101T000000Z-junk{i:05}.json.corrupt");
        std::fs::File::create(dir.path().join(name)).unwrap();
    }
    store.save(&report("2026-11-20T09:00:00Z", 9.1)).unwrap();
    let count = |suffix: &str| {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(suffix)
            })
            .count()
    };
    assert_eq!(count(".corrupt"), 10_000, "no set-aside file deleted");
    assert_eq!(count(".json"), 1);
}

/// 250 runs saved (by an examready before save sequences) while the clock said 2099.
fn runs_from_a_wrong_clock(dir: &Path) -> Vec<PathBuf> {
    let text = json::render(&report("2099-01-01T00:00:00Z", 9.1));
    let then = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(4_070_908_800);
    (0..250)
        .map(|i| {
            let path = dir.join(format!(
                "20990101T{:02}{:02}00Z-future{i:03}.json",
                i / 60,
                i % 60
            ));
            let f = std::fs::File::create(&path).unwrap();
            std::io::Write::write_all(&mut &f, text.as_bytes()).unwrap();
            f.set_modified(then + std::time::Duration::from_secs(i))
                .unwrap();
            path
        })
        .collect()
}

/// Bug: retention kept the 200 newest *dates*, deleting the run just saved, and the last
/// run (for `--compare last`) was a 2099 one.
#[test]
fn runs_dated_in_the_future_neither_evict_nor_precede_the_run_just_saved() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let future = runs_from_a_wrong_clock(dir.path());
    let first = report("2026-11-20T09:00:00Z", 9.1);
    let saved = store.save(&first).unwrap();
    assert!(saved.exists(), "the run just saved was deleted");
    // The 51 saved earliest went (the oldest modification times), the latest stayed.
    assert!(!future[..51].iter().any(|p| p.exists()));
    assert!(future[51..].iter().all(|p| p.exists()));
    let l = store.load();
    assert_eq!(l.entries.len(), MAX_RUNS);
    assert_eq!(
        l.entries.last().unwrap().path,
        saved,
        "the last saved is last"
    );
    let warned: Vec<_> = l.warnings.iter().filter(|w| w.contains("future")).collect();
    assert_eq!(warned.len(), 1, "{:?}", l.warnings);
    assert!(
        warned[0].contains("199 runs are dated in the future; your clock may have been wrong"),
        "{warned:?}"
    );
    // What `check --compare last` compares with: the run saved before this one.
    let second = store.save(&report("2026-11-21T09:00:00Z", 4.2)).unwrap();
    let l = store.load();
    let n = l.entries.len();
    assert_eq!(l.entries[n - 2].path, saved);
    assert_eq!(l.entries[n - 1].path, second);
}

/// Bug: a user's own file in the folder was renamed as corrupt.
#[test]
fn foreign_files_are_skipped_with_a_warning_and_never_renamed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store.save(&report("2026-11-20T09:00:00Z", 9.1)).unwrap();
    let mine = dir.path().join("my-backup.json");
    std::fs::write(&mine, "my own notes, not JSON").unwrap();
    let copied = dir.path().join("r.json");
    std::fs::write(&copied, json::render(&report("2026-11-21T09:00:00Z", 1.0))).unwrap();
    let l = store.load();
    assert_eq!(l.entries.len(), 1);
    assert_eq!(l.warnings.len(), 2, "{:?}", l.warnings);
    assert!(
        l.warnings
            .iter()
            .all(|w| w.contains("not named like a run"))
    );
    assert!(l.warnings[0].contains("my-backup.json"), "{:?}", l.warnings);
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "my own notes, not JSON"
    );
    assert!(copied.exists());
    // Nor deleted by retention.
    store.prune(0, Path::new(""));
    assert!(mine.exists() && copied.exists());
    assert!(store.load().entries.is_empty());
    // Many of them: the first few named, the others counted.
    for i in 0..20 {
        std::fs::write(dir.path().join(format!("copy{i:02}.json")), "{}").unwrap();
    }
    let l = store.load();
    assert_eq!(l.warnings.len(), MAX_FOREIGN_NAMED + 1, "{:?}", l.warnings);
    let last = l.warnings.last().unwrap();
    assert!(last.contains("17 more *.json files in"), "{last}");
}

/// Bug: every JSON output path must escape bidi and C1 characters; the history is one.
#[test]
fn saved_runs_escape_bidi_and_c1_characters() {
    use crate::render::json::tests::{HOSTILE, raw_hostile};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let mut r = report("2026-11-20T09:00:00Z", 9.1);
    r.checks[0].title = HOSTILE.into();
    r.checks[0].facts = serde_json::json!({ "name": HOSTILE });
    let path = store.save(&r).unwrap();
    let bytes = std::fs::read_to_string(&path).unwrap();
    assert_eq!(raw_hostile(&bytes), Vec::<char>::new(), "{bytes}");
    let l = store.load();
    assert_eq!(l.entries[0].report.checks[0].title, HOSTILE);
    assert_eq!(l.entries[0].report.checks[0].facts["name"], HOSTILE);
    assert_eq!(l.entries[0].id, r.content_id());
}

#[cfg(unix)]
#[test]
fn a_fifo_or_link_named_like_a_run_is_left_alone_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store.save(&report("2026-11-20T09:00:00Z", 9.1)).unwrap();
    let fifo = dir.path().join("20261121T000000Z-0123456789.json");
    crate::textfile::tests::mkfifo(&fifo);
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("target.json");
    std::fs::write(&target, json::render(&report("2026-11-22T09:00:00Z", 1.0))).unwrap();
    let link = dir.path().join("20261122T000000Z-abcdef0123.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let s = store.clone();
    let l = crate::textfile::tests::promptly(move || s.load());
    assert_eq!(l.entries.len(), 1);
    assert_eq!(l.warnings.len(), 2, "{:?}", l.warnings);
    assert!(l.warnings[0].contains("not a regular file but a named pipe"));
    assert!(l.warnings[1].contains("not a regular file but a symbolic link"));
    assert!(l.warnings.iter().all(|w| w.ends_with("left as it is")));
    store.prune(0, Path::new(""));
    assert!(fifo.exists() && std::fs::symlink_metadata(&link).is_ok() && target.exists());
}

#[test]
fn corrupt_file_is_set_aside_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store.save(&report("2026-11-20T09:00:00Z", 9.1)).unwrap();
    std::fs::write(
        dir.path().join("20261121T000000Z-bad.json"),
        "{\"schema_version\": 1,",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a report").unwrap();
    let l = store.load();
    assert_eq!(l.entries.len(), 1);
    assert_eq!(l.warnings.len(), 1);
    assert!(l.warnings[0].contains("set aside"), "{:?}", l.warnings);
    assert!(
        dir.path()
            .join("20261121T000000Z-bad.json.corrupt")
            .exists()
    );
    assert!(!dir.path().join("20261121T000000Z-bad.json").exists());
    // Once set aside it is no longer read, and no longer warned about.
    let l = store.load();
    assert_eq!((l.entries.len(), l.warnings.len()), (1, 0));
}
