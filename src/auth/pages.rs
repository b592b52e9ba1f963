//! The login page and the admin's Users page.

use super::api::{CreateUser, Login, ResetPassword, UpdateUser, demo_credentials, list_users};
use super::{Role, User};
use crate::app::use_signed_in_user;
use crate::error::AppError;
use crate::ui::ErrorPage;
use crate::ui::enhance::{FieldMessage, FormMessage, ServerForm};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = <Login as ServerFn>::PATH;
    // Blocking: the page is sent with its demo accounts, never grows under a first paint.
    let demo = crate::ui::Fetched::new_with_options(|| (), |_| demo_credentials(), true);
    view! {
        <Title text="Sign in" />
        <main class="standalone-page" id="main">
            <div class="card login-card">
                <h1 class="brand-large">"Leadflow"</h1>
                <p class="muted">"Sign in to your sales workspace."</p>
                // Sent by `ui::enhance`: a redirect to the leads, or the error in the form.
                <ServerForm action browser_checks=true>
                    <div class="field">
                        <label for="login-email">"Email"</label>
                        <input id="login-email" type="email" name="email" autocomplete="username" required />
                    </div>
                    <div class="field">
                        <label for="login-password">"Password"</label>
                        <input id="login-password" type="password" name="password" autocomplete="current-password" required />
                    </div>
                    <FormMessage />
                    <button type="submit" class="button primary wide">"Sign in"</button>
                </ServerForm>
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

/// The admin's Users page, rendered on the server; its forms are sent in place by
/// `ui::enhance`, and each success loads the page again with the change.
#[component]
pub fn UsersPage() -> impl IntoView {
    let user = use_signed_in_user();
    let users = crate::ui::fetched(|| (), |_| list_users());
    view! {
        <Title text="Users" />
        <section class="page">
            <header class="page-header"><h1>"Users"</h1></header>
            <Suspense>
                {move || Suspend::new(async move {
                    if user.await.is_ok_and(|user| user.role.includes(Role::Admin)) {
                        view! { <UserAdmin users=users.await /> }.into_any()
                    } else {
                        view! { <ErrorPage message=AppError::Forbidden.to_string() /> }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn UserAdmin(users: Result<Vec<User>, AppError>) -> impl IntoView {
    view! {
        <div class="card">
            <h2>"Add a user"</h2>
            <ServerForm action={<CreateUser as ServerFn>::PATH} done="Created {name}." reload=true>
                <div class="form-grid">
                    <div class="field">
                        <label for="user-name">"Name"</label>
                        <input id="user-name" name="name" required aria-describedby="user-name-error" />
                        <FieldMessage field="name" id="user-name-error" />
                    </div>
                    <div class="field">
                        <label for="user-email">"Email"</label>
                        <input id="user-email" name="email" type="email" required aria-describedby="user-email-error" />
                        <FieldMessage field="email" id="user-email-error" />
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
                        <FieldMessage field="password" id="user-password-error" />
                    </div>
                </div>
                <FormMessage />
                <button type="submit" class="button primary">"Add user"</button>
            </ServerForm>
        </div>
        <div class="card">
            <h2>"Everyone"</h2>
            {match users {
                Ok(list) => view! {
                    <ul class="user-list">
                        {list.into_iter().map(|user| view! { <UserRow user /> }).collect_view()}
                    </ul>
                }.into_any(),
                Err(error) => view! { <p role="alert">{error.to_string()}</p> }.into_any(),
            }}
        </div>
    }
}

/// A user's role (sent as soon as it is chosen), activation and password reset.
#[component]
fn UserRow(user: User) -> impl IntoView {
    let User {
        id,
        name,
        email,
        role,
        active,
        version,
    } = user;
    let update = <UpdateUser as ServerFn>::PATH;
    let toggle = if active {
        format!("Deactivate {name}")
    } else {
        format!("Activate {name}")
    };
    let role_label = format!("Role of {name}");
    let password_label = format!("New password for {name}");
    view! {
        <li class="user-row" class:inactive=!active>
            <div class="user-row-who">
                <strong>{name}</strong>
                <span class="muted">{email}</span>
                {(!active).then(|| view! { <span class="badge">"Deactivated"</span> })}
            </div>
            <div class="user-row-actions">
                <ServerForm action=update done="User updated." reload=true>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="active" value=active.to_string() />
                    <input type="hidden" name="version" value=version />
                    <select name="role" aria-label=role_label aria-describedby=format!("user-{id}-role-error") data-submit-on-change="">
                        {Role::ALL.iter().map(|r| view! { <option value=r.code() selected=*r == role>{r.label()}</option> }).collect_view()}
                    </select>
                    <FieldMessage field="role" id=format!("user-{id}-role-error") />
                    <FormMessage />
                </ServerForm>
                <ServerForm action=update done="User updated." reload=true>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="role" value=role.code() />
                    <input type="hidden" name="active" value=(!active).to_string() />
                    <input type="hidden" name="version" value=version />
                    <button type="submit" class="button secondary">{toggle}</button>
                    <FormMessage />
                </ServerForm>
                <ServerForm action={<ResetPassword as ServerFn>::PATH} done="Password changed. The user's sessions have ended.">
                    <input type="hidden" name="id" value=id />
                    <input
                        type="password"
                        name="password"
                        autocomplete="new-password"
                        aria-label=password_label
                        placeholder="New password"
                        aria-describedby=format!("user-{id}-password-error")
                    />
                    <button type="submit" class="button secondary">"Reset password"</button>
                    <FieldMessage field="password" id=format!("user-{id}-password-error") />
                    <FormMessage />
                </ServerForm>
            </div>
        </li>
    }
}
