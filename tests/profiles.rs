//! The built-in profiles and the application catalogue, loaded as shipped: consistency between
//! them, the README's table of requirements, verdicts that differ per profile on the same
//! recorded facts, inheritance (`extends`) and the `profile show --toml` round trip.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use examready::catalogue::{COMM_LEN, Catalogue, OsFamily, normalize_process_name};
use examready::check;
use examready::model::Status;
use examready::profile::{self, BUILTIN, Profile, show};
use serde_json::{Value, json};

use crate::support::{OutputAssertExt, examready};

const IDS: [&str; 7] = [
    "onvue",
    "proctoru",
    "psi",
    "examity",
    "honorlock",
    "respondus",
    "examplify",
];

fn all_profiles() -> Vec<Profile> {
    show::builtin_profiles().unwrap_or_else(|e| panic!("{e}"))
}

// ---------------------------------------------------------------------------------------------
// Catalogue and profiles agree
// ---------------------------------------------------------------------------------------------

#[test]
fn every_builtin_profile_and_the_catalogue_load() {
    let ids: Vec<&str> = BUILTIN.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(
        ids, IDS,
        "BUILTIN lists the seven vendor profiles, OnVUE first"
    );
    assert_eq!(profile::DEFAULT_PROFILE, ids[0]);
    let cat = Catalogue::builtin().unwrap();
    assert!(
        cat.apps.len() >= 80,
        "the catalogue has {} applications",
        cat.apps.len()
    );
    // Every category is used by an application, every application can be recognised.
    for c in cat.categories.keys() {
        assert!(
            cat.apps.iter().any(|a| &a.category == c),
            "category {c} has no application"
        );
    }
    for a in &cat.apps {
        let names = a.windows.len() + a.macos.len() + a.linux.len();
        assert!(
            names + a.devices.len() > 0,
            "{} has neither a process name nor a device pattern",
            a.id
        );
    }
    for p in all_profiles() {
        assert!(!p.name().is_empty());
        assert!(p.inherits.is_empty(), "built-in profiles do not inherit");
        assert!(
            !p.file.profile.sources.is_empty(),
            "{} cites no source",
            p.id
        );
        let r = &p.file.processes;
        for n in r.prohibited.iter().chain(&r.discouraged) {
            assert!(
                cat.has_category(n.get_ref()),
                "{}: unknown category {}",
                p.id,
                n.get_ref()
            );
        }
        for n in r
            .prohibited_apps
            .iter()
            .chain(&r.discouraged_apps)
            .chain(&r.allowed_apps)
        {
            assert!(
                cat.app(n.get_ref()).is_some(),
                "{}: unknown app {}",
                p.id,
                n.get_ref()
            );
        }
        // Each vendor's exam software is in the catalogue and never flagged by its profile.
        assert!(
            !r.allowed_apps.is_empty(),
            "{} allows no exam software",
            p.id
        );
    }
}

