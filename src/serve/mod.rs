/*!
`examready serve`: a measurement server an institution can host, and the tests' real peer.

HTTP/1.1 on TCP `ADDR`:
- `GET /__down?bytes=N`: N bytes (at most [`MAX_DOWN_BYTES`]); `bytes=0` is the latency probe.
- `POST /__up`: reads and discards the body (at most [`MAX_UP_BYTES`], else 413), answers 200.
- `GET /`: one line naming the server.

Every answer carries `server-timing: dur=<ms>` and `x-examready-udp-echo: <port>`.

UDP echo on the SAME port number as the HTTP server (UDP): a datagram that starts with the
magic `ERdy` and is at most [`MAX_DATAGRAM`] bytes is sent back unchanged, anything else is
ignored, so the echo can never amplify traffic. Clients learn the port from the header.

A client that is slow on purpose cannot hold the server ([`Limits`]): a request's headers must
arrive within the header timeout (counted from the connection's start, or from the previous
answer on a kept-alive connection); an upload whose body stops moving for the body timeout gets
408 and is closed; a connection on which no byte moves either way for the idle timeout (a client
that stopped reading its download) is closed. At most `max_connections` are served at once (less
when the open-file limit is lower); at the cap, the connection that has been quiet longest (a
silent or half-sent one, or an idle kept-alive one) is closed to make room, and when every
connection is busy a newcomer waits briefly, then is refused.

It stops on Ctrl-C (or SIGTERM) at once, dropping open transfers.
*/

mod accept;
mod conns;
mod echo;
mod limits;
mod routes;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, UdpSocket};

pub(crate) use accept::accept_loop;
pub use echo::{MAX_DATAGRAM, udp_echo};
pub use limits::Limits;
pub(crate) use limits::connection_cap;
pub use routes::{MAX_DOWN_BYTES, MAX_UP_BYTES, router};

/// Bind TCP and the UDP echo on the same port (retrying for an ephemeral port).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<(TcpListener, UdpSocket)> {
    let mut last = None;
    for _ in 0..20 {
        let tcp = TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on TCP {addr}: {e}"))?;
        let local = tcp.local_addr()?;
        match UdpSocket::bind(local).await {
            Ok(udp) => return Ok((tcp, udp)),
            Err(e) => {
                last = Some(e);
                if addr.port() != 0 {
                    break;
                }
            }
        }
    }
    Err(anyhow::anyhow!(
        "cannot open the UDP echo on {addr}: {}",
        last.map(|e| e.to_string()).unwrap_or_default()
    ))
}

pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A line on stderr; a closed stderr is no reason to stop serving.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Run the server until Ctrl-C / SIGTERM. Prints the listening addresses on stderr.
pub fn run(listen: SocketAddr, limits: Limits) -> anyhow::Result<()> {
    let limits = Limits {
        max_connections: connection_cap(limits.max_connections.max(1)),
        ..limits
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let (tcp, udp) = bind(listen).await?;
        let local = tcp.local_addr()?;
        let hint = if local.ip().is_unspecified() {
            format!(
                "every address of this machine, e.g. --server http://HOST:{}",
                local.port()
            )
        } else {
            format!("--server http://{local}")
        };
        let echo_text = if limits.udp_echo {
            format!("UDP echo on {local}")
        } else {
            "no UDP echo (--no-udp-echo)".to_string()
        };
        say(&format!(
            "examready serve: listening on http://{local} (TCP) and {echo_text}\n\
             examready serve: clients use {hint}; stop with Ctrl-C\n\
             examready serve: at most {} connections at once; headers within {}, \
             uploads pausing at most {}, connections idle at most {}",
            limits.max_connections,
            secs(limits.header_timeout),
            secs(limits.body_timeout),
            secs(limits.idle_timeout),
        ));
        let echo_port = if limits.udp_echo { local.port() } else { 0 };
        let app = router(echo_port, limits.body_timeout);
        let echo = limits.udp_echo.then(|| tokio::spawn(udp_echo(udp)));
        tokio::select! {
            _ = accept_loop(tcp, app, limits) => {}
            _ = shutdown_signal() => {}
        }
        if let Some(echo) = echo {
            echo.abort();
        }
        say("examready serve: stopped");
        anyhow::Ok(())
    })?;
    rt.shutdown_background();
    Ok(())
}

fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}
