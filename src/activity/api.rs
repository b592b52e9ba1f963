//! Server functions for activities. Every signed-in user may log activities on any record
//! (PRODUCT.md: reps create activities); only a task's owner or a manager marks it done.

use super::{ActivityInput, ActivityPage, ActivityQuery, MyActivities, RecordType, TimelinePage};
use crate::error::AppError;
use leptos::prelude::*;

/// Entries a timeline shows at first, and adds with each "Show older".
pub const TIMELINE_PAGE: i64 = 25;
/// The most entries one timeline request returns.
pub const TIMELINE_MAX: i64 = 500;

/// Logs a note, call, task or appointment on a record; returns its id.
#[server(endpoint = "activities/log")]
pub async fn log_activity(
    regarding: RecordType,
    record_id: i64,
    activity: ActivityInput,
) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let valid = super::rules::validate_activity(&activity)?;
            super::db::log(&state()?.pool, regarding, record_id, &valid, &user).await
        }
        .await,
    )
}

/// The newest `limit` entries of a record's timeline (activities and system events).
#[server(endpoint = "activities/timeline")]
pub async fn get_timeline(
    regarding: RecordType,
    record_id: i64,
    limit: i64,
) -> Result<TimelinePage, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            current_user().await?;
            let limit = limit.clamp(1, TIMELINE_MAX);
            super::db::timeline(&state()?.pool, regarding, record_id, limit).await
        }
        .await,
    )
}

/// The signed-in user's open tasks and today's appointments.
#[server(endpoint = "activities/mine")]
pub async fn get_my_activities() -> Result<MyActivities, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let today = chrono::Utc::now().date_naive().to_string();
            super::db::mine(&state()?.pool, &user, &today).await
        }
        .await,
    )
}

/// Marks a task done or open again; returns its new version.
#[server(endpoint = "activities/done")]
pub async fn set_activity_done(id: i64, version: i64, done: bool) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            super::db::set_done(&state()?.pool, id, version, done, &user).await
        }
        .await,
    )
}

/// One page of the activity list. Every signed-in user sees every activity (as on the
/// records' timelines).
#[server(endpoint = "activities/list")]
pub async fn list_activities(query: ActivityQuery) -> Result<ActivityPage, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            Ok(super::db::list(&state()?.pool, &query, user.id).await?)
        }
        .await,
    )
}
