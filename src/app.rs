//! The HTML shell, the routes and the signed-in layout (navigation, user menu, toasts).

use crate::auth::api::{Logout, me};
use crate::auth::pages::{LoginPage, UsersPage};
use crate::auth::{Role, User};
use crate::error::AppError;
use crate::ui::{ComingSoon, ErrorPage, NotFound, Toasts, provide_toasts};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#1f3a5f" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    view! {
        <Stylesheet id="leptos" href="/pkg/leadflow.css" />
        <Title formatter=|page: String| format!("{page} · Leadflow") />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage />
                <ParentRoute path=path!("") view=SignedInLayout>
                    <Route path=path!("") view=|| view! { <Redirect path="/leads" /> } />
                    <Route path=path!("leads") view=|| placeholder("Leads", "Lead views, quick create, Qualify and Disqualify.") />
                    <Route path=path!("leads/:id") view=|| placeholder("Lead", "The lead record with its stage bar.") />
                    <Route path=path!("opportunities") view=|| placeholder("Opportunities", "Opportunity views: my open, all open, won and lost.") />
                    <Route path=path!("opportunities/:id") view=|| placeholder("Opportunity", "The opportunity record with its stage bar.") />
                    <Route path=path!("pipeline") view=|| placeholder("Pipeline", "The pipeline board: a column per stage plus Won and Lost.") />
                    <Route path=path!("accounts") view=|| placeholder("Accounts", "Accounts with their contacts and opportunities.") />
                    <Route path=path!("accounts/:id") view=|| placeholder("Account", "The account record and its timeline.") />
                    <Route path=path!("contacts") view=|| placeholder("Contacts", "Contacts and their accounts.") />
                    <Route path=path!("contacts/:id") view=|| placeholder("Contact", "The contact record and its timeline.") />
                    <Route path=path!("dashboard") view=|| placeholder("Dashboard", "Funnel, revenue by month, lead sources and win rate.") />
                    <Route path=path!("users") view=UsersPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

fn placeholder(title: &'static str, about: &'static str) -> impl IntoView {
    view! {
        <Title text=title />
        <ComingSoon title about />
    }
}

/// Loads the signed-in user before rendering anything behind sign-in; signed-out visitors
/// are sent to the login page.
#[component]
fn SignedInLayout() -> impl IntoView {
    let user = Resource::new_blocking(|| (), |_| me());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(user) => view! { <Layout user /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(error) => view! { <main id="main"><ErrorPage message=error.to_string() /></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The signed-in user, for any page that needs to know who is looking.
#[derive(Clone)]
pub struct CurrentUser(pub User);

const NAV_ITEMS: [(&str, &str); 6] = [
    ("/leads", "Leads"),
    ("/opportunities", "Opportunities"),
    ("/pipeline", "Pipeline"),
    ("/accounts", "Accounts"),
    ("/contacts", "Contacts"),
    ("/dashboard", "Dashboard"),
];

#[component]
fn Layout(user: User) -> impl IntoView {
    provide_context(CurrentUser(user.clone()));
    let menu_open = RwSignal::new(false);
    let user_menu_open = RwSignal::new(false);
    // Close the menus whenever the page changes.
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
        user_menu_open.set(false);
    });
    let logout = ServerAction::<Logout>::new();
    let is_admin = user.role.includes(Role::Admin);
    view! {
        <div class="app">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="topbar">
                <button
                    class="menu-toggle"
                    type="button"
                    aria-controls="primary-nav"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| menu_open.update(|open| *open = !*open)
                >
                    "Menu"
                </button>
                <a class="brand" href="/leads">"Leadflow"</a>
                <div class="user-menu">
                    <button
                        class="user-menu-button"
                        type="button"
                        aria-label=format!("Account menu for {}", user.name)
                        aria-controls="user-menu-panel"
                        aria-expanded=move || user_menu_open.get().to_string()
                        on:click=move |_| user_menu_open.update(|open| *open = !*open)
                    >
                        <span class="avatar" aria-hidden="true">{initials(&user.name)}</span>
                        <span class="user-name">{user.name.clone()}</span>
                    </button>
                    <div id="user-menu-panel" class="user-menu-panel" hidden=move || !user_menu_open.get()>
                        <p class="user-menu-who">
                            <strong>{user.name.clone()}</strong>
                            <span>{user.email.clone()}</span>
                            <span>{user.role.label()}</span>
                        </p>
                        <ActionForm action=logout>
                            <button type="submit" class="button secondary">"Sign out"</button>
                        </ActionForm>
                    </div>
                </div>
            </header>
            <nav id="primary-nav" class="sidebar" class:open=move || menu_open.get() aria-label="Main">
                <ul>
                    {NAV_ITEMS
                        .iter()
                        .map(|(href, label)| view! { <li><A href=*href>{*label}</A></li> })
                        .collect_view()}
                    <Show when=move || is_admin>
                        <li><A href="/users">"Users"</A></li>
                    </Show>
                </ul>
            </nav>
            <main id="main" class="content" tabindex="-1">
                <ErrorBoundary fallback=|errors| {
                    let message = errors
                        .get()
                        .into_iter()
                        .map(|(_, error)| error.to_string())
                        .collect::<Vec<_>>()
                        .join("; ");
                    view! { <ErrorPage message /> }
                }>
                    <Outlet />
                </ErrorBoundary>
            </main>
            <Toasts />
        </div>
    }
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_take_the_first_two_words() {
        assert_eq!(initials("Riley Rep"), "RR");
        assert_eq!(initials("ada"), "A");
        assert_eq!(initials("Jean Paul Sartre"), "JP");
        assert_eq!(initials(""), "");
    }
}
