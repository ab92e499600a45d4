/*!
The `network` module: can this connection carry an online-proctored exam?

What it measures (method: `docs` in the README's network section):
- reachability of every endpoint the profile lists: DNS time, TCP connect, TLS handshake, each
  with its exact failure (DNS failed, refused, timed out, TLS failed);
- idle latency: about 20 rounds of a fresh TCP connect and a 0-byte `GET /__down?bytes=0` on a
  kept-alive connection (minus the server's own time from `server-timing`); median, p95 and
  jitter (mean |difference| of consecutive samples);
- download and upload goodput: parallel streams for a fixed time, warm-up discarded, median and
  minimum of the 1-second goodputs and the per-second series. Upload counts bytes the peer has
  received (Linux: `TCP_INFO` acknowledged bytes plus selectively acknowledged segments; elsewhere
  written minus the unacknowledged queue), not bytes handed to the kernel, so socket buffers do
  not inflate it;
- latency under load: probes during the transfers, reported as the increase over idle;
- packet loss, measured only for real: a UDP echo (`examready serve` announces its port in the
  `x-examready-udp-echo` header) or ICMP echo where the OS allows unprivileged ICMP sockets;
  otherwise `null` with the reason;
- link facts: interfaces (wired, Wi-Fi, VPN/tunnel) and proxy settings;
- `--soak DURATION`: a paced upload at the profile's video bit rate.

The probe only gathers facts ([`NetworkFacts`]); [`judge`] turns them into findings.
*/

mod echo;
mod facts;
mod figures;
mod icmp;
mod judge;
mod link;
mod measure;
mod requirements;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_endpoints;

use super::{JudgeContext, Module, ProbeContext};
use crate::model::Judgement;

pub(crate) use facts::round2;
pub use facts::{
    EndpointFacts, EndpointStatus, Goodput, NetworkFacts, SoakFacts, Spread, TlsChainFacts,
    WebSocketFacts,
};
pub use judge::NetCode;
pub use link::{Interface, InterfaceKind, ProxyFacts, ProxySetting};
pub use requirements::{
    EndpointSpec, NetworkRequirements, PacketCount, ProbeCount, ServerUrl, Streams, WebSocketPath,
    parse_server_url,
};

/// The measurement server used when neither the profile nor `--server` names one: Cloudflare's
/// public speed test, which speaks `GET /__down?bytes=N` and `POST /__up`.
pub const DEFAULT_SERVER: &str = "https://speed.cloudflare.com";

pub use crate::wire::{UDP_ECHO_HEADER, UDP_ECHO_MAGIC};

pub struct Network;

impl Module for Network {
    type Facts = NetworkFacts;
    type Requirements = NetworkRequirements;
    const ID: &'static str = "network";
    const TITLE: &'static str = "Network";
    const ABOUT: &'static str = "endpoint reachability, latency, jitter, loss, download/upload goodput, \
         latency under load, Wi-Fi/VPN/proxy";
    const CODES: &'static [&'static [(&'static str, &'static str)]] = &[judge::CODES];

    fn probe(&self, req: &NetworkRequirements, ctx: &ProbeContext) -> anyhow::Result<NetworkFacts> {
        measure::probe(req, ctx)
    }

    fn judge(facts: &NetworkFacts, req: &NetworkRequirements, _ctx: JudgeContext) -> Judgement {
        judge::judge(facts, req)
    }

    fn figures(facts: &NetworkFacts, req: &NetworkRequirements) -> Vec<crate::model::Figure> {
        figures::figures(facts, req)
    }
}