#[test]
fn no_process_name_is_claimed_by_two_applications() {
    let cat = Catalogue::builtin().unwrap();
    let mut owner: HashMap<(OsFamily, String), &str> = HashMap::new();
    // Linux shows a process by its first 15 characters when the executable cannot be read:
    // two applications must not share that either.
    let mut cut: HashMap<String, &str> = HashMap::new();
    for a in &cat.apps {
        for os in [OsFamily::Windows, OsFamily::Macos, OsFamily::Linux] {
            for n in a.process_names(os) {
                let key = (os, normalize_process_name(n));
                if let Some(prev) = owner.insert(key, &a.id) {
                    assert_eq!(prev, a.id, "{n:?} ({os:?}) claimed by {prev} and {}", a.id);
                }
                if os == OsFamily::Linux {
                    let c: String = normalize_process_name(n).chars().take(COMM_LEN).collect();
                    if let Some(prev) = cut.insert(c.clone(), &a.id) {
                        assert_eq!(
                            prev, a.id,
                            "{c:?} (Linux, cut) claimed by {prev} and {}",
                            a.id
                        );
                    }
                }
            }
        }
    }
    // Names that run on ordinary machines would flag every candidate.
    let generic = [
        "python",
        "python3",
        "java",
        "javaw",
        "node",
        "code",
        "svchost",
        "explorer",
        "msmpeng",
        "bash",
        "sh",
        "zsh",
        "systemd",
        "launchd",
        "finder",
        "dock",
        "runtimebroker",
        "searchhost",
        "phoneexperiencehost",
        "msedgewebview2",
        "dllhost",
        "conhost",
        "electron",
        "helper",
        "agent",
        "service",
        "update",
        "updater",
    ];
    for ((_, name), id) in &owner {
        assert!(
            !generic.contains(&name.as_str()),
            "{id} claims the generic process name {name:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The README's table is generated from the files
// ---------------------------------------------------------------------------------------------

#[test]
fn readme_table_matches_the_profiles() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let table = show::requirements_table(&all_profiles());
    if std::env::var_os("EXAMREADY_UPDATE_README").is_some() {
        let new = show::replace_table(&readme, &table).expect("README has the table markers");
        std::fs::write(&path, new).unwrap();
        return;
    }
    let current = show::current_table(&readme).unwrap_or_else(|| {
        panic!(
            "README.md lacks the markers {} ... {}",
            show::TABLE_BEGIN,
            show::TABLE_END
        )
    });
    assert!(
        current == table,
        "README.md's table of profile requirements differs from checks/*.toml; regenerate it \
         with `EXAMREADY_UPDATE_README=1 cargo test --test main profiles::readme`.\n--- README\n{current}\n--- files\n{table}"
    );
    // Every profile is a column and a few known figures are in the right place.
    for id in IDS {
        assert!(table.lines().next().unwrap().contains(&format!(" {id} |")));
    }
    let ram = table
        .lines()
        .find(|l| l.starts_with("| `system.min_ram_gb` |"))
        .unwrap();
    assert_eq!(ram, "| `system.min_ram_gb` | - | 8 | 4 | 2 | - | 2 | 4 |");
}

// ---------------------------------------------------------------------------------------------
// The same recorded facts, judged under every profile
// ---------------------------------------------------------------------------------------------

/// A healthy Windows 11 laptop, as the `system` probe records it.
fn windows11() -> Value {
    json!({
        "os": {"family": "windows", "name": "Windows 11 Pro", "version": "11",
               "edition": "Windows 11 Pro", "kernel": "22631", "arch": "x86_64", "s_mode": false},
        "cpu": {"brand": "Intel(R) Core(TM) i5-1135G7", "logical_cores": 8, "physical_cores": 4,
                "frequency_mhz": 2400, "load_percent": 12.0},
        "memory": {"total_bytes": 16_000_000_000u64, "available_bytes": 10_000_000_000u64,
                   "used_percent": 37.5},
        "disk": {"mount": "C:\\", "total_bytes": 500_000_000_000u64,
                 "free_bytes": 120_000_000_000u64},
        "virtualization": {"kind": null, "name": null, "hypervisor": null, "evidence": []},
        "displays": {"source": "user32", "unavailable_reason": null, "touchscreen": false,
                     "monitors": [{"name": "DISPLAY1", "width": 1920, "height": 1080, "primary": true}]}
    })
}

fn with(mut facts: Value, edits: &[(&str, Value)]) -> Value {
    for (pointer, v) in edits {
        *facts
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("no {pointer}")) = v.clone();
    }
    facts
}

fn status_letter(s: Status) -> char {
    match s {
        Status::Pass => 'P',
        Status::Warn => 'W',
        Status::Fail => 'F',
        _ => '?',
    }
}

/// The verdict of module `module` on `facts` under each profile, one letter per profile in
/// `IDS` order (P pass, W warn, F fail), plus the codes that did not pass.
fn verdicts(module: &str, facts: &Value, profiles: &[Profile]) -> (String, Vec<Vec<String>>) {
    let m = check::find(module).unwrap();
    let mut letters = String::new();
    let mut codes = Vec::new();
    for p in profiles {
        let j = m.judge(facts, p).unwrap();
        for f in &j.findings {
            assert!(
                m.codes().iter().any(|(c, _)| *c == f.code),
                "undeclared {}",
                f.code
            );
            if matches!(f.status, Status::Warn | Status::Fail) {
                assert!(
                    f.remedy.is_some(),
                    "{} under {} has no remedy",
                    f.code,
                    p.id
                );
                assert!(
                    f.message.contains(p.name()) || f.status == Status::Warn,
                    "{}: a failure names the profile: {}",
                    f.code,
                    f.message
                );
            }
        }
        letters.push(status_letter(j.status()));
        codes.push(
            j.findings
                .iter()
                .filter(|f| f.status != Status::Pass && f.status != Status::Skip)
                .map(|f| f.code.clone())
                .collect(),
        );
    }
    (letters, codes)
}

#[test]
fn the_same_computer_gets_different_verdicts_per_profile() {
    let ps = all_profiles();
    //                                                 onvue proctoru psi examity honorlock respondus examplify
    let cases: Vec<(&str, Value, &str)> = vec![
        ("healthy Windows 11", windows11(), "PPPPPPP"),
        (
            // 2 GB passes Examity and Respondus (2 GB installed; Respondus's 4 GB is about
            // memory available) and Honorlock (no RAM figure); OnVUE only recommends 4 GB (a
            // warning); ProctorU, PSI and Examplify require 8 or 4.
            "2 GB of RAM",
            with(
                windows11(),
                &[("/memory/total_bytes", json!(2_000_000_000u64))],
            ),
            "WFFPPPF",
        ),
        (
            // Pearson requires only the OS minimum and recommends 4 GB: a warning under OnVUE.
            "3 GB of RAM",
            with(
                windows11(),
                &[("/memory/total_bytes", json!(3_000_000_000u64))],
            ),
            "WFFPPPF",
        ),
        (
            // Respondus Monitor needs 4 GB *available* with the webcam, whatever is installed.
            "16 GB installed, 3 GB available",
            with(
                windows11(),
                &[("/memory/available_bytes", json!(3_000_000_000u64))],
            ),
            "PPPPPFP",
        ),
        (
            // 6 GB: Examplify recommends 8, ProctorU requires 8; OnVUE's 4 GB is met.
            "6 GB of RAM",
            with(
                windows11(),
                &[("/memory/total_bytes", json!(6_000_000_000u64))],
            ),
            "PFPPPPW",
        ),
        (
            // macOS 11: OnVUE needs 13; ProctorU 11, PSI 10.13.6, Honorlock 10.15, Respondus
            // 10.12; Examity and Examplify accept any macOS.
            "macOS 11.7",
            with(
                windows11(),
                &[
                    ("/os/family", json!("macos")),
                    ("/os/name", json!("macOS 11.7.10 Big Sur")),
                    ("/os/version", json!("11.7.10")),
                    ("/os/s_mode", Value::Null),
                ],
            ),
            "FPPPPPP",
        ),
        (
            // The current OnVUE candidate PDF asks macOS 13: 12 no longer passes.
            "macOS 12.7",
            with(
                windows11(),
                &[
                    ("/os/family", json!("macos")),
                    ("/os/name", json!("macOS 12.7.6 Monterey")),
                    ("/os/version", json!("12.7.6")),
                    ("/os/s_mode", Value::Null),
                ],
            ),
            "FPPPPPP",
        ),
        (
            // Honorlock's newer floor is 10.15; PSI's 10.13.6 and Respondus's 10.12 pass.
            "macOS 10.14",
            with(
                windows11(),
                &[
                    ("/os/family", json!("macos")),
                    ("/os/name", json!("macOS 10.14.6 Mojave")),
                    ("/os/version", json!("10.14.6")),
                    ("/os/s_mode", Value::Null),
                ],
            ),
            "FFPPFPP",
        ),
        (
            "Windows 8.1",
            with(
                windows11(),
                &[
                    ("/os/name", json!("Windows 8.1 Pro")),
                    ("/os/version", json!("8.1")),
                ],
            ),
            "FFPPFFF",
        ),
        (
            "Linux",
            with(
                windows11(),
                &[
                    ("/os/family", json!("linux")),
                    ("/os/name", json!("Debian GNU/Linux 12")),
                    ("/os/version", json!("12")),
                ],
            ),
            // No vendor runs on Linux: Respondus has no Linux edition either.
            "FFFFFFF",
        ),
        (
            "two monitors",
            with(
                windows11(),
                &[(
                    "/displays/monitors",
                    json!([
                        {"name": "DISPLAY1", "width": 1920, "height": 1080, "primary": true},
                        {"name": "DISPLAY2", "width": 1920, "height": 1080, "primary": false}
                    ]),
                )],
            ),
            // PSI: "multiple monitors are not allowed with the secure browser".
            "FFFFFPP",
        ),
        (
            // 2 cores: only ProctorU states a core count (4).
            "2 CPU cores at 70 % load",
            with(
                windows11(),
                &[
                    ("/cpu/logical_cores", json!(2)),
                    ("/cpu/load_percent", json!(70.0)),
                ],
            ),
            "WFPPPPP",
        ),
        (
            "a VMware virtual machine",
            with(
                windows11(),
                &[(
                    "/virtualization",
                    json!({"kind": "virtual-machine", "name": "VMware", "hypervisor": null,
                           "evidence": ["cpuid hypervisor vendor \"VMwareVMware\""]}),
                )],
            ),
            // Examplify refuses a virtual machine ("Virtual Machine Error").
            "FFFPPFF",
        ),
        (
            "a 1366x768 laptop screen",
            with(
                windows11(),
                &[
                    ("/displays/monitors/0/width", json!(1366)),
                    ("/displays/monitors/0/height", json!(768)),
                ],
            ),
            "WWPPPPP",
        ),
        (
            "1.5 GB of free disk",
            with(
                windows11(),
                &[("/disk/free_bytes", json!(1_500_000_000u64))],
            ),
            "PPPPPPF",
        ),
        (
            // OnVUE's 1 GB is examready's own figure: a warning; PSI publishes 1 GB.
            "0.5 GB of free disk",
            with(windows11(), &[("/disk/free_bytes", json!(500_000_000u64))]),
            "WPFPPPF",
        ),
        (
            // A touchscreen that is present is not one that is used: OnVUE warns.
            "a touchscreen",
            with(windows11(), &[("/displays/touchscreen", json!(true))]),
            "WPPPPPP",
        ),
        (
            // ProctorU's live limits fail under ProctorU only; OnVUE (not Pearson's) warns.
            "CPU 95 % busy, memory 97 % used",
            with(
                windows11(),
                &[
                    ("/cpu/load_percent", json!(95.0)),
                    ("/memory/used_percent", json!(97.0)),
                ],
            ),
            "WFPPPPP",
        ),
    ];
    for (what, facts, want) in cases {
        // The facts are what the probe records.
        let _: check::system::SystemFacts = serde_json::from_value(facts.clone()).unwrap();
        let (got, codes) = verdicts("system", &facts, &ps);
        assert_eq!(got, want, "{what}: {IDS:?} -> {got} (codes {codes:?})");
    }
}

#[test]
fn the_same_running_applications_get_different_verdicts_per_profile() {
    let ps = all_profiles();
    let running_on = |os: &str, procs: &[(&str, u32)]| {
        json!({
            "os": os,
            "scanned": 140,
            "processes": procs.iter().map(|(n, pid)| json!({"name": n, "exe": n, "pids": [pid]})).collect::<Vec<_>>()
        })
    };
    let running = |procs: &[(&str, u32)]| running_on("windows", procs);
    let on_mac = |procs: &[(&str, u32)]| running_on("macos", procs);
    //                                                 onvue proctoru psi examity honorlock respondus examplify
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "nothing from the catalogue",
            running(&[("explorer.exe", 10), ("svchost.exe", 11)]),
            "PPPPPPP",
        ),
        (
            "TeamViewer",
            running(&[("TeamViewer.exe", 4321)]),
            "FFWFFFW",
        ),
        (
            // Chrome is Honorlock's and Examity's exam browser; under ProctorU Guardian's
            // checks are school-specific: "may be asked to close", a warning.
            "Chrome",
            running(&[("chrome.exe", 500)]),
            "FWPPPPP",
        ),
        (
            // Examity accepts Chrome, Firefox, Edge and Safari; Honorlock runs in Chrome.
            "Firefox",
            running(&[("firefox.exe", 501)]),
            "FWPPWPP",
        ),
        (
            // Another browser is not prohibited by Examity either: a warning.
            "Opera",
            running(&[("opera.exe", 502)]),
            "FWPWWPP",
        ),
        (
            // Only Examplify forbids virtual microphones.
            "VoiceMeeter",
            running(&[("voicemeeterpro.exe", 77)]),
            "PPPPPPF",
        ),
        ("Zoom", running(&[("Zoom.exe", 900)]), "FWWWWWW"),
        (
            // PSI: close VMware and its services.
            "VMware Workstation",
            running(&[("vmware.exe", 300), ("vmware-authd.exe", 301)]),
            "WWFWWWW",
        ),
        (
            "Grammarly",
            running(&[("Grammarly.Desktop.exe", 42)]),
            "PWPFPPP",
        ),
        (
            // Jamf's always-running daemons: a managed Mac warns (IT may need to act), never
            // fails; its jamfHelper window blocks OnVUE's launch.
            "Jamf's daemons alone (macOS)",
            on_mac(&[("jamf", 60), ("JamfDaemon", 61)]),
            "WPPPPPP",
        ),
        (
            "jamfHelper (macOS)",
            on_mac(&[("jamfHelper", 62)]),
            "FPPPPPP",
        ),
        (
            "Microsoft Defender's wdavdaemon (macOS)",
            on_mac(&[("wdavdaemon", 63)]),
            "WPPPPPP",
        ),
        (
            "Microsoft AutoUpdate's window (macOS)",
            on_mac(&[("Microsoft AutoUpdate", 64)]),
            "FPPPPPP",
        ),
        (
            // Zscaler's service runs on every computer its organisation manages: not a VPN
            // client one quits (the network check sees whether its tunnel is up).
            "Zscaler's service",
            running(&[("ZSAService.exe", 65), ("ZSATray.exe", 66)]),
            "WPPPPPP",
        ),
        (
            "Chrome Remote Desktop's host service (macOS)",
            on_mac(&[("remoting_me2me_host_service", 67)]),
            "FFWFFFW",
        ),
        (
            "Karabiner-Elements (macOS)",
            on_mac(&[("karabiner_grabber", 68)]),
            "WPPPPPP",
        ),
        (
            "Amazon WorkDocs Drive (macOS)",
            on_mac(&[("Amazon WorkDocs Drive", 69)]),
            "WPPPPPP",
        ),
        ("Spotify", running(&[("Spotify.exe", 70)]), "PWPPPPP"),
        ("Wireshark", running(&[("Wireshark.exe", 71)]), "WPPPPPP"),
        (
            "GoToMyPC's service",
            running(&[("g2svc.exe", 72)]),
            "FFWFFFW",
        ),
        (
            "NVIDIA's overlay",
            running(&[("NVIDIA Share.exe", 73)]),
            "FWWFWFW",
        ),
        (
            "each vendor's exam software",
            running(&[
                ("OnVUE.exe", 1),
                ("Guardian Browser.exe", 2),
                ("LockDownBrowser.exe", 3),
                ("Examplify.exe", 4),
            ]),
            "PPPPPPP",
        ),
    ];
    for (what, facts, want) in cases {
        let _: check::processes::ProcessFacts = serde_json::from_value(facts.clone()).unwrap();
        let (got, codes) = verdicts("processes", &facts, &ps);
        assert_eq!(got, want, "{what}: {IDS:?} -> {got} (codes {codes:?})");
    }
}

