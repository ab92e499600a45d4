//! The dashboard (server-rendered, behind [`admin`](super::admin)): per cohort, each
//! candidate's latest verdict, failing checks and codes and time of last check; counts per
//! finding code; filters (cohort, verdict, code, not checked in N days), sorting, pages, CSV
//! export; a candidate's history and each stored report. Candidates not ready within 48 hours
//! of their exam come first.

use std::fmt::Write;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::page::{self, esc, query};
use super::query::{Cohort, Filters, PAGE_SIZE, Row};
use super::state::{App, db_failed};
use super::{admin, csv, show_time};

/// The dashboard's routes: every page but the login's behind [`admin::check`].
pub fn router(app: Arc<App>) -> Router<Arc<App>> {
    let pages = Router::new()
        .route("/dashboard", get(overview))
        .route("/dashboard/candidate", get(candidate))
        .route("/dashboard/report/{id}", get(report))
        .route("/dashboard/export.csv", get(export))
        .route_layer(axum::middleware::from_fn_with_state(app, admins_only));
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route(
            "/dashboard/login",
            get(admin::login_page).post(admin::login),
        )
        .route("/dashboard/logout", post(admin::logout))
        .merge(pages)
}

async fn admins_only(
    State(app): State<Arc<App>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match admin::check(&app, request.headers()).await {
        Ok(()) => next.run(request).await,
        Err(r) => r,
    }
}

fn unavailable(e: &sqlx::Error) -> Response {
    page::error(StatusCode::SERVICE_UNAVAILABLE, &db_failed(e))
}

/// The filters as a query string (`page` left out).
fn filter_query(f: &Filters) -> String {
    let stale = f.stale().map(|d| d.to_string()).unwrap_or_default();
    query(&[
        ("cohort", f.cohort().unwrap_or("")),
        ("verdict", f.verdict().unwrap_or("")),
        ("code", f.code().unwrap_or("")),
        ("stale", &stale),
        ("sort", if f.sort() == "urgent" { "" } else { f.sort() }),
    ])
}

async fn overview(State(app): State<Arc<App>>, Query(f): Query<Filters>) -> Response {
    let now = super::now();
    let (cohorts, (rows, total), counts) = match tokio::try_join!(
        super::query::cohorts(&app.db, now),
        super::query::candidates(&app.db, &f, now, false),
        super::query::code_counts(&app.db, &f, now),
    ) {
        Ok(x) => x,
        Err(e) => return unavailable(&e),
    };
    let mut body = String::from(
        "<nav><h1>Who is ready</h1><form method=\"post\" action=\"/dashboard/logout\">\
         <button>Sign out</button></form></nav>",
    );
    cohort_table(&mut body, &cohorts);
    filter_form(&mut body, &f, &cohorts);
    code_list(&mut body, &f, &counts);
    candidate_table(&mut body, &f, &rows, total, now);
    page::html(StatusCode::OK, "Dashboard", &body)
}

fn cohort_table(out: &mut String, cohorts: &[Cohort]) {
    out.push_str("<h2>Cohorts</h2><table><tr><th>Cohort</th><th>Token</th><th>State</th><th>Candidates</th><th>Not ready</th></tr>");
    for c in cohorts {
        let _ = write!(
            out,
            "<tr><td><a href=\"/dashboard?{}\">{}</a></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            query(&[("cohort", &c.id)]),
            esc(&c.label),
            esc(&c.id),
            c.state,
            c.candidates,
            c.not_ready
        );
    }
    if cohorts.is_empty() {
        out.push_str("<tr><td colspan=\"5\">No tokens yet: <code>examready collect token create --label TEXT</code></td></tr>");
    }
    out.push_str("</table>");
}

fn option(value: &str, label: &str, selected: bool) -> String {
    format!(
        "<option value=\"{}\"{}>{}</option>",
        esc(value),
        if selected { " selected" } else { "" },
        esc(label)
    )
}

fn filter_form(out: &mut String, f: &Filters, cohorts: &[Cohort]) {
    out.push_str("<form class=\"filters\" method=\"get\" action=\"/dashboard\"><label>Cohort <select name=\"cohort\">");
    out.push_str(&option("", "all", f.cohort().is_none()));
    for c in cohorts {
        out.push_str(&option(&c.id, &c.label, f.cohort() == Some(c.id.as_str())));
    }
    out.push_str("</select></label><label>Verdict <select name=\"verdict\">");
    for (v, l) in [("", "any"), ("not-ready", "not ready"), ("ready", "ready")] {
        out.push_str(&option(v, l, f.verdict().unwrap_or("") == v));
    }
    let _ = write!(
        out,
        "</select></label><label>Code <input name=\"code\" value=\"{}\" size=\"16\"></label>\
         <label>Not checked in the last <input name=\"stale\" type=\"number\" min=\"1\" max=\"3650\" value=\"{}\" size=\"4\"> days</label>\
         <label>Sort <select name=\"sort\">",
        esc(f.code().unwrap_or("")),
        f.stale().map(|d| d.to_string()).unwrap_or_default()
    );
    for (v, l) in [
        ("urgent", "exam soonest, not ready first"),
        ("candidate", "candidate"),
        ("checked", "last check, oldest first"),
        ("verdict", "verdict"),
    ] {
        out.push_str(&option(v, l, f.sort() == v));
    }
    let _ = write!(
        out,
        "</select></label><button>Show</button> <a href=\"/dashboard/export.csv?{}\">Export CSV</a></form>",
        filter_query(f)
    );
}

