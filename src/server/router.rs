//! The axum router: Leptos pages and server functions, static files, sessions, compression.

use super::AppState;
use crate::app::{App, shell};
use axum::Router;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::sync::OnceLock;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

/// The largest request body accepted: a full form at its longest fields, percent-encoded.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

pub fn build(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(SqliteStore::new(state.pool.clone()))
        .with_name("leadflow_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(
            time::Duration::try_from(state.config.session_idle)
                .unwrap_or(time::Duration::hours(12)),
        ));
    let routes = routes();
    let context_state = state.clone();
    let guard = || axum::middleware::from_fn_with_state(state.clone(), super::guard::authenticate);
    // Files in and out: the import's upload and error file and the list exports, plain
    // routes behind the same guard, with a body limit of their own.
    let file_routes = Router::new()
        .route(
            "/api/import/upload",
            axum::routing::post(crate::import::http::upload),
        )
        .route(
            "/api/import/{id}/errors.csv",
            axum::routing::get(crate::import::http::error_file),
        )
        .route(
            "/api/leads/{id}/photo",
            axum::routing::get(crate::lead::photo::card_photo),
        )
        .route(
            "/api/leads/export.csv",
            axum::routing::get(crate::lead::export::export_leads),
        )
        .route(
            "/api/accounts/export.csv",
            axum::routing::get(crate::directory::export::export_accounts),
        )
        .route(
            "/api/contacts/export.csv",
            axum::routing::get(crate::directory::export::export_contacts),
        )
        .route(
            "/api/opportunities/export.csv",
            axum::routing::get(crate::opportunity::export::export_opportunities),
        )
        .route(
            "/api/activities/export.csv",
            axum::routing::get(crate::activity::export::export_activities),
        )
        .route_layer(guard())
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::import::http::UPLOAD_BODY_LIMIT,
        ));
    Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || leptos::prelude::provide_context(context_state.clone()),
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        // Every page and server function (not the static files of the fallback).
        .route_layer(guard())
        // No form needs more; a bigger body is refused (413) before anything reads it.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
        .merge(file_routes)
        // Web forms are public: a website's visitors post to them without signing in.
        .merge(crate::webform::public::routes())
        .merge(site_files(&state))
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            {
                let state = state.clone();
                move || leptos::prelude::provide_context(state.clone())
            },
            shell,
        ))
        .layer(sessions)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The built files: `/pkg` precompressed at build time (brotli at its best quality, gzip) and
/// cached for a year, since every name there carries its content hash; the service worker
/// and the outbox script. Open to everyone: the login page needs them too.
fn site_files(state: &AppState) -> Router<AppState> {
    use crate::offline::assets::{IMMUTABLE, outbox_script, service_worker_script};
    use axum::http::{HeaderValue, header};
    use tower_http::services::ServeDir;
    use tower_http::set_header::SetResponseHeaderLayer;
    let package = ServeDir::new(format!("{}/pkg", state.config.site_root))
        .precompressed_br()
        .precompressed_gzip();
    // Unhashed names (a debug build) must be revalidated instead.
    let cache = if state.assets.hashed {
        IMMUTABLE
    } else {
        "no-cache"
    };
    Router::new()
        .nest_service(
            "/pkg",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static(cache),
                ))
                .service(package),
        )
        .route("/sw.js", axum::routing::get(service_worker_script))
        .route("/offline/{file}", axum::routing::get(outbox_script))
}

/// The app's routes, generated once per process. Generating them sets a process-wide flag
/// that leaves any resource first polled meanwhile pending forever (leptos issue 4773), so a
/// second server in the same process (the integration tests start one per test) must not
/// generate them while another one renders a page.
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The service to serve: each request knows its TCP peer (sign-in limits by address).
pub fn with_client_addresses(
    app: Router,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, std::net::SocketAddr> {
    app.into_make_service_with_connect_info::<std::net::SocketAddr>()
}

/// Deletes expired sessions now and then, so the table does not grow without bound.
pub fn spawn_session_cleanup(state: &AppState) {
    use tower_sessions::ExpiredDeletion;
    let store = SqliteStore::new(state.pool.clone());
    tokio::spawn(async move {
        let _ = store
            .continuously_delete_expired(tokio::time::Duration::from_secs(3600))
            .await;
    });
}

/// Binds the server socket. Every connection gets TCP_NODELAY: pages are streamed in several
/// chunks, and Nagle's algorithm would hold each small chunk back for a delayed ACK (~40 ms).
pub async fn listen(addr: std::net::SocketAddr) -> std::io::Result<Listener> {
    use axum::serve::ListenerExt;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    Ok(listener.tap_io(set_nodelay as fn(&mut tokio::net::TcpStream)))
}

/// The server socket, named so `with_client_addresses` can read each connection's peer.
pub type Listener = axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)>;

fn set_nodelay(stream: &mut tokio::net::TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::trace!(%error, "could not set TCP_NODELAY");
    }
}
