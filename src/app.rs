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
use crate::ui::{ErrorPage, NotFound, Toasts};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The page around the app, rendered on the server only. Besides the app it carries the
/// field-mode pieces the outbox script fills in: the sync status bar and the update prompt.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let (stylesheet, outbox_script, hydration_script) = use_context::<crate::server::AppState>()
        .map(|state| {
            (
                state.assets.stylesheet.clone(),
                state.assets.outbox_script.clone(),
                state.assets.hydration_script.clone(),
            )
        })
        .unwrap_or_else(|| ("/pkg/leadflow.css".into(), String::new(), String::new()));
    #[cfg(not(feature = "ssr"))]
    let (stylesheet, outbox_script, hydration_script) =
        (String::new(), String::new(), String::new());
    // Only islands are hydrated: what the server renders outside them is not, so it sends
    // the browser no data for it (leptos' own islands script does the same).
    #[cfg(feature = "ssr")]
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    // Shown offline as "as of 10:42": when this copy of the page was made.
    let rendered_at = chrono::Utc::now().to_rfc3339();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#1f3a5f" />
                <meta name="rendered-at" content=rendered_at />
                <link rel="stylesheet" href=stylesheet />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="apple-touch-icon" href="/icons/icon-192.png" />
                <script type="module" src=outbox_script></script>
                <AutoReload options />
                <script type="module" inner_html=hydration_script></script>
                <MetaTags />
            </head>
            <body>
                <App />
                <div id="outbox-bar" class="outbox-bar" role="status" hidden></div>
                <div id="update-bar" class="update-bar" role="alert" hidden>
                    <span>"A new version of Leadflow is ready."</span>
                    <button type="button" class="button primary">"Reload"</button>
                </div>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| format!("{page} · Leadflow") />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=SignedInLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=|| view! { <Redirect path="/leads" /> } />
                    <Route path=path!("leads") view=LeadsPage />
                    <Route path=path!("leads/new") view=NewLeadPage />
                    <Route path=path!("leads/:id") view=LeadRecordPage />
                    <Route path=path!("opportunities") view=crate::opportunity::list::OpportunitiesPage />
                    <Route path=path!("opportunities/:id") view=OpportunityPage />
                    <Route path=path!("pipeline") view=crate::opportunity::board::PipelinePage />
                    <Route path=path!("accounts") view=AccountsPage />
                    <Route path=path!("accounts/new") view=NewAccountPage />
                    <Route path=path!("accounts/:id") view=AccountPage />
                    <Route path=path!("contacts") view=ContactsPage />
                    <Route path=path!("contacts/new") view=NewContactPage />
                    <Route path=path!("contacts/:id") view=ContactPage />
                    <Route path=path!("activities") view=MyActivitiesPage />
                    <Route path=path!("activities/all") view=crate::activity::list::ActivityListPage />
                    <Route path=path!("dashboard") view=crate::dashboard::page::DashboardPage />
                    <Route path=path!("users") view=UsersPage />
                    <Route path=path!("settings") view=crate::settings::SettingsPage />
                    <Route path=path!("settings/forms") view=crate::webform::pages::WebFormsPage />
                    <Route path=path!("settings/processes") view=crate::process::editor::ProcessesPage />
                    <Route path=path!("settings/scoring") view=crate::scoring::page::ScoringPage />
                    <Route path=path!("settings/processes/:id") view=crate::process::editor::ProcessEditorPage />
                    <Route path=path!("settings/forms/:id") view=crate::webform::pages::WebFormPage />
                    <Route path=path!("lists") view=crate::lists::pages::ListsPage />
                    <Route path=path!("lists/new") view=crate::lists::pages::NewListPage />
                    <Route path=path!("lists/:id") view=crate::lists::pages::ListPage />
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
pub struct SignedInUser(pub crate::ui::Fetched<Result<User, AppError>>);

pub fn use_signed_in_user() -> crate::ui::Fetched<Result<User, AppError>> {
    expect_context::<SignedInUser>().0
}

const NAV_ITEMS: [(&str, &str); 9] = [
    ("/activities", "My activities"),
    ("/leads", "Leads"),
    ("/opportunities", "Opportunities"),
    ("/pipeline", "Pipeline"),
    ("/accounts", "Accounts"),
    ("/contacts", "Contacts"),
    ("/lists", "Lists"),
    ("/dashboard", "Dashboard"),
    ("/import", "Import"),
];

/// Everything behind sign-in: top bar, navigation and the page. Signed-out visitors are sent
/// to the login page (a 302 when rendered on the server: the user resource blocks the stream).
#[component]
fn SignedInLayout() -> impl IntoView {
    let user = crate::ui::Fetched::new_with_options(|| (), |_| me(), true);
    provide_context(SignedInUser(user));
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
                <button class="menu-toggle" type="button" aria-controls="primary-nav"
                    aria-expanded="false" data-toggle="primary-nav">
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
            // On a phone it opens under the Menu button (ui::toggle).
            <nav id="primary-nav" class="sidebar" aria-label="Main">
                <ul>
                    {NAV_ITEMS
                        .iter()
                        .map(|(href, label)| {
                            let badge = (*href == "/leads").then(|| view! { <UnreadWebLeads /> });
                            view! { <li><A href=*href>{*label}{badge}</A></li> }
                        })
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

/// The count of new web leads the user owns and has not opened, beside Leads.
#[component]
fn UnreadWebLeads() -> impl IntoView {
    // Counted as each page is rendered: opening a lead marks it read.
    let unread = crate::ui::fetched(|| (), |_| crate::webform::api::unread_web_leads());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                unread.await.ok().filter(|count| *count > 0).map(|count| view! {
                    <span class="badge"><span class="visually-hidden">", "</span>{count}<span class="visually-hidden">{format!(" new web lead{}", if count == 1 { "" } else { "s" })}</span></span>
                })
            })}
        </Suspense>
    }
}

#[component]
fn UserMenu(user: User) -> impl IntoView {
    use crate::ui::enhance::{FormMessage, ServerForm};
    use leptos::server_fn::ServerFn;
    view! {
        <div class="user-menu">
            <button class="user-menu-button" type="button" aria-controls="user-menu-panel"
                aria-expanded="false" data-toggle="user-menu-panel">
                // The name is the visible text (initials, then the name, which a phone hides
                // from sight only) and what the button does.
                <span class="avatar">{initials(&user.name)}</span>
                " "
                <span class="user-name">{user.name.clone()}</span>
                <span class="visually-hidden">"(account menu)"</span>
            </button>
            <div id="user-menu-panel" class="user-menu-panel">
                <p class="user-menu-who">
                    <strong>{user.name.clone()}</strong>
                    <span>{user.email.clone()}</span>
                    <span>{user.role.label()}</span>
                </p>
                <ServerForm action={<Logout as ServerFn>::PATH} open="/login">
                    <button type="submit" class="button secondary">"Sign out"</button>
                    <FormMessage />
                </ServerForm>
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

#[component]
fn AccountsPage() -> impl IntoView {
    view! { <DirectoryList kind=DirectoryKind::Accounts /> }
}

#[component]
fn ContactsPage() -> impl IntoView {
    view! { <DirectoryList kind=DirectoryKind::Contacts /> }
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
