//! `/sistema`, "Estado del sistema": database and broker health, connected clients, message
//! rate and the last messages. Rendered whole on the server (works without JavaScript); once
//! hydrated it follows `/api/system/events` (server-sent events) and updates without reload.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use shared::format::fixed;
use shared::mqtt_topic::{matches, parse_optional_filter};
use shared::system::{BrokerMode, RECENT_MESSAGES, ReceivedMessage, StatusEvent, SystemStatus};

use crate::components::{HealthBadge, StatCard, encode_query_value};
use crate::system::api::get_system_status;
use crate::system::components::MessageTable;

/// The live event stream's URL (served by `server`, not a server function: it never ends).
pub const EVENTS_URL: &str = "/api/system/events";

/// The status page. `?topico=<filter>` narrows the messages to an MQTT topic filter; the form
/// works without JavaScript (a plain GET) and, hydrated, navigates without a reload.
#[component]
pub fn SystemStatusPage() -> impl IntoView {
    let query = use_query_map();
    // Exactly what the person typed: it stays in the field even when it is not valid.
    let typed = Memo::new(move |_| query.read().get("topico").unwrap_or_default());
    let filter = Memo::new(move |_| typed.with(|t| parse_optional_filter(t).map(|f| f.map(str::to_owned))));
    // An invalid filter shows its error and the unfiltered status under it.
    let status = Resource::new(move || filter.get().ok().flatten(), get_system_status);
    let invalid = move || filter.get().is_err();

    view! {
        <Title text="Estado del sistema" />
        <div class="page-header">
            <h1>"Estado del sistema"</h1>
            <p>"Base de datos, broker MQTT y los últimos mensajes recibidos, en vivo."</p>
        </div>
        <Form method="GET" action="/sistema" noscroll=true>
            <div class="field">
                <label for="topico">"Filtrar mensajes por tópico"</label>
                <div class="field-row">
                    <input
                        id="topico"
                        name="topico"
                        type="search"
                        placeholder="carniceria/#"
                        autocomplete="off"
                        value=typed
                        prop:value=typed
                        aria-invalid=move || invalid().to_string()
                        aria-describedby="topico-ayuda"
                    />
                    <button type="submit" class="button">
                        "Filtrar"
                    </button>
                    <Show when=move || !typed.with(String::is_empty)>
                        <a class="button secondary" href="/sistema">
                            "Quitar filtro"
                        </a>
                    </Show>
                </div>
                {move || match filter.get() {
                    Err(e) => {
                        view! {
                            <p id="topico-ayuda" class="field-error" role="alert" data-testid="topico-error">
                                {e.to_string()}
                            </p>
                        }
                            .into_any()
                    }
                    Ok(_) => {
                        view! {
                            <p id="topico-ayuda" class="field-help">
                                "Comodines: + reemplaza un nivel, # todo lo que sigue."
                            </p>
                        }
                            .into_any()
                    }
                }}
            </div>
        </Form>
        <Suspense fallback=|| {
            view! { <p>"Cargando…"</p> }
        }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(initial) => {
                        view! { <LiveStatus initial filter=filter.get_untracked().ok().flatten() /> }.into_any()
                    }
                    Err(e) => {
                        view! {
                            <div class="card" role="alert">
                                <span class="badge bad">"Error"</span>
                                <p>{e.to_string()}</p>
                                <a href="/sistema">"Reintentar"</a>
                            </div>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The figures and table, kept current by the event stream once the page is hydrated. Only
/// messages matching `filter` are added.
#[component]
fn LiveStatus(initial: SystemStatus, filter: Option<String>) -> impl IntoView {
    let messages = RwSignal::new(initial.recent.clone());
    let summary = RwSignal::new(SystemStatus { recent: Vec::new(), ..initial });
    let connected = RwSignal::new(false);
    let filtered = filter.is_some();
    let refresh_href = match &filter {
        Some(f) => format!("/sistema?topico={}", encode_query_value(f)),
        None => "/sistema".to_owned(),
    };
    follow_events(summary, messages, connected, filter);

    let database = Signal::derive(move || summary.with(|s| s.database.clone()));
    let broker = Signal::derive(move || summary.with(|s| s.broker.clone()));
    let mode = move || match summary.with(|s| s.broker_mode) {
        BrokerMode::Embedded => "Broker integrado (rmqtt)",
        BrokerMode::External => "Broker externo",
    };
    let clients = Signal::derive(move || {
        summary.with(|s| s.connected_clients.map_or_else(|| "—".to_string(), |c| c.to_string()))
    });
    let rate = Signal::derive(move || format!("{} msg/s", fixed(summary.with(|s| s.rate_10s_x100), 2)));
    let rate_detail = Signal::derive(move || {
        summary.with(|s| {
            format!("{} msg/s en el último minuto · {} en total", fixed(s.rate_60s_x100, 2), s.total_messages)
        })
    });
    let servers = Signal::derive(move || summary.with(|s| s.servers_online.to_string()));
    let ingest =
        Signal::derive(move || summary.with(|s| format!("{} lect./s", fixed(s.ingest.readings_per_sec_x100, 2))));
    let ingest_detail = Signal::derive(move || summary.with(|s| ingest_text(&s.ingest)));
    let uptime = Signal::derive(move || {
        summary.with(|s| format!("v{} · activo hace {}", s.version, format_uptime(s.uptime_secs)))
    });

    view! {
        <p class="detail" data-testid="live-indicator">
            <span class=move || if connected.get() { "live-dot on" } else { "live-dot" }></span>
            {move || if connected.get() { "En vivo" } else { "Sin actualización en vivo." }}
            " "
            // Without JavaScript (or while the stream reconnects) this is how to see what is new;
            // it keeps the filter.
            <a href=refresh_href data-testid="refresh">
                "Actualizar"
            </a>
        </p>
        <div class="grid four">
            <div class="card" data-testid="database-health">
                <div class="label">"Base de datos (PostgreSQL)"</div>
                <HealthBadge health=database />
            </div>
            <div class="card" data-testid="broker-health">
                <div class="label">"Broker MQTT"</div>
                <HealthBadge health=broker />
                <div class="detail">{mode}</div>
            </div>
            <StatCard label="Clientes conectados" value=clients testid="connected-clients" />
            <StatCard label="Mensajes por segundo" value=rate detail=rate_detail testid="message-rate" />
            <StatCard label="Servidores activos" value=servers detail=uptime testid="servers-online" />
            <StatCard label="Lecturas de sensores" value=ingest detail=ingest_detail testid="ingest" />
        </div>
        <section class="card section">
            <h2>"Últimos mensajes"</h2>
            <MessageTable messages filtered />
        </section>
    }
}

/// This server's ingest totals and refusals in one line.
fn ingest_text(i: &shared::system::IngestSummary) -> String {
    format!(
        "{} guardadas · {} repetidas · rechazadas: {} por MAC, {} mal formadas, {} de equipos desconocidos, {} valores",
        i.readings, i.duplicates, i.bad_mac, i.malformed, i.unknown_device, i.rejected_values
    )
}

/// `3 h 05 min`, `12 min`, `40 s`.
fn format_uptime(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        _ => format!("{} h {:02} min", secs / 3600, (secs % 3600) / 60),
    }
}

/// Applies one event from the stream to the page's signals, skipping messages `filter` does
/// not match.
#[cfg_attr(not(any(feature = "hydrate", test)), expect(dead_code, reason = "used by the browser build"))]
fn apply_event(
    event: StatusEvent,
    filter: Option<&str>,
    summary: RwSignal<SystemStatus>,
    messages: RwSignal<Vec<ReceivedMessage>>,
) {
    let wanted = |topic: &str| filter.is_none_or(|f| matches(f, topic));
    match event {
        StatusEvent::Snapshot(mut s) => {
            // A (re)connection, maybe to another server: its list replaces ours.
            let mut recent = std::mem::take(&mut s.recent);
            recent.retain(|m| wanted(&m.topic));
            messages.set(recent);
            summary.set(s);
        }
        StatusEvent::Summary(s) => summary.set(s),
        StatusEvent::Message(m) if !wanted(&m.topic) => {}
        StatusEvent::Message(m) => messages.update(|list| {
            // The snapshot that opened the stream may already hold it.
            if list.iter().any(|x| x.seq == m.seq) {
                return;
            }
            list.insert(0, m);
            list.truncate(RECENT_MESSAGES);
        }),
    }
}

/// Opens the event stream in the browser; does nothing on the server.
#[cfg_attr(not(feature = "hydrate"), expect(unused_variables, reason = "browser only"))]
fn follow_events(
    summary: RwSignal<SystemStatus>,
    messages: RwSignal<Vec<ReceivedMessage>>,
    connected: RwSignal<bool>,
    filter: Option<String>,
) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        Effect::new(move |_| {
            let filter = filter.clone();
            let Ok(source) = web_sys::EventSource::new(EVENTS_URL) else {
                return;
            };
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let Some(text) = ev.data().as_string() else { return };
                if let Ok(event) = serde_json::from_str::<StatusEvent>(&text) {
                    apply_event(event, filter.as_deref(), summary, messages);
                }
            });
            let on_open = Closure::<dyn FnMut()>::new(move || connected.set(true));
            // EventSource reconnects by itself; show the gap meanwhile.
            let on_error = Closure::<dyn FnMut()>::new(move || connected.set(false));
            source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            // Closing the stream and freeing the callbacks happen together when the page goes.
            let guard = send_wrapper::SendWrapper::new((source, on_message, on_open, on_error));
            on_cleanup(move || {
                let (source, ..) = guard.take();
                source.close();
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_replaces_the_list_through_the_filter() {
        let owner = Owner::new();
        owner.with(|| {
            let summary = RwSignal::new(empty_status());
            let messages = RwSignal::new(vec![message(500)]);
            let mut status = empty_status();
            let mut keep = message(1);
            keep.topic = "carniceria/camara1/temp".into();
            status.recent = vec![keep, message(2)];
            status.total_messages = 2;
            apply_event(StatusEvent::Snapshot(status), Some("carniceria/#"), summary, messages);
            let seqs: Vec<u64> = messages.with_untracked(|m| m.iter().map(|x| x.seq).collect());
            assert_eq!(seqs, [1], "old list gone, non-matching message left out");
            assert_eq!(summary.with_untracked(|s| (s.total_messages, s.recent.len())), (2, 0));
        });
    }

    #[test]
    fn uptime_reads_naturally() {
        assert_eq!(format_uptime(40), "40 s");
        assert_eq!(format_uptime(720), "12 min");
        assert_eq!(format_uptime(3 * 3600 + 5 * 60), "3 h 05 min");
    }

    fn empty_status() -> SystemStatus {
        SystemStatus {
            version: String::new(),
            uptime_secs: 0,
            database: shared::system::Health::Ok { latency_ms: 1 },
            broker: shared::system::Health::Ok { latency_ms: 1 },
            broker_mode: BrokerMode::Embedded,
            connected_clients: None,
            rate_10s_x100: 0,
            rate_60s_x100: 0,
            total_messages: 0,
            servers_online: 1,
            recent: Vec::new(),
            ingest: shared::system::IngestSummary::default(),
        }
    }

    fn message(seq: u64) -> ReceivedMessage {
        ReceivedMessage {
            seq,
            topic: format!("t/{seq}"),
            payload: String::new(),
            size: 0,
            truncated: false,
            qos: 0,
            retained: false,
            received_at_ms: 0,
            received_at_local: String::new(),
        }
    }

    #[test]
    fn stream_events_prepend_new_messages_once_and_keep_the_cap() {
        let owner = Owner::new();
        owner.with(|| {
            let summary = RwSignal::new(empty_status());
            let messages = RwSignal::new((1..=RECENT_MESSAGES as u64).rev().map(message).collect::<Vec<_>>());
            apply_event(StatusEvent::Message(message(3)), None, summary, messages);
            assert_eq!(messages.with_untracked(Vec::len), RECENT_MESSAGES);
            apply_event(StatusEvent::Message(message(1000)), None, summary, messages);
            let seqs: Vec<u64> = messages.with_untracked(|m| m.iter().map(|x| x.seq).collect());
            assert_eq!(seqs.len(), RECENT_MESSAGES);
            assert_eq!(seqs[0], 1000);
            assert!(!seqs.contains(&1), "the oldest message falls off");
            let mut next = summary.get_untracked();
            next.total_messages = 7;
            apply_event(StatusEvent::Summary(next), None, summary, messages);
            assert_eq!(summary.with_untracked(|s| s.total_messages), 7);
        });
    }

    #[test]
    fn a_filtered_page_only_adds_matching_messages() {
        let owner = Owner::new();
        owner.with(|| {
            let summary = RwSignal::new(empty_status());
            let messages = RwSignal::new(Vec::new());
            let mut other = message(1);
            other.topic = "riego/zona1".into();
            let mut wanted = message(2);
            wanted.topic = "carniceria/camara1/temp".into();
            apply_event(StatusEvent::Message(other), Some("carniceria/#"), summary, messages);
            apply_event(StatusEvent::Message(wanted), Some("carniceria/#"), summary, messages);
            let topics: Vec<String> = messages.with_untracked(|m| m.iter().map(|x| x.topic.clone()).collect());
            assert_eq!(topics, ["carniceria/camara1/temp"]);
        });
    }
}
