//! Server functions for leads. Each one checks its caller first; writes check ownership
//! and the version the user's screen was based on.

use super::qualify::QualifyPreview;
use super::rules::LeadInput;
use super::{LeadDetail, LeadPage, LeadQuery, SyncedLead};
use crate::duplicates::SaveOutcome;
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

/// A lead record with its stage bar, links and history.
#[server(endpoint = "leads/get")]
pub async fn get_lead(id: i64) -> Result<LeadDetail, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::lead_detail(&state()?.pool, id, &user)
                .await?
                .ok_or_else(|| AppError::NotFound("This lead".into()))
        }
        .await,
    )
}

/// The owner picked in a form; empty means "unchanged" (the caller, for a new lead).
#[cfg(feature = "ssr")]
fn picked_owner(owner: &str) -> Result<Option<i64>, AppError> {
    match owner.trim() {
        "" => Ok(None),
        id => id
            .parse()
            .map(Some)
            .map_err(|_| AppError::field("owner", "Choose an owner from the list.")),
    }
}

/// Creates a lead (full form or quick create, with a photo of a business card from a phone).
/// Any signed-in user may capture leads; only managers may create them for someone else.
/// Stops at likely duplicates unless `save_anyway` is set.
#[server(endpoint = "leads/create")]
pub async fn create_lead(
    lead: LeadInput,
    #[server(default)] owner: String,
    #[server(default)] save_anyway: Option<String>,
    #[server(default)] card_photo: String,
) -> Result<SaveOutcome, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let fields = super::rules::validate_lead(&lead)?;
            let photo = super::capture::parse_card_photo(&card_photo)?;
            let request = super::db::NewLeadRequest {
                save_anyway: save_anyway.is_some(),
                photo,
                ..Default::default()
            };
            let owner = picked_owner(&owner)?.unwrap_or(user.id);
            Ok(
                super::db::create_lead(&state()?.pool, &fields, owner, &user, request)
                    .await?
                    .outcome,
            )
        }
        .await,
    )
}

/// Syncs a lead captured on a device (offline or not) from its outbox, owned by the caller.
/// Idempotent on `capture_key`: a retry returns the same lead, the key with another body is
/// a conflict (409). Likely duplicates do not stop it: they come back to be shown.
#[server(endpoint = "leads/sync")]
pub async fn sync_lead(
    capture_key: String,
    lead: LeadInput,
    #[server(default)] card_photo: String,
) -> Result<SyncedLead, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let key = super::capture::check_capture_key(&capture_key)?;
            let fields = super::rules::validate_lead(&lead)?;
            let photo = super::capture::parse_card_photo(&card_photo)?;
            let request = super::db::NewLeadRequest {
                save_anyway: true,
                capture: Some((key, super::capture::body_hash(&lead, &card_photo))),
                photo,
                web: None,
            };
            let created =
                super::db::create_lead(&state()?.pool, &fields, user.id, &user, request).await?;
            match created.outcome {
                SaveOutcome::Saved { id, .. } => Ok(SyncedLead {
                    id,
                    possible_duplicates: created.possible_duplicates,
                }),
                SaveOutcome::Duplicates(_) => Err(AppError::Internal),
            }
        }
        .await,
    )
}

/// Saves an edit of an open lead made on `version`.
#[server(endpoint = "leads/update")]
pub async fn update_lead(
    id: i64,
    version: i64,
    lead: LeadInput,
    #[server(default)] owner: String,
    #[server(default)] save_anyway: Option<String>,
) -> Result<SaveOutcome, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let fields = super::rules::validate_lead(&lead)?;
            super::db::update_lead(
                &state()?.pool,
                id,
                version,
                &fields,
                picked_owner(&owner)?,
                &user,
                save_anyway.is_some(),
            )
            .await
        }
        .await,
    )
}

/// Ticks or unticks a checkbox step on the lead's stage bar.
#[server(endpoint = "leads/step")]
pub async fn set_lead_step(id: i64, step_id: i64, done: bool) -> Result<(), AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::set_step(&state()?.pool, id, step_id, done, &user).await
        }
        .await,
    )
}

/// What Qualify would do: the matches to pick from and the field carry-over.
#[server(endpoint = "leads/qualify-preview")]
pub async fn preview_qualification(id: i64) -> Result<QualifyPreview, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::qualify_preview(&state()?.pool, id, &user).await
        }
        .await,
    )
}

/// Qualifies the lead in one transaction; returns the new opportunity's id.
#[server(endpoint = "leads/qualify")]
pub async fn qualify_lead(
    id: i64,
    version: i64,
    account: String,
    contact: String,
) -> Result<i64, AppError> {
    use super::qualify::Link;
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let account = Link::parse(&account)
                .ok_or_else(|| AppError::field("account", "Choose what to do for the account."))?;
            let contact = Link::parse(&contact)
                .ok_or_else(|| AppError::field("contact", "Choose what to do for the contact."))?;
            super::db::qualify(&state()?.pool, id, version, account, contact, &user).await
        }
        .await,
    )
}

/// Closes an open lead as Disqualified with a reason.
#[server(endpoint = "leads/disqualify")]
pub async fn disqualify_lead(
    id: i64,
    version: i64,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::disqualify(&state()?.pool, id, version, &reason, &user).await
        }
        .await,
    )
}

/// Reopens a disqualified lead.
#[server(endpoint = "leads/reactivate")]
pub async fn reactivate_lead(id: i64, version: i64) -> Result<(), AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::reactivate(&state()?.pool, id, version, &user).await
        }
        .await,
    )
}