// ---------------------------------------------------------------------------------------------
// Inheritance
// ---------------------------------------------------------------------------------------------

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn json_of(p: &Profile) -> Value {
    serde_json::to_value(&p.file).unwrap()
}

#[test]
fn a_child_overrides_one_key_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let child = write(
        dir.path(),
        "uni.toml",
        "# An institution's own rules\n[profile]\nextends = \"onvue\"\n\n[system]\nmin_ram_gb = 8\n",
    );
    let p = profile::load(&child).unwrap();
    let onvue = profile::load("onvue").unwrap();
    assert_eq!(p.id, "uni");
    assert_eq!(p.name(), "Pearson OnVUE (amended)");
    assert_eq!(p.inherits, ["checks/onvue.toml (built in)"]);
    assert!(p.file.profile.extends.is_none(), "resolved away");
    assert_eq!(p.file.system.min_ram_gb.unwrap().get(), 8.0);
    // Everything else is OnVUE's.
    let (mut got, mut want) = (json_of(&p), json_of(&onvue));
    for v in [&mut got, &mut want] {
        v["profile"]["name"] = Value::Null;
        v["system"]["min_ram_gb"] = Value::Null;
    }
    assert_eq!(got, want);

    // A grandchild in another directory, by relative path: arrays replace, tables merge.
    let gc = write(
        dir.path(),
        "dept/law.toml",
        "[profile]\nname = \"Law faculty\"\nextends = \"../uni.toml\"\n[processes]\nallowed_apps = [\"onvue\", \"zoom\"]\n[system.os.macos]\nmin_version = \"13\"\n",
    );
    let g = profile::load(&gc).unwrap();
    assert_eq!(g.name(), "Law faculty");
    assert_eq!(g.inherits.len(), 2, "{:?}", g.inherits);
    assert!(g.inherits[0].ends_with("uni.toml"), "{:?}", g.inherits);
    assert_eq!(
        g.file.system.min_ram_gb.unwrap().get(),
        8.0,
        "from uni.toml"
    );
    let os = g.file.system.os.as_ref().unwrap();
    assert_eq!(
        os[&OsFamily::Macos].min_version.as_deref(),
        Some("13"),
        "overridden"
    );
    assert_eq!(
        os[&OsFamily::Windows].min_version.as_deref(),
        Some("10"),
        "kept from onvue"
    );
    let allowed: Vec<&str> = g
        .file
        .processes
        .allowed_apps
        .iter()
        .map(|n| n.get_ref().as_str())
        .collect();
    assert_eq!(allowed, ["onvue", "zoom"]);
    assert_eq!(
        g.file.processes.prohibited.len(),
        onvue.file.processes.prohibited.len()
    );
    // The override changes a verdict: Zoom is allowed for the law faculty only.
    let zoom = json!({"os": "windows", "scanned": 1,
                      "processes": [{"name": "Zoom.exe", "exe": "Zoom.exe", "pids": [9]}]});
    let m = check::find("processes").unwrap();
    assert_eq!(m.judge(&zoom, &g).unwrap().status(), Status::Pass);
    assert_eq!(m.judge(&zoom, &onvue).unwrap().status(), Status::Fail);
}

