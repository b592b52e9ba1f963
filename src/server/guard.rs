//! The caller guard: every server function starts with `current_user()` or `require_role()`
//! and returns through `respond()`, which gives the error its HTTP status.

use crate::auth::{Role, User};
use crate::error::AppError;
use crate::server::AppState;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

/// The session key holding the signed-in user's id.
pub const USER_ID_KEY: &str = "user_id";
/// The session key holding the user's session epoch at sign-in.
pub const SESSION_EPOCH_KEY: &str = "session_epoch";

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

/// The signed-in, active user, or 401.
pub async fn current_user() -> Result<User, AppError> {
    let session = session().await?;
    let user_id: Option<i64> = session.get(USER_ID_KEY).await.map_err(|error| {
        tracing::warn!(%error, "unreadable session");
        AppError::Unauthenticated
    })?;
    let user_id = user_id.ok_or(AppError::Unauthenticated)?;
    let epoch: Option<i64> = session.get(SESSION_EPOCH_KEY).await.unwrap_or(None);
    let state = state()?;
    match crate::auth::db::find_session_user(&state.pool, user_id).await? {
        Some(found) if found.user.active && Some(found.session_epoch) == epoch => Ok(found.user),
        // Deactivated, password reset or deleted since sign-in: end the session.
        _ => {
            let _ = session.flush().await;
            Err(AppError::Unauthenticated)
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

/// Sets the response status from the error, so HTTP clients see 401/403/422… and never 200.
/// Only for server-function requests: a page that calls a server function while rendering
/// decides its own status (a redirect, an error page).
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    let is_server_fn_request = use_context::<axum::http::request::Parts>()
        .is_some_and(|parts| parts.uri.path().starts_with("/api/"));
    if let (Err(error), true) = (&result, is_server_fn_request)
        && let Some(options) = use_context::<ResponseOptions>()
    {
        let status = axum::http::StatusCode::from_u16(error.status_code())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        options.set_status(status);
    }
    result
}
