//! `/dev/correos`: the development mailbox (only when no SMTP server is configured).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::ErrorNotice;
use crate::tenancy::api::dev_mail::list_dev_mail;

/// The mails the server would have sent, newest first, with clickable links.
#[component]
pub fn DevMailPage() -> impl IntoView {
    let mails = Resource::new(|| (), |()| list_dev_mail());
    view! {
        <Title text="Correos (desarrollo)" />
        <div class="page-header">
            <h1>"Correos enviados (desarrollo)"</h1>
            <p>"No hay un servidor SMTP configurado: los correos quedan acá y en el registro del servidor."</p>
        </div>
        <Suspense fallback=|| {
            view! { <p>"Cargando…"</p> }
        }>
            {move || Suspend::new(async move {
                match mails.await {
                    Ok(list) => {
                        view! {
                            <ul class="mailbox" data-testid="mailbox">
                                {list
                                    .into_iter()
                                    .map(|m| {
                                        let to = m.to.clone();
                                        view! {
                                            <li class="card" data-testid="mail" data-to=to>
                                                <p class="mail-meta">
                                                    {m.created_at}" · para "<strong>{m.to}</strong>
                                                </p>
                                                <h2 class="mail-subject">{m.subject}</h2>
                                                <MailBody body=m.body />
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A plain-text body with its `http(s)://` lines turned into links.
#[component]
fn MailBody(body: String) -> impl IntoView {
    let lines: Vec<String> = body.lines().map(str::to_owned).collect();
    view! {
        <div class="mail-body">
            {lines
                .into_iter()
                .map(|line| {
                    if line.starts_with("http://") || line.starts_with("https://") {
                        view! {
                            <p>
                                <a href=line.clone() data-testid="mail-link">
                                    {line.clone()}
                                </a>
                            </p>
                        }
                            .into_any()
                    } else {
                        view! { <p>{line}</p> }.into_any()
                    }
                })
                .collect_view()}
        </div>
    }
}
