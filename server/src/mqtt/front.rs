//! The embedded broker's front door. rmqtt waits without a deadline for the first packet of a
//! connection, and counts connections per address only once they CONNECT, so a host that opens
//! sockets and sends nothing would hold them for ever. The front takes the public ports instead:
//! a connection must deliver a whole CONNECT packet within [`PRE_CONNECT_DEADLINE`], one address
//! may have at most [`PENDING_PER_IP`] connections that have not yet done so and the whole server
//! [`PENDING_TOTAL`]; the rest are closed at once. A connection that passes is handed to the
//! broker's loopback listener behind a PROXY protocol v1 line (so the broker, its per-address
//! limit and its logs see the client's real address) and its bytes are copied both ways.
//!
//! The loopback listeners accept PROXY lines from any local process: the machine's own users are
//! trusted, as they are with the database (docs/SECURITY.md).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Semaphore;

/// How long a new connection has to send its CONNECT packet.
pub const PRE_CONNECT_DEADLINE: Duration = Duration::from_secs(10);
/// Connections one address may have open that have not sent their CONNECT yet (a shop whose
/// nodes all reconnect at once after a power cut fits; a flood from one host does not).
pub const PENDING_PER_IP: usize = 128;
/// Connections the server holds that have not sent their CONNECT yet.
pub const PENDING_TOTAL: usize = 2_048;

/// Binds a public port (`SO_REUSEADDR`, so a restart right after a crash binds at once; never
/// `SO_REUSEPORT`, which would let two servers share it).
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1_024)
}

/// Accepts on `public` for ever and hands each connection that sends a CONNECT in time to
/// `backend` (the broker's loopback listener, which expects a PROXY line).
pub async fn serve(public: TcpListener, backend: SocketAddr, pending: Arc<Pending>) {
    loop {
        let (socket, peer) = match public.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, most likely: wait instead of spinning.
                tracing::warn!(error = %e, "MQTT accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(permit) = pending.admit(peer.ip()) else {
            tracing::debug!(%peer, "MQTT connection closed: too many connections waiting for their CONNECT");
            continue;
        };
        let local = socket.local_addr().unwrap_or(peer);
        tokio::spawn(async move {
            let first = tokio::time::timeout(PRE_CONNECT_DEADLINE, read_connect(socket)).await;
            drop(permit);
            match first {
                Ok(Ok((socket, connect))) => {
                    if let Err(e) = relay(socket, connect, peer, local, backend).await {
                        tracing::debug!(%peer, error = %e, "MQTT relay ended");
                    }
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "MQTT connection closed before CONNECT"),
                Err(_) => tracing::debug!(%peer, "MQTT connection closed: no CONNECT in time"),
            }
        });
    }
}

/// Reads one whole CONNECT packet (fixed header, remaining length, body), at most
/// [`super::broker::MAX_PACKET_BYTES`]; anything else first is refused.
async fn read_connect(mut socket: TcpStream) -> std::io::Result<(TcpStream, Vec<u8>)> {
    let refuse = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_owned());
    let mut packet = vec![0u8; 1];
    socket.read_exact(&mut packet).await?;
    if packet[0] != 0x10 {
        return Err(refuse("the first packet is not a CONNECT"));
    }
    let mut remaining = 0usize;
    for i in 0..4 {
        let byte = socket.read_u8().await?;
        packet.push(byte);
        remaining |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            break;
        }
        if i == 3 {
            return Err(refuse("bad remaining length"));
        }
    }
    if packet.len() + remaining > super::broker::MAX_PACKET_BYTES as usize {
        return Err(refuse("CONNECT too large"));
    }
    let head = packet.len();
    packet.resize(head + remaining, 0);
    socket.read_exact(&mut packet[head..]).await?;
    Ok((socket, packet))
}

/// Connects to the broker, sends the PROXY line and the CONNECT in one write, then copies both
/// ways until either side ends: when the broker closes (a refused CONNECT, a kick, a keep-alive
/// timeout) the client's socket closes with it, so a client cannot hold a relay (two sockets
/// and its buffers) open after the broker is done with it. MQTT clients never half-close.
async fn relay(
    client: TcpStream,
    connect: Vec<u8>,
    peer: SocketAddr,
    local: SocketAddr,
    backend: SocketAddr,
) -> std::io::Result<()> {
    let mut broker = TcpStream::connect(backend).await?;
    broker.set_nodelay(true)?;
    client.set_nodelay(true)?;
    let mut first = proxy_line(peer, local).into_bytes();
    first.extend_from_slice(&connect);
    broker.write_all(&first).await?;
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_broker, mut to_broker) = broker.into_split();
    tokio::select! {
        up = tokio::io::copy(&mut from_client, &mut to_broker) => up.map(drop),
        down = tokio::io::copy(&mut from_broker, &mut to_client) => down.map(drop),
    }
}

