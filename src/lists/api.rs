//! Server functions of marketing lists, memberships, consent and bulk actions. Any
//! signed-in user may read lists, create one and put records in it; changing a list is for
//! its owner, managers and admins; bulk assignment for managers and admins.

use super::{
    AddedFrom, BulkProgress, BulkReport, BulkVerb, Consent, ListDetail, ListInput, ListRow,
    MemberType, Selection,
};
use crate::error::AppError;
use leptos::prelude::*;

/// Every list by name, or those holding `member_type` (an Add to list picker).
#[server(endpoint = "lists/all")]
pub async fn all_lists(member_type: Option<MemberType>) -> Result<Vec<ListRow>, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            current_user().await?;
            super::db::all(&state()?.pool, member_type).await
        }
        .await,
    )
}

#[server(endpoint = "lists/get")]
pub async fn get_list(id: i64) -> Result<ListDetail, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::detail(&state()?.pool, id, &user).await
        }
        .await,
    )
}

/// Creates a list owned by the caller; its id.
#[server(endpoint = "lists/create")]
pub async fn create_list(list: ListInput) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let list = super::validate_list(&list)?;
            super::db::create(&state()?.pool, &list, &user).await
        }
        .await,
    )
}

/// Renames a list or changes its description, purpose or view; its new version.
#[server(endpoint = "lists/update")]
pub async fn update_list(id: i64, version: i64, list: ListInput) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let list = super::validate_list(&list)?;
            super::db::update(&state()?.pool, id, version, &list, &user).await
        }
        .await,
    )
}

#[server(endpoint = "lists/delete")]
pub async fn delete_list(id: i64) -> Result<(), AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::delete(&state()?.pool, id, &user).await?;
            leptos_axum::redirect("/lists");
            Ok(())
        }
        .await,
    )
}

/// Puts a selection into the static list `id`, or into a new static list named `new_list`
/// (records already there stay as they were).
#[server(endpoint = "lists/add")]
pub async fn add_to_list(
    #[server(default)] id: Option<i64>,
    #[server(default)] new_list: Option<String>,
    member_type: MemberType,
    selection: Selection,
    from: AddedFrom,
) -> Result<BulkReport, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let pool = &state()?.pool;
            let new_list = new_list.as_deref().filter(|name| !name.trim().is_empty());
            let from = from.label();
            super::db::add(pool, id, new_list, member_type, &selection, from, &user).await
        }
        .await,
    )
}

/// Takes a selection out of the static list `id`.
#[server(endpoint = "lists/remove")]
pub async fn remove_from_list(
    id: i64,
    member_type: MemberType,
    selection: Selection,
) -> Result<BulkReport, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::remove(&state()?.pool, id, member_type, &selection, &user).await
        }
        .await,
    )
}

/// Copies the members of `from` into the static list `id`; how many were added.
#[server(endpoint = "lists/copy")]
pub async fn copy_list_members(id: i64, from: i64) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::copy_members(&state()?.pool, from, id, &user).await
        }
        .await,
    )
}

/// Removes from the static list `id` the members of `other`; how many were removed.
#[server(endpoint = "lists/suppress")]
pub async fn remove_list_members_of(id: i64, other: i64) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::remove_members_of(&state()?.pool, id, other, &user).await
        }
        .await,
    )
}

/// Freezes a list's members now into a new static list named `name`; its id.
#[server(endpoint = "lists/copy-to-static")]
pub async fn copy_list_to_static(id: i64, name: String) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::copy_to_static(&state()?.pool, id, &name, &user).await
        }
        .await,
    )
}

/// Starts a bulk action over a list view's selection: `owner_id` for Assign owner
/// (managers and admins), `reason` for Disqualify; its progress.
#[server(endpoint = "lists/bulk")]
pub async fn bulk_action(
    member_type: MemberType,
    selection: Selection,
    verb: BulkVerb,
    #[server(default)] owner_id: Option<i64>,
    #[server(default)] reason: Option<String>,
) -> Result<BulkProgress, AppError> {
    use super::BulkAction;
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let action = match verb {
                BulkVerb::Assign => BulkAction::AssignOwner {
                    owner_id: owner_id
                        .ok_or_else(|| AppError::field("owner", "Choose the new owner."))?,
                },
                BulkVerb::Disqualify => BulkAction::Disqualify {
                    reason: reason.unwrap_or_default(),
                },
                BulkVerb::Deactivate => BulkAction::Deactivate,
            };
            super::db::start_bulk(&state()?.pool, member_type, &selection, &action, &user).await
        }
        .await,
    )
}

/// How far a bulk action the caller started has got (403 for anyone else's).
#[server(endpoint = "lists/bulk-progress")]
pub async fn bulk_job_progress(job_id: i64) -> Result<BulkProgress, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::bulk_progress(&state()?.pool, job_id, &user).await
        }
        .await,
    )
}

/// Sets a lead's or contact's do-not-email/phone/mail flags; its new version.
#[server(endpoint = "records/set-consent")]
pub async fn set_consent(
    member_type: MemberType,
    id: i64,
    version: i64,
    // No box ticked sends no `consent` at all.
    #[server(default)] consent: Consent,
) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::set_consent(&state()?.pool, member_type, id, version, consent, &user).await
        }
        .await,
    )
}