#[test]
fn a_cycle_is_an_error_naming_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.toml",
        "[profile]\nname = \"A\"\nextends = \"b.toml\"\n",
    );
    write(dir.path(), "b.toml", "[profile]\nextends = \"a.toml\"\n");
    let e = profile::load(&a).unwrap_err().to_string();
    assert!(e.contains("profile inheritance cycle"), "{e}");
    let b = dir.path().join("b.toml").display().to_string();
    assert!(
        e.starts_with(&format!("{b}:2:11:")),
        "positioned at b's extends: {e}"
    );
    assert!(
        e.contains(&format!(
            "{a} -> {b} -> {}",
            dir.path().join("a.toml").display()
        )),
        "{e}"
    );

    let s = write(
        dir.path(),
        "self.toml",
        "[profile]\nextends = \"self.toml\"\n",
    );
    let e = profile::load(&s).unwrap_err().to_string();
    assert!(e.contains("cycle"), "{e}");
}

#[test]
fn an_unknown_parent_is_a_positioned_error() {
    let dir = tempfile::tempdir().unwrap();
    let c = write(
        dir.path(),
        "c.toml",
        "[profile]\nextends = \"pearson\"\n[system]\nmin_ram_gb = 8\n",
    );
    let e = profile::load(&c).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{c}:2:11:")), "{e}");
    assert!(e.contains("unknown profile \"pearson\""), "{e}");
    assert!(
        e.contains("onvue, proctoru, psi"),
        "lists the built-ins: {e}"
    );
    assert!(e.contains(&format!("chain: {c} -> pearson")), "{e}");

    let m = write(
        dir.path(),
        "m.toml",
        "[profile]\nextends = \"missing.toml\"\n",
    );
    let e = profile::load(&m).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{m}:2:11:")), "{e}");
    assert!(e.contains("there is no file"), "{e}");
}

