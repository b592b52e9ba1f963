//! Server functions for leads. Each one checks its caller first.

use super::{LeadPage, LeadQuery};
use crate::error::AppError;
use leptos::prelude::*;

/// One page of a lead view. Every signed-in user sees all leads (PRODUCT.md roles).
#[server(endpoint = "leads/list")]
pub async fn list_leads(query: LeadQuery) -> Result<LeadPage, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            Ok(super::db::list_leads(&state()?.pool, &query, user.id).await?)
        }
        .await,
    )
}

/// Creates a lead owned by the caller (any signed-in user may capture leads).
#[server(endpoint = "leads/quick-create")]
pub async fn quick_create_lead(lead: super::rules::QuickLeadInput) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let new_lead = super::rules::validate_quick_lead(&lead)?;
            Ok(super::db::insert_lead(&state()?.pool, &new_lead, user.id).await?)
        }
        .await,
    )
}
