//! Server functions for opportunities. Reads are open to every signed-in user; writes check
//! ownership and the version the user's screen was based on.

use super::OpportunitySummary;
use super::rules::{CloseLostInput, CloseWonInput, OpportunityInput};
use crate::error::AppError;
use leptos::prelude::*;

/// One page of an opportunity view. Every signed-in user sees all opportunities.
#[server(endpoint = "opportunities/list")]
pub async fn list_opportunities(
    query: super::list::OpportunityQuery,
) -> Result<super::list::OpportunityPage, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            Ok(super::db::list(&state()?.pool, &query, user.id).await?)
        }
        .await,
    )
}

/// An opportunity with its stage bar, timeline and history.
#[server(endpoint = "opportunities/get")]
pub async fn get_opportunity(id: i64) -> Result<OpportunitySummary, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::opportunity_summary(&state()?.pool, id, &user)
                .await?
                .ok_or_else(|| AppError::NotFound("This opportunity".into()))
        }
        .await,
    )
}

/// Saves the form of an open opportunity; returns the new version.
#[server(endpoint = "opportunities/update")]
pub async fn update_opportunity(
    id: i64,
    version: i64,
    opportunity: OpportunityInput,
) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let valid =
                super::rules::validate_opportunity(&opportunity, crate::types::Currency::USD)?;
            super::db::update(&state()?.pool, id, version, &valid, &user).await
        }
        .await,
    )
}

/// Next Stage ("next"), Previous Stage ("previous"), or straight to a stage id (the board).
#[server(endpoint = "opportunities/move")]
pub async fn move_opportunity_stage(
    id: i64,
    version: i64,
    direction: String,
) -> Result<i64, AppError> {
    use super::rules::StageMove;
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            use super::db::StageTarget;
            let target = match direction.as_str() {
                "next" => StageTarget::Step(StageMove::Next),
                "previous" => StageTarget::Step(StageMove::Previous),
                stage => StageTarget::To(stage.parse().map_err(|_| {
                    AppError::field("direction", "Move to the next or previous stage.")
                })?),
            };
            super::db::move_stage(&state()?.pool, id, version, target, &user).await
        }
        .await,
    )
}

/// Switch process: the opportunity goes on in another sales process (where it stood there
/// before, else at its first stage).
#[server(endpoint = "opportunities/switch-process")]
pub async fn switch_opportunity_process(
    id: i64,
    version: i64,
    process_id: i64,
) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::switch_process(&state()?.pool, id, version, process_id, &user).await
        }
        .await,
    )
}

/// Ticks or unticks a checkbox step on the stage bar.
#[server(endpoint = "opportunities/step")]
pub async fn set_opportunity_step(id: i64, step_id: i64, done: bool) -> Result<(), AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::set_step(&state()?.pool, id, step_id, done, &user).await
        }
        .await,
    )
}

#[server(endpoint = "opportunities/close-won")]
pub async fn close_won(
    id: i64,
    version: i64,
    #[server(default)] close: CloseWonInput,
) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::close_won(&state()?.pool, id, version, &close, &user).await
        }
        .await,
    )
}

#[server(endpoint = "opportunities/close-lost")]
pub async fn close_lost(
    id: i64,
    version: i64,
    #[server(default)] close: CloseLostInput,
) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::close_lost(&state()?.pool, id, version, &close, &user).await
        }
        .await,
    )
}

/// Reopens a won or lost opportunity at the stage it closed in.
#[server(endpoint = "opportunities/reopen")]
pub async fn reopen_opportunity(id: i64, version: i64) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::reopen(&state()?.pool, id, version, &user).await
        }
        .await,
    )
}

/// The pipeline board: column totals over every matching opportunity, and the first cards.
#[server(endpoint = "pipeline/board")]
pub async fn pipeline_board(
    #[server(default)] query: super::board::BoardQuery,
) -> Result<super::board::Board, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            current_user().await?;
            Ok(super::db::board(&state()?.pool, &query).await?)
        }
        .await,
    )
}