#[test]
fn a_child_is_parsed_strictly_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    // Unknown key: the child's own line and column.
    let c = write(
        dir.path(),
        "c.toml",
        "[profile]\nextends = \"onvue\"\n\n[system]\nmin_ram = 8\n",
    );
    let e = profile::load(&c).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{c}:5:1:")), "{e}");
    assert!(e.contains("min_ram"), "{e}");
    // Out-of-range value.
    let c = write(
        dir.path(),
        "d.toml",
        "[profile]\nextends = \"psi\"\n[system]\nmax_cpu_load_percent = 120\n",
    );
    let e = profile::load(&c).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{c}:4:")), "{e}");
    // Unknown category.
    let c = write(
        dir.path(),
        "e.toml",
        "[profile]\nextends = \"psi\"\n[processes]\nprohibited = [\"vpn\", \"teleporters\"]\n",
    );
    let e = profile::load(&c).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{c}:4:22:")), "{e}");
    // A profile that extends nothing must have a name.
    let c = write(
        dir.path(),
        "f.toml",
        "[profile]\n[system]\nmin_ram_gb = 8\n",
    );
    let e = profile::load(&c).unwrap_err().to_string();
    assert!(e.contains("name must not be empty"), "{e}");
    // An error in the parent names the parent's file.
    let p = write(
        dir.path(),
        "parent.toml",
        "[profile]\nname = \"P\"\n[webcam_x]\n",
    );
    let c = write(
        dir.path(),
        "g.toml",
        "[profile]\nextends = \"parent.toml\"\n",
    );
    let e = profile::load(&c).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{p}:3:")), "{e}");
}

