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
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::{Lazy, LazyRoute, lazy_route, path};

/// The page around the app, rendered on the server only. Besides the app it carries the
/// field-mode pieces the outbox script fills in: the sync status bar and the update prompt.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let (stylesheet, outbox_script) = use_context::<crate::server::AppState>()
        .map(|state| {
            (
                state.assets.stylesheet.clone(),
                state.assets.outbox_script.clone(),
            )
        })
        .unwrap_or_else(|| ("/pkg/leadflow.css".into(), String::new()));
    #[cfg(not(feature = "ssr"))]
    let (stylesheet, outbox_script) = (String::new(), String::new());
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
                <AutoReload options=options.clone() />
                <HydrationScripts options />
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
    provide_toasts();
    view! {
        <Title formatter=|page: String| format!("{page} · Leadflow") />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} />
                <ParentRoute path=path!("") view=SignedInLayout>
                    <Route path=path!("") view=|| view! { <Redirect path="/leads" /> } />
                    <Route path=path!("leads") view={Lazy::<LeadsRoute>::new()} />
                    <Route path=path!("leads/new") view={Lazy::<NewLeadRoute>::new()} />
                    <Route path=path!("leads/:id") view={Lazy::<LeadRecordRoute>::new()} />
                    <Route path=path!("opportunities") view={Lazy::<OpportunitiesRoute>::new()} />
                    <Route path=path!("opportunities/:id") view={Lazy::<OpportunityRoute>::new()} />
                    <Route path=path!("pipeline") view={Lazy::<PipelineRoute>::new()} />
                    <Route path=path!("accounts") view={Lazy::<AccountsRoute>::new()} />
                    <Route path=path!("accounts/new") view={Lazy::<NewAccountRoute>::new()} />
                    <Route path=path!("accounts/:id") view={Lazy::<AccountRoute>::new()} />
                    <Route path=path!("contacts") view={Lazy::<ContactsRoute>::new()} />
                    <Route path=path!("contacts/new") view={Lazy::<NewContactRoute>::new()} />
                    <Route path=path!("contacts/:id") view={Lazy::<ContactRoute>::new()} />
                    <Route path=path!("activities") view={Lazy::<MyActivitiesRoute>::new()} />
                    <Route path=path!("activities/all") view={Lazy::<ActivityListRoute>::new()} />
                    <Route path=path!("dashboard") view={Lazy::<DashboardRoute>::new()} />
                    <Route path=path!("users") view={Lazy::<UsersRoute>::new()} />
                    <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()} />
                    <Route path=path!("settings/forms") view={Lazy::<WebFormsRoute>::new()} />
                    <Route path=path!("settings/processes") view={Lazy::<ProcessesRoute>::new()} />
                    <Route path=path!("settings/scoring") view={Lazy::<ScoringRoute>::new()} />
                    <Route path=path!("settings/processes/:id") view={Lazy::<ProcessEditorRoute>::new()} />
                    <Route path=path!("settings/forms/:id") view={Lazy::<WebFormRoute>::new()} />
                    <Route path=path!("lists") view={Lazy::<ListsRoute>::new()} />
                    <Route path=path!("lists/new") view={Lazy::<NewListRoute>::new()} />
                    <Route path=path!("lists/:id") view={Lazy::<ListRoute>::new()} />
                    <Route path=path!("import") view={Lazy::<ImportRoute>::new()} />
                    <Route path=path!("import/:id") view={Lazy::<ImportJobRoute>::new()} />
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
    let location = leptos_router::hooks::use_location();
    // Opening a lead marks it read: count again on every navigation, except the one that
    // signing out makes to the login page (the count would be refused there).
    let unread = Resource::new(
        move || Some(location.pathname.get()).filter(|path| path != "/login"),
        |path| async move {
            match path {
                Some(_) => crate::webform::api::unread_web_leads().await,
                None => Ok(0),
            }
        },
    );
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

// Every page is a lazy route: `cargo leptos build --split` moves its code into its own WASM
// chunk, so a first visit downloads the shell and the one page it shows.

pub struct LoginRoute;

#[lazy_route]
impl LazyRoute for LoginRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <LoginPage /> }.into_any()
    }
}

pub struct LeadsRoute;

#[lazy_route]
impl LazyRoute for LeadsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <LeadsPage /> }.into_any()
    }
}

pub struct NewLeadRoute;

