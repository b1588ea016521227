//! A device's relays on its page: each one's state ("Encendido", "Apagado", "Sin datos", or
//! "Pendiente…" while a command waits for the node) and, for those who may operate devices, the
//! button that switches it. The page's refresh shows the node's answer.

use leptos::prelude::*;
use shared::iot::dto::RelayView;

use crate::components::action_error;
use crate::iot::api::SwitchRelay;

/// The relays block.
#[component]
pub fn RelayPanel(
    /// The device's public id.
    uid: String,
    /// Its relays, in number order.
    relays: Vec<RelayView>,
    /// Revoked devices receive no commands.
    revoked: bool,
    /// Whether the viewer may switch relays.
    can_operate: bool,
    /// The page's switch action (outlives this block's refreshes).
    switch: ServerAction<SwitchRelay>,
) -> impl IntoView {
    let error = action_error(switch);
    let operable = can_operate && !revoked;
    view! {
        <section class="card relays" data-testid="relays">
            <h2>"Relés"</h2>
            {if relays.is_empty() {
                view! { <p class="empty">"Este equipo no tiene relés."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list relay-list">
                        {relays
                            .into_iter()
                            .map(|relay| view! { <Relay uid=uid.clone() relay operable switch /> })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            {(revoked && can_operate)
                .then(|| view! { <p class="field-help">"El equipo está dado de baja: no recibe comandos."</p> })}
            // Any refusal, field errors included (the form has no visible fields).
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <p class="form-error" role="alert" data-testid="relay-error">
                                {e.to_string()}
                            </p>
                        }
                    })
            }}
        </section>
    }
}

/// What a relay's state says, its CSS class and a code for tests.
fn state_of(relay: &RelayView) -> (&'static str, &'static str, &'static str) {
    match (relay.pending, relay.on) {
        (Some(_), _) => ("Pendiente…", "badge warn", "pending"),
        (None, Some(true)) => ("Encendido", "badge ok", "on"),
        (None, Some(false)) => ("Apagado", "badge neutral", "off"),
        (None, None) => ("Sin datos", "badge neutral", "unknown"),
    }
}

#[component]
fn Relay(uid: String, relay: RelayView, operable: bool, switch: ServerAction<SwitchRelay>) -> impl IntoView {
    let n = relay.relay;
    let (text, class, code) = state_of(&relay);
    // The button asks for the opposite of what it is (or is about to be).
    let target = relay.pending.or(relay.on) != Some(true);
    view! {
        <li class="relay" data-testid=format!("relay-{n}")>
            <span class="relay-name">{format!("Relé {}", u16::from(n) + 1)}</span>
            <span class=class data-testid=format!("relay-{n}-state") data-state=code>
                {text}
            </span>
            {relay.last_outcome.map(|o| view! { <span class="detail">{o}</span> })}
            {operable
                .then(|| {
                    view! {
                        <ActionForm action=switch attr:class="inline relay-switch">
                            <input type="hidden" name="uid" value=uid />
                            <input type="hidden" name="relay" value=n.to_string() />
                            <input type="hidden" name="on" value=target.to_string() />
                            <button
                                type="submit"
                                class="button small"
                                data-testid=format!("relay-{n}-switch")
                                disabled=move || switch.pending().get()
                            >
                                {if target { "Encender" } else { "Apagar" }}
                            </button>
                        </ActionForm>
                    }
                })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay(on: Option<bool>, pending: Option<bool>) -> RelayView {
        RelayView { relay: 0, on, pending, last_outcome: None }
    }

    #[test]
    fn a_pending_command_shows_as_pending_whatever_the_last_report() {
        assert_eq!(state_of(&relay(Some(false), Some(true))).0, "Pendiente…");
        assert_eq!(state_of(&relay(Some(true), None)).0, "Encendido");
        assert_eq!(state_of(&relay(Some(false), None)).0, "Apagado");
        assert_eq!(state_of(&relay(None, None)).0, "Sin datos");
    }
}
