//! Server functions for accounts: every signed-in user reads them and creates them; the
//! owner or a manager edits them.

use super::{AccountInput, AccountSummary};
use crate::duplicates::SaveOutcome;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "accounts/get")]
pub async fn get_account(id: i64) -> Result<AccountSummary, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::summary(&state()?.pool, id, &user)
                .await?
                .ok_or_else(|| AppError::NotFound("This account".into()))
        }
        .await,
    )
}

/// Creates an account owned by the caller; stops at likely duplicates unless `save_anyway`.
#[server(endpoint = "accounts/create")]
pub async fn create_account(
    account: AccountInput,
    #[server(default)] save_anyway: Option<String>,
) -> Result<SaveOutcome, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let fields = super::validate_account(&account, None)?;
            super::db::create(&state()?.pool, &fields, &user, save_anyway.is_some()).await
        }
        .await,
    )
}

#[server(endpoint = "accounts/update")]
pub async fn update_account(
    id: i64,
    version: i64,
    account: AccountInput,
    #[server(default)] save_anyway: Option<String>,
) -> Result<SaveOutcome, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let fields = super::validate_account(&account, Some(id))?;
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
