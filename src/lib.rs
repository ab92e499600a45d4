/*!
examready: tells a candidate, before an online-proctored exam, whether this computer, its webcam
and microphone, and its network will pass, what exactly is wrong, and how to fix it.

Layout: probes gather facts (`check::*`), profiles judge them (`profile`, the TOML files under `checks/`),
renderers print (`render::*`); the `runner` owns concurrency, deadlines and crash isolation and
`cli` ties them together; `fsutil` writes the files the user names (atomically, careful with
links) and `interrupt` makes Ctrl-C and SIGTERM end a run in every phase. `main.rs` only calls
[`cli::main`].
*/

pub mod allowlist;
pub mod audio;
pub mod catalogue;
pub mod check;
pub mod checklist;
pub mod ci;
pub mod cli;
pub mod codes;
pub mod collect;
pub mod command;
pub mod diff;
pub mod double_click;
pub mod exam;
pub mod explain;
pub mod figure;
pub mod fsutil;
pub mod history;
pub mod interrupt;
pub mod model;
pub mod os;
pub mod profile;
pub mod redact;
pub mod render;
pub mod replay;
pub mod runner;
pub mod serve;
pub mod stats;
pub mod submit;
pub mod textfile;
pub mod textpos;
pub mod tomlfile;
pub mod ui;
pub mod units;
pub mod watch;
pub mod wire;