fn code_list(out: &mut String, f: &Filters, counts: &[(String, i64)]) {
    if counts.is_empty() {
        return;
    }
    out.push_str("<h2>Why candidates are not ready</h2><ul class=\"codes\">");
    for (code, n) in counts {
        let mut with = f.clone();
        with.code = Some(code.clone());
        let _ = write!(
            out,
            "<li><a href=\"/dashboard?{}\">{n} candidate{}: <code>{}</code></a></li>",
            filter_query(&with),
            if *n == 1 { "" } else { "s" },
            esc(code)
        );
    }
    out.push_str("</ul>");
}

fn candidate_table(out: &mut String, f: &Filters, rows: &[Row], total: i64, now: i64) {
    let _ = write!(
        out,
        "<h2>Candidates ({total})</h2><table><tr><th>Candidate</th><th>Cohort</th><th>Verdict</th>\
         <th>Failing checks</th><th>Codes</th><th>Last check</th><th>Exam</th></tr>"
    );
    for r in rows {
        let history = query(&[("name", &r.candidate), ("cohort", &r.cohort)]);
        let _ = write!(
            out,
            "<tr{}><td><a href=\"/dashboard/candidate?{history}\">{}</a></td><td>{}</td>\
             <td class=\"{}\">{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            if r.urgent(now) {
                " class=\"urgent\""
            } else {
                ""
            },
            esc(&r.candidate),
            esc(&r.cohort_label),
            esc(&r.verdict),
            esc(&r.verdict),
            esc(&r.failing.replace(',', ", ")),
            esc(&r.codes.replace(',', ", ")),
            show_time(r.checked_at),
            r.exam_at.map(show_time).unwrap_or_default()
        );
    }
    out.push_str("</table>");
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    if pages > 1 {
        let here = f.page().min(pages);
        let link = |p: i64, label: &str| {
            format!(
                "<a href=\"/dashboard?{}&page={p}\">{label}</a>",
                filter_query(f)
            )
        };
        let _ = write!(out, "<p>Page {here} of {pages} ");
        if here > 1 {
            out.push_str(&link(here - 1, "previous"));
            out.push(' ');
        }
        if here < pages {
            out.push_str(&link(here + 1, "next"));
        }
        out.push_str("</p>");
    }
}

#[derive(Deserialize)]
struct Who {
    name: String,
    cohort: Option<String>,
}

async fn candidate(State(app): State<Arc<App>>, Query(who): Query<Who>) -> Response {
    let cohort = who.cohort.as_deref().filter(|c| !c.is_empty());
    let past = match super::query::history(&app.db, &who.name, cohort).await {
        Ok(p) => p,
        Err(e) => return unavailable(&e),
    };
    let mut body = format!(
        "<p><a href=\"/dashboard\">Dashboard</a></p><h1>{}</h1><table><tr><th>Checked</th><th>Cohort</th>\
         <th>Verdict</th><th>Profile</th><th>Failing checks and codes</th><th>Exam</th><th>Report</th></tr>",
        esc(&who.name)
    );
    for p in &past {
        let fails: Vec<String> = p
            .failures
            .iter()
            .map(|(c, code)| {
                if code.is_empty() {
                    esc(c)
                } else {
                    format!("{}: <code>{}</code>", esc(c), esc(code))
                }
            })
            .collect();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td><a href=\"/dashboard/report/{}\">{}</a></td></tr>",
            show_time(p.checked_at),
            esc(&p.cohort_label),
            esc(&p.verdict),
            esc(&p.verdict),
            esc(&p.profile),
            fails.join("<br>"),
            p.exam_at.map(show_time).unwrap_or_default(),
            page::url_escape(&p.id),
            esc(&p.report_id)
        );
    }
    if past.is_empty() {
        body.push_str("<tr><td colspan=\"7\">No reports stored for this candidate.</td></tr>");
    }
    body.push_str("</table>");
    page::html(StatusCode::OK, &who.name, &body)
}

/// A stored report, shown as examready's own HTML report.
async fn report(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let (candidate, body) = match super::query::report(&app.db, &id).await {
        Ok(Some(x)) => x,
        Ok(None) => return page::error(StatusCode::NOT_FOUND, "there is no such report"),
        Err(e) => return unavailable(&e),
    };
    match crate::render::json::parse(&body) {
        Ok(r) => {
            let mut resp = (StatusCode::OK, crate::render::html::render(&r)).into_response();
            page::secure(&mut resp, "text/html; charset=utf-8");
            resp
        }
        Err(e) => page::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the report of {candidate} cannot be read: {e}"),
        ),
    }
}

async fn export(State(app): State<Arc<App>>, Query(f): Query<Filters>) -> Response {
    let rows = match super::query::candidates(&app.db, &f, super::now(), true).await {
        Ok((rows, _)) => rows,
        Err(e) => return unavailable(&e),
    };
    let mut r = (StatusCode::OK, csv::render(&rows)).into_response();
    page::secure(&mut r, "text/csv; charset=utf-8");
    r.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"examready-candidates.csv\""),
    );
    r
}
