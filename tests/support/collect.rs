//! A real `examready collect serve` on 127.0.0.1 over SQLite or a private PostgreSQL
//! (`postgres`), its tokens made through the CLI, and real HTTP to it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use super::{Env, output_within};

/// Each scenario named, as a test once per database: `<module>::sqlite::NAME` and
/// `<module>::postgres::NAME`, each calling `NAME(Backend)`.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name($crate::support::collect::Backend::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name($crate::support::collect::Backend::Postgres) } )*
        }
    };
}
pub(crate) use on_both;

/// Which database the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running collect server, killed on drop.
pub struct Collect {
    pub env: Env,
    pub database: String,
    pub url: String,
    child: Child,
    _stderr: BufReader<std::process::ChildStderr>,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
}

/// Start `collect serve` on `database`: the child, its stderr, its URL, and the lines it wrote
/// before the address (what the retention deleted). The caller waits for the child.
#[allow(clippy::zombie_processes)]
fn spawn(
    env: &Env,
    database: &str,
    extra: &[&str],
    vars: &[(&str, &str)],
) -> (Child, BufReader<std::process::ChildStderr>, String, String) {
    let mut cmd = env.cmd(&["collect", "serve", "--listen", "127.0.0.1:0"]);
    let mut child = cmd
        .args(["--database", database])
        .args(extra)
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start examready collect serve");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut before = String::new();
    loop {
        let mut line = String::new();
        let n = stderr
            .read_line(&mut line)
            .expect("read the server's stderr");
        assert!(n > 0, "collect serve ended before listening: {before}");
        if line.contains("listening on") {
            let url = line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .unwrap_or_else(|| panic!("no address in {line:?}"))
                .to_string();
            return (child, stderr, url, before);
        }
        before.push_str(&line);
    }
}

/// An HTTP answer: status, headers, body.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

impl Collect {
    /// A server on `backend` with `extra` options, or `None` (after [`super::skip_or_fail`])
    /// when PostgreSQL cannot run here.
    pub fn start(backend: Backend, extra: &[&str]) -> Option<Collect> {
        Collect::start_env(backend, extra, &[])
    }

    /// [`Collect::start`] with environment variables for the server.
    pub fn start_env(backend: Backend, extra: &[&str], vars: &[(&str, &str)]) -> Option<Collect> {
        let env = Env::new();
        let database = match backend {
            Backend::Sqlite => env.path("collect.sqlite3").display().to_string(),
            Backend::Postgres => match postgres_database() {
                Ok(url) => url,
                Err(why) => {
                    super::skip_or_fail(&format!("no private PostgreSQL: {why}"));
                    return None;
                }
            },
        };
        let (child, stderr, url, _) = spawn(&env, &database, extra, vars);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Some(Collect {
            env,
            database,
            url,
            child,
            _stderr: stderr,
            rt,
            http,
        })
    }

    /// Stop the server and start it again on the same database with `extra` options; what it
    /// said before listening.
    pub fn restart(&mut self, extra: &[&str]) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, stderr, url, before) = spawn(&self.env, &self.database, extra, &[]);
        self.child = child;
        self._stderr = stderr;
        self.url = url;
        before
    }

    /// `examready collect ARGS --database DB`: exit code, stdout, stderr.
    pub fn cli(&self, args: &[&str]) -> (i32, String, String) {
        let mut c = self.env.cmd(&["collect"]);
        c.args(args).args(["--database", &self.database]);
        let out = output_within(&mut c, Duration::from_secs(60));
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// A new submit token (through the CLI).
    pub fn token(&self, label: &str, extra: &[&str]) -> String {
        let mut args = vec!["token", "create", "--label", label];
        args.extend_from_slice(extra);
        let (code, out, err) = self.cli(&args);
        assert_eq!(code, 0, "token create: {err}");
        let token = out.trim().to_string();
        assert!(
            token.starts_with("ers_") && !token.contains(char::is_whitespace),
            "{out}"
        );
        token
    }

    /// A new admin token (through the CLI).
    pub fn admin_token(&self) -> String {
        let (code, out, err) = self.cli(&["admin-token"]);
        assert_eq!(code, 0, "admin-token: {err}");
        out.trim().to_string()
    }

    /// Send `req` and read the answer.
    pub fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        self.rt.block_on(async {
            let r = req.send().await.expect("the request is answered");
            Answer {
                status: r.status().as_u16(),
                headers: r.headers().clone(),
                body: r.text().await.unwrap(),
            }
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// POST a body to the submit API with `token` and `content_type`.
    pub fn post(&self, token: Option<&str>, content_type: &str, body: Vec<u8>) -> Answer {
        let mut req = self
            .http
            .post(self.at("/api/v1/reports"))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req)
    }

    /// Submit `report` for `candidate` as the contract says.
    pub fn submit(&self, token: &str, candidate: &str, report: &serde_json::Value) -> Answer {
        let body = serde_json::json!({"candidate": candidate, "report": report});
        self.post(
            Some(token),
            "application/json",
            serde_json::to_vec(&body).unwrap(),
        )
    }

    /// GET `path` with an admin bearer token.
    pub fn admin_get(&self, admin: &str, path: &str) -> Answer {
        self.send(self.http.get(self.at(path)).bearer_auth(admin))
    }
}

#[cfg(unix)]
fn postgres_database() -> Result<String, &'static str> {
    super::postgres::cluster().map(|c| c.database())
}

#[cfg(not(unix))]
fn postgres_database() -> Result<String, &'static str> {
    Err("the private cluster is started on Unix only")
}

impl Drop for Collect {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixture() -> examready::model::Report {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/recorded-report.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The recorded fixture report (not ready: a prohibited application), its time moved by
/// `seconds` (so each is a different report), with its report id set.
pub fn report(seconds: i64) -> serde_json::Value {
    let mut r = fixture();
    r.time += jiff::SignedDuration::from_secs(seconds);
    serde_json::to_value(r.with_id()).unwrap()
}

/// The fixture report run `ago` seconds before now, for an exam `exam_in` seconds from now
/// (if any), `ready` or not.
pub fn report_now(ago: i64, exam_in: Option<i64>, ready: bool) -> serde_json::Value {
    use examready::model::{Status, Verdict};
    let mut r = fixture();
    let now = jiff::Timestamp::now();
    r.time = now - jiff::SignedDuration::from_secs(ago);
    if ready {
        for c in &mut r.checks {
            c.status = Status::Pass;
            for f in &mut c.findings {
                f.status = Status::Pass;
            }
        }
        r.verdict = Verdict::Ready;
    }
    r.exam = exam_in.map(|s| {
        let at = now + jiff::SignedDuration::from_secs(s);
        let utc = jiff::tz::TimeZone::UTC;
        examready::exam::ExamPlan {
            at,
            local: utc.to_datetime(at),
            checked_local: utc.to_datetime(r.time),
            check_in_minutes: Some(30),
        }
    });
    serde_json::to_value(r.with_id()).unwrap()
}

impl Collect {
    /// Send all `reqs` at once; their statuses.
    pub fn rt_block_all(&self, reqs: Vec<reqwest::RequestBuilder>) -> Vec<u16> {
        self.rt.block_on(async {
            let tasks: Vec<_> = reqs
                .into_iter()
                .map(|r| tokio::spawn(async move { r.send().await.unwrap().status().as_u16() }))
                .collect();
            let mut out = vec![];
            for t in tasks {
                out.push(t.await.unwrap());
            }
            out
        })
    }
}
