//! The HTML shell, the routes and the signed-in layout (navigation, user menu, toasts).

use crate::account::pages::{AccountPage, NewAccountPage};
use crate::activity::mine::MyActivitiesPage;
use crate::auth::api::{Logout, me};
use crate::auth::pages::{LoginPage, UsersPage};
use crate::auth::{Role, User};
use crate::contact::pages::{ContactPage, NewContactPage};
use crate::directory::{DirectoryKind, DirectoryList};
use crate::error::AppError;
use crate::import::pages::RunningImportBar;
use crate::lead::pages::{LeadsPage, NewLeadPage};
use crate::lead::record::LeadRecordPage;
use crate::opportunity::pages::OpportunityPage;
use crate::ui::{ErrorPage, NotFound, Toasts, provide_toasts};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
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
                    <Route path=path!("leads") view=LeadsPage />
                    <Route path=path!("leads/new") view=NewLeadPage />
                    <Route path=path!("leads/:id") view=LeadRecordPage />
                    <Route path=path!("opportunities") view=crate::opportunity::list::OpportunitiesPage />
                    <Route path=path!("opportunities/:id") view=OpportunityPage />
                    <Route path=path!("pipeline") view=crate::opportunity::board::PipelinePage />
                    <Route path=path!("accounts") view=|| view! { <DirectoryList kind=DirectoryKind::Accounts /> } />
                    <Route path=path!("accounts/new") view=NewAccountPage />
                    <Route path=path!("accounts/:id") view=AccountPage />
                    <Route path=path!("contacts") view=|| view! { <DirectoryList kind=DirectoryKind::Contacts /> } />
                    <Route path=path!("contacts/new") view=NewContactPage />
                    <Route path=path!("contacts/:id") view=ContactPage />
                    <Route path=path!("activities") view=MyActivitiesPage />
                    <Route path=path!("activities/all") view=crate::activity::list::ActivityListPage />
                    <Route path=path!("dashboard") view=crate::dashboard::page::DashboardPage />
                    <Route path=path!("users") view=UsersPage />
                    <Route path=path!("settings") view=crate::settings::SettingsPage />
                    <Route path=path!("import") view=crate::import::pages::ImportPage />
                    <Route path=path!("import/:id") view=crate::import::pages::ImportJobPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The signed-in user, loaded once per page load and shared with every page behind sign-in.
/// (Pages create their own resources at their top level, never inside a `Suspend`, so the
/// server and the browser create them in the same order.)
#[derive(Clone, Copy)]
pub struct SignedInUser(pub Resource<Result<User, AppError>>);

pub fn use_signed_in_user() -> Resource<Result<User, AppError>> {
    expect_context::<SignedInUser>().0
}

const NAV_ITEMS: [(&str, &str); 8] = [
    ("/activities", "My activities"),
    ("/leads", "Leads"),
    ("/opportunities", "Opportunities"),
    ("/pipeline", "Pipeline"),
    ("/accounts", "Accounts"),
    ("/contacts", "Contacts"),
    ("/dashboard", "Dashboard"),
    ("/import", "Import"),
];

/// Everything behind sign-in: top bar, navigation and the page. Signed-out visitors are sent
/// to the login page (a 302 when rendered on the server: the user resource blocks the stream).
#[component]
fn SignedInLayout() -> impl IntoView {
    let user = Resource::new_blocking(|| (), |_| me());
    provide_context(SignedInUser(user));
    let menu_open = RwSignal::new(false);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                matches!(user.await, Err(AppError::Unauthenticated))
                    .then(|| view! { <Redirect path="/login" /> })
            })}
        </Suspense>
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
                // Capturing a lead is one tap from anywhere.
                <a class="button new-lead" href="/leads/new">"New lead"</a>
                <Suspense>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(user) => view! { <UserMenu user /> }.into_any(),
                            Err(AppError::Unauthenticated) => ().into_any(),
                            Err(error) => view! { <p role="alert">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </header>
            // Following a link closes the phone menu.
            <nav
                id="primary-nav"
                class="sidebar"
                class:open=move || menu_open.get()
                aria-label="Main"
                on:click=move |_| menu_open.set(false)
            >
                <ul>
                    {NAV_ITEMS
                        .iter()
                        .map(|(href, label)| view! { <li><A href=*href>{*label}</A></li> })
                        .collect_view()}
                    <Suspense>
                        {move || Suspend::new(async move {
                            user.await
                                .is_ok_and(|user| user.role.includes(Role::Admin))
                                .then(|| view! {
                                    <li><A href="/users">"Users"</A></li>
                                    <li><A href="/settings">"Settings"</A></li>
                                })
                        })}
                    </Suspense>
                </ul>
            </nav>
            <main id="main" class="content" tabindex="-1">
                <RunningImportBar />
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

#[component]
fn UserMenu(user: User) -> impl IntoView {
    let open = RwSignal::new(false);
    let logout = ServerAction::<Logout>::new();
    // A session that already ended cannot sign out: go to the login page all the same.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Err(AppError::Unauthenticated)) = logout.value().get() {
            navigate("/login", Default::default());
        }
    });
    view! {
        <div
            class="user-menu"
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    open.set(false);
                }
            }
        >
            <button
                class="user-menu-button"
                type="button"
                aria-label=format!("Account menu for {}", user.name)
                aria-controls="user-menu-panel"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|open| *open = !*open)
            >
                <span class="avatar" aria-hidden="true">{initials(&user.name)}</span>
                <span class="user-name">{user.name.clone()}</span>
            </button>
            <div id="user-menu-panel" class="user-menu-panel" hidden=move || !open.get()>
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
