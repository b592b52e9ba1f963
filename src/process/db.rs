//! Loading a record's stage progress and ticking checkbox steps.

use super::rules::{ValidStep, describe_changes, validate_process};
use super::{
    FieldChoice, ForecastCategory, ProcessChoice, ProcessDraft, ProcessEditor, ProcessRow,
    ProcessVersion, StageDraft, StageEntity, StageInfo, StageProgress, StepDefinition, StepDraft,
    StepState, step_states,
};
use crate::auth::User;
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
    // Archived stages are gone from the bar, but for the one the record is at. A lead's
    // stage comes first, then the stages of the process it would be qualified into.
    let stages: Vec<StageInfo> = sqlx::query_as(
        "SELECT id, name FROM stages WHERE (process_id = ? AND archived = 0) OR id = ? \
         ORDER BY entity = 'opportunity', position",
    )
    .bind(process_id)
    .bind(stage_id)
    .fetch_all(pool)
    .await?;
    let active_archived: bool = sqlx::query_scalar("SELECT archived FROM stages WHERE id = ?")
        .bind(stage_id)
        .fetch_one(pool)
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
        process_id,
        process_name,
        stages,
        active_stage_id: stage_id,
        active_archived,
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
        "SELECT id, name, required, field_name, guidance FROM steps \
         WHERE stage_id = ? AND removed = 0 ORDER BY position",
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
/// hand), and the stage is not archived (its steps are read-only).
async fn checkbox_step_name(
    conn: &mut SqliteConnection,
    stage_id: i64,
    step_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT st.name FROM steps st JOIN stages s ON s.id = st.stage_id WHERE st.id = ? \
         AND st.stage_id = ? AND st.kind = 'checkbox' AND st.removed = 0 AND s.archived = 0",
    )
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

/// The processes on `/settings/processes`, the default first; open opportunities from the
/// monthly figures (migration 0005), never a scan of the opportunities.
pub async fn processes(pool: &SqlitePool) -> Result<Vec<ProcessRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.id, p.name, p.version, p.is_default, \
         (SELECT COUNT(*) FROM stages s WHERE s.process_id = p.id AND s.archived = 0) AS stages, \
         COALESCE((SELECT SUM(m.count) FROM opportunity_monthly m JOIN stages s ON s.id = m.stage_id \
                   WHERE m.status = 'open' AND s.process_id = p.id), 0) AS open \
         FROM processes p ORDER BY p.is_default DESC, p.name",
    )
    .fetch_all(pool)
    .await
}

