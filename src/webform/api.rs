//! Web form server functions: admins manage forms and their submissions; every signed-in
//! user reads their own count of new web leads.

use super::{SubmissionLog, WebFormDetail, WebFormInput, WebFormSummary};
use crate::error::AppError;
use leptos::prelude::*;

/// This server's address as the admin's browser reaches it (for the embed snippets).
#[cfg(feature = "ssr")]
fn public_base() -> String {
    let state = crate::server::guard::state().ok();
    let secure = state.is_some_and(|state| state.config.secure_cookies);
    let host = use_context::<axum::http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(axum::http::header::HOST)
                .and_then(|host| host.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "localhost".into());
    format!("{}://{host}", if secure { "https" } else { "http" })
}

#[server(endpoint = "web-forms/list")]
pub async fn list_web_forms() -> Result<Vec<WebFormSummary>, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            super::db::list_forms(&state()?.pool).await
        }
        .await,
    )
}

#[server(endpoint = "web-forms/get")]
pub async fn get_web_form(id: i64) -> Result<WebFormDetail, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            let form = super::db::load_form(&state()?.pool, id)
                .await?
                .ok_or_else(|| AppError::NotFound("This form".into()))?;
            let embed = super::rules::embed(&public_base(), &form.public_key, &form.config);
            Ok(WebFormDetail {
                id: form.id,
                public_key: form.public_key,
                version: form.version,
                paused: form.paused,
                config: form.config,
                embed,
            })
        }
        .await,
    )
}

/// Creates a form (no `id`) or saves an edit made on `version`; the form's id.
#[server(endpoint = "web-forms/save")]
pub async fn save_web_form(
    id: Option<i64>,
    version: i64,
    form: WebFormInput,
) -> Result<i64, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            let admin = require_role(Role::Admin).await?;
            let config = super::rules::validate_form(&form)?;
            let pool = &state()?.pool;
            match id {
                None => super::db::create_form(pool, &config, &admin).await,
                Some(id) => {
                    super::db::update_form(pool, id, version, &config, &admin).await?;
                    Ok(id)
                }
            }
        }
        .await,
    )
}

#[server(endpoint = "web-forms/pause")]
pub async fn set_web_form_paused(id: i64, paused: bool) -> Result<(), AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            let admin = require_role(Role::Admin).await?;
            super::db::set_paused(&state()?.pool, id, paused, &admin).await
        }
        .await,
    )
}

/// A form's submissions log, or (no form) the quarantine and queue of every form.
#[server(endpoint = "web-forms/submissions")]
pub async fn web_form_submissions(
    form_id: Option<i64>,
    page: i64,
) -> Result<SubmissionLog, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            super::db::submissions(&state()?.pool, form_id, page).await
        }
        .await,
    )
}

/// Releases a waiting submission; says what it became.
#[server(endpoint = "web-forms/release")]
pub async fn release_submission(id: i64) -> Result<String, AppError> {
    use super::db::Decision;
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            let admin = require_role(Role::Admin).await?;
            Ok(
                match super::db::release(&state()?.pool, id, &admin).await? {
                    Decision::Created(_) => "Released: a lead was created.",
                    Decision::Matched => "Released: it was logged on the person it matches.",
                    Decision::Quarantined | Decision::Queued => {
                        "Still waiting: the form has no active owner to route it to."
                    }
                }
                .to_string(),
            )
        }
        .await,
    )
}

#[server(endpoint = "web-forms/delete-submission")]
pub async fn delete_submission(id: i64) -> Result<(), AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            let admin = require_role(Role::Admin).await?;
            super::db::delete_submission(&state()?.pool, id, &admin).await
        }
        .await,
    )
}

/// New web leads the caller owns and has not opened (the badge on Leads).
#[server(endpoint = "web-forms/unread")]
pub async fn unread_web_leads() -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::unread_web_leads(&state()?.pool, user.id).await
        }
        .await,
    )
}

/// Every web form by name, for the lead list's filter (any signed-in user).
#[server(endpoint = "web-forms/options")]
pub async fn web_form_options() -> Result<Vec<crate::types::RecordLink>, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            current_user().await?;
            let forms: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, name FROM web_forms ORDER BY name")
                    .fetch_all(&state()?.pool)
                    .await?;
            Ok(forms
                .into_iter()
                .map(|(id, name)| crate::types::RecordLink { id, name })
                .collect())
        }
        .await,
    )
}
