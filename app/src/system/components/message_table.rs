//! The table of the last MQTT messages the server received.

use leptos::prelude::*;
use shared::system::ReceivedMessage;

/// Newest first; topic, payload, size, QoS and time in the installation's zone.
#[component]
pub fn MessageTable(
    #[prop(into)] messages: Signal<Vec<ReceivedMessage>>,
    /// Whether a topic filter narrows the list (changes what the empty list says).
    #[prop(optional)]
    filtered: bool,
) -> impl IntoView {
    view! {
        <Show
            when=move || !messages.with(Vec::is_empty)
            fallback=move || {
                if filtered {
                    view! {
                        <p class="empty" data-testid="no-messages">
                            "Ningún mensaje reciente coincide con el filtro. Los que lleguen aparecerán acá."
                        </p>
                    }
                        .into_any()
                } else {
                    view! {
                        <p class="empty" data-testid="no-messages">
                            "Todavía no llegó ningún mensaje. Publicá uno, por ejemplo: "
                            <code class="mono">"mosquitto_pub -p 1883 -t prueba/hola -m 'hola'"</code>
                        </p>
                    }
                        .into_any()
                }
            }
        >
            <div class="table-wrap">
                <table data-testid="messages">
                    <thead>
                        <tr>
                            <th>"Hora"</th>
                            <th>"Tópico"</th>
                            <th>"Contenido"</th>
                            <th>"Tamaño"</th>
                            <th>"QoS"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || messages.get()
                            key=|m| m.seq
                            children=|m| {
                                let size = if m.truncated {
                                    format!("{} B (recortado)", m.size)
                                } else {
                                    format!("{} B", m.size)
                                };
                                view! {
                                    <tr data-testid="message-row">
                                        <td class="time">{m.received_at_local}</td>
                                        <td class="mono" data-testid="message-topic">
                                            {m.topic}
                                        </td>
                                        <td class="mono" data-testid="message-payload">
                                            {m.payload}
                                        </td>
                                        <td class="time">{size}</td>
                                        <td>{m.qos}{if m.retained { " (retenido)" } else { "" }}</td>
                                    </tr>
                                }
                            }
                        />
                    </tbody>
                </table>
            </div>
        </Show>
    }
}
