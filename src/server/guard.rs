//! The caller guard. The `authenticate` middleware runs in front of every page and server
//! function: it resolves the session's user once, answers 401 to any server function but the
//! public ones when nobody is signed in (before the arguments are even read), and leaves the
//! user in the request. Server functions read it with `current_user()` / `require_role()`
//! and return through `respond()`, which gives an error its HTTP status.

use crate::auth::{Role, User};
use crate::error::AppError;
use crate::server::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

/// The session key holding the signed-in user's id.
pub const USER_ID_KEY: &str = "user_id";
/// The session key holding the user's session epoch at sign-in.
pub const SESSION_EPOCH_KEY: &str = "session_epoch";

/// The server functions anyone may call: signing in and out, and the login page's demo
/// credentials.
pub fn public_server_fns() -> [&'static str; 3] {
    [
        crate::auth::api::Login::PATH,
        crate::auth::api::DemoCredentials::PATH,
        // Signing out a session that already ended is done already: it lands on /login too.
        crate::auth::api::Logout::PATH,
    ]
}

/// Who is calling, as the middleware found it; in every request's extensions.
#[derive(Clone, Debug)]
pub struct Caller(pub Option<User>);

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::Internal
    })
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|error| {
        tracing::error!(%error, "session layer missing");
        AppError::Internal
    })
}

/// The session's active user, if any. A session of a user deactivated, deleted or whose
/// password was reset since sign-in is ended.
async fn session_user(state: &AppState, session: &Session) -> Result<Option<User>, AppError> {
    let user_id: Option<i64> = session.get(USER_ID_KEY).await.unwrap_or_else(|error| {
        tracing::warn!(%error, "unreadable session");
        None
    });
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    let epoch: Option<i64> = session.get(SESSION_EPOCH_KEY).await.unwrap_or(None);
    match crate::auth::db::find_session_user(&state.pool, user_id).await? {
        Some(found) if found.user.active && Some(found.session_epoch) == epoch => {
            Ok(Some(found.user))
        }
        _ => {
            let _ = session.flush().await;
            Ok(None)
        }
    }
}

/// The middleware every page and server function goes through (see the module comment).
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let user = match session_user(&state, &session).await {
        Ok(user) => user,
        Err(error) => return error.into_response(),
    };
    let path = request.uri().path();
    if user.is_none() && path.starts_with("/api/") && !public_server_fns().contains(&path) {
        return AppError::Unauthenticated.into_response();
    }
    request.extensions_mut().insert(Caller(user));
    next.run(request).await
}

/// The signed-in, active user, or 401.
pub async fn current_user() -> Result<User, AppError> {
    let parts = use_context::<axum::http::request::Parts>().ok_or_else(|| {
        tracing::error!("request parts missing from context");
        AppError::Internal
    })?;
    match parts.extensions.get::<Caller>() {
        Some(Caller(Some(user))) => Ok(user.clone()),
        Some(Caller(None)) => Err(AppError::Unauthenticated),
        None => {
            tracing::error!("the authenticate middleware did not run");
            Err(AppError::Internal)
        }
    }
}

/// The signed-in user if their role includes `role`; 401 when signed out, 403 otherwise.
pub async fn require_role(role: Role) -> Result<User, AppError> {
    let user = current_user().await?;
    if user.role.includes(role) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether the current request is a server-function call over HTTP.
fn is_server_fn_request() -> bool {
    use_context::<axum::http::request::Parts>()
        .is_some_and(|parts| parts.uri.path().starts_with("/api/"))
}

/// Sets the response status from the error, so HTTP clients see 401/403/422… and never 200.
/// Only for server-function requests: a page that calls a server function while rendering
/// decides its own status (a redirect, an error page).
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        set_error_status(error);
    }
    result
}

/// Gives a server-function response the status of `error` (see `respond`).
pub fn set_error_status(error: &AppError) {
    if is_server_fn_request()
        && let Some(options) = use_context::<ResponseOptions>()
    {
        options.set_status(error.http_status());
        if let Some(seconds) = error.retry_after_secs() {
            options.insert_header(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
    }
}
