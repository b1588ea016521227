//! Wi-Fi station and TCP/IP: the connection task (join, notice the loss, rejoin with back-off),
//! the embassy-net runner, and the session's `Network` (DNS + a TCP socket) and `Clock` over
//! embassy-net and embassy-time.

use core::net::Ipv4Addr;
use core::sync::atomic::{AtomicI32, Ordering};

use embassy_net::dns::DnsQueryType;
use embassy_net::tcp::TcpSocket;
use embassy_net::{IpAddress, Runner, Stack};
use embassy_time::{Duration, Timer};
use esp_radio::wifi::sta::StationConfig;
use esp_radio::wifi::{AuthenticationMethodConfig, Config, Interface, WifiController};
use mostrador_node::backoff::Backoff;
use mostrador_node::session::{Clock, Network};
use static_cell::StaticCell;

/// The last RSSI read from the access point (dBm; 0 while not joined).
pub static RSSI: AtomicI32 = AtomicI32::new(0);

/// TCP buffer sizes: a frame is at most ~1 KiB; MQTT adds little.
const RX_BUFFER: usize = 2048;
const TX_BUFFER: usize = 4096;

/// Joins the configured network and stays joined: after a loss (or a failed join) it waits a
/// back-off delay (1 s doubling to a minute, jittered) and tries again, forever.
#[embassy_executor::task]
pub async fn connection(
    mut controller: WifiController<'static>,
    ssid: &'static str,
    password: &'static str,
    seed: u64,
) {
    let auth = if password.is_empty() {
        AuthenticationMethodConfig::Open
    } else {
        match password.try_into() {
            Ok(p) => AuthenticationMethodConfig::Wpa2Personal(p),
            Err(_) => AuthenticationMethodConfig::Open,
        }
    };
    let ssid = match ssid.try_into() {
        Ok(s) => s,
        Err(e) => {
            log::error!("Wi-Fi SSID refused by the driver: {e:?}");
            return;
        }
    };
    let config = Config::Station(StationConfig::default().with_ssid(ssid).with_authentication(auth));
    if let Err(e) = controller.set_config(&config) {
        log::error!("Wi-Fi configuration refused: {e:?}");
        return;
    }
    let mut backoff = Backoff::for_node(seed);
    loop {
        match controller.connect_async().await {
            Ok(info) => {
                log::info!("Wi-Fi joined (channel {})", info.channel);
                backoff.reset();
                if let Ok(rssi) = controller.rssi() {
                    RSSI.store(rssi, Ordering::Relaxed);
                }
                // Refresh the signal every 10 s until the link drops.
                loop {
                    let lost = embassy_futures::select::select(
                        controller.wait_for_disconnect_async(),
                        Timer::after(Duration::from_secs(10)),
                    )
                    .await;
                    match lost {
                        embassy_futures::select::Either::First(info) => {
                            log::warn!("Wi-Fi lost: {info:?}");
                            break;
                        }
                        embassy_futures::select::Either::Second(()) => {
                            if let Ok(rssi) = controller.rssi() {
                                RSSI.store(rssi, Ordering::Relaxed);
                            }
                        }
                    }
                }
                RSSI.store(0, Ordering::Relaxed);
            }
            Err(e) => log::warn!("Wi-Fi join failed: {e:?}"),
        }
        let delay = backoff.next_delay();
        log::info!("Wi-Fi: next attempt in {delay} ms");
        Timer::after(Duration::from_millis(delay)).await;
    }
}

/// Runs the TCP/IP stack.
#[embassy_executor::task]
pub async fn stack_runner(mut runner: Runner<'static, Interface>) {
    runner.run().await
}

/// TCP connections over the Wi-Fi stack, one at a time, reusing two static buffers.
pub struct EspNetwork {
    stack: Stack<'static>,
    rx: &'static mut [u8; RX_BUFFER],
    tx: &'static mut [u8; TX_BUFFER],
}

impl EspNetwork {
    /// The network over `stack`, with buffers that live as long as the program (`None` if
    /// called twice: there is one pair of buffers).
    pub fn new(stack: Stack<'static>) -> Option<Self> {
        static RX: StaticCell<[u8; RX_BUFFER]> = StaticCell::new();
        static TX: StaticCell<[u8; TX_BUFFER]> = StaticCell::new();
        Some(Self { stack, rx: RX.try_init([0; RX_BUFFER])?, tx: TX.try_init([0; TX_BUFFER])? })
    }
}

/// Why a TCP connection could not be opened.
#[derive(Debug)]
pub enum NetError {
    /// The Wi-Fi link or DHCP lease is not up.
    NoLink,
    /// The host name did not resolve.
    Dns(embassy_net::dns::Error),
    /// The host has no IPv4 address.
    NoAddress,
    /// TCP connect failed.
    Connect(embassy_net::tcp::ConnectError),
    /// TCP connect took longer than 10 s.
    Timeout,
}

impl core::fmt::Display for NetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NoLink => f.write_str("no Wi-Fi link or DHCP lease"),
            Self::Dns(e) => write!(f, "DNS: {e:?}"),
            Self::NoAddress => f.write_str("the broker's name has no IPv4 address"),
            Self::Connect(e) => write!(f, "TCP connect: {e:?}"),
            Self::Timeout => f.write_str("TCP connect timed out"),
        }
    }
}

impl Network for EspNetwork {
    type Conn<'a> = TcpSocket<'a>;
    type Error = NetError;

    async fn connect<'a>(&'a mut self, host: &str, port: u16) -> Result<Self::Conn<'a>, Self::Error> {
        if !self.stack.is_config_up() {
            // Give DHCP a moment after a rejoin before counting this as a failure.
            let up = embassy_futures::select::select(self.stack.wait_config_up(), Timer::after_secs(10)).await;
            if matches!(up, embassy_futures::select::Either::Second(())) {
                return Err(NetError::NoLink);
            }
        }
        let address = match host.parse::<Ipv4Addr>() {
            Ok(ip) => IpAddress::Ipv4(ip),
            Err(_) => {
                let found = self.stack.dns_query(host, DnsQueryType::A).await.map_err(NetError::Dns)?;
                *found.first().ok_or(NetError::NoAddress)?
            }
        };
        let mut socket = TcpSocket::new(self.stack, &mut self.rx[..], &mut self.tx[..]);
        // Unacknowledged data for 20 s ends the connection: a stuck write must end the session
        // (which reconnects) well before the watchdog's 45 s would reset the node and lose the
        // frames it holds. MQTT pings every 15 s keep a quiet connection from timing out.
        socket.set_timeout(Some(Duration::from_secs(20)));
        let connect = socket.connect((address, port));
        match embassy_futures::select::select(connect, Timer::after_secs(10)).await {
            embassy_futures::select::Either::First(r) => r.map_err(NetError::Connect)?,
            embassy_futures::select::Either::Second(()) => return Err(NetError::Timeout),
        }
        Ok(socket)
    }
}

/// embassy-time's monotonic clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct EmbassyClock;

impl Clock for EmbassyClock {
    fn now_ms(&self) -> u64 {
        embassy_time::Instant::now().as_millis()
    }

    async fn sleep_ms(&self, ms: u64) {
        Timer::after_millis(ms).await;
    }
}
