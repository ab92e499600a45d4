/*!
What `examready check --server` and `examready serve` agree on, beyond plain HTTP
(`GET /__down?bytes=N`, `POST /__up`): how the server announces its UDP echo, and what the echo
answers. Both sides import it from here, so the check does not depend on the command.
*/

/// The response header in which `examready serve` announces its UDP echo port.
pub const UDP_ECHO_HEADER: &str = "x-examready-udp-echo";

/// The first bytes of every UDP echo datagram (the server echoes nothing else).
pub const UDP_ECHO_MAGIC: &[u8; 4] = b"ERdy";
