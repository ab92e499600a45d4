//! The UDP echo of `examready serve`: only datagrams that carry the magic, never amplified.

use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::sleep;

use crate::wire::UDP_ECHO_MAGIC;

/// The largest datagram echoed.
pub const MAX_DATAGRAM: usize = 1500;

/// Echo datagrams that carry the magic, unchanged, until the task is dropped.
pub async fn udp_echo(sock: UdpSocket) {
    let mut buf = vec![0u8; 65536];
    loop {
        match sock.recv_from(&mut buf).await {
            Ok((n, peer)) => {
                if (4..=MAX_DATAGRAM).contains(&n) && &buf[..4] == UDP_ECHO_MAGIC {
                    let _ = sock.send_to(&buf[..n], peer).await;
                }
            }
            Err(_) => sleep(Duration::from_millis(5)).await,
        }
    }
}
