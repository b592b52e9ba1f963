//! Server functions for sign-in and user administration. Each one checks its caller first.

use super::{DemoCredential, Role, User};
use crate::error::AppError;
use leptos::prelude::*;

/// The password every demo user has (demo mode only).
pub const DEMO_PASSWORD: &str = "leadflow-demo";

/// Past this many client addresses, the sign-in limiter drops those it no longer limits.
#[cfg(feature = "ssr")]
const SIGNIN_ADDRESSES_KEPT: usize = 10_000;

/// How long a sign-in waits for a free password check before answering 503.
#[cfg(feature = "ssr")]
const PASSWORD_QUEUE_SECS: u64 = 5;

/// The calling client's address (see `client_address` for proxies).
#[cfg(feature = "ssr")]
async fn caller_address(
    trusted_proxies: &[std::net::IpAddr],
) -> Result<std::net::IpAddr, AppError> {
    use axum::extract::ConnectInfo;
    let ConnectInfo(peer) = leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>()
        .await
        .map_err(|error| {
            tracing::error!(%error, "serve without connect info");
            AppError::Internal
        })?;
    let forwarded_for = use_context::<axum::http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    });
    Ok(super::rules::client_address(
        peer.ip(),
        forwarded_for.as_deref(),
        trusted_proxies,
    ))
}

/// Signs in and goes to the leads. Public, throttled per client address and per email.
#[server(endpoint = "auth/login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use crate::server::guard::{SESSION_EPOCH_KEY, USER_ID_KEY, session, state};
    use crate::server::respond;
    use std::time::Instant;

    respond(
        async {
            let state = state()?;
            // Per client address first: a spray over many emails from one place stops here.
            let address = caller_address(&state.config.trusted_proxies).await?;
            // Forget addresses whose allowance is full again, so a spray over many addresses
            // cannot grow the table without bound.
            if state.signin_limiter.len() > SIGNIN_ADDRESSES_KEPT {
                state.signin_limiter.retain_recent();
            }
            if let Err(not_until) = state.signin_limiter.check_key(&address) {
                use governor::clock::{Clock, DefaultClock};
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                return Err(AppError::RateLimited {
                    retry_after_secs: wait.as_secs().max(1),
                });
            }
            // Then per email, reserved before the password check so parallel guesses count.
            let key = email.trim().to_lowercase();
            let reserved = state
                .login_throttle
                .lock()
                .map_err(|_| AppError::Internal)?
                .reserve(&key, Instant::now());
            if let Err(retry_after_secs) = reserved {
                return Err(AppError::RateLimited { retry_after_secs });
            }
            let found = super::db::find_login(&state.pool, &email).await?;
            // Argon2 is deliberately slow: a few at a time, off the async workers; a queue
            // that does not move within seconds means the server is saturated.
            let permit = tokio::time::timeout(
                std::time::Duration::from_secs(PASSWORD_QUEUE_SECS),
                state.password_checks.clone().acquire_owned(),
            )
            .await
            .map_err(|_| AppError::Busy {
                retry_after_secs: PASSWORD_QUEUE_SECS,
            })?
            .map_err(|_| AppError::Internal)?;
            let verified = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                match found {
                    Some(found) if super::password::verify(&password, &found.password_hash) => {
                        Some(found)
                    }
                    Some(_) => None,
                    None => {
                        super::password::verify_nothing(&password);
                        None
                    }
                }
            })
            .await
            .map_err(|_| AppError::Internal)?;
            let found = match verified {
                Some(found) if found.user.active => {
                    state
                        .login_throttle
                        .lock()
                        .map_err(|_| AppError::Internal)?
                        .clear(&key);
                    found
                }
                _ => return Err(AppError::InvalidCredentials),
            };
            let session = session().await?;
            // A fresh id on sign-in prevents session fixation.
            session.cycle_id().await.map_err(|_| AppError::Internal)?;
            session
                .insert(USER_ID_KEY, found.user.id)
                .await
                .map_err(|_| AppError::Internal)?;
            session
                .insert(SESSION_EPOCH_KEY, found.session_epoch)
                .await
                .map_err(|_| AppError::Internal)?;
            leptos_axum::redirect("/leads");
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{current_user, guard::session, respond};
    respond(
        async {
            // A session that already ended is signed out: it goes to the login page too.
            match current_user().await {
                Ok(_) | Err(AppError::Unauthenticated) => {}
                Err(error) => return Err(error),
            }
            session()
                .await?
                .flush()
                .await
                .map_err(|_| AppError::Internal)?;
            leptos_axum::redirect("/login");
            Ok(())
        }
        .await,
    )
}

