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
use leptos_router::hooks::use_navigate;
use leptos_router::{Lazy, LazyRoute, path};

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
    let unread = crate::ui::fetched(
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

// The pages are grouped into four areas; each area is one lazy function, which
// `cargo leptos build --split` moves into its own WASM. Fewer splits mean far fewer shared
// chunks: 28 one-page splits made a first visit fetch up to 476 files, which a phone on a
// slow network (about six requests at a time) spent seconds on, and six areas still made
// 33 chunks. Four make 9, a first visit fetches at most 8 WASM files, and every chunk fewer
// is a download and an instantiation fewer while the page hydrates.

/// The login page: the first visit of someone signed out, alone in its split.
#[leptos::lazy]
fn login_page() -> AnyView {
    view! { <LoginPage /> }.into_any()
}

/// Leads, activities, accounts and contacts: what a rep in the field opens.
#[derive(Clone, Copy)]
enum LeadArea {
    List,
    New,
    Record,
    MyActivities,
    AllActivities,
    Customers(CustomerArea),
}

#[leptos::lazy]
fn lead_pages(page: LeadArea) -> AnyView {
    match page {
        LeadArea::List => view! { <LeadsPage /> }.into_any(),
        LeadArea::New => view! { <NewLeadPage /> }.into_any(),
        LeadArea::Record => view! { <LeadRecordPage /> }.into_any(),
        LeadArea::MyActivities => view! { <MyActivitiesPage /> }.into_any(),
        LeadArea::AllActivities => view! { <crate::activity::list::ActivityListPage /> }.into_any(),
        LeadArea::Customers(page) => customer_pages(page),
    }
}

/// Opportunities, the pipeline board and the dashboard.
#[derive(Clone, Copy)]
enum DealArea {
    List,
    Record,
    Pipeline,
    Dashboard,
}

#[leptos::lazy]
fn deal_pages(page: DealArea) -> AnyView {
    match page {
        DealArea::List => view! { <crate::opportunity::list::OpportunitiesPage /> }.into_any(),
        DealArea::Record => view! { <OpportunityPage /> }.into_any(),
        DealArea::Pipeline => view! { <crate::opportunity::board::PipelinePage /> }.into_any(),
        DealArea::Dashboard => view! { <crate::dashboard::page::DashboardPage /> }.into_any(),
    }
}

/// Accounts and contacts, in the leads' area (they share the customer picker, the timeline
/// and the record cards).
#[derive(Clone, Copy)]
enum CustomerArea {
    Accounts,
    NewAccount,
    Account,
    Contacts,
    NewContact,
    Contact,
}

fn customer_pages(page: CustomerArea) -> AnyView {
    match page {
        CustomerArea::Accounts => {
            view! { <DirectoryList kind=DirectoryKind::Accounts /> }.into_any()
        }
        CustomerArea::NewAccount => view! { <NewAccountPage /> }.into_any(),
        CustomerArea::Account => view! { <AccountPage /> }.into_any(),
        CustomerArea::Contacts => {
            view! { <DirectoryList kind=DirectoryKind::Contacts /> }.into_any()
        }
        CustomerArea::NewContact => view! { <NewContactPage /> }.into_any(),
        CustomerArea::Contact => view! { <ContactPage /> }.into_any(),
    }
}

/// Marketing lists and imports, in the admins' area (the rarest pages on a phone).
#[derive(Clone, Copy)]
enum ListArea {
    Lists,
    NewList,
    List,
    Import,
    ImportJob,
}

fn list_pages(page: ListArea) -> AnyView {
    match page {
        ListArea::Lists => view! { <crate::lists::pages::ListsPage /> }.into_any(),
        ListArea::NewList => view! { <crate::lists::pages::NewListPage /> }.into_any(),
        ListArea::List => view! { <crate::lists::pages::ListPage /> }.into_any(),
        ListArea::Import => view! { <crate::import::pages::ImportPage /> }.into_any(),
        ListArea::ImportJob => view! { <crate::import::pages::ImportJobPage /> }.into_any(),
    }
}

/// The admins' pages (users and settings), with lists and imports.
#[derive(Clone, Copy)]
enum AdminArea {
    Users,
    Settings,
    WebForms,
    WebForm,
    Processes,
    ProcessEditor,
    Scoring,
    Lists(ListArea),
}

#[leptos::lazy]
fn admin_pages(page: AdminArea) -> AnyView {
    match page {
        AdminArea::Users => view! { <UsersPage /> }.into_any(),
        AdminArea::Settings => view! { <crate::settings::SettingsPage /> }.into_any(),
        AdminArea::WebForms => view! { <crate::webform::pages::WebFormsPage /> }.into_any(),
        AdminArea::WebForm => view! { <crate::webform::pages::WebFormPage /> }.into_any(),
        AdminArea::Processes => view! { <crate::process::editor::ProcessesPage /> }.into_any(),
        AdminArea::ProcessEditor => {
            view! { <crate::process::editor::ProcessEditorPage /> }.into_any()
        }
        AdminArea::Scoring => view! { <crate::scoring::page::ScoringPage /> }.into_any(),
        AdminArea::Lists(page) => list_pages(page),
    }
}

/// Lets the browser run its other tasks (input, painting) before going on. A phone's main
/// thread is blocked less by hydrating a page in a few shorter tasks than in one long one:
/// the time a page is unresponsive is what each task runs beyond 50 ms.
#[cfg(feature = "hydrate")]
pub async fn next_task() {
    let next = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback(&resolve);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(next).await;
}

/// One router type per route, showing its page through its area's lazy function; `preload`
/// names the function `#[lazy]` made to fetch that area's WASM ahead of the view.
macro_rules! lazy_routes {
    ($($route:ident => $area:ident($($page:expr)?), $preload:ident;)*) => {$(
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            // The router polls the view once, as soon as `preload` is done; a view still
            // pending then is mounted later as new DOM, moving the page. So the tasks are
            // split in `preload` only.
            async fn view(_this: Self) -> AnyView {
                $area($($page)?).await
            }

            // Starting the area's downloads and building its page are tasks of their own, not
            // parts of the ones that hydrated the shell and instantiated the area's WASM.
            async fn preload() {
                #[cfg(feature = "hydrate")]
                {
                    next_task().await;
                    $preload().await;
                    next_task().await;
                }
            }
        }
    )*};
}

