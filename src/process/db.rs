//! Loading a record's stage progress and ticking checkbox steps.

use super::{StageInfo, StageProgress, StepDefinition, StepState, step_states};
use crate::error::AppError;
use crate::history::FieldChange;
use sqlx::{SqliteConnection, SqlitePool};

/// The stage bar of a record at `stage_id` of `process_id`.
pub async fn load_progress(
    pool: &SqlitePool,
    process_id: i64,
    stage_id: i64,
    record_type: &str,
    record_id: i64,
    is_filled: impl Fn(&str) -> bool,
) -> Result<StageProgress, sqlx::Error> {
    let process_name: String = sqlx::query_scalar("SELECT name FROM processes WHERE id = ?")
        .bind(process_id)
        .fetch_one(pool)
        .await?;
    let stages: Vec<StageInfo> =
        sqlx::query_as("SELECT id, name FROM stages WHERE process_id = ? ORDER BY position")
            .bind(process_id)
            .fetch_all(pool)
            .await?;
    let steps = step_states_of(
        &mut *pool.acquire().await?,
        stage_id,
        record_type,
        record_id,
        is_filled,
    )
    .await?;
    Ok(StageProgress {
        process_name,
        stages,
        active_stage_id: stage_id,
        steps,
    })
}

/// The steps of `stage_id` on a record, each marked done or not.
pub async fn step_states_of(
    conn: &mut SqliteConnection,
    stage_id: i64,
    record_type: &str,
    record_id: i64,
    is_filled: impl Fn(&str) -> bool,
) -> Result<Vec<StepState>, sqlx::Error> {
    let definitions: Vec<StepDefinition> = sqlx::query_as(
        "SELECT id, name, required, field_name FROM steps WHERE stage_id = ? ORDER BY position",
    )
    .bind(stage_id)
    .fetch_all(&mut *conn)
    .await?;
    let ticked: Vec<i64> = sqlx::query_scalar(
        "SELECT step_id FROM step_completions WHERE record_type = ? AND record_id = ?",
    )
    .bind(record_type)
    .bind(record_id)
    .fetch_all(conn)
    .await?;
    Ok(step_states(definitions, &ticked, is_filled))
}

/// Ticks or unticks a checkbox step of the record's active stage, with a history row. Ticks
/// do not change the record's fields, so they keep its version (no conflicts with edits).
#[allow(clippy::too_many_arguments)]
pub async fn tick(
    conn: &mut SqliteConnection,
    record_type: &str,
    record_id: i64,
    stage_id: i64,
    version: i64,
    step_id: i64,
    done: bool,
    user_id: i64,
    at: &str,
) -> Result<(), AppError> {
    let name = checkbox_step_name(conn, stage_id, step_id)
        .await?
        .ok_or_else(|| {
            AppError::field("step", "That step is not a checkbox of the current stage.")
        })?;
    // Ticking a ticked step (or unticking an unticked one) changes nothing to record.
    if !set_step(conn, record_type, record_id, step_id, done, user_id, at).await? {
        return Ok(());
    }
    let change = FieldChange {
        field: "step",
        old: None,
        new: Some(format!(
            "{} {name}",
            if done { "Ticked" } else { "Unticked" }
        )),
    };
    crate::history::db::record(
        conn,
        record_type,
        record_id,
        version,
        &[change],
        user_id,
        at,
    )
    .await?;
    Ok(())
}

/// The name of `step_id` if it is a checkbox step of `stage_id` (the only steps ticked by
/// hand).
async fn checkbox_step_name(
    conn: &mut SqliteConnection,
    stage_id: i64,
    step_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM steps WHERE id = ? AND stage_id = ? AND kind = 'checkbox'")
        .bind(step_id)
        .bind(stage_id)
        .fetch_optional(conn)
        .await
}

/// Ticks or unticks a checkbox step on a record; whether that changed anything.
async fn set_step(
    conn: &mut SqliteConnection,
    record_type: &str,
    record_id: i64,
    step_id: i64,
    done: bool,
    user_id: i64,
    at: &str,
) -> Result<bool, sqlx::Error> {
    let result = if done {
        sqlx::query(
            "INSERT OR IGNORE INTO step_completions (record_type, record_id, step_id, completed_by, completed_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(record_type)
        .bind(record_id)
        .bind(step_id)
        .bind(user_id)
        .bind(at)
        .execute(conn)
        .await?
    } else {
        sqlx::query(
            "DELETE FROM step_completions WHERE record_type = ? AND record_id = ? AND step_id = ?",
        )
        .bind(record_type)
        .bind(record_id)
        .bind(step_id)
        .execute(conn)
        .await?
    };
    Ok(result.rows_affected() > 0)
}
