//! The import's server functions. Any signed-in user imports (reps: leads they will own);
//! a job is seen and changed only by its importer, a manager or an admin.

use super::values::DateOrder;
use super::{
    DryRun, DuplicateMode, ImportSettings, JobSummary, JobView, Progress, UndoReport, ValueChoice,
};
use crate::error::AppError;
use leptos::prelude::*;

/// The settings as the mapping form posts them: for each file, one field name per column
/// ("" leaves the column out); the date order as `month_first`, `day_first` or "" (not
/// asked); the meaning of option values Leadflow does not know.
pub fn settings_of(
    mappings: Vec<Vec<String>>,
    duplicates: DuplicateMode,
    default_owner: i64,
    date_order: &str,
    values: Vec<ValueChoice>,
    list_id: Option<i64>,
) -> Result<ImportSettings, AppError> {
    let date_order = match date_order {
        "" => None,
        "month_first" => Some(DateOrder::MonthFirst),
        "day_first" => Some(DateOrder::DayFirst),
        _ => {
            return Err(AppError::field(
                "date_order",
                "Choose month first or day first.",
            ));
        }
    };
    Ok(ImportSettings {
        mappings: mappings
            .into_iter()
            .map(|mapping| {
                mapping
                    .into_iter()
                    .map(|field| Some(field).filter(|field| !field.is_empty()))
                    .collect()
            })
            .collect(),
        duplicates,
        default_owner,
        date_order,
        values,
        list_id,
    })
}

#[server(endpoint = "import/history")]
pub async fn import_history() -> Result<Vec<JobSummary>, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(async { super::db::history(&state()?.pool, &current_user().await?).await }.await)
}

#[server(endpoint = "import/job")]
pub async fn import_job(id: i64) -> Result<JobView, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(async { super::db::job_view(&state()?.pool, id, &current_user().await?).await }.await)
}

/// Saves the mapping and choices, then checks the whole file as the run would.
#[server(endpoint = "import/dry-run")]
pub async fn check_import(
    id: i64,
    #[server(default)] mappings: Vec<Vec<String>>,
    duplicates: DuplicateMode,
    default_owner: i64,
    #[server(default)] date_order: String,
    #[server(default)] values: Vec<ValueChoice>,
    // The list's id, or "" for none (a select's empty choice).
    #[server(default)] list_id: String,
) -> Result<DryRun, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let pool = &state()?.pool;
            let user = current_user().await?;
            let settings = settings_of(
                mappings,
                duplicates,
                default_owner,
                &date_order,
                values,
                list_id.parse().ok(),
            )?;
            super::db::save_settings(pool, id, &user, &settings).await?;
            super::db::dry_run(pool, id, &user).await
        }
        .await,
    )
}

/// Starts the run of the settings the last dry run saved, in the background.
#[server(endpoint = "import/run")]
pub async fn run_import(id: i64) -> Result<(), AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(async { super::db::start(&state()?.pool, id, &current_user().await?).await }.await)
}

#[server(endpoint = "import/progress")]
pub async fn import_progress(id: i64) -> Result<Progress, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(async { super::db::progress(&state()?.pool, id, &current_user().await?).await }.await)
}

/// The caller's running import, if any (the progress bar on every page).
#[server(endpoint = "import/running")]
pub async fn running_import() -> Result<Option<Progress>, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(async { super::db::running_for(&state()?.pool, &current_user().await?).await }.await)
}

#[server(endpoint = "import/undo")]
pub async fn undo_import(id: i64) -> Result<UndoReport, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(async { super::db::undo(&state()?.pool, id, &current_user().await?).await }.await)
}
