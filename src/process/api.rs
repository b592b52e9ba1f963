//! Server functions of the process editor: admins only (403 for reps and managers).

use super::{ProcessDraft, ProcessEditor, ProcessRow};
use crate::error::AppError;
use leptos::prelude::*;

/// Every process, the default first.
#[server(endpoint = "processes/all")]
pub async fn all_processes() -> Result<Vec<ProcessRow>, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            Ok(super::db::processes(&state()?.pool).await?)
        }
        .await,
    )
}

/// A process as the editor opens it.
#[server(endpoint = "processes/editor")]
pub async fn open_process_editor(id: i64) -> Result<ProcessEditor, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            super::db::editor(&state()?.pool, id).await
        }
        .await,
    )
}

/// Saves an edited process as its next version; the new version's number.
#[server(endpoint = "processes/save")]
pub async fn save_process(draft: ProcessDraft) -> Result<i64, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            let user = require_role(Role::Admin).await?;
            super::db::save(&state()?.pool, &draft, &user).await
        }
        .await,
    )
}
