//! `/negocio/miembros`: the team (staff records with role, name, phone, bookable), invitations.
//! Managers see it; owners and admins change it (only owners touch owners).

use leptos::prelude::*;
use leptos_meta::Title;
use shared::tenancy::dto::{Invitation, Member};
use shared::tenancy::{Permission, Role};

use super::viewer::use_viewer;
use crate::components::{ErrorNotice, Field, FormError, SelectField, action_error, action_ok, successes};
use crate::tenancy::api::members::{
    InviteMember, RemoveMember, RevokeInvitation, UpdateMember, list_invitations, list_members,
};

/// The members page.
#[component]
pub fn MembersPage() -> impl IntoView {
    let ctx = use_viewer();
    let invite = ServerAction::<InviteMember>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    // Bumped by a member card after a successful change; a refused one keeps its form as typed.
    let changed = RwSignal::new(0_usize);
    let (invited, revoked) = (successes(invite), successes(revoke));
    let members = Resource::new(move || (ctx.version.get(), changed.get()), |_| list_members());
    let invitations =
        Resource::new(move || (ctx.version.get(), invited.get(), revoked.get(), changed.get()), |_| list_invitations());
    view! {
        <Title text="Miembros" />
        <div class="page-header">
            <h1>"Miembros del negocio"</h1>
            <p>"Quiénes trabajan en el negocio, con qué rol, y quiénes atienden turnos."</p>
        </div>
        <Suspense fallback=|| {
            view! { <p>"Cargando…"</p> }
        }>
            {move || Suspend::new(async move {
                let viewer = ctx.viewer.await.ok().flatten();
                let my_role = viewer.as_ref().and_then(|v| v.current.as_ref().map(|c| c.role));
                let can_manage = viewer.as_ref().is_some_and(|v| v.can(Permission::MembersManage));
                match members.await {
                    Ok(list) => {
                        view! {
                            <div class="member-list" data-testid="members">
                                {list
                                    .into_iter()
                                    .map(|m| view! { <MemberCard member=m my_role can_manage changed /> })
                                    .collect_view()}
                            </div>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
        // Its own boundary: refreshing the member list never resets what is typed here.
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let viewer = ctx.viewer.await.ok().flatten();
                let my_role = viewer.as_ref().and_then(|v| v.current.as_ref().map(|c| c.role));
                let can_manage = viewer.as_ref().is_some_and(|v| v.can(Permission::MembersManage));
                let can_view = viewer.as_ref().is_some_and(|v| v.can(Permission::MembersView));
                view! {
                    {can_manage.then(|| view! { <InviteForm invite my_role /> })}
                    {can_view.then(|| view! { <InvitationList invitations can_manage revoke /> })}
                }
            })}
        </Suspense>
    }
}

fn role_options(my_role: Option<Role>, from: Option<Role>) -> Vec<(&'static str, &'static str)> {
    Role::ALL
        .iter()
        .filter(|r| Some(**r) == from || my_role.is_some_and(|me| me.may_assign(from, **r)))
        .map(|r| (r.code(), r.label()))
        .collect()
}

#[component]
fn MemberCard(member: Member, my_role: Option<Role>, can_manage: bool, changed: RwSignal<usize>) -> impl IntoView {
    let editable =
        can_manage && (member.role != Role::Owner || my_role.is_some_and(|r| r.allows(Permission::OwnersManage)));
    // This card's own actions: their errors stay on this card.
    let update = ServerAction::<UpdateMember>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let (updated, removed) = (successes(update), successes(remove));
    Effect::new(move |_| {
        if updated.get() + removed.get() > 0 {
            changed.update(|n| *n += 1);
        }
    });
    let error = Signal::derive(move || {
        update.value().get().and_then(Result::err).or_else(|| remove.value().get().and_then(Result::err))
    });
    let header = view! {
        <div class="member-head">
            <strong>{member.display_name.clone()}</strong>
            {member.is_me.then(|| view! { <span class="badge">"Vos"</span> })}
            <span class="badge role" data-testid="member-role">
                {member.role.label()}
            </span>
            {member.is_professional.then(|| view! { <span class="badge ok">"Atiende turnos"</span> })}
        </div>
        <p class="member-meta">
            {member.email.clone()}" · desde el "{member.joined_at.clone()}
            {(!member.phone.is_empty()).then(|| format!(" · {}", member.phone))}
        </p>
    };
    if !editable {
        return view! {
            <article class="card member" data-testid="member" data-email=member.email.clone()>
                {header}
            </article>
        }
        .into_any();
    }
    let options = role_options(my_role, Some(member.role));
    let member_id = member.id;
    let id = move |field: &str| format!("member-{member_id}-{field}");
    view! {
        <article class="card member" data-testid="member" data-email=member.email.clone()>
            {header}
            <details>
                <summary>"Editar"</summary>
                <ActionForm action=update>
                    <input type="hidden" name="member_id" value=member.id.to_string() />
                    <SelectField name="role" id=id("role") label="Rol" options selected=member.role.code() error />
                    <Field
                        name="display_name"
                        id=id("name")
                        label="Nombre"
                        value=member.display_name.clone()
                        required=true
                        error
                    />
                    <Field name="phone" id=id("phone") label="Teléfono" kind="tel" value=member.phone.clone() error />
                    <label class="check">
                        <input type="checkbox" name="is_professional" value="on" checked=member.is_professional />
                        " Atiende turnos (profesional con agenda)"
                    </label>
                    <FormError error />
                    <button type="submit" class="button">
                        "Guardar"
                    </button>
                </ActionForm>
                {(!member.is_me)
                    .then(|| {
                        view! {
                            <ActionForm action=remove attr:class="inline">
                                <input type="hidden" name="member_id" value=member.id.to_string() />
                                <button type="submit" class="button danger small">
                                    "Quitar del negocio"
                                </button>
                            </ActionForm>
                        }
                    })}
            </details>
        </article>
    }
    .into_any()
}

#[component]
fn InviteForm(invite: ServerAction<InviteMember>, my_role: Option<Role>) -> impl IntoView {
    let error = action_error(invite);
    let sent = action_ok(invite);
    let options = role_options(my_role, None);
    view! {
        <section class="card">
            <h2>"Invitar a alguien"</h2>
            <ActionForm action=invite>
                <Field name="email" id="invite-email" label="Correo electrónico" kind="email" required=true error />
                <SelectField
                    name="role"
                    id="invite-role"
                    label="Rol de la persona invitada"
                    options
                    selected="cashier"
                    error
                />
                <FormError error />
                <button type="submit" class="button" disabled=move || invite.pending().get()>
                    "Enviar invitación"
                </button>
                <Show when=move || sent.get()>
                    <p class="form-ok" role="status" data-testid="invitation-sent">
                        "Invitación enviada."
                    </p>
                </Show>
            </ActionForm>
        </section>
    }
}

#[component]
fn InvitationList(
    invitations: Resource<Result<Vec<Invitation>, crate::error::AppError>>,
    can_manage: bool,
    revoke: ServerAction<RevokeInvitation>,
) -> impl IntoView {
    let error = action_error(revoke);
    view! {
        <section class="card">
            <h2>"Invitaciones pendientes"</h2>
            <FormError error />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match invitations.await {
                        Ok(list) if list.is_empty() => view! { <p>"No hay invitaciones pendientes."</p> }.into_any(),
                        Ok(list) => {
                            view! {
                                <ul class="plain-list" data-testid="invitations">
                                    {list
                                        .into_iter()
                                        .map(|i| {
                                            view! {
                                                <li data-testid="invitation">
                                                    <strong>{i.email}</strong>
                                                    " · "
                                                    {i.role.label()}
                                                    " · invitó "
                                                    {i.invited_by}
                                                    " · vence "
                                                    {i.expires_at}
                                                    {can_manage
                                                        .then(|| {
                                                            view! {
                                                                <ActionForm action=revoke attr:class="inline">
                                                                    <input
                                                                        type="hidden"
                                                                        name="invitation_id"
                                                                        value=i.id.to_string()
                                                                    />
                                                                    <button type="submit" class="button secondary small">
                                                                        "Anular"
                                                                    </button>
                                                                </ActionForm>
                                                            }
                                                        })}
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
        </section>
    }
}