lazy_routes! {
    LoginRoute => login_page(), __preload_login_page;
    LeadsRoute => lead_pages(LeadArea::List), __preload_lead_pages;
    NewLeadRoute => lead_pages(LeadArea::New), __preload_lead_pages;
    LeadRecordRoute => lead_pages(LeadArea::Record), __preload_lead_pages;
    MyActivitiesRoute => lead_pages(LeadArea::MyActivities), __preload_lead_pages;
    ActivityListRoute => lead_pages(LeadArea::AllActivities), __preload_lead_pages;
    OpportunitiesRoute => deal_pages(DealArea::List), __preload_deal_pages;
    OpportunityRoute => deal_pages(DealArea::Record), __preload_deal_pages;
    PipelineRoute => deal_pages(DealArea::Pipeline), __preload_deal_pages;
    DashboardRoute => deal_pages(DealArea::Dashboard), __preload_deal_pages;
    AccountsRoute => lead_pages(LeadArea::Customers(CustomerArea::Accounts)), __preload_lead_pages;
    NewAccountRoute => lead_pages(LeadArea::Customers(CustomerArea::NewAccount)), __preload_lead_pages;
    AccountRoute => lead_pages(LeadArea::Customers(CustomerArea::Account)), __preload_lead_pages;
    ContactsRoute => lead_pages(LeadArea::Customers(CustomerArea::Contacts)), __preload_lead_pages;
    NewContactRoute => lead_pages(LeadArea::Customers(CustomerArea::NewContact)), __preload_lead_pages;
    ContactRoute => lead_pages(LeadArea::Customers(CustomerArea::Contact)), __preload_lead_pages;
    ListsRoute => admin_pages(AdminArea::Lists(ListArea::Lists)), __preload_admin_pages;
    NewListRoute => admin_pages(AdminArea::Lists(ListArea::NewList)), __preload_admin_pages;
    ListRoute => admin_pages(AdminArea::Lists(ListArea::List)), __preload_admin_pages;
    ImportRoute => admin_pages(AdminArea::Lists(ListArea::Import)), __preload_admin_pages;
    ImportJobRoute => admin_pages(AdminArea::Lists(ListArea::ImportJob)), __preload_admin_pages;
    UsersRoute => admin_pages(AdminArea::Users), __preload_admin_pages;
    SettingsRoute => admin_pages(AdminArea::Settings), __preload_admin_pages;
    WebFormsRoute => admin_pages(AdminArea::WebForms), __preload_admin_pages;
    WebFormRoute => admin_pages(AdminArea::WebForm), __preload_admin_pages;
    ProcessesRoute => admin_pages(AdminArea::Processes), __preload_admin_pages;
    ProcessEditorRoute => admin_pages(AdminArea::ProcessEditor), __preload_admin_pages;
    ScoringRoute => admin_pages(AdminArea::Scoring), __preload_admin_pages;
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
