//! Mostrador's ESP32-C3 sensor node. Boot order: settings from flash (no heap needed), the
//! profile's relays to their safe state, heap, scheduler (esp-rtos must run before the radio),
//! watchdog, serial console; then, if provisioned, frame counters, Wi-Fi, TCP/IP, SNTP, the
//! sensors of the board profile and the MQTT session (`mostrador_node::session`). An
//! unprovisioned node only runs its console.
#![no_std]
#![no_main]

extern crate alloc;

mod calib;
mod console;
mod hooks;
mod net;
mod pins;
mod sensors;
mod storage;
mod wall;
mod watchdog;

use embassy_executor::Spawner;
use embassy_net::StackResources;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::channel::Channel;
use esp_hal::clock::CpuClock;
use esp_hal::rng::Rng;
use esp_hal::timer::timg::TimerGroup;
use esp_radio::wifi::{Interface, WifiController};
use mostrador_node::board::{Profile, Rubro};
use mostrador_node::provision::Provisioning;
use mostrador_node::session::{self, Credentials, Inbox, SensorInput};
use shared::iot::node::{Node, NodeConfig};
use static_cell::StaticCell;

use esp_backtrace as _;

esp_bootloader_esp_idf::esp_app_desc!();

/// Firmware version, reported at boot.
pub const FIRMWARE: &str = env!("CARGO_PKG_VERSION");

/// Frames kept while offline. A frame of 8 readings is ~450 bytes, so 96 frames are ~43 KiB of
/// the heap: 768 readings, about 20 minutes of a cold-room profile without a network.
const QUEUE_FRAMES: usize = 96;

/// Readings and events from the sensor tasks to the session; a full channel makes a sensor
/// task wait (its next sample is late, nothing is dropped silently).
pub type SensorChannel = Channel<CriticalSectionRawMutex, SensorInput, 32>;
static SENSORS: SensorChannel = Channel::new();

struct ChannelInbox(&'static SensorChannel);

impl Inbox for ChannelInbox {
    async fn next(&mut self) -> SensorInput {
        self.0.receive().await
    }
}

#[esp_rtos::main]
async fn main(spawner: Spawner) -> ! {
    if let Err(e) = run(spawner).await {
        log::error!("start-up failed: {e}; restarting in 10 s");
    }
    embassy_time::Timer::after_secs(10).await;
    esp_hal::system::software_reset()
}

/// Why the node could not start.
#[derive(Debug)]
enum StartError {
    /// A task could not be spawned (its pool is full: a bug).
    Spawn,
    /// The Wi-Fi driver refused to start.
    Wifi(esp_radio::wifi::WifiError),
    /// Static memory handed out twice (a bug).
    Static,
    /// The frame counters could not be saved.
    Storage(storage::StorageError),
}

impl core::fmt::Display for StartError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Spawn => f.write_str("task pool exhausted"),
            Self::Wifi(e) => write!(f, "Wi-Fi: {e:?}"),
            Self::Static => f.write_str("static memory initialised twice"),
            Self::Storage(e) => write!(f, "{e}"),
        }
    }
}