// ---------------------------------------------------------------------------------------------
// `profile show`, `profiles`
// ---------------------------------------------------------------------------------------------

#[test]
fn toml_output_parses_back_to_the_same_profile() {
    let dir = tempfile::tempdir().unwrap();
    let child = write(
        dir.path(),
        "uni.toml",
        "[profile]\nextends = \"proctoru\"\n[system]\nmin_ram_gb = 12\n[processes]\nallowed_apps = [\"guardian-browser\", \"zoom\"]\n",
    );
    let mut names: Vec<String> = IDS.iter().map(|s| s.to_string()).collect();
    names.push(child);
    for name in names {
        let p = profile::load(&name).unwrap();
        let text = format!("{}{}", show::toml_header(&p), profile::to_toml(&p));
        let file = write(dir.path(), &format!("round/{}.toml", p.id), &text);
        let back = profile::load(&file).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert_eq!(json_of(&back), json_of(&p), "{name}");
        assert!(back.inherits.is_empty(), "the printed file is complete");
        // And through the binary, byte for byte after the header.
        let out = examready()
            .args(["profile", "show", &name, "--toml"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let out = String::from_utf8(out).unwrap();
        assert!(out.ends_with(&profile::to_toml(&p)), "{name}");
    }
}

#[test]
fn profiles_lists_each_on_one_line_and_show_groups_per_section() {
    let out = examready()
        .arg("profiles")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
    for id in IDS {
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.starts_with(&format!("{id} ")))
                .count(),
            1,
            "{id}: {out}"
        );
    }
    assert!(out.contains("Pearson OnVUE (default)"), "{out}");

    let out = examready()
        .args(["profile", "show", "psi"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.starts_with("PSI Online (psi)\n"), "{out}");
    let system = out.find("Computer [system]").expect("system section");
    let processes = out
        .find("Running applications [processes]")
        .expect("processes");
    assert!(system < processes);
    assert!(out.contains("os.macos               10.13.6+\n"), "{out}");
    assert!(
        out.contains("os.linux               not supported\n"),
        "{out}"
    );
    assert!(out.contains("prohibited    virtualization, vpn"), "{out}");

    let dir = tempfile::tempdir().unwrap();
    let child = write(
        dir.path(),
        "x.toml",
        "[profile]\nextends = \"examity\"\n[system]\nmin_ram_gb = 3\n",
    );
    let out = examready()
        .args(["profile", "show", &child])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("inherits: checks/examity.toml (built in)"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["min_ram_gb", "3"]),
        "{out}"
    );

    let err = examready()
        .args(["profile", "show", "nope"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("unknown profile \"nope\""), "{err}");
}

#[test]
fn every_profile_sets_different_requirements() {
    // Seven files that said the same thing would make `--profile` pointless.
    let ps = all_profiles();
    let distinct: BTreeSet<String> = ps
        .iter()
        .map(|p| {
            let mut v = json_of(p);
            v["profile"] = Value::Null;
            v.to_string()
        })
        .collect();
    assert_eq!(distinct.len(), ps.len());
}

// ---------------------------------------------------------------------------------------------
// Minimums and recommendations agree
// ---------------------------------------------------------------------------------------------

/// In every profile a minimum (fail) never exceeds the matching recommendation (warn), and a
/// hard live limit is never stricter than the advised one; no line is left commented out with
/// the `#> ` marker the vendor profiles used before their module sections existed.
#[test]
fn minimums_never_exceed_their_recommendations() {
    let mut compared = 0;
    for p in all_profiles() {
        let (n, s) = (&p.file.network, &p.file.system);
        let pairs: [(&str, Option<f64>, Option<f64>); 6] = [
            (
                "download Mbps",
                n.min_download_mbps.map(|v| v.get()),
                n.recommended_download_mbps.map(|v| v.get()),
            ),
            (
                "upload Mbps",
                n.min_upload_mbps.map(|v| v.get()),
                n.recommended_upload_mbps.map(|v| v.get()),
            ),
            (
                "RAM GB",
                s.min_ram_gb.map(|v| v.get()),
                s.recommended_ram_gb.map(|v| v.get()),
            ),
            (
                "CPU cores",
                s.min_cpu_cores.map(f64::from),
                s.recommended_cpu_cores.map(f64::from),
            ),
            // Live limits: the advised maximum is the lower one.
            (
                "CPU load %",
                s.recommended_max_cpu_load_percent.map(|v| v.get()),
                s.max_cpu_load_percent.map(|v| v.get()),
            ),
            (
                "memory used %",
                s.recommended_max_memory_used_percent.map(|v| v.get()),
                s.max_memory_used_percent.map(|v| v.get()),
            ),
        ];
        for (what, low, high) in pairs {
            if let (Some(low), Some(high)) = (low, high) {
                compared += 1;
                assert!(low <= high, "{}: {what}: {low} > {high}", p.id);
            }
        }
        if let (Some(min), Some(rec)) = (s.min_resolution, s.recommended_resolution) {
            compared += 1;
            assert!(
                min.width <= rec.width && min.height <= rec.height,
                "{}: resolution {min} > {rec}",
                p.id
            );
        }
    }
    // OnVUE states recommendations only for RAM and live load (Pearson publishes no minimum
    // there), so eight pairs remain to compare.
    assert!(
        compared >= 8,
        "too few pairs compared ({compared}): the profiles lost their figures?"
    );
    for (_, file, text) in BUILTIN {
        assert!(
            !text.lines().any(|l| l.starts_with("#>")),
            "{file} still has a commented-out `#> ` line"
        );
    }
}

/// Network facts recorded from a real run against `examready serve` on 127.0.0.1
/// (tests/fixtures/network-facts.json), with the endpoints marked reachable and the goodput set
/// to the figure under test.
fn network_facts(down: f64, up: f64) -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/network-facts.json"
    ))
    .unwrap();
    let mut f: Value = serde_json::from_str(&text).unwrap();
    for e in f["endpoints"].as_array_mut().unwrap() {
        e["status"] = json!("ok");
        e["error"] = Value::Null;
    }
    f["download_mbps"] = json!({"median": down, "min": down, "series": [down, down, down]});
    f["upload_mbps"] = json!({"median": up, "min": up, "series": [up, up, up]});
    f
}

