//! `leadflow import`: the import page's engine from the command line.

use super::values::DateOrder;
use super::{DuplicateMode, ImportEntity, ImportSettings, JobStatus};
use crate::auth::User;
use sqlx::SqlitePool;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub struct Options {
    pub entity: ImportEntity,
    pub dry_run: bool,
    /// The importing user's email; the first admin when not given.
    pub user: Option<String>,
    pub duplicates: DuplicateMode,
    pub mapping: Option<PathBuf>,
    pub date_order: Option<DateOrder>,
}

/// `--date-order`'s value.
pub fn date_order(text: &str) -> Result<DateOrder, String> {
    match text {
        "month-first" => Ok(DateOrder::MonthFirst),
        "day-first" => Ok(DateOrder::DayFirst),
        other => Err(format!(
            "--date-order {other}: say month-first or day-first"
        )),
    }
}

/// The user a command acts as: by email, else the first active admin.
pub async fn acting_user(pool: &SqlitePool, email: Option<&str>) -> Result<User, String> {
    let id: Option<i64> = match email {
        Some(email) => {
            sqlx::query_scalar("SELECT id FROM users WHERE email = ? AND active = 1")
                .bind(email.trim().to_lowercase())
                .fetch_optional(pool)
                .await
        }
        None => {
            sqlx::query_scalar(
                "SELECT id FROM users WHERE role = 'admin' AND active = 1 ORDER BY id LIMIT 1",
            )
            .fetch_optional(pool)
            .await
        }
    }
    .map_err(|error| error.to_string())?;
    let id = id.ok_or("no such active user (create an admin first, or pass --as EMAIL)")?;
    crate::auth::db::find_user(pool, id)
        .await
        .map_err(|error| error.to_string())?
        .ok_or_else(|| "no such user".to_string())
}

/// The mapping file (header → field or null) over the suggested mapping of `headers`.
fn apply_mapping(
    file: &Path,
    headers: &[String],
    suggested: &mut [Option<String>],
) -> Result<(), String> {
    let text =
        std::fs::read_to_string(file).map_err(|error| format!("{}: {error}", file.display()))?;
    let given: HashMap<String, Option<String>> =
        serde_json::from_str(&text).map_err(|error| format!("{}: {error}", file.display()))?;
    for (header, field) in headers.iter().zip(suggested.iter_mut()) {
        if let Some(chosen) = given.get(header) {
            *field = chosen.clone();
        }
    }
    Ok(())
}

fn print_dry_run(name: &str, run: &super::DryRun) {
    let c = run.counts;
    println!(
        "{name}: {} rows: {} to create, {} to update, {} unchanged, {} to skip, {} rejected",
        c.rows, c.created, c.updated, c.unchanged, c.skipped, c.rejected
    );
    for value in run.unknown_values.iter().filter(|v| !v.value.is_empty()) {
        println!(
            "  {} column {}: \"{}\" ({} rows) is not a value Leadflow knows",
            value.file_name, value.header, value.value, value.rows
        );
    }
    for error in &run.errors {
        println!(
            "  {} line {}, {}: {}",
            error.file, error.line, error.column, error.message
        );
    }
}

/// Imports (or dry-runs) files as one job, printing what it did.
pub async fn import(pool: &SqlitePool, options: &Options, paths: &[PathBuf]) -> Result<(), String> {
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let file =
            std::fs::File::open(path).map_err(|error| format!("{}: {error}", path.display()))?;
        let name = path
            .file_name()
            .map_or_else(|| "import.csv".into(), |n| n.to_string_lossy().into_owned());
        files.push((name, file));
    }
    let name = files
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let user = acting_user(pool, options.user.as_deref()).await?;
    let id = super::db::create_job(pool, &user, options.entity, files)
        .await
        .map_err(|error| {
            error
                .field_message("file")
                .unwrap_or_else(|| error.to_string())
        })?;
    let view = super::db::job_view(pool, id, &user)
        .await
        .map_err(|e| e.to_string())?;
    let mut mappings = Vec::with_capacity(view.files.len());
    for file in &view.files {
        let headers: Vec<String> = file.columns.iter().map(|c| c.header.clone()).collect();
        let mut mapping: Vec<Option<String>> =
            file.columns.iter().map(|c| c.field.clone()).collect();
        if let Some(path) = &options.mapping {
            apply_mapping(path, &headers, &mut mapping)?;
        }
        let left_out: Vec<&str> = headers
            .iter()
            .zip(&mapping)
            .filter(|(_, field)| field.is_none())
            .map(|(header, _)| header.as_str())
            .collect();
        if !left_out.is_empty() {
            println!("{}: columns left out: {}", file.name, left_out.join(", "));
        }
        mappings.push(mapping);
    }
    let settings = ImportSettings {
        mappings,
        duplicates: options.duplicates,
        default_owner: user.id,
        date_order: options.date_order,
        values: Vec::new(),
        list_id: None,
    };
    let failed = |error: crate::error::AppError| match error {
        crate::error::AppError::Validation(fields) => {
            fields.values().cloned().collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    };
    super::db::save_settings(pool, id, &user, &settings)
        .await
        .map_err(failed)?;
    if options.dry_run {
        let run = super::db::dry_run(pool, id, &user).await.map_err(failed)?;
        print_dry_run(&name, &run);
        // A dry run leaves nothing behind, its job included.
        super::db::discard(pool, id).await.map_err(failed)?;
        return Ok(());
    }
    let started = std::time::Instant::now();
    super::db::mark_running(pool, id, &user)
        .await
        .map_err(failed)?;
    super::db::run(pool, id).await.map_err(failed)?;
    let progress = super::db::progress(pool, id, &user).await.map_err(failed)?;
    let c = progress.counts;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{name}: import #{id} {}: {} rows: {} created, {} updated, {} unchanged, {} skipped, {} rejected in {seconds:.1} s ({:.0} rows/s)",
        if progress.status == Some(JobStatus::Done) {
            "done"
        } else {
            "stopped"
        },
        c.rows,
        c.created,
        c.updated,
        c.unchanged,
        c.skipped,
        c.rejected,
        c.rows as f64 / seconds.max(0.001)
    );
    if c.rejected > 0 {
        println!("  the error files: /import/{id}");
    }
    Ok(())
}
