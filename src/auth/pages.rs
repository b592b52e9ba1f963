//! The login page and the admin's Users page.

use super::api::{CreateUser, Login, ResetPassword, UpdateUser, demo_credentials, list_users};
use super::{Role, User};
use crate::app::use_signed_in_user;
use crate::error::AppError;
use crate::ui::{ErrorPage, FieldError, FormAlert, use_toasts};
use leptos::html::Form;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let result = Signal::derive(move || login.value().get());
    // Blocking: the page is sent with its demo accounts, never grows under a first paint.
    let demo = crate::ui::Fetched::new_with_options(|| (), |_| demo_credentials(), true);
    view! {
        <Title text="Sign in" />
        <main class="standalone-page" id="main">
            <div class="card login-card">
                <h1 class="brand-large">"Leadflow"</h1>
                <p class="muted">"Sign in to your sales workspace."</p>
                <ActionForm action=login>
                    <div class="field">
                        <label for="login-email">"Email"</label>
                        <input id="login-email" type="email" name="email" autocomplete="username" required />
                    </div>
                    <div class="field">
                        <label for="login-password">"Password"</label>
                        <input id="login-password" type="password" name="password" autocomplete="current-password" required />
                    </div>
                    <FormAlert result />
                    <button type="submit" class="button primary wide" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <Suspense>
                    {move || Suspend::new(async move {
                        let credentials = demo.await.unwrap_or_default();
                        let password = credentials.first().map(|c| c.password.clone())?;
                        Some(view! {
                            <section class="demo-credentials" aria-labelledby="demo-heading">
                                <h2 id="demo-heading">"Demo accounts"</h2>
                                <p class="muted">
                                    "This is a demo installation. Each account's password is "
                                    <code>{password}</code>"."
                                </p>
                                <table>
                                    <thead><tr><th scope="col">"Role"</th><th scope="col">"Email"</th></tr></thead>
                                    <tbody>
                                        {credentials.into_iter().map(|c| view! {
                                            <tr><td>{c.role.label()}</td><td>{c.email}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                        })
                    })}
                </Suspense>
            </div>
        </main>
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let user = use_signed_in_user();
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let users = crate::ui::fetched(
        move || (create.version().get(), update.version().get()),
        |_| list_users(),
    );
    view! {
        <Title text="Users" />
        <section class="page">
            <header class="page-header"><h1>"Users"</h1></header>
            <Suspense>
                {move || Suspend::new(async move {
                    if user.await.is_ok_and(|user| user.role.includes(Role::Admin)) {
                        view! { <UserAdmin create update reset users /> }.into_any()
                    } else {
                        view! { <ErrorPage message=AppError::Forbidden.to_string() /> }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn UserAdmin(
    create: ServerAction<CreateUser>,
    update: ServerAction<UpdateUser>,
    reset: ServerAction<ResetPassword>,
    users: crate::ui::Fetched<Result<Vec<User>, AppError>>,
) -> impl IntoView {
    let toasts = use_toasts();
    let form_ref = NodeRef::<Form>::new();
    let create_result = Signal::derive(move || create.value().get());
    Effect::new(move |_| {
        if let Some(Ok(user)) = create.value().get() {
            toasts.show(format!("Created {}.", user.name));
            if let Some(form) = form_ref.get() {
                form.reset();
            }
        }
    });
    Effect::new(move |_| match update.value().get() {
        Some(Ok(())) => toasts.show("User updated."),
        Some(Err(error)) => toasts.show(error.to_string()),
        None => {}
    });
    Effect::new(move |_| match reset.value().get() {
        Some(Ok(())) => toasts.show("Password changed. The user's sessions have ended."),
        Some(Err(error)) => toasts.show(error.to_string()),
        None => {}
    });
    view! {
        <div class="card">
            <h2>"Add a user"</h2>
            <ActionForm action=create node_ref=form_ref>
                <div class="form-grid">
                    <div class="field">
                        <label for="user-name">"Name"</label>
                        <input id="user-name" name="name" required aria-describedby="user-name-error" />
                        <FieldError result=create_result field="name" id="user-name-error" />
                    </div>
                    <div class="field">
                        <label for="user-email">"Email"</label>
                        <input id="user-email" name="email" type="email" required aria-describedby="user-email-error" />
                        <FieldError result=create_result field="email" id="user-email-error" />
                    </div>
                    <div class="field">
                        <label for="user-role">"Role"</label>
                        <select id="user-role" name="role">
                            {Role::ALL.iter().map(|role| view! { <option value=role.code()>{role.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="user-password">"Initial password"</label>
                        <input id="user-password" name="password" type="password" autocomplete="new-password" required aria-describedby="user-password-error" />
                        <FieldError result=create_result field="password" id="user-password-error" />
                    </div>
                </div>
                <FormAlert result=create_result />
                <button type="submit" class="button primary">"Add user"</button>
            </ActionForm>
        </div>
        <div class="card">
            <h2>"Everyone"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) => crate::ui::shown(|| view! {
                            <ul class="user-list">
                                {list.into_iter().map(|user| view! { <UserRow user update reset /> }).collect_view()}
                            </ul>
                        }).into_any(),
                        Err(error) => view! { <p role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn UserRow(
    user: User,
    update: ServerAction<UpdateUser>,
    reset: ServerAction<ResetPassword>,
) -> impl IntoView {
    let User {
        id,
        name,
        email,
        role,
        active,
        version,
    } = user;
    let role_label = format!("Role of {name}");
    let password_label = format!("New password for {name}");
    let password = RwSignal::new(String::new());
    view! {
        <li class="user-row" class:inactive=!active>
            <div class="user-row-who">
                <strong>{name.clone()}</strong>
                <span class="muted">{email}</span>
                {(!active).then(|| view! { <span class="badge">"Deactivated"</span> })}
            </div>
            <div class="user-row-actions">
                <select
                    aria-label=role_label
                    on:change=move |ev| {
                        if let Some(role) = Role::from_code(&event_target_value(&ev)) {
                            update.dispatch(UpdateUser { id, role, active, version });
                        }
                    }
                >
                    {Role::ALL.iter().map(|r| view! { <option value=r.code() selected=*r == role>{r.label()}</option> }).collect_view()}
                </select>
                <button
                    type="button"
                    class="button secondary"
                    on:click=move |_| { update.dispatch(UpdateUser { id, role, active: !active, version }); }
                >
                    {if active { format!("Deactivate {name}") } else { format!("Activate {name}") }}
                </button>
                <form on:submit=move |ev| {
                    ev.prevent_default();
                    reset.dispatch(ResetPassword { id, password: password.get() });
                    password.set(String::new());
                }>
                    <input
                        type="password"
                        autocomplete="new-password"
                        aria-label=password_label
                        placeholder="New password"
                        prop:value=password
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                    <button type="submit" class="button secondary">"Reset password"</button>
                </form>
            </div>
        </li>
    }
}