impl From<embassy_executor::SpawnError> for StartError {
    fn from(_: embassy_executor::SpawnError) -> Self {
        Self::Spawn
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "the board's start-up in its order (clocks, flash, console, Wi-Fi, sensors, session): the \
              peripherals are moved out of `p` one by one"
)]
async fn run(spawner: Spawner) -> Result<(), StartError> {
    let p = esp_hal::init(esp_hal::Config::default().with_cpu_clock(CpuClock::max()));
    esp_println::logger::init_logger_from_env();
    log::info!("Mostrador node {FIRMWARE} booting");

    // Settings first (no heap needed), so the relays of the right profile go to their safe
    // state before anything else can fail.
    let flash = storage::Flash::new(p.FLASH);
    let provisioning = flash.load_provisioning();
    calib::set(flash.load_calibration());
    let profile = board_profile(provisioning.as_ref());
    let mut pins = pins::Pins::new(
        (p.GPIO0, p.GPIO1, p.GPIO2, p.GPIO3, p.GPIO4),
        p.GPIO5,
        p.GPIO6,
        p.GPIO7,
        p.GPIO8,
        p.GPIO9,
        p.GPIO10,
        p.GPIO20,
        p.GPIO21,
    );
    let relays = pins.relays(profile);
    log::info!("board profile {} ({} relays, off)", profile.code, relays.len());

    esp_alloc::heap_allocator!(#[esp_hal::ram(reclaimed)] size: 64 * 1024);
    esp_alloc::heap_allocator!(size: 64 * 1024);

    let timg0 = TimerGroup::new(p.TIMG0);
    esp_rtos::start(timg0.timer0, p.FROM_CPU_INTR0);
    let timg1 = TimerGroup::new(p.TIMG1);
    spawner.spawn(watchdog::feeder(timg1.wdt).map_err(StartError::from)?);
    spawner.spawn(console::serve(p.USB_DEVICE, flash).map_err(StartError::from)?);

    let Some((identity, broker, wifi_settings)) = provisioning.and_then(|p| match p {
        Provisioning { identity: Some(i), broker: Some(b), wifi: Some(w), .. } => Some((i, b, w)),
        _ => None,
    }) else {
        log::warn!("not provisioned: connect to the serial console and type 'ayuda'");
        loop {
            watchdog::alive(watchdog::Part::Session);
            embassy_time::Timer::after_secs(1).await;
        }
    };

    // Frame numbers are reserved in flash before the first one is used: a node that cannot
    // save them must not send (after a reboot it would reuse numbers the server committed).
    // (A board provisioned as another device starts that device's command count from 0.)
    let (counters, other_device) = flash.load_counters().for_device(identity.device_id());
    let first_seq = counters.reserve_from();
    // At boot the reservation is always due: the saved one may all have been used.
    let reserved = counters.due(first_seq, counters.last_command);
    let counters = match reserved {
        Some(next) => {
            flash.save_counters(&next).map_err(StartError::Storage)?;
            next
        }
        None if other_device => {
            flash.save_counters(&counters).map_err(StartError::Storage)?;
            counters
        }
        None => counters,
    };

    // Wi-Fi and TCP/IP.
    let rng = Rng::new();
    let seed = (u64::from(rng.random()) << 32) | u64::from(rng.random());
    let controller = WifiController::new(p.WIFI, Default::default()).map_err(StartError::Wifi)?;
    static RESOURCES: StaticCell<StackResources<4>> = StaticCell::new();
    let resources = RESOURCES.try_init(StackResources::new()).ok_or(StartError::Static)?;
    let (stack, runner) =
        embassy_net::new(Interface::station(), embassy_net::Config::dhcpv4(Default::default()), resources, seed);
    spawner.spawn(net::stack_runner(runner).map_err(StartError::from)?);
    static WIFI: StaticCell<(heapless::String<32>, heapless::String<64>)> = StaticCell::new();
    let wifi = WIFI
        .try_init((
            heapless::String::try_from(wifi_settings.ssid()).unwrap_or_default(),
            heapless::String::try_from(wifi_settings.password()).unwrap_or_default(),
        ))
        .ok_or(StartError::Static)?;
    spawner.spawn(net::connection(controller, wifi.0.as_str(), wifi.1.as_str(), seed).map_err(StartError::from)?);
    spawner.spawn(wall::sync(stack).map_err(StartError::from)?);

    // The profile's sensors.
    let sampler = sensors::Sampler::build(profile, &mut pins, (p.I2C0, p.SPI2, p.ADC1), &spawner, counters.totals);
    spawner.spawn(sensors::sample(sampler, &SENSORS).map_err(StartError::from)?);

    // The node and its session.
    let clock = net::EmbassyClock;
    let node_config = NodeConfig { queue_capacity: QUEUE_FRAMES, ..NodeConfig::default() };
    let device_id = identity.device_id();
    let mut node = Node::new(
        device_id,
        identity.secret().clone(),
        first_seq,
        counters.last_command,
        profile.relay_count(),
        node_config,
        session::Clock::now_ms(&clock),
    );
    // The boot report carries the signal: give Wi-Fi and DHCP up to 20 s to come up first (the
    // report waits in the node's queue until the broker is reached anyway).
    let _ = embassy_time::with_timeout(embassy_time::Duration::from_secs(20), stack.wait_config_up()).await;
    let rssi = i16::try_from(net::RSSI.load(core::sync::atomic::Ordering::Relaxed)).unwrap_or(0);
    let free_heap = u32::try_from(esp_alloc::HEAP.free()).unwrap_or(u32::MAX);
    // Straight into the node (not through the sensors' channel, which may be full by now and
    // is only drained once the session runs): the first frames sent.
    let mut out = alloc::vec::Vec::new();
    for input in session::boot_report(FIRMWARE, rssi, free_heap, profile.relay_count()) {
        session::feed(&mut node, session::Clock::now_ms(&clock), input, &mut out);
    }
    let creds = Credentials {
        device_id: device_id.into(),
        password: identity.secret().broker_password(device_id),
        host: broker.host().into(),
        port: broker.port(),
    };
    let mut network = net::EspNetwork::new(stack).ok_or(StartError::Static)?;
    let mut hooks = hooks::SessionHooks::new(relays, flash, counters);
    session::run(&mut node, &creds, &mut network, &clock, &mut ChannelInbox(&SENSORS), &mut hooks).await
}

/// The provisioned profile, or the generic one ("otro") when none is set or the code is unknown.
fn board_profile(provisioning: Option<&Provisioning>) -> &'static Profile {
    let code = provisioning.and_then(|p| p.profile.as_ref()).map(|c| c.as_str());
    match code.and_then(Profile::by_code) {
        Some(profile) => profile,
        None => {
            if let Some(code) = code {
                log::warn!("unknown board profile {code}: using the generic one");
            }
            Profile::for_rubro(Rubro::Otro)
        }
    }
}