/// A process as the editor shows it: every stage (archived ones too), each with its live
/// steps, in order.
pub async fn load_draft(conn: &mut SqliteConnection, id: i64) -> Result<ProcessDraft, AppError> {
    let (name, version): (String, i64) =
        sqlx::query_as("SELECT name, version FROM processes WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| AppError::NotFound("This process".into()))?;
    #[derive(sqlx::FromRow)]
    struct StageRow {
        id: i64,
        entity: StageEntity,
        name: String,
        default_probability: i64,
        forecast_category: ForecastCategory,
        stalled_days: Option<i64>,
        archived: bool,
    }
    let stages: Vec<StageRow> = sqlx::query_as(
        "SELECT id, entity, name, default_probability, forecast_category, stalled_days, archived \
         FROM stages WHERE process_id = ? ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    #[derive(sqlx::FromRow)]
    struct StepRow {
        id: i64,
        stage_id: i64,
        name: String,
        field_name: Option<String>,
        required: bool,
        guidance: Option<String>,
    }
    let steps: Vec<StepRow> = sqlx::query_as(
        "SELECT st.id, st.stage_id, st.name, st.field_name, st.required, st.guidance \
         FROM steps st JOIN stages s ON s.id = st.stage_id \
         WHERE s.process_id = ? AND st.removed = 0 ORDER BY st.stage_id, st.position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(ProcessDraft {
        id,
        name,
        version,
        stages: stages
            .into_iter()
            .map(|stage| StageDraft {
                id: Some(stage.id),
                entity: stage.entity,
                name: stage.name,
                probability: stage.default_probability.to_string(),
                forecast: stage.forecast_category,
                stalled_days: stage
                    .stalled_days
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                archived: stage.archived,
                move_open_to: None,
                steps: steps
                    .iter()
                    .filter(|step| step.stage_id == stage.id)
                    .map(|step| StepDraft {
                        id: Some(step.id),
                        name: step.name.clone(),
                        field: step.field_name.clone(),
                        required: step.required,
                        guidance: step.guidance.clone().unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// Open records per stage of a process: opportunities from the monthly figures, leads
/// (which stay at the lead's stage) counted.
async fn open_counts(
    conn: &mut SqliteConnection,
    process_id: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.stage_id, SUM(m.count) FROM opportunity_monthly m JOIN stages s ON s.id = m.stage_id \
         WHERE m.status = 'open' AND s.process_id = ? GROUP BY m.stage_id HAVING SUM(m.count) > 0",
    )
    .bind(process_id)
    .fetch_all(conn)
    .await
}

/// The fields a field-bound step can watch: each record kind's own fields.
pub fn step_fields() -> Vec<FieldChoice> {
    use crate::lead::rules::{LeadFields, lead_field_label};
    use crate::opportunity::rules::{OpportunityFields, opportunity_field_label};
    let choices = |entity: StageEntity, names: Vec<&'static str>, label: fn(&str) -> &str| {
        names
            .into_iter()
            .chain(["decision_maker_identified"])
            .map(move |name| FieldChoice {
                entity,
                name: name.to_string(),
                label: label(name).to_string(),
            })
            .collect::<Vec<_>>()
    };
    let lead: Vec<&'static str> = LeadFields::default()
        .display_values()
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| *name != "decision_maker_identified")
        .collect();
    let opportunity: Vec<&'static str> = OpportunityFields::default()
        .display_values()
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| *name != "decision_maker_identified")
        .collect();
    let mut fields = choices(StageEntity::Lead, lead, lead_field_label);
    fields.extend(choices(
        StageEntity::Opportunity,
        opportunity,
        opportunity_field_label,
    ));
    fields
}

/// The saved versions of a process, newest first.
async fn versions(
    conn: &mut SqliteConnection,
    process_id: i64,
) -> Result<Vec<ProcessVersion>, sqlx::Error> {
    let rows: Vec<(i64, Option<String>, Option<String>, String)> = sqlx::query_as(
        "SELECT v.version, u.name, v.saved_at, v.changes FROM process_versions v \
         LEFT JOIN users u ON u.id = v.saved_by WHERE v.process_id = ? ORDER BY v.version DESC",
    )
    .bind(process_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(version, saved_by, saved_at, changes)| ProcessVersion {
            version,
            saved_by: saved_by.unwrap_or_else(|| "Leadflow".into()),
            saved_at: saved_at.unwrap_or_default(),
            changes: serde_json::from_str(&changes).unwrap_or_default(),
        })
        .collect())
}

/// What the process editor opens.
pub async fn editor(pool: &SqlitePool, id: i64) -> Result<ProcessEditor, AppError> {
    let mut conn = pool.acquire().await?;
    let draft = load_draft(&mut conn, id).await?;
    Ok(ProcessEditor {
        open_counts: open_counts(&mut conn, id).await?,
        versions: versions(&mut conn, id).await?,
        fields: step_fields(),
        draft,
    })
}

/// A version's definition as it was saved (the migration's first one is written by the
/// first save).
async fn snapshot(
    conn: &mut SqliteConnection,
    process_id: i64,
    version: i64,
) -> Result<Option<ProcessDraft>, sqlx::Error> {
    let definition: Option<String> = sqlx::query_scalar(
        "SELECT definition FROM process_versions WHERE process_id = ? AND version = ?",
    )
    .bind(process_id)
    .bind(version)
    .fetch_optional(conn)
    .await?;
    Ok(definition.and_then(|text| serde_json::from_str(&text).ok()))
}

async fn write_snapshot(
    conn: &mut SqliteConnection,
    draft: &ProcessDraft,
    changes: &[String],
    saved: Option<(&User, &str)>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT OR IGNORE INTO process_versions (process_id, version, definition, changes, saved_by, saved_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(draft.id)
    .bind(draft.version)
    .bind(serde_json::to_string(draft).map_err(|_| AppError::Internal)?)
    .bind(serde_json::to_string(changes).map_err(|_| AppError::Internal)?)
    .bind(saved.map(|(user, _)| user.id))
    .bind(saved.map(|(_, at)| at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Saves an edited process as its next version, in one transaction: stages and steps
/// written (a removed step is kept, marked removed, since completions point at it), the
/// open opportunities of each archived stage moved where the editor said (each a stage
/// change in its history), the version and what it changed recorded. A draft made from an
/// older version is a conflict that says what the newer one changed. Returns the new
/// version.
pub async fn save(pool: &SqlitePool, draft: &ProcessDraft, user: &User) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let version = save_in(&mut tx, draft, user).await?;
    tx.commit().await?;
    Ok(version)
}

/// `save` inside the caller's transaction.
pub async fn save_in(
    conn: &mut SqliteConnection,
    draft: &ProcessDraft,
    user: &User,
) -> Result<i64, AppError> {
    let current = load_draft(&mut *conn, draft.id).await?;
    if current.version != draft.version {
        let changes = snapshot(&mut *conn, draft.id, draft.version)
            .await?
            .map(|base| describe_changes(&base, &current))
            .unwrap_or_default();
        let who: Option<String> = sqlx::query_scalar(
            "SELECT u.name FROM process_versions v JOIN users u ON u.id = v.saved_by \
             WHERE v.process_id = ? AND v.version = ?",
        )
        .bind(draft.id)
        .bind(current.version)
        .fetch_optional(&mut *conn)
        .await?;
        return Err(AppError::Conflict {
            message: format!(
                "{} saved this process after you opened it{}. Reload to edit the new version.",
                who.as_deref().unwrap_or("Someone"),
                if changes.is_empty() {
                    String::new()
                } else {
                    format!(": {}", changes.join("; "))
                }
            ),
            changed_fields: Vec::new(),
        });
    }
    let counts = open_counts(&mut *conn, draft.id).await?;
    let stages = validate_process(
        draft,
        &current,
        |id| super::open_at(&counts, id),
        &step_fields(),
    )?;
    let at = chrono::Utc::now().to_rfc3339();
    write_snapshot(&mut *conn, &current, &[], None).await?;
    // Positions are unique within a process: park the stored ones first.
    sqlx::query("UPDATE stages SET position = -position WHERE process_id = ?")
        .bind(draft.id)
        .execute(&mut *conn)
        .await?;
    let mut moves = Vec::new();
    for (index, stage) in stages.iter().enumerate() {
        let position = index as i64 + 1;
        let id = match stage.id {
            Some(id) => {
                sqlx::query(
                    "UPDATE stages SET name = ?, default_probability = ?, forecast_category = ?, \
                     stalled_days = ?, archived = ?, position = ?, version = version + 1 \
                     WHERE id = ? AND process_id = ?",
                )
                .bind(&stage.name)
                .bind(stage.probability)
                .bind(stage.forecast)
                .bind(stage.stalled_days)
                .bind(stage.archived)
                .bind(position)
                .bind(id)
                .bind(draft.id)
                .execute(&mut *conn)
                .await?;
                id
            }
            None => sqlx::query_scalar(
                "INSERT INTO stages (process_id, position, name, entity, default_probability, \
                 forecast_category, stalled_days, archived) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(draft.id)
            .bind(position)
            .bind(&stage.name)
            .bind(stage.entity)
            .bind(stage.probability)
            .bind(stage.forecast)
            .bind(stage.stalled_days)
            .bind(stage.archived)
            .fetch_one(&mut *conn)
            .await?,
        };
        write_steps(&mut *conn, id, &stage.steps).await?;
        if let Some(target) = stage.move_open_to {
            moves.push((id, stage.name.clone(), target));
        }
    }
    let mut moved = Vec::new();
    for (from, from_name, to) in moves {
        let open: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, version FROM opportunities WHERE status = 'open' AND stage_id = ?",
        )
        .bind(from)
        .fetch_all(&mut *conn)
        .await?;
        for (opportunity, version) in &open {
            crate::opportunity::db::set_stage_in(&mut *conn, *opportunity, *version, to, user, &[])
                .await?;
        }
        let to_name = stages
            .iter()
            .find(|stage| stage.id == Some(to))
            .map_or(String::new(), |stage| stage.name.clone());
        moved.push(format!(
            "Moved {} open {} from {from_name} to {to_name}",
            open.len(),
            if open.len() == 1 {
                "opportunity"
            } else {
                "opportunities"
            }
        ));
    }
    let version = current.version + 1;
    sqlx::query("UPDATE processes SET version = ? WHERE id = ?")
        .bind(version)
        .bind(draft.id)
        .execute(&mut *conn)
        .await?;
    let saved = load_draft(&mut *conn, draft.id).await?;
    let mut changes = describe_changes(&current, &saved);
    changes.extend(moved);
    write_snapshot(&mut *conn, &saved, &changes, Some((user, &at))).await?;
    Ok(version)
}

/// A stage's steps as edited: the ones left out marked removed (out of the positions), the
/// rest written in order.
async fn write_steps(
    conn: &mut SqliteConnection,
    stage_id: i64,
    steps: &[ValidStep],
) -> Result<(), sqlx::Error> {
    let kept: Vec<i64> = steps.iter().filter_map(|step| step.id).collect();
    let stored: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM steps WHERE stage_id = ? AND removed = 0")
            .bind(stage_id)
            .fetch_all(&mut *conn)
            .await?;
    for id in stored.iter().filter(|id| !kept.contains(id)) {
        // A removed step's negative id keeps positions unique.
        sqlx::query("UPDATE steps SET removed = 1, position = -id WHERE id = ?")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "UPDATE steps SET position = position + 1000000 WHERE stage_id = ? AND removed = 0",
    )
    .bind(stage_id)
    .execute(&mut *conn)
    .await?;
    for (index, step) in steps.iter().enumerate() {
        let kind = if step.field.is_some() {
            "field"
        } else {
            "checkbox"
        };
        match step.id {
            Some(id) => {
                sqlx::query(
                    "UPDATE steps SET name = ?, kind = ?, field_name = ?, required = ?, guidance = ?, \
                     position = ?, version = version + 1 WHERE id = ? AND stage_id = ?",
                )
                .bind(&step.name)
                .bind(kind)
                .bind(&step.field)
                .bind(step.required)
                .bind(&step.guidance)
                .bind(index as i64 + 1)
                .bind(id)
                .bind(stage_id)
                .execute(&mut *conn)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO steps (stage_id, position, name, kind, field_name, required, guidance) \
                     VALUES (?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(stage_id)
                .bind(index as i64 + 1)
                .bind(&step.name)
                .bind(kind)
                .bind(&step.field)
                .bind(step.required)
                .bind(&step.guidance)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

/// Makes `id` the default process: Qualify opens its opportunities there from now on (the
/// leads' Qualify stage stays where it is), and the board, the funnel and new processes
/// start from it.
pub async fn make_default(pool: &SqlitePool, id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM processes WHERE id = ?)")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if !exists {
        return Err(AppError::NotFound("This process".into()));
    }
    sqlx::query("UPDATE processes SET is_default = (id = ?)")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Every process, the default first (what pickers offer).
pub async fn choices(pool: &SqlitePool) -> Result<Vec<ProcessChoice>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, is_default FROM processes ORDER BY is_default DESC, name")
        .fetch_all(pool)
        .await
}

/// A new opportunity process named `name`, starting as a copy of the default process's
/// open opportunity stages and their steps (the editor shapes it from there); its id.
pub async fn create_process(pool: &SqlitePool, name: &str) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let id = create_process_in(&mut tx, name).await?;
    tx.commit().await?;
    Ok(id)
}

/// `create_process` inside the caller's transaction.
pub async fn create_process_in(conn: &mut SqliteConnection, name: &str) -> Result<i64, AppError> {
    let name = super::rules::process_name(name)?;
    let taken: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM processes WHERE name = ? COLLATE NOCASE)")
            .bind(&name)
            .fetch_one(&mut *conn)
            .await?;
    if taken {
        return Err(AppError::field(
            "name",
            format!("Another process is already called {name}."),
        ));
    }
    let id: i64 = sqlx::query_scalar("INSERT INTO processes (name) VALUES (?) RETURNING id")
        .bind(&name)
        .fetch_one(&mut *conn)
        .await?;
    let stages: Vec<(i64, String, i64, ForecastCategory, Option<i64>)> = sqlx::query_as(
        "SELECT s.id, s.name, s.default_probability, s.forecast_category, s.stalled_days \
         FROM stages s JOIN processes p ON p.id = s.process_id \
         WHERE p.is_default = 1 AND s.entity = 'opportunity' AND s.archived = 0 ORDER BY s.position",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (position, (from, stage_name, probability, forecast, stalled)) in stages.iter().enumerate()
    {
        let stage: i64 = sqlx::query_scalar(
            "INSERT INTO stages (process_id, position, name, entity, default_probability, \
             forecast_category, stalled_days) VALUES (?, ?, ?, 'opportunity', ?, ?, ?) RETURNING id",
        )
        .bind(id)
        .bind(position as i64 + 1)
        .bind(stage_name)
        .bind(probability)
        .bind(forecast)
        .bind(stalled)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO steps (stage_id, position, name, kind, field_name, required, guidance) \
             SELECT ?, ROW_NUMBER() OVER (ORDER BY position), name, kind, field_name, required, \
             guidance FROM steps WHERE stage_id = ? AND removed = 0 ORDER BY position",
        )
        .bind(stage)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// The demo's second process, "Partner deal", with a few open opportunities switched into
/// it (each through Switch process, so their histories say so).
pub async fn insert_demo_process(conn: &mut SqliteConnection) -> Result<(), AppError> {
    let admin: User = sqlx::query_as(
        "SELECT id, email, name, role, active, version FROM users WHERE email = 'admin@example.com'",
    )
    .fetch_one(&mut *conn)
    .await?;
    let id = create_process_in(conn, "Partner deal").await?;
    let mut draft = load_draft(conn, id).await?;
    let shapes = [
        ("Recruit partner", "20", "Partner agreement signed"),
        ("Joint proposal", "50", "Partner's quote attached"),
        ("Partner close", "80", "Partner confirmed the order"),
    ];
    for (stage, (name, probability, step)) in draft.stages.iter_mut().zip(shapes) {
        stage.name = name.into();
        stage.probability = probability.into();
        stage.steps = vec![StepDraft {
            name: step.into(),
            required: true,
            guidance: "Ask the partner manager if unsure.".into(),
            ..StepDraft::default()
        }];
    }
    save_in(conn, &draft, &admin).await?;
    let open: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, version FROM opportunities WHERE status = 'open' ORDER BY id LIMIT 8",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (opportunity, version) in open {
        crate::opportunity::db::switch_process_in(conn, opportunity, version, id, &admin).await?;
    }
    Ok(())
}