/// The signed-in user (401 when signed out).
#[server(endpoint = "auth/me")]
pub async fn me() -> Result<User, AppError> {
    use crate::server::{current_user, respond};
    respond(current_user().await)
}

/// The demo credentials, only while the database holds demo data. Public: the login page
/// shows them before anyone is signed in.
#[server(endpoint = "auth/demo-credentials")]
pub async fn demo_credentials() -> Result<Vec<DemoCredential>, AppError> {
    use crate::server::{guard::state, respond};
    respond(
        async {
            let state = state()?;
            if crate::server::demo::is_demo(&state.pool).await? {
                Ok(crate::server::demo::DEMO_USERS
                    .iter()
                    .map(|(_, email, role)| DemoCredential {
                        email: email.to_string(),
                        password: DEMO_PASSWORD.to_string(),
                        role: *role,
                    })
                    .collect())
            } else {
                Ok(Vec::new())
            }
        }
        .await,
    )
}

/// Active users by name, for owner pickers and filters (any signed-in user may read it).
#[server(endpoint = "users/directory")]
pub async fn user_directory() -> Result<Vec<super::UserOption>, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            current_user().await?;
            let state = state()?;
            let users = super::db::user_directory(&state.pool, &state.user_directory).await?;
            Ok(users.as_ref().clone())
        }
        .await,
    )
}

#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<User>, AppError> {
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            Ok(super::db::list_users(&state()?.pool).await?)
        }
        .await,
    )
}

#[server(endpoint = "users/create")]
pub async fn create_user(
    name: String,
    email: String,
    role: Role,
    password: String,
) -> Result<User, AppError> {
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            let new_user = super::rules::validate_new_user(&name, &email, &password)?;
            let pool = state()?.pool;
            let hash =
                tokio::task::spawn_blocking(move || super::password::hash(&new_user.password))
                    .await
                    .map_err(|_| AppError::Internal)?;
            let id =
                super::db::insert_user(&pool, &new_user.name, new_user.email.as_str(), role, &hash)
                    .await?;
            Ok(User {
                id,
                email: new_user.email.to_string(),
                name: new_user.name,
                role,
                active: true,
                version: 1,
            })
        }
        .await,
    )
}

/// Changes a user's role and active flag; `version` is the one the admin saw.
#[server(endpoint = "users/update")]
pub async fn update_user(id: i64, role: Role, active: bool, version: i64) -> Result<(), AppError> {
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            let admin = require_role(Role::Admin).await?;
            if admin.id == id && (role != Role::Admin || !active) {
                // The last word on this: an admin could otherwise lock everyone out.
                return Err(AppError::field(
                    "role",
                    "You cannot remove your own admin role or deactivate yourself.",
                ));
            }
            let pool = state()?.pool;
            if super::db::update_user(&pool, id, role, active, version).await? {
                Ok(())
            } else {
                Err(AppError::Conflict {
                    message: "Someone else changed this user since you loaded it. Reload to see their change.".into(),
                    changed_fields: vec!["role".into(), "active".into()],
                })
            }
        }
        .await,
    )
}

/// Sets a new password for a user and ends their sessions.
#[server(endpoint = "users/reset-password")]
pub async fn reset_password(id: i64, password: String) -> Result<(), AppError> {
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            super::rules::check_password(&password)
                .map_err(|message| AppError::field("password", message))?;
            let hash = tokio::task::spawn_blocking(move || super::password::hash(&password))
                .await
                .map_err(|_| AppError::Internal)?;
            if super::db::set_password(&state()?.pool, id, &hash).await? {
                Ok(())
            } else {
                Err(AppError::NotFound("That user".into()))
            }
        }
        .await,
    )
}
