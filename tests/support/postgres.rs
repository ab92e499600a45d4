//! A private PostgreSQL cluster for the tests (Debian's `postgresql`): `initdb` and `pg_ctl`
//! from /usr/lib/postgresql/*/bin, run as `nobody` when the tests run as root (PostgreSQL
//! refuses root), on a free port of 127.0.0.1 with a password, its socket in its own folder.
//! Started once per test binary; a watchdog stops it and deletes its folder when the test
//! process ends (however it ends).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The running cluster.
pub struct Cluster {
    pub port: u16,
    password: String,
    bin: PathBuf,
    next: AtomicUsize,
}

/// The newest PostgreSQL's bin folder that has initdb.
fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("initdb").is_file() && b.join("pg_ctl").is_file())
        .collect();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop()
}

/// `program args` as the unprivileged user the cluster runs as.
fn as_owner(program: &Path) -> Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut c: Command, what: &str) -> Result<(), String> {
    let out = c
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start() -> Result<Cluster, String> {
    let bin = bin_dir().ok_or(
        "PostgreSQL is not installed (Debian's postgresql: no /usr/lib/postgresql/*/bin/initdb)",
    )?;
    let dir = tempfile::Builder::new()
        .prefix("examready-pg-")
        .tempdir()
        .map_err(|e| e.to_string())?
        .keep();
    let password = format!("pw{}", std::process::id());
    std::fs::write(dir.join("pw"), &password).map_err(|e| e.to_string())?;
    std::fs::create_dir(dir.join("sock")).map_err(|e| e.to_string())?;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        run(
            {
                let mut c = Command::new("chown");
                c.args(["-R", "nobody"]).arg(&dir);
                c
            },
            "chown",
        )?;
    }
    let data = dir.join("data");
    let mut init = as_owner(&bin.join("initdb"));
    init.arg("-D")
        .arg(&data)
        .args([
            "-U",
            "examready",
            "-E",
            "UTF8",
            "--no-sync",
            "--auth-local=trust",
        ])
        .args(["--auth-host=scram-sha-256"])
        .arg(format!("--pwfile={}", dir.join("pw").display()));
    run(init, "initdb")?;
    watchdog(&bin, &dir);
    let port = free_port();
    let mut ctl = as_owner(&bin.join("pg_ctl"));
    ctl.arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("log"))
        .args(["-w", "-o"]);
    ctl.arg(format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -F -c max_connections=300",
        dir.join("sock").display()
    ))
    .arg("start");
    run(ctl, "pg_ctl start").map_err(|e| {
        let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        format!("{e}\n{log}")
    })?;
    Ok(Cluster {
        port,
        password,
        bin,
        next: AtomicUsize::new(0),
    })
}

/// A shell that waits for this process to end, then stops the cluster and deletes its folder.
fn watchdog(bin: &Path, dir: &Path) {
    let stop = format!(
        "{} '{}' -D '{}' -m immediate stop",
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            "runuser -u nobody --"
        } else {
            ""
        },
        bin.join("pg_ctl").display(),
        dir.join("data").display()
    );
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        dir = dir.display()
    );
    // Outlives this process on purpose: it is what stops the cluster after it.
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the cluster's watchdog");
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// The cluster (started on first use), or why it cannot run.
pub fn cluster() -> Result<&'static Cluster, &'static str> {
    CLUSTER.get_or_init(start).as_ref().map_err(String::as_str)
}

impl Cluster {
    fn url(&self, db: &str) -> String {
        format!(
            "postgres://examready:{}@127.0.0.1:{}/{db}",
            self.password, self.port
        )
    }

    /// A new empty database; its URL.
    pub fn database(&self) -> String {
        let name = format!("t{}", self.next.fetch_add(1, Ordering::SeqCst));
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "examready",
            ])
            .args(["-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c"])
            .arg(format!("CREATE DATABASE {name}"))
            .env("PGPASSWORD", &self.password)
            .stdin(Stdio::null())
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "CREATE DATABASE: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.url(&name)
    }
}
