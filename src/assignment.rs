//! Reassigning a record to another owner: managers and admins, one record at a time from its
//! page. The change is version-checked and written to the record's history.

use crate::error::AppError;
use crate::option_set;
use leptos::prelude::*;

option_set!(
    /// The kinds of record that have an owner.
    OwnedKind { Lead => "lead", "Lead", Opportunity => "opportunity", "Opportunity", Account => "account", "Account", Contact => "contact", "Contact" }
);

impl OwnedKind {
    /// Whether the record's state allows changes: open leads and opportunities, active
    /// accounts and contacts (closed and inactive records are read-only).
    #[cfg(feature = "ssr")]
    fn editable_sql(self) -> &'static str {
        match self {
            OwnedKind::Lead | OwnedKind::Opportunity => "r.status = 'open'",
            OwnedKind::Account | OwnedKind::Contact => "r.active = 1",
        }
    }

    #[cfg(feature = "ssr")]
    fn table(self) -> &'static str {
        match self {
            OwnedKind::Lead => "leads",
            OwnedKind::Opportunity => "opportunities",
            OwnedKind::Account => "accounts",
            OwnedKind::Contact => "contacts",
        }
    }

    #[cfg(feature = "ssr")]
    fn field_label(self) -> fn(&str) -> &str {
        match self {
            OwnedKind::Lead => crate::lead::rules::lead_field_label,
            OwnedKind::Opportunity => crate::opportunity::rules::opportunity_field_label,
            OwnedKind::Account => crate::account::account_field_label,
            OwnedKind::Contact => crate::contact::contact_field_label,
        }
    }
}

#[cfg(feature = "ssr")]
pub mod db {
    use super::OwnedKind;
    use crate::auth::User;
    use crate::error::AppError;
    use crate::history::{self, FieldChange};
    use sqlx::SqlitePool;

    #[derive(sqlx::FromRow)]
    struct Stored {
        owner_id: i64,
        owner_name: String,
        version: i64,
        editable: bool,
        modified_by: String,
    }

    /// Gives the record made on `version` to `owner_id` (an active user); returns the new
    /// version. The caller has checked the role.
    pub async fn assign(
        pool: &SqlitePool,
        kind: OwnedKind,
        id: i64,
        version: i64,
        owner_id: i64,
        user: &User,
    ) -> Result<i64, AppError> {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let stored: Stored = sqlx::query_as(&format!(
            "SELECT r.owner_id, owner.name AS owner_name, r.version, {} AS editable, \
             modifier.name AS modified_by FROM {} r JOIN users owner ON owner.id = r.owner_id \
             JOIN users modifier ON modifier.id = r.modified_by WHERE r.id = ?",
            kind.editable_sql(),
            kind.table()
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("This {}", kind.label().to_lowercase())))?;
        history::db::check_version(
            &mut tx,
            kind.code(),
            id,
            stored.version,
            version,
            &stored.modified_by,
            kind.field_label(),
        )
        .await?;
        if !stored.editable {
            return Err(AppError::Conflict {
                message: format!(
                    "This {} is closed or inactive and read-only.",
                    kind.label().to_lowercase()
                ),
                changed_fields: Vec::new(),
            });
        }
        let new_owner: Option<String> =
            sqlx::query_scalar("SELECT name FROM users WHERE id = ? AND active = 1")
                .bind(owner_id)
                .fetch_optional(&mut *tx)
                .await?;
        let new_owner = new_owner
            .ok_or_else(|| AppError::field("owner", "Choose an active user as the owner."))?;
        if owner_id == stored.owner_id {
            return Ok(version);
        }
        let at = chrono::Utc::now().to_rfc3339();
        sqlx::query(&format!(
            "UPDATE {} SET owner_id = ?, modified_by = ?, modified_at = ?, version = version + 1 \
             WHERE id = ? AND version = ?",
            kind.table()
        ))
        .bind(owner_id)
        .bind(user.id)
        .bind(&at)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map(history::db::changed_one_row)??;
        let change = [FieldChange {
            field: "owner",
            old: Some(stored.owner_name),
            new: Some(new_owner),
        }];
        history::db::record(&mut tx, kind.code(), id, version + 1, &change, user.id, &at).await?;
        tx.commit().await?;
        Ok(version + 1)
    }
}

/// Reassigns a record (managers and admins); returns its new version.
#[server(endpoint = "records/assign")]
pub async fn assign_owner(
    kind: OwnedKind,
    id: i64,
    version: i64,
    owner: String,
) -> Result<i64, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            let user = require_role(Role::Manager).await?;
            let owner = owner
                .trim()
                .parse()
                .map_err(|_| AppError::field("owner", "Choose the new owner from the list."))?;
            db::assign(&state()?.pool, kind, id, version, owner, &user).await
        }
        .await,
    )
}

/// "Assign to" on a record page: the users to choose from and an Assign button. A success
/// loads the page again with the new owner.
#[component]
pub fn AssignControl(kind: OwnedKind, id: i64, version: i64, owner_id: i64) -> impl IntoView {
    use crate::ui::enhance::{FieldMessage, FormMessage, ServerForm};
    use leptos::server_fn::ServerFn;
    let owners = crate::ui::fetched(|| (), |_| crate::auth::api::user_directory());
    let select_id = format!("assign-{}-{id}", kind.code());
    let error_id = format!("{select_id}-error");
    let message_id = error_id.clone();
    let done = match kind {
        OwnedKind::Lead => "Lead reassigned.",
        OwnedKind::Opportunity => "Opportunity reassigned.",
        OwnedKind::Account => "Account reassigned.",
        OwnedKind::Contact => "Contact reassigned.",
    };
    view! {
        <ServerForm action={<AssignOwner as ServerFn>::PATH} class="assign-owner" done reload=true>
                <input type="hidden" name="kind" value=kind.code() />
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="version" value=version />
                <label for=select_id.clone()>"Assign to"</label>
                <Suspense fallback=|| ()>
                    {
                        let (select_id, error_id) = (select_id.clone(), error_id.clone());
                        move || {
                            let (select_id, error_id) = (select_id.clone(), error_id.clone());
                            Suspend::new(async move {
                                let users = owners.await.unwrap_or_default();
                                view! {
                                    <select id=select_id name="owner" aria-describedby=error_id>
                                        {users
                                            .into_iter()
                                            .map(|user| {
                                                view! {
                                                    <option value=user.id selected=user.id == owner_id>
                                                        {user.name}
                                                    </option>
                                                }
                                            })
                                            .collect_view()}
                                    </select>
                                }
                            })
                        }
                    }
                </Suspense>
                <button type="submit" class="button">"Assign"</button>
                <FieldMessage field="owner" id=message_id />
                <FormMessage />
        </ServerForm>
    }
}