#[test]
fn the_same_upload_gets_different_verdicts_per_profile() {
    let ps = all_profiles();
    let network = check::find("network").unwrap();
    // The status of the upload rule under each profile, in IDS order.
    let upload = |facts: &Value| -> String {
        ps.iter()
            .map(|p| {
                let j = network.judge(facts, p).unwrap();
                for f in &j.findings {
                    assert!(
                        network.codes().iter().any(|(c, _)| *c == f.code),
                        "undeclared {}",
                        f.code
                    );
                }
                let up: Vec<_> = j
                    .findings
                    .iter()
                    .filter(|f| f.code.starts_with("net-upload"))
                    .collect();
                match up.as_slice() {
                    [] => '-',
                    [f] => status_letter(f.status),
                    more => panic!("several upload findings under {}: {more:?}", p.id),
                }
            })
            .collect()
    };
    //                                         onvue proctoru psi examity honorlock respondus examplify
    // 2 Mbps up: OnVUE needs 6, ProctorU and PSI 3; Examity and Examplify 2, Honorlock 0.75;
    // Respondus publishes no figure.
    assert_eq!(upload(&network_facts(50.0, 2.0)), "FFFPP-P");
    assert_eq!(upload(&network_facts(50.0, 1.0)), "FFFFP-F");
    assert_eq!(upload(&network_facts(50.0, 6.5)), "PPPPP-P");
    // The whole module: 2 Mbps up, everything else healthy, passes Examity but not OnVUE.
    let f = network_facts(50.0, 2.0);
    let by_id = |id: &str| ps.iter().find(|p| p.id == id).unwrap();
    assert_eq!(
        network.judge(&f, by_id("onvue")).unwrap().status(),
        Status::Fail
    );
    assert_ne!(
        network.judge(&f, by_id("examity")).unwrap().status(),
        Status::Fail
    );
}

