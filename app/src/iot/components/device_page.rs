//! `/equipos/:uid`: one device. Its state, counters, latest values, relays and events refresh
//! every 2 s and its charts every 5 s once hydrated; `?rango=` picks the charts' range (links,
//! so it works without JavaScript). Owners and admins rotate or revoke its secret here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use shared::iot::dto::{ChartRange, DeviceLive, DeviceSummary, EventView, QuarantineView};
use shared::tenancy::Permission;

use super::device_charts::ChartsPanel;
use super::device_manage::ManagePanel;
use super::parts::{LiveValues, StatusBadge, meta_line};
use super::relays::RelayPanel;
use super::ticker::{CHARTS_EVERY, LIVE_EVERY, use_ticker};
use crate::components::{ErrorNotice, successes};
use crate::error::AppError;
use crate::iot::api::{RevokeDevice, RotateDeviceSecret, SwitchRelay, get_device_charts, get_device_live};
use crate::tenancy::components::use_viewer;

/// The charts' range when the address names none (or an unknown one).
const DEFAULT_RANGE: ChartRange = ChartRange::Day;

/// A device's page.
#[component]
pub fn DevicePage() -> impl IntoView {
    let ctx = use_viewer();
    let params = use_params_map();
    let query = use_query_map();
    let uid = Memo::new(move |_| params.read().get("uid").unwrap_or_default());
    let range = Memo::new(move |_| {
        query.read().get("rango").and_then(|code| ChartRange::from_code(&code)).unwrap_or(DEFAULT_RANGE)
    });
    let switch = ServerAction::<SwitchRelay>::new();
    let rotate = ServerAction::<RotateDeviceSecret>::new();
    let revoke = ServerAction::<RevokeDevice>::new();
    let (switched, rotated, revoked) = (successes(switch), successes(rotate), successes(revoke));
    let (live_tick, charts_tick) = (use_ticker(LIVE_EVERY), use_ticker(CHARTS_EVERY));
    // Every resource is made here, before any await, so the server and the browser number them
    // alike. Each part has its own boundary: a refresh of one never rebuilds another. The frame
    // (its name, whether it is revoked) is not on a ticker, so the forms under it keep their state.
    let frame = Resource::new(
        move || (uid.get(), ctx.version.get(), rotated.get(), revoked.get()),
        |(uid, ..)| get_device_live(uid),
    );
    let live = Resource::new(
        move || (uid.get(), ctx.version.get(), switched.get(), rotated.get(), revoked.get(), live_tick.get()),
        |(uid, ..)| get_device_live(uid),
    );
    let charts = Resource::new(
        move || (uid.get(), range.get(), charts_tick.get()),
        |(uid, range, _)| get_device_charts(uid, range.code().to_owned()),
    );
    view! {
        <p class="breadcrumb">
            <a href="/equipos">"← Equipos"</a>
        </p>
        // Transitions: a refresh keeps the part on screen until the new data arrives.
        <Transition fallback=|| {
            view! { <p>"Cargando…"</p> }
        }>
            {move || Suspend::new(async move {
                let viewer = ctx.viewer.await.ok().flatten();
                let can_operate = viewer.as_ref().is_some_and(|v| v.can(Permission::DevicesOperate));
                let result = live.await;
                live_tick.stop_after(&result);
                match result {
                    Ok(now) => view! { <LiveView live=now can_operate switch /> }.into_any(),
                    Err(AppError::NotFound) => view! { <DeviceNotFound /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
        <ChartsPanel uid range charts tick=charts_tick />
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let viewer = ctx.viewer.await.ok().flatten();
                let can_manage = viewer.as_ref().is_some_and(|v| v.can(Permission::DevicesManage));
                frame
                    .await
                    .ok()
                    .map(|found| {
                        let DeviceSummary { uid, name, revoked, .. } = found.device;
                        // Not found or refused: the live part above says so.
                        view! {
                            <Title text=name />
                            {can_manage.then(|| view! { <ManagePanel uid revoked rotate revoke /> })}
                        }
                    })
            })}
        </Transition>
    }
}

/// An unknown id, or another business' device (never says which).
#[component]
fn DeviceNotFound() -> impl IntoView {
    view! {
        <Title text="Equipo no encontrado" />
        <div class="card notice" role="alert" data-testid="device-not-found">
            <h1>"No encontrado"</h1>
            <p>"No encontramos ese equipo. Puede que la dirección esté mal escrita o que el equipo ya no exista."</p>
            <a href="/equipos">"Ver los equipos"</a>
        </div>
    }
}

/// The refreshing part: header, latest values, relays, reception counters and events.
#[component]
fn LiveView(live: DeviceLive, can_operate: bool, switch: ServerAction<SwitchRelay>) -> impl IntoView {
    let DeviceLive { device, relays, events, quarantine } = live;
    let meta = meta_line(&device);
    view! {
        <div class="page-header device-header">
            <div class="device-head">
                <h1 data-testid="device-name">{device.name.clone()}</h1>
                <StatusBadge device=device.clone() />
            </div>
            <p data-testid="device-meta">{meta}</p>
        </div>
        <div class="grid device-grid">
            <section class="card">
                <h2>"Valores actuales"</h2>
                <LiveValues values=device.values.clone() />
            </section>
            <RelayPanel uid=device.uid.clone() relays revoked=device.revoked can_operate switch />
        </div>
        <div class="grid device-grid section">
            <Counters device />
            <Events events />
        </div>
        <Quarantine kept=quarantine />
    }
}

/// What the ingest stored and refused for this device.
#[component]
fn Counters(device: DeviceSummary) -> impl IntoView {
    let r = device.rejected;
    let rows = [
        ("Mensajes guardados", "frames-ok", device.frames_ok.to_string()),
        ("Repetidos", "duplicates", r.duplicates.to_string()),
        ("Firma inválida", "bad-mac", r.bad_mac.to_string()),
        ("Mal formados", "malformed", r.malformed.to_string()),
        ("Valores imposibles", "bad-values", r.values.to_string()),
        ("Mensajes apartados", "quarantined", r.quarantined.to_string()),
        ("Último problema", "last-problem", r.last_problem.unwrap_or_else(|| "Ninguno".to_owned())),
    ];
    view! {
        <section class="card">
            <h2>"Recepción"</h2>
            <dl class="facts" data-testid="device-counters">
                {rows
                    .into_iter()
                    .map(|(label, id, value)| {
                        view! {
                            <dt>{label}</dt>
                            <dd data-testid=format!("counter-{id}")>{value}</dd>
                        }
                    })
                    .collect_view()}
            </dl>
        </section>
    }
}

/// The latest events, newest first.
#[component]
fn Events(events: Vec<EventView>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Últimos eventos"</h2>
            {if events.is_empty() {
                view! { <p class="empty">"Todavía no hay eventos."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list events" data-testid="device-events">
                        {events
                            .into_iter()
                            .map(|e| {
                                view! {
                                    <li data-testid="device-event">
                                        <span class="time">{e.at}</span>
                                        " · "
                                        {e.text}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}

/// Frames kept aside (content that cannot be stored), newest first; nothing when there are none.
#[component]
fn Quarantine(kept: Vec<QuarantineView>) -> impl IntoView {
    (!kept.is_empty()).then(|| {
        view! {
            <section class="card section" data-testid="device-quarantine">
                <h2>"Mensajes apartados"</h2>
                <p class="hint">
                    "El equipo los firmó bien pero traían datos que no se pueden guardar. Se confirmaron al equipo para que siga enviando; revisá su firmware o sus sensores."
                </p>
                <ul class="plain-list events">
                    {kept
                        .into_iter()
                        .map(|q| {
                            view! {
                                <li data-testid="quarantined-frame">
                                    <span class="time">{q.at}</span>
                                    " · mensaje "
                                    {q.seq}
                                    " · "
                                    {q.reason}
                                    <code class="payload">{q.payload}</code>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    })
}
