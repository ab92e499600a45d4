//! `examready check --submit URL` and `examready submit [REPORT]`: a run sent to the
//! institution's collect server (see [`crate::submit`]), and how to send it again when that
//! failed.

use super::*;
use crate::submit::{self, Target};

impl SendArgs {
    /// The checked target of `--submit`, if given (before anything runs); a usage error names
    /// what is missing or wrong. Warns about plain http to another computer.
    pub(super) fn target(&self) -> anyhow::Result<Option<Target>> {
        let Some(url) = &self.submit else {
            return Ok(None);
        };
        let Some(candidate) = &self.candidate else {
            bail!(
                "--submit needs --candidate TEXT: what identifies you to your institution (your \
                 student number or your name, as it asked); nothing identifies you otherwise"
            );
        };
        let token = self.token.as_ref().map(submit::Secret::expose);
        let target =
            Target::new(url, candidate, token).map_err(|e| anyhow::anyhow!("--submit: {e}"))?;
        warn_plain_http(&target);
        Ok(Some(target))
    }
}

fn warn_plain_http(target: &Target) {
    if let Some(w) = submit::plain_http_warning(&target.base) {
        warn(&w);
    }
}

/// Send `report` with a runtime of its own: what the server did, or why it did not.
fn send_blocking(target: &Target, report: &Report) -> Result<submit::Outcome, submit::Failure> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| submit::Failure {
            status: None,
            message: format!("cannot start the async runtime: {e}"),
        })?;
    rt.block_on(submit::send(target, report))
}

/// After `check` delivered (and saved) the run: send it. The verdict's `code` when the server
/// took it; otherwise the server's sentence, how to send it again, and [`EXIT_ERROR`].
pub(super) fn submit_after_check(target: &Target, report: &Report, saved: bool, code: u8) -> u8 {
    let id = report.content_id();
    match send_blocking(target, report) {
        Ok(outcome) => {
            say!("{}", submit::sent_line(&id, target, outcome));
            code
        }
        Err(f) => {
            let how = if saved {
                format!(
                    "This run is saved in the history; send it again with:\n  {}",
                    target.retry_command(&id)
                )
            } else {
                "This run could not be saved in the history (see the warning above): run \
                 `examready check --output report.json` and send that file with `examready \
                 submit report.json`."
                    .to_string()
            };
            say!(
                "examready: error: report {id} was not sent: {}\n{how}",
                render::sanitize::plain(&f.message)
            );
            EXIT_ERROR
        }
    }
}

/// `examready submit [REPORT] --to URL --candidate TEXT [--token T]`.
pub(super) fn run_submit(args: &SubmitCmdArgs) -> anyhow::Result<u8> {
    let token = args.token.as_ref().map(submit::Secret::expose);
    let target = Target::new(&args.to, &args.candidate, token).map_err(anyhow::Error::msg)?;
    warn_plain_http(&target);
    let (_, loaded) = load_history()?;
    let (id, report, again) = match args.report.as_deref() {
        Some(spec) => {
            let (id, report) = crate::history::resolve(spec, &loaded)?;
            // A file is named again as the file; a saved run by its full id.
            let again = if std::path::Path::new(spec).is_file() {
                spec.to_string()
            } else {
                id.clone()
            };
            (id, report, again)
        }
        None => {
            if let Some(e) = &loaded.folder_error {
                bail!("{e}: name a JSON report file to send");
            }
            let Some(last) = loaded.entries.last() else {
                bail!("no saved run yet: run `examready check` first, or name a JSON report file");
            };
            (last.id.clone(), last.report.clone(), last.id.clone())
        }
    };
    match send_blocking(&target, &report) {
        Ok(outcome) => {
            print_stdout(&format!("{}\n", submit::sent_line(&id, &target, outcome)))?;
            Ok(EXIT_READY)
        }
        Err(f) => {
            let retry = target.retry_command(&submit::shell_quote(&again));
            say!(
                "examready: error: report {id} was not sent: {}\nSend it again with:\n  {retry}",
                render::sanitize::plain(&f.message)
            );
            Ok(EXIT_ERROR)
        }
    }
}