#[test]
fn every_profile_has_its_own_manual_checklist() {
    let ps = all_profiles();
    let mut seen = std::collections::HashSet::new();
    for p in &ps {
        let items = p.file.checklist.clean_items();
        assert!(!items.is_empty(), "{} has no manual checklist", p.id);
        assert!(
            seen.insert(items.clone()),
            "{} repeats another profile's checklist",
            p.id
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Every figure cites its source
// ---------------------------------------------------------------------------------------------

/// The source keys a profile defines: `#   [SR]   home.pearsonvue.com/...` (a `#`, two or more
/// spaces, the key in brackets, then what it is), at the top of the file or of a section.
fn defined_source_keys(text: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        if !rest.starts_with("  ") {
            continue;
        }
        let rest = rest.trim_start();
        if let Some(key) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
            let (key, after) = key;
            if is_source_key(key) && !after.trim().is_empty() {
                keys.insert(key.to_string());
            }
        }
    }
    keys
}

fn is_source_key(key: &str) -> bool {
    !key.is_empty()
        && key.starts_with(|c: char| c.is_ascii_uppercase())
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

/// Whether one comment line names a source: a key the file defines (`[SR]`), an address or a
/// document, or says the figure is examready's own.
fn cites_a_source(comment: &str, keys: &BTreeSet<String>) -> bool {
    let cited_key = comment
        .split('[')
        .skip(1)
        .filter_map(|s| s.split_once(']').map(|(k, _)| k))
        .any(|k| keys.contains(k));
    let lower = comment.to_lowercase();
    let address = [
        "http://",
        "https://",
        "github.com/",
        ".com",
        ".org",
        ".edu",
        ".net",
    ]
    .iter()
    .any(|a| lower.contains(a));
    let document = [
        "pdf",
        "guide",
        "article",
        "test.webrtc.org",
        "requirements.md",
    ]
    .iter()
    .any(|d| lower.contains(d));
    let own = [
        "examready",
        "our own",
        "not published",
        "not a vendor figure",
        "publishes no",
    ]
    .iter()
    .any(|o| lower.contains(o));
    cited_key || address || document || own
}

/// The keys of a profile whose value is a requirement and no comment names its source:
/// `(line, section, key)`. A comment applies to the keys below it up to the next blank line (a
/// section header in between keeps it: a comment above `[system.os.macos]` covers its keys);
/// a comment at the end of the key's line counts too. `[profile]` (what the file is) is not a
/// requirement; every other section is, `[network]` included.
fn figures_without_a_source(text: &str) -> Vec<(usize, String, String)> {
    let keys = defined_source_keys(text);
    let mut missing = Vec::new();
    let mut section = String::new();
    let mut block_cites = false;
    let mut in_array = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if in_array {
            // Items of a multi-line array (checklist items, patterns, endpoints) belong to the
            // key that opened it.
            if t.starts_with(']') {
                in_array = false;
            }
            continue;
        }
        if t.is_empty() {
            block_cites = false;
            continue;
        }
        if let Some(comment) = t.strip_prefix('#') {
            block_cites |= cites_a_source(comment, &keys);
            continue;
        }
        if t.starts_with('[') {
            section = t.trim_matches(|c| c == '[' || c == ']').to_string();
            continue;
        }
        let Some((key, value)) = t.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let inline = value
            .split_once('#')
            .is_some_and(|(_, c)| cites_a_source(c, &keys));
        let cited = section == "profile" || block_cites || inline;
        if value.starts_with('[') && !value.contains(']') {
            // A multi-line array whose key no comment covers (a checklist's `items`) is cited
            // item by item: each item needs a citing comment of its own above it.
            let items = array_items_without_a_source(text, i + 1, &keys);
            in_array = true;
            if !cited {
                for line in items {
                    missing.push((line, section.clone(), format!("{} item", key.trim())));
                }
            }
            continue;
        }
        if !cited {
            missing.push((i + 1, section.clone(), key.trim().to_string()));
        }
    }
    missing
}

/// The lines (1-based) of a multi-line array's items, starting after line index `from`, that
/// no comment inside the array cites a source for.
fn array_items_without_a_source(text: &str, from: usize, keys: &BTreeSet<String>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut cites = false;
    for (i, line) in text.lines().enumerate().skip(from) {
        let t = line.trim();
        if t.starts_with(']') {
            break;
        }
        if let Some(comment) = t.strip_prefix('#') {
            cites |= cites_a_source(comment, keys);
        } else if !t.is_empty() {
            if !cites {
                out.push(i + 1);
            }
            cites = false;
        }
    }
    out
}

/// Every figure in every built-in profile names where it comes from (a source key the file
/// defines, an address or a document) or says it is examready's own rule.
#[test]
fn every_profile_figure_cites_its_source() {
    let mut missing = Vec::new();
    for (_, file, text) in BUILTIN {
        for (line, section, key) in figures_without_a_source(text) {
            missing.push(format!("{file}:{line}: [{section}] {key}"));
        }
    }
    assert!(
        missing.is_empty(),
        "figures without a source comment (cite a key defined at the top of the file, an \
         address or a document, or say it is examready's own rule):\n{}",
        missing.join("\n")
    );
}

/// The rule above refuses what it should: a figure with no comment, a comment that names no
/// source, an undefined key; and accepts a defined key, an inline citation, a comment above a
/// section header, and examready's own rule.
#[test]
fn the_source_rule_refuses_a_figure_without_a_source() {
    let text = "# Header\n#   [SR]   the vendor's page\n\n[profile]\nname = \"x\"\n\n\
                [system]\nmin_ram_gb = 4\n\n# RAM is nice\nrecommended_ram_gb = 8\n\n\
                # [XX] not defined\nmax_displays = 1\n\n# [SR] one monitor\nmin_resolution = \"1024x768\"\n\
                allow_touchscreen = false\n\nwarn_on_battery = true  # examready's own rule\n\n\
                # [SR] Windows 10+\n[system.os.windows]\nmin_version = \"10\"\n\n\
                [checklist]\nitems = [\n  # [SR] cited\n  \"a\",\n  \"b\",\n]\n";
    let got: Vec<String> = figures_without_a_source(text)
        .into_iter()
        .map(|(_, s, k)| format!("{s}.{k}"))
        .collect();
    assert_eq!(
        got,
        [
            "system.min_ram_gb",
            "system.recommended_ram_gb",
            "system.max_displays",
            "checklist.items item"
        ]
    );
}
