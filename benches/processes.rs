//! Issue 2's benchmark: the `processes` probe with 2,000 extra live processes, and the whole
//! `examready check --only system,processes` run (wall time and peak memory of the real binary).
//! Goals: scan < 150 ms, whole run < 1 s, peak memory < 40 MB.
//!
//! Run: `cargo bench --bench processes` (prints criterion's figures, then the whole-run table).

use std::process::{Child, Command, Stdio};
use std::time::Duration;
#[cfg(target_os = "linux")]
use std::time::Instant;

use criterion::{Criterion, criterion_group};

const EXTRA: usize = 2000;

struct Sleepers(Vec<Child>);

impl Sleepers {
    fn start(n: usize) -> Sleepers {
        let v = (0..n)
            .filter_map(|_| {
                Command::new("sleep")
                    .arg("600")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .ok()
            })
            .collect::<Vec<_>>();
        assert!(
            v.len() >= n * 9 / 10,
            "could start only {} of {n} processes",
            v.len()
        );
        Sleepers(v)
    }
}

impl Drop for Sleepers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
        }
        for c in &mut self.0 {
            let _ = c.wait();
        }
    }
}

fn scan(c: &mut Criterion) {
    let _sleepers = Sleepers::start(EXTRA);
    let profile = examready::profile::load("onvue").unwrap();
    let mut g = c.benchmark_group("processes");
    g.sample_size(20).measurement_time(Duration::from_secs(8));
    g.bench_function("scan with 2000 extra processes", |b| {
        b.iter(|| examready::check::processes::scan().unwrap())
    });
    let facts = examready::check::processes::scan().unwrap();
    assert!(facts.scanned >= EXTRA);
    g.bench_function("judge 2000+ processes", |b| {
        b.iter(|| {
            examready::check::processes::judge_with(
                &facts,
                &profile.file.processes,
                &profile.catalogue,
                "OnVUE",
            )
        })
    });
    g.finish();
}

/// Wall time and peak resident memory of one run of the real binary (Linux `wait4`).
#[cfg(target_os = "linux")]
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives the peak memory
fn run_once() -> (Duration, u64) {
    // Its own history: runs saved in the developer's would push real runs out (it keeps 200).
    let data = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_examready"))
        .args(["check", "--only", "system,processes", "--json"])
        .env("EXAMREADY_DATA_DIR", data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; pointers are valid for the call.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    (start.elapsed(), usage.ru_maxrss as u64 * 1024)
}

#[cfg(target_os = "linux")]
fn whole_run() {
    let _sleepers = Sleepers::start(EXTRA);
    let runs: Vec<(Duration, u64)> = (0..7).map(|_| run_once()).collect();
    let mut walls: Vec<f64> = runs.iter().map(|r| r.0.as_secs_f64() * 1000.0).collect();
    walls.sort_by(f64::total_cmp);
    let peak = runs.iter().map(|r| r.1).max().unwrap();
    println!(
        "whole run `check --only system,processes` with {EXTRA} extra processes, 7 runs: \
         wall median {:.0} ms (min {:.0}, max {:.0}); peak RSS {:.1} MB",
        walls[walls.len() / 2],
        walls[0],
        walls[walls.len() - 1],
        peak as f64 / 1e6
    );
}

criterion_group!(benches, scan);

fn main() {
    benches();
    #[cfg(target_os = "linux")]
    whole_run();
    Criterion::default().configure_from_args().final_summary();
}