/// The PROXY protocol v1 line for a connection from `peer` to `local`.
fn proxy_line(peer: SocketAddr, local: SocketAddr) -> String {
    let (peer_ip, local_ip) = (canonical(peer.ip()), canonical(local.ip()));
    let family = match (peer_ip, local_ip) {
        (IpAddr::V4(_), IpAddr::V4(_)) => "TCP4",
        _ => "TCP6",
    };
    let show = |ip: IpAddr| match (family, ip) {
        ("TCP6", IpAddr::V4(v4)) => v4.to_ipv6_mapped().to_string(),
        _ => ip.to_string(),
    };
    format!("PROXY {family} {} {} {} {}\r\n", show(peer_ip), show(local_ip), peer.port(), local.port())
}

/// An IPv4 address seen through an IPv6 socket, as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The connections that have not sent their CONNECT yet, per address and in all.
pub struct Pending {
    total: Arc<Semaphore>,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
}

impl Default for Pending {
    fn default() -> Self {
        Self { total: Arc::new(Semaphore::new(PENDING_TOTAL)), per_ip: Mutex::new(HashMap::new()) }
    }
}

impl Pending {
    /// A place for one more connection from `ip`, or `None` if its address or the server has none.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<PendingPermit> {
        let total = self.total.clone().try_acquire_owned().ok()?;
        let mut map = self.per_ip.lock().ok()?;
        let count = map.entry(ip).or_insert(0);
        if *count >= PENDING_PER_IP {
            return None;
        }
        *count += 1;
        Some(PendingPermit { pending: self.clone(), ip, _total: total })
    }

    /// How many connections from `ip` are waiting for their CONNECT.
    pub fn of(&self, ip: IpAddr) -> usize {
        self.per_ip.lock().map(|m| m.get(&ip).copied().unwrap_or(0)).unwrap_or(0)
    }
}

/// One waiting connection; dropping it frees its place.
struct PendingPermit {
    pending: Arc<Pending>,
    ip: IpAddr,
    _total: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for PendingPermit {
    fn drop(&mut self) {
        if let Ok(mut map) = self.pending.per_ip.lock()
            && let Some(count) = map.get_mut(&self.ip)
        {
            *count -= 1;
            if *count == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_lines_name_the_client_and_the_port_it_reached() {
        let peer: SocketAddr = "203.0.113.7:51000".parse().unwrap();
        let local: SocketAddr = "192.0.2.1:1883".parse().unwrap();
        assert_eq!(proxy_line(peer, local), "PROXY TCP4 203.0.113.7 192.0.2.1 51000 1883\r\n");
        let mapped: SocketAddr = "[::ffff:203.0.113.7]:51000".parse().unwrap();
        assert_eq!(proxy_line(mapped, local), "PROXY TCP4 203.0.113.7 192.0.2.1 51000 1883\r\n");
        let v6: SocketAddr = "[2001:db8::1]:51000".parse().unwrap();
        let local6: SocketAddr = "[2001:db8::2]:1883".parse().unwrap();
        assert_eq!(proxy_line(v6, local6), "PROXY TCP6 2001:db8::1 2001:db8::2 51000 1883\r\n");
        assert_eq!(proxy_line(v6, local), "PROXY TCP6 2001:db8::1 ::ffff:192.0.2.1 51000 1883\r\n");
    }

    #[tokio::test]
    async fn one_address_cannot_take_every_waiting_place() {
        let pending = Arc::new(Pending::default());
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "203.0.113.8".parse().unwrap();
        let held: Vec<_> = (0..PENDING_PER_IP).map(|_| pending.admit(a).expect("a place")).collect();
        assert!(pending.admit(a).is_none(), "the address is full");
        let other = pending.admit(b).expect("another address still gets in");
        assert_eq!((pending.of(a), pending.of(b)), (PENDING_PER_IP, 1));
        drop(held);
        drop(other);
        assert_eq!((pending.of(a), pending.of(b)), (0, 0));
        assert!(pending.admit(a).is_some());
    }
}
