//! The live monitor behind the status page: the MQTT client records every message it
//! receives and the broker's state here; health checks record the database's. Open status
//! pages subscribe to its events. One per server process: every server subscribes to the same
//! topics, so each one's view is the whole broker's traffic; the count of servers comes from
//! PostgreSQL (`server_instances`), not from memory.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use shared::rate::RateWindow;
use shared::system::{
    BrokerMode, Health, RECENT_MESSAGES, ReceivedMessage, StatusEvent, SystemStatus, payload_preview,
};
use tokio::sync::broadcast;

use crate::state::AppState;

/// Events buffered per subscriber. A page that falls further behind skips to the next summary
/// (it is a monitor, not a log), and never slows ingest.
const EVENT_BUFFER: usize = 256;

/// The server's live view of its broker and database.
#[derive(Debug)]
pub struct SystemMonitor {
    inner: Mutex<Inner>,
    events: broadcast::Sender<StatusEvent>,
    started: Instant,
    mode: BrokerMode,
    time_zone: Tz,
}

#[derive(Debug)]
struct Inner {
    rate: RateWindow,
    recent: VecDeque<ReceivedMessage>,
    next_seq: u64,
    broker: Health,
    database: Health,
    connected_clients: Option<u32>,
    servers_online: u32,
    ingest: shared::system::IngestSummary,
}

impl SystemMonitor {
    /// A monitor for a server using a broker of `mode`, showing times in `time_zone`.
    pub fn new(mode: BrokerMode, time_zone: Tz) -> Self {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let not_yet = |what: &str| Health::Down { reason: format!("{what}: todavía sin verificar") };
        Self {
            inner: Mutex::new(Inner {
                rate: RateWindow::new(),
                recent: VecDeque::with_capacity(RECENT_MESSAGES),
                next_seq: 1,
                broker: not_yet("Broker"),
                database: not_yet("Base de datos"),
                connected_clients: None,
                servers_online: 0,
                ingest: shared::system::IngestSummary::default(),
            }),
            events,
            started: Instant::now(),
            mode,
            time_zone,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding this lock leaves only counters behind; keep serving them.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records one message the server's MQTT client received and tells open pages.
    pub fn record_message(&self, topic: &str, payload: &[u8], qos: u8, retained: bool) {
        let now = Utc::now();
        let (text, truncated) = payload_preview(payload);
        let message = {
            let mut inner = self.lock();
            inner.rate.record(now.timestamp(), 1);
            let message = ReceivedMessage {
                seq: inner.next_seq,
                topic: topic.to_owned(),
                payload: text,
                size: u32::try_from(payload.len()).unwrap_or(u32::MAX),
                truncated,
                qos,
                retained,
                received_at_ms: now.timestamp_millis(),
                received_at_local: self.clock_time(now),
            };
            inner.next_seq += 1;
            if inner.recent.len() == RECENT_MESSAGES {
                inner.recent.pop_back();
            }
            inner.recent.push_front(message.clone());
            message
        };
        // No subscribers is fine: nobody has the page open.
        let _ = self.events.send(StatusEvent::Message(message));
    }

    /// Records whether the server's MQTT client is connected.
    pub fn set_broker(&self, health: Health) {
        self.lock().broker = health;
    }

    /// Records the last database check.
    pub fn set_database(&self, health: Health) {
        self.lock().database = health;
    }

    /// Records the broker's count of connected clients.
    pub fn set_connected_clients(&self, clients: Option<u32>) {
        self.lock().connected_clients = clients;
    }

    /// Records how many servers PostgreSQL says are alive.
    pub fn set_servers_online(&self, servers: u32) {
        self.lock().servers_online = servers;
    }

    /// Records the sensor ingest's counters (the server's ingest reports every 2 s).
    pub fn set_ingest(&self, ingest: shared::system::IngestSummary) {
        self.lock().ingest = ingest;
    }

    /// Everything at this moment; `with_recent` adds the recent messages.
    pub fn snapshot(&self, with_recent: bool) -> SystemStatus {
        let now = Utc::now().timestamp();
        let inner = self.lock();
        SystemStatus {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            uptime_secs: self.started.elapsed().as_secs(),
            database: inner.database.clone(),
            broker: inner.broker.clone(),
            broker_mode: self.mode,
            connected_clients: inner.connected_clients,
            rate_10s_x100: inner.rate.per_second_x100(now, 10),
            rate_60s_x100: inner.rate.per_second_x100(now, 60),
            total_messages: inner.rate.total(),
            servers_online: inner.servers_online,
            recent: if with_recent { inner.recent.iter().cloned().collect() } else { Vec::new() },
            ingest: inner.ingest.clone(),
        }
    }

    /// A stream of events for one open page.
    pub fn subscribe(&self) -> broadcast::Receiver<StatusEvent> {
        self.events.subscribe()
    }

    /// `HH:MM:SS` of a UTC instant in the installation's time zone.
    pub fn clock_time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.time_zone).format("%H:%M:%S").to_string()
    }
}

/// The status with a fresh database check, as the status page's first render shows it.
pub async fn current_status(state: &AppState) -> SystemStatus {
    let health = crate::db::check_database(&state.pool).await;
    state.monitor.set_database(health);
    state.monitor.snapshot(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn monitor() -> SystemMonitor {
        SystemMonitor::new(BrokerMode::Embedded, chrono_tz::America::Argentina::Buenos_Aires)
    }

    #[test]
    fn keeps_the_newest_messages_first_and_caps_them() {
        let m = monitor();
        for i in 0..(RECENT_MESSAGES + 5) {
            m.record_message(&format!("t/{i}"), b"x", 0, false);
        }
        let s = m.snapshot(true);
        assert_eq!(s.recent.len(), RECENT_MESSAGES);
        assert_eq!(s.recent[0].topic, format!("t/{}", RECENT_MESSAGES + 4));
        assert_eq!(s.total_messages, (RECENT_MESSAGES + 5) as u64);
        assert!(s.recent[0].seq > s.recent[1].seq);
    }

    #[test]
    fn subscribers_receive_each_message() {
        let m = monitor();
        let mut rx = m.subscribe();
        m.record_message("casa/temp", b"{\"t\":3}", 1, true);
        match rx.try_recv() {
            Ok(StatusEvent::Message(msg)) => {
                assert_eq!(msg.topic, "casa/temp");
                assert_eq!(msg.payload, "{\"t\":3}");
                assert_eq!((msg.qos, msg.retained, msg.size), (1, true, 7));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn summaries_can_leave_out_messages() {
        let m = monitor();
        m.record_message("a", b"b", 0, false);
        let s = m.snapshot(false);
        assert!(s.recent.is_empty());
        assert_eq!(s.total_messages, 1);
    }

    #[test]
    fn clock_time_uses_the_installation_zone() {
        // 2026-01-01T03:00:05Z is five past midnight in Buenos Aires (UTC-3).
        let at = Utc.timestamp_opt(1_767_236_405, 0).single().unwrap();
        assert_eq!(monitor().clock_time(at), "00:00:05");
    }
}
