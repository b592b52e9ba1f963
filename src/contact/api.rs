//! Server functions for contacts: every signed-in user reads them and creates them; the
//! owner or a manager edits them.

use super::{ContactInput, ContactSummary};
use crate::duplicates::SaveOutcome;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "contacts/get")]
pub async fn get_contact(id: i64) -> Result<ContactSummary, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::summary(&state()?.pool, id, &user)
                .await?
                .ok_or_else(|| AppError::NotFound("This contact".into()))
        }
        .await,
    )
}

/// Creates a contact owned by the caller; stops at likely duplicates unless `save_anyway`.
#[server(endpoint = "contacts/create")]
pub async fn create_contact(
    contact: ContactInput,
    #[server(default)] save_anyway: Option<String>,
) -> Result<SaveOutcome, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let fields = super::validate_contact(&contact)?;
            super::db::create(&state()?.pool, &fields, &user, save_anyway.is_some()).await
        }
        .await,
    )
}

#[server(endpoint = "contacts/update")]
pub async fn update_contact(
    id: i64,
    version: i64,
    contact: ContactInput,
    #[server(default)] save_anyway: Option<String>,
) -> Result<SaveOutcome, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let fields = super::validate_contact(&contact)?;
            super::db::update(
                &state()?.pool,
                id,
                version,
                &fields,
                &user,
                save_anyway.is_some(),
            )
            .await
        }
        .await,
    )
}
