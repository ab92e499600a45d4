//! The integration tests, as one test binary (`autotests = false` in Cargo.toml): each file under
//! tests/ is a module here, and they share `support` (tests/support/). Run one area with
//! `cargo test --test main <module>::`, e.g. `cargo test --test main report::`.
//!
//! Every run of the real binary goes through `support::examready()` (or `support::Env`), which
//! gives it a private HOME and history; `support::guard` checks that no test goes around it and
//! that every file here is listed below.

mod support;

mod allowlist;
mod audio;
mod cli;
mod collect;
mod collect_batch;
mod collect_dashboard;
mod collect_e2e;
mod display;
mod explain;
mod fuzz;
mod history;
mod hostile;
mod network;
mod network_kernel;
mod network_tls;
mod output;
mod processes;
mod profiles;
mod release;
mod report;
mod robustness;
mod runner;
mod schema;
mod ship;
mod submit;
mod submit_ui;
mod ui;
mod ui_devices;
mod watch;
mod webcam;
mod windows;
mod workflows;
