//! Server functions of the scoring settings: admins only (403 for reps and managers).

use super::{BacktestProgress, RecomputeProgress, RuleSetDraft, ScoringEditor};
use crate::error::AppError;
use leptos::prelude::*;

/// The draft, the published version and the last recompute.
#[server(endpoint = "scoring/editor")]
pub async fn open_scoring_editor() -> Result<ScoringEditor, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            super::db::editor(&state()?.pool).await
        }
        .await,
    )
}

/// Saves the draft edited from `revision`; the new revision.
#[server(endpoint = "scoring/save-draft")]
pub async fn save_scoring_draft(draft: RuleSetDraft, revision: i64) -> Result<i64, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            let user = require_role(Role::Admin).await?;
            super::db::save_draft(&state()?.pool, &draft, revision, &user).await
        }
        .await,
    )
}

/// Starts scoring the closed leads with `draft` (as typed, saved or not) and the published
/// rules, in the background; a bad draft is refused at once, field by field.
#[server(endpoint = "scoring/backtest")]
pub async fn backtest_scoring(draft: RuleSetDraft) -> Result<BacktestProgress, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            let user = require_role(Role::Admin).await?;
            super::db::start_backtest(&state()?.pool, &draft, &user).await
        }
        .await,
    )
}

/// How far backtest `id` has got, and its result once it is done.
#[server(endpoint = "scoring/backtest-progress")]
pub async fn scoring_backtest_progress(id: i64) -> Result<BacktestProgress, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            super::db::backtest_progress(&state()?.pool, id).await
        }
        .await,
    )
}

/// Publishes the draft saved at `revision` and starts rescoring every open lead.
#[server(endpoint = "scoring/publish")]
pub async fn publish_scoring(revision: i64) -> Result<RecomputeProgress, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            let user = require_role(Role::Admin).await?;
            super::db::publish(&state()?.pool, revision, &user).await
        }
        .await,
    )
}

/// How far the last rescore of every open lead has got.
#[server(endpoint = "scoring/progress")]
pub async fn scoring_progress() -> Result<Option<RecomputeProgress>, AppError> {
    use crate::auth::Role;
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            Ok(super::db::progress(&state()?.pool).await?)
        }
        .await,
    )
}