#[lazy_route]
impl LazyRoute for NewLeadRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <NewLeadPage /> }.into_any()
    }
}

pub struct LeadRecordRoute;

#[lazy_route]
impl LazyRoute for LeadRecordRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <LeadRecordPage /> }.into_any()
    }
}

pub struct OpportunitiesRoute;

#[lazy_route]
impl LazyRoute for OpportunitiesRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::opportunity::list::OpportunitiesPage /> }.into_any()
    }
}

pub struct OpportunityRoute;

#[lazy_route]
impl LazyRoute for OpportunityRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <OpportunityPage /> }.into_any()
    }
}

pub struct PipelineRoute;

#[lazy_route]
impl LazyRoute for PipelineRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::opportunity::board::PipelinePage /> }.into_any()
    }
}

pub struct AccountsRoute;

#[lazy_route]
impl LazyRoute for AccountsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <DirectoryList kind=DirectoryKind::Accounts /> }.into_any()
    }
}

pub struct NewAccountRoute;

#[lazy_route]
impl LazyRoute for NewAccountRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <NewAccountPage /> }.into_any()
    }
}

pub struct AccountRoute;

#[lazy_route]
impl LazyRoute for AccountRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <AccountPage /> }.into_any()
    }
}

pub struct ContactsRoute;

#[lazy_route]
impl LazyRoute for ContactsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <DirectoryList kind=DirectoryKind::Contacts /> }.into_any()
    }
}

pub struct NewContactRoute;

#[lazy_route]
impl LazyRoute for NewContactRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <NewContactPage /> }.into_any()
    }
}

pub struct ContactRoute;

#[lazy_route]
impl LazyRoute for ContactRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ContactPage /> }.into_any()
    }
}

pub struct MyActivitiesRoute;

#[lazy_route]
impl LazyRoute for MyActivitiesRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <MyActivitiesPage /> }.into_any()
    }
}

pub struct ActivityListRoute;

#[lazy_route]
impl LazyRoute for ActivityListRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::activity::list::ActivityListPage /> }.into_any()
    }
}

pub struct DashboardRoute;

#[lazy_route]
impl LazyRoute for DashboardRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::dashboard::page::DashboardPage /> }.into_any()
    }
}

pub struct UsersRoute;

#[lazy_route]
impl LazyRoute for UsersRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <UsersPage /> }.into_any()
    }
}

pub struct SettingsRoute;

#[lazy_route]
impl LazyRoute for SettingsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::settings::SettingsPage /> }.into_any()
    }
}

pub struct ProcessesRoute;

#[lazy_route]
impl LazyRoute for ProcessesRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::process::editor::ProcessesPage /> }.into_any()
    }
}

pub struct ScoringRoute;

#[lazy_route]
impl LazyRoute for ScoringRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::scoring::page::ScoringPage /> }.into_any()
    }
}

pub struct ProcessEditorRoute;

#[lazy_route]
impl LazyRoute for ProcessEditorRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::process::editor::ProcessEditorPage /> }.into_any()
    }
}

pub struct ListsRoute;

#[lazy_route]
impl LazyRoute for ListsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::lists::pages::ListsPage /> }.into_any()
    }
}

pub struct NewListRoute;

#[lazy_route]
impl LazyRoute for NewListRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::lists::pages::NewListPage /> }.into_any()
    }
}

pub struct ListRoute;

#[lazy_route]
impl LazyRoute for ListRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::lists::pages::ListPage /> }.into_any()
    }
}

pub struct WebFormsRoute;

#[lazy_route]
impl LazyRoute for WebFormsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::webform::pages::WebFormsPage /> }.into_any()
    }
}

pub struct WebFormRoute;

#[lazy_route]
impl LazyRoute for WebFormRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::webform::pages::WebFormPage /> }.into_any()
    }
}

pub struct ImportRoute;

#[lazy_route]
impl LazyRoute for ImportRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::import::pages::ImportPage /> }.into_any()
    }
}

pub struct ImportJobRoute;

#[lazy_route]
impl LazyRoute for ImportJobRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <crate::import::pages::ImportJobPage /> }.into_any()
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
                aria-controls="user-menu-panel"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|open| *open = !*open)
            >
                // The name is the visible text (initials, then the name, which a phone hides
                // from sight only) and what the button does.
                <span class="avatar">{initials(&user.name)}</span>
                " "
                <span class="user-name">{user.name.clone()}</span>
                <span class="visually-hidden">"(account menu)"</span>
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
