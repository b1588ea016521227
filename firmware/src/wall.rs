//! Wall time for the readings' timestamps: an SNTP query at start-up and every hour (retried
//! every 30 s until one succeeds) sets a `WallClock` offset over the monotonic clock, so
//! readings buffered offline carry when they were taken. Until then readings carry 0 and the
//! server uses their arrival time.

use core::cell::Cell;

use critical_section::Mutex;
use embassy_net::dns::DnsQueryType;
use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{IpEndpoint, Stack};
use embassy_time::{Duration, Instant, Timer, with_timeout};
use esp_hal::rng::Rng;
use mostrador_node::wallclock::{WallClock, sntp};

/// The NTP pool's Argentine zone.
const SERVER: &str = "ar.pool.ntp.org";

static CLOCK: Mutex<Cell<WallClock>> = Mutex::new(Cell::new(WallClock::new()));

/// Unix milliseconds at monotonic `mono_ms`, or 0 while the time is unknown.
pub fn stamp(mono_ms: u64) -> u64 {
    critical_section::with(|cs| CLOCK.borrow(cs).get()).stamp(mono_ms)
}

/// Keeps the wall clock set.
#[embassy_executor::task]
pub async fn sync(stack: Stack<'static>) {
    loop {
        stack.wait_config_up().await;
        // A fresh hardware-random nonce per query: a guessable one would let someone off the
        // path forge a reply.
        let rng = Rng::new();
        let nonce = (u64::from(rng.random()) << 32) | u64::from(rng.random());
        let next = match query(stack, nonce).await {
            Ok(unix_ms) => {
                let mono = Instant::now().as_millis();
                critical_section::with(|cs| {
                    let cell = CLOCK.borrow(cs);
                    let mut clock = cell.get();
                    if clock.set(unix_ms, mono).is_ok() {
                        cell.set(clock);
                    }
                });
                log::info!("wall clock set from {SERVER}");
                Duration::from_secs(3600)
            }
            Err(e) => {
                log::warn!("SNTP: {e}");
                Duration::from_secs(30)
            }
        };
        Timer::after(next).await;
    }
}

async fn query(stack: Stack<'static>, nonce: u64) -> Result<u64, &'static str> {
    let address =
        *stack.dns_query(SERVER, DnsQueryType::A).await.map_err(|_| "DNS failed")?.first().ok_or("no address")?;
    let (mut rx_meta, mut tx_meta) = ([PacketMetadata::EMPTY; 2], [PacketMetadata::EMPTY; 2]);
    let (mut rx, mut tx) = ([0u8; 128], [0u8; 128]);
    let mut socket = UdpSocket::new(stack, &mut rx_meta, &mut rx, &mut tx_meta, &mut tx);
    socket.bind(0).map_err(|_| "bind failed")?;
    let sent = Instant::now().as_millis();
    socket.send_to(&sntp::request(nonce), IpEndpoint::new(address, sntp::PORT)).await.map_err(|_| "send failed")?;
    let mut reply = [0u8; 128];
    let (n, _) = with_timeout(Duration::from_secs(5), socket.recv_from(&mut reply))
        .await
        .map_err(|_| "no answer in 5 s")?
        .map_err(|_| "receive failed")?;
    let received = Instant::now().as_millis();
    sntp::parse(&reply[..n], nonce, sent, received).map_err(|e| {
        log::warn!("SNTP reply refused: {e}");
        "reply refused"
    })
}
