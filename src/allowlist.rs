/*!
`examready allowlist`: the hosts, ports and protocols a campus firewall must let candidates reach
for a proctoring service, read from its profile's `[network] endpoints` (the same list the
network check probes), each with the source the profile gives for it. Text is a table for a
person, CSV has a header line, JSON is an array of objects. A profile that names no host says so
and lists the vendor's sources instead.
*/

use serde::Serialize;

use crate::check::network::EndpointSpec;
use crate::profile::Profile;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Csv,
    Json,
}

/// One host and port to allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub host: String,
    pub port: u16,
    /// Always "tcp": every endpoint is probed by a TCP connection.
    pub transport: &'static str,
    /// What goes over it: "https", "tls", "http", "tcp", "wss" or "ws".
    pub protocol: &'static str,
    pub tls: bool,
    /// The path of a WebSocket upgrade, when the profile names one.
    pub websocket: Option<String>,
    /// false: the vendor names it only by a wildcard (the check only warns when it fails).
    pub required: bool,
    pub source: Option<String>,
}

impl Entry {
    fn of(ep: &EndpointSpec) -> Entry {
        let tls = ep.uses_tls();
        let protocol = match (tls, ep.websocket.is_some(), ep.port) {
            (true, true, _) => "wss",
            (false, true, _) => "ws",
            (true, false, 443) => "https",
            (true, false, _) => "tls",
            (false, false, 80) => "http",
            (false, false, _) => "tcp",
        };
        Entry {
            host: ep.host.clone(),
            port: ep.port,
            transport: "tcp",
            protocol,
            tls,
            websocket: ep.websocket.as_ref().map(|w| w.0.clone()),
            required: ep.required.unwrap_or(true),
            source: ep.source.clone(),
        }
    }
}

/// The profile's endpoints, in its order.
pub fn entries(profile: &Profile) -> Vec<Entry> {
    profile
        .file
        .network
        .endpoints
        .iter()
        .map(Entry::of)
        .collect()
}

/// `entries` in `format`.
pub fn render(profile: &Profile, entries: &[Entry], format: Format) -> String {
    match format {
        Format::Text => text(profile, entries),
        Format::Csv => csv(entries),
        Format::Json => {
            let s = serde_json::to_string_pretty(entries).expect("entries serialize");
            crate::render::json::escape_invisible(s + "\n")
        }
    }
}

const COLUMNS: [&str; 7] = [
    "host",
    "port",
    "transport",
    "protocol",
    "websocket",
    "required",
    "source",
];

fn cells(e: &Entry) -> [String; 7] {
    [
        e.host.clone(),
        e.port.to_string(),
        e.transport.to_string(),
        e.protocol.to_string(),
        e.websocket.clone().unwrap_or_default(),
        if e.required { "yes" } else { "advisory" }.to_string(),
        e.source.clone().unwrap_or_default(),
    ]
}

/// A table: host, port, transport, protocol, required, source; then the notes and the profile's
/// sources.
fn text(profile: &Profile, entries: &[Entry]) -> String {
    let name = profile.name();
    let mut out = String::new();
    if entries.is_empty() {
        out.push_str(&format!(
            "{name} ({}): the profile names no host or port to allow; the vendor publishes \
             none that examready knows of. Ask the vendor, or see its requirements.\n",
            profile.id
        ));
    } else {
        out.push_str(&format!(
            "{name} ({}): outgoing connections a firewall must allow\n\n",
            profile.id
        ));
        let with_ws = entries.iter().any(|e| e.websocket.is_some());
        let keep = |i: usize| i != 4 || with_ws;
        let rows: Vec<[String; 7]> = entries.iter().map(cells).collect();
        let head = COLUMNS.map(str::to_ascii_uppercase);
        let width = |i: usize| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..7).map(width).collect();
        for row in std::iter::once(&head).chain(&rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate().filter(|(i, _)| keep(*i)) {
                if i == 6 {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        if entries.iter().any(|e| !e.required) {
            out.push_str(
                "\nadvisory: the vendor names the domain only by a wildcard, or the exact host \
                 varies (see the source): allow the whole domain.\n",
            );
        }
    }
    let sources = &profile.file.profile.sources;
    if !sources.is_empty() {
        out.push_str("\nThe profile's sources:\n");
        for s in sources {
            out.push_str(&format!("  - {s}\n"));
        }
    }
    out
}

/// CSV (RFC 4180, but lines end in `\n`) with a header line.
fn csv(entries: &[Entry]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for e in entries {
        let row: Vec<String> = cells(e).iter().map(|c| csv_field(c)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// A CSV field: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-` or
/// `@` (a formula to a spreadsheet) is prefixed with `'`.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_follow_tls_websocket_and_port() {
        let ep = |toml: &str| -> Entry { Entry::of(&toml::from_str(toml).unwrap()) };
        assert_eq!(ep("host = \"a\"\nport = 443").protocol, "https");
        assert_eq!(ep("host = \"a\"\nport = 80").protocol, "http");
        assert_eq!(ep("host = \"a\"\nport = 1935\ntls = false").protocol, "tcp");
        assert_eq!(ep("host = \"a\"\nport = 8443\ntls = true").protocol, "tls");
        let ws = ep("host = \"a\"\nport = 443\nwebsocket = \"/s\"\nrequired = false");
        assert_eq!((ws.protocol, ws.required), ("wss", false));
        assert_eq!(ws.websocket.as_deref(), Some("/s"));
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
    }
}
