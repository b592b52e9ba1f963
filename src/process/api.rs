//! Server functions of the process editor: admins only (403 for reps and managers).

use super::{ProcessChoice, ProcessDraft, ProcessEditor, ProcessRow};
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

/// A new opportunity process, a copy of the default one to shape; its id.
#[server(endpoint = "processes/create")]
pub async fn create_process(name: String) -> Result<i64, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            super::db::create_process(&state()?.pool, &name).await
        }
        .await,
    )
}

/// Makes a process the default: the one Qualify opens opportunities in.
#[server(endpoint = "processes/make-default")]
pub async fn make_default_process(id: i64) -> Result<(), AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            super::db::make_default(&state()?.pool, id).await
        }
        .await,
    )
}

/// The processes to choose from (every signed-in user: the board's picker).
#[server(endpoint = "processes/choices")]
pub async fn process_choices() -> Result<Vec<ProcessChoice>, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            current_user().await?;
            Ok(super::db::choices(&state()?.pool).await?)
        }
        .await,
    )
}
