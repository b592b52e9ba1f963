//! Import jobs: the uploaded files and the user's choices kept in SQLite, the dry run, the
//! run (file by file in the order their references need, in transactions of `CHUNK_ROWS`
//! rows, each row's outcome written with its record, so a restarted server resumes after
//! the last committed row), the error file and undo. Every record is written through its
//! kind's one write path (`insert_many`/`insert`, `update_in`, `lead::db::write_fields`),
//! with the duplicate rule the forms use.

use super::csv_file::FileShape;
use super::linked_rows::{
    AccountRow, ActivityRow, ContactRow, Ending, OpportunityRow, Origin, account_row, activity_row,
    contact_row, opportunity_row,
};
use super::mapping::{fields_of, suggest};
use super::records::{
    OpportunityBefore, Process, References, Resolved, StoredRecord, detect_entity, merge_fields,
    record_kind, record_type, run_order, set_source, stored_account, stored_contact,
    stored_opportunity, table,
};
use super::rows::{Action, LeadRow, Match, RowProblems, action, lead_row, merge};
use super::stored_file::{FileRows, shape_of, store};
use super::value_map::{UnknownValues, ValueMap};
use super::values::normalize;
use super::{
    ColumnView, Counts, DryRun, DuplicateHit, FileView, ImportEntity, ImportSettings, JobStatus,
    JobSummary, JobView, LISTED, Progress, RowError, RowOutcome, SourceSystem, UndoReport,
    UnknownValue,
};
use crate::account::AccountFields;
use crate::activity::RecordType;
use crate::activity::rules::ValidActivity;
use crate::auth::{Role, User};
use crate::contact::ContactFields;
use crate::duplicates::SaveOutcome;
use crate::duplicates::db::{find_duplicates, find_duplicates_of_many};
use crate::duplicates::{DuplicateMatch, MatchKeys, RecordKind};
use crate::error::AppError;
use crate::history::{Authorship, FieldChange};
use crate::lead::db::{self as leads, StoredLead};
use crate::lead::rules::{LeadFields, validate_lead};
use crate::lead::{LeadStatus, LeadStatusReason, NewLeadState};
use crate::opportunity::rules::{Customer, ValidOpportunity};
use crate::opportunity::{
    ForecastCategory, NewOpportunity, NewOpportunityOutcome, OpportunityStatus,
};
use sqlx::{SqliteConnection, SqlitePool};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Rows per transaction of a run: small enough that a form's save waits at most a few tens
/// of milliseconds for the write lock, big enough that commits do not dominate.
pub const CHUNK_ROWS: usize = 500;

/// The pause between a run's chunks that lets other writers in.
const WRITER_GAP: std::time::Duration = std::time::Duration::from_millis(3);

/// How many values of each column the mapping step shows.
const SAMPLES: usize = 3;

#[derive(Debug, Clone, sqlx::FromRow)]
struct JobRow {
    id: i64,
    user_id: i64,
    source_system: SourceSystem,
    status: JobStatus,
    settings: String,
    rows_total: i64,
    rows_done: i64,
    created: i64,
    updated: i64,
    skipped: i64,
    rejected: i64,
    uploaded_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    undone_at: Option<String>,
}

impl JobRow {
    fn settings(&self) -> Result<ImportSettings, AppError> {
        serde_json::from_str(&self.settings).map_err(|error| {
            tracing::error!(%error, job = self.id, "unreadable import settings");
            AppError::Internal
        })
    }

    fn progress(&self) -> Progress {
        let rows_done = self.rows_done as u64;
        let rows_total = self.rows_total as u64;
        let seconds = self
            .started_at
            .as_deref()
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
            .map(|started| {
                let end = self
                    .finished_at
                    .as_deref()
                    .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
                    .map_or_else(chrono::Utc::now, |at| at.to_utc());
                (end - started.to_utc()).num_milliseconds().max(1) as f64 / 1000.0
            });
        let rate = seconds.map_or(0.0, |s| rows_done as f64 / s);
        let seconds_left = (self.status == JobStatus::Running && rate > 0.0)
            .then(|| (rows_total.saturating_sub(rows_done) as f64 / rate).ceil() as u64);
        Progress {
            status: Some(self.status),
            job_id: self.id,
            rows_total,
            rows_done,
            counts: Counts {
                rows: rows_done,
                created: self.created as u64,
                updated: self.updated as u64,
                unchanged: (self.rows_done
                    - self.created
                    - self.updated
                    - self.skipped
                    - self.rejected)
                    .max(0) as u64,
                skipped: self.skipped as u64,
                rejected: self.rejected as u64,
            },
            rows_per_second: rate.round() as u64,
            seconds_left,
        }
    }
}

const JOB_COLUMNS: &str = "id, user_id, source_system, status, settings, rows_total, \
    rows_done, created, updated, skipped, rejected, uploaded_at, started_at, finished_at, undone_at";

async fn load_job(pool: &SqlitePool, id: i64) -> Result<JobRow, AppError> {
    sqlx::query_as(&format!(
        "SELECT {JOB_COLUMNS} FROM import_jobs WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::NotFound("This import".into()))
}

/// The job, if `user` may see and change it: its importer, a manager or an admin.
async fn job_for(pool: &SqlitePool, id: i64, user: &User) -> Result<JobRow, AppError> {
    let job = load_job(pool, id).await?;
    if job.user_id != user.id && !user.role.includes(Role::Manager) {
        return Err(AppError::Forbidden);
    }
    Ok(job)
}

/// One file of a job.
#[derive(Debug, Clone, sqlx::FromRow)]
struct JobFile {
    position: i64,
    name: String,
    entity: ImportEntity,
    rows_total: i64,
}

/// A job's files in the order they run.
async fn files_of(pool: &SqlitePool, job_id: i64) -> Result<Vec<JobFile>, AppError> {
    let files: Vec<JobFile> = sqlx::query_as(
        "SELECT position, name, entity, rows_total FROM import_files WHERE job_id = ? ORDER BY position",
    )
    .bind(job_id)
    .fetch_all(pool)
    .await?;
    if files.is_empty() {
        return Err(AppError::NotFound("This import's file".into()));
    }
    Ok(files)
}

/// The system a file came from, by its headers: Dynamics 365 exports begin with its
/// "(Do Not Modify)" columns, Salesforce's use API names, Leadflow's own carry ids and
/// versions.
pub fn detect_source(headers: &[String]) -> SourceSystem {
    let has = |name: &str| headers.iter().any(|h| h == name);
    if headers.iter().any(|h| h.starts_with("(Do Not Modify)")) {
        SourceSystem::Dynamics
    } else if has("Id") && has("Version") {
        SourceSystem::Leadflow
    } else if has("Id")
        && [
            "LastName",
            "Name",
            "StageName",
            "OwnerId",
            "CreatedDate",
            "Subject",
        ]
        .iter()
        .any(|name| has(name))
    {
        SourceSystem::Salesforce
    } else {
        SourceSystem::Spreadsheet
    }
}

/// The mapping a user last saved for this entity and source, applied to these headers by
/// name; the suggestion for headers it does not know.
async fn initial_mapping(
    pool: &SqlitePool,
    entity: ImportEntity,
    source: SourceSystem,
    headers: &[String],
) -> Result<Vec<Option<String>>, AppError> {
    let saved: Option<String> = sqlx::query_scalar(
        "SELECT mapping FROM import_mappings WHERE entity = ? AND source_system = ?",
    )
    .bind(entity)
    .bind(source)
    .fetch_optional(pool)
    .await?;
    let saved: HashMap<String, Option<String>> = saved
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    Ok(headers
        .iter()
        .zip(suggest(entity, headers))
        .map(|(header, suggested)| match saved.get(header) {
            Some(field) => field.clone(),
            None => suggested.map(str::to_string),
        })
        .collect())
}

/// An uploaded file, checked: it reads as a table with rows.
struct Upload {
    name: String,
    file: std::fs::File,
    entity: ImportEntity,
    shape: FileShape,
}

/// Keeps uploaded files (on disk, read a piece at a time) as a new job, after checking each
/// is a readable table: its rows are counted, what it holds found (by its name or headers
/// when several files come together, else as the user chose), its source detected and its
/// columns mapped (by the mapping saved for the source, else by suggestion). The files run
/// in the order their references need. Reps import only leads; nobody starts one while
/// another import of theirs runs.
pub async fn create_job(
    pool: &SqlitePool,
    user: &User,
    chosen: ImportEntity,
    files: Vec<(String, std::fs::File)>,
) -> Result<i64, AppError> {
    check_none_running(pool, user).await?;
    if files.is_empty() {
        return Err(AppError::field("file", "Choose a CSV file."));
    }
    let several = files.len() > 1;
    let mut uploads: Vec<Upload> = Vec::with_capacity(files.len());
    for (name, file) in files {
        let refused = |message: String| {
            AppError::field(
                "file",
                if several {
                    format!("{name}: {message}")
                } else {
                    message
                },
            )
        };
        let (shape, file) = shape_of(file).await.map_err(refused)?;
        if shape.rows == 0 {
            return Err(refused(
                "The file has a header line but no rows to import.".into(),
            ));
        }
        let entity = if several {
            detect_entity(&name, &shape.headers).ok_or_else(|| {
                refused(
                    "Leadflow cannot tell what this file holds: name it after its records (Account.csv, Contact.csv, Lead.csv, Opportunity.csv, Task.csv), or import it alone.".into(),
                )
            })?
        } else {
            chosen
        };
        if uploads.iter().any(|u| u.entity == entity) {
            return Err(refused(format!(
                "Another file of this upload holds {} too: import one file of each kind at a time.",
                entity.label().to_lowercase()
            )));
        }
        uploads.push(Upload {
            name,
            file,
            entity,
            shape,
        });
    }
    if !user.role.includes(Role::Manager)
        && let Some(other) = uploads.iter().find(|u| u.entity != ImportEntity::Leads)
    {
        return Err(AppError::field(
            "file",
            format!(
                "Only managers and admins import {}; you can import leads you will own.",
                other.entity.label().to_lowercase()
            ),
        ));
    }
    uploads.sort_by_key(|u| run_order(u.entity));
    let source = detect_source(&uploads[0].shape.headers);
    let mut mappings = Vec::with_capacity(uploads.len());
    for upload in &uploads {
        mappings.push(initial_mapping(pool, upload.entity, source, &upload.shape.headers).await?);
    }
    let settings = ImportSettings {
        mappings,
        duplicates: Default::default(),
        default_owner: user.id,
        date_order: None,
        values: Vec::new(),
        list_id: None,
    };
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO import_jobs (user_id, entity, source_system, status, settings, rows_total, uploaded_at) \
         VALUES (?, ?, ?, 'uploaded', ?, ?, ?) RETURNING id",
    )
    .bind(user.id)
    .bind(uploads[0].entity)
    .bind(source)
    .bind(serde_json::to_string(&settings).map_err(|_| AppError::Internal)?)
    .bind(uploads.iter().map(|u| u.shape.rows as i64).sum::<i64>())
    .bind(chrono::Utc::now().to_rfc3339())
    .fetch_one(&mut *tx)
    .await?;
    for (position, upload) in uploads.into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO import_files (job_id, position, name, entity, rows_total, encoding) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(&upload.name)
        .bind(upload.entity)
        .bind(upload.shape.rows as i64)
        .bind(upload.shape.encoding.code())
        .execute(&mut *tx)
        .await?;
        store(&mut tx, id, position as i64, upload.file).await?;
    }
    tx.commit().await?;
    Ok(id)
}

async fn check_none_running(pool: &SqlitePool, user: &User) -> Result<(), AppError> {
    let running: Option<i64> =
        sqlx::query_scalar("SELECT id FROM import_jobs WHERE user_id = ? AND status = 'running'")
            .bind(user.id)
            .fetch_optional(pool)
            .await?;
    match running {
        Some(id) => Err(AppError::Conflict {
            message: format!(
                "Your import #{id} is still running. Start another when it has finished."
            ),
            changed_fields: Vec::new(),
        }),
        None => Ok(()),
    }
}

/// The active users rows may be given to: by lower-cased email and by normalised name.
struct Owners {
    by_key: HashMap<String, i64>,
    list: Vec<(i64, String)>,
}

impl Owners {
    async fn load(pool: &SqlitePool) -> Result<Owners, AppError> {
        let users: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, name, email FROM users WHERE active = 1 ORDER BY name")
                .fetch_all(pool)
                .await?;
        let mut by_key = HashMap::new();
        for (id, name, email) in &users {
            by_key.insert(email.trim().to_lowercase(), *id);
            by_key.entry(normalize(name)).or_insert(*id);
        }
        Ok(Owners {
            by_key,
            list: users.into_iter().map(|(id, name, _)| (id, name)).collect(),
        })
    }

    fn find(&self, text: &str) -> Option<i64> {
        self.by_key
            .get(&text.trim().to_lowercase())
            .or_else(|| self.by_key.get(&normalize(text)))
            .copied()
    }
}

/// A job's page.
pub async fn job_view(pool: &SqlitePool, id: i64, user: &User) -> Result<JobView, AppError> {
    let job = job_for(pool, id, user).await?;
    let settings = job.settings()?;
    let mut files = Vec::new();
    for (file, mapping) in files_of(pool, id)
        .await?
        .into_iter()
        .zip(&settings.mappings)
    {
        let mut rows = FileRows::open(pool, id, file.position).await?;
        let headers = rows.headers.clone();
        let mut samples: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
        for (_, row) in rows.chunk(SAMPLES).await? {
            if let Ok(values) = row {
                for (column, value) in values.into_iter().enumerate() {
                    samples[column].push(value);
                }
            }
        }
        files.push(FileView {
            name: file.name,
            entity: file.entity,
            rows: file.rows_total as u64,
            columns: headers
                .into_iter()
                .zip(samples)
                .zip(mapping.iter().cloned())
                .map(|((header, samples), field)| ColumnView {
                    header,
                    field,
                    samples,
                })
                .collect(),
            fields: fields_of(file.entity)
                .iter()
                .map(|field| (field.name.to_string(), field.label.to_string()))
                .collect(),
        });
    }
    let user_name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = ?")
        .bind(job.user_id)
        .fetch_one(pool)
        .await?;
    let owners = if user.role.includes(Role::Manager) {
        Owners::load(pool).await?.list
    } else {
        vec![(user.id, user.name.clone())]
    };
    let entities: Vec<String> = files
        .iter()
        .map(|file| file.entity.code().trim_end_matches('s').to_string())
        .collect();
    let lists = sqlx::query_as(
        "SELECT id, name || ' (' || member_type || 's)' FROM marketing_lists \
         WHERE kind = 'static' AND member_type IN (SELECT value FROM json_each(?)) ORDER BY name",
    )
    .bind(serde_json::to_string(&entities).unwrap_or_default())
    .fetch_all(pool)
    .await?;
    Ok(JobView {
        lists,
        id,
        source_system: job.source_system,
        status: job.status,
        files,
        user_name,
        uploaded_at: job.uploaded_at.clone(),
        finished_at: job.finished_at.clone(),
        undone_at: job.undone_at.clone(),
        settings,
        owners,
        progress: job.progress(),
    })
}

/// The headers of each of a job's files.
async fn headers_of(
    pool: &SqlitePool,
    id: i64,
    files: &[JobFile],
) -> Result<Vec<Vec<String>>, AppError> {
    let mut headers = Vec::with_capacity(files.len());
    for file in files {
        headers.push(FileRows::open(pool, id, file.position).await?.headers);
    }
    Ok(headers)
}

/// Saves the user's mapping and choices for a job not yet run, and each file's mapping for
/// the next file of the same source and kind.
pub async fn save_settings(
    pool: &SqlitePool,
    id: i64,
    user: &User,
    settings: &ImportSettings,
) -> Result<(), AppError> {
    let job = job_for(pool, id, user).await?;
    if job.status != JobStatus::Uploaded {
        return Err(AppError::Conflict {
            message: "This import has already run; its settings cannot change.".into(),
            changed_fields: Vec::new(),
        });
    }
    let files = files_of(pool, id).await?;
    let headers = headers_of(pool, id, &files).await?;
    if settings.mappings.len() != files.len() {
        return Err(AppError::BadRequest(format!(
            "The mapping has {} files for {} uploaded.",
            settings.mappings.len(),
            files.len()
        )));
    }
    for ((file, mapping), headers) in files.iter().zip(&settings.mappings).zip(&headers) {
        mapped_fields(file.entity, mapping, headers.len())?;
    }
    let owner_ok = if user.role.includes(Role::Manager) {
        Owners::load(pool)
            .await?
            .list
            .iter()
            .any(|(owner, _)| *owner == settings.default_owner)
    } else {
        settings.default_owner == user.id
    };
    if !owner_ok {
        return Err(AppError::field(
            "default_owner",
            "Choose an active user as the owner.",
        ));
    }
    // Value choices the form did not show again (a reload since) are kept.
    let mut settings = settings.clone();
    let key = |c: &super::ValueChoice| (c.file, c.column, c.field.clone(), normalize(&c.value));
    for kept in job.settings()?.values {
        if !settings.values.iter().any(|c| key(c) == key(&kept)) {
            settings.values.push(kept);
        }
    }
    let settings_json = serde_json::to_string(&settings).map_err(|_| AppError::Internal)?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("UPDATE import_jobs SET settings = ? WHERE id = ? AND status = 'uploaded'")
        .bind(settings_json)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for ((file, mapping), headers) in files.iter().zip(&settings.mappings).zip(&headers) {
        let saved: HashMap<&String, &Option<String>> = headers.iter().zip(mapping).collect();
        let mapping_json = serde_json::to_string(&saved).map_err(|_| AppError::Internal)?;
        sqlx::query(
            "INSERT INTO import_mappings (entity, source_system, mapping, saved_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (entity, source_system) DO UPDATE SET mapping = excluded.mapping, saved_at = excluded.saved_at",
        )
        .bind(file.entity)
        .bind(job.source_system)
        .bind(mapping_json)
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The mapping as field names the row readers take, checked: one entry per column, known
/// fields of the entity, none twice.
fn mapped_fields(
    entity: ImportEntity,
    mapping: &[Option<String>],
    columns: usize,
) -> Result<Vec<Option<&'static str>>, AppError> {
    if mapping.len() != columns {
        return Err(AppError::BadRequest(format!(
            "The mapping has {} entries for {columns} columns.",
            mapping.len()
        )));
    }
    let known = fields_of(entity);
    let mut fields = Vec::with_capacity(columns);
    for (column, name) in mapping.iter().enumerate() {
        let field = match name.as_deref().filter(|name| !name.is_empty()) {
            None => None,
            Some(name) => Some(
                known
                    .iter()
                    .find(|field| field.name == name)
                    .ok_or_else(|| {
                        AppError::field("mapping", format!("\"{name}\" is not a field here."))
                    })?
                    .name,
            ),
        };
        if let Some(field) = field
            && fields.contains(&Some(field))
        {
            let label = known
                .iter()
                .find(|f| f.name == field)
                .map_or(field, |f| f.label);
            return Err(AppError::field(
                "mapping",
                format!(
                    "Column {} maps to {label} as an earlier column does: map each field once.",
                    column + 1
                ),
            ));
        }
        fields.push(field);
    }
    Ok(fields)
}

/// Identifying keys already met in a file, by hash (8 bytes each, not the text), with the
/// line that had them.
#[derive(Default)]
struct Seen(HashMap<u64, u64>);

impl Seen {
    fn hash(kind: &str, parts: &[&str]) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        kind.hash(&mut hasher);
        parts.hash(&mut hasher);
        hasher.finish()
    }

    fn keys(source_id: Option<&str>, keys: &MatchKeys) -> (Option<u64>, Vec<u64>) {
        let mut hashes = Vec::new();
        if let Some(email) = &keys.email {
            hashes.push(Seen::hash("email", &[email]));
        }
        for phone in keys.business_phone.iter().chain(&keys.mobile_phone) {
            hashes.push(Seen::hash("phone", &[phone]));
        }
        match (&keys.company, &keys.last_name) {
            (Some(company), Some(last)) => hashes.push(Seen::hash("company", &[company, last])),
            // An account: its name alone.
            (Some(company), None) => hashes.push(Seen::hash("account", &[company])),
            _ => {}
        }
        (source_id.map(|id| Seen::hash("source", &[id])), hashes)
    }

    fn earlier(&self, source: Option<u64>, keys: &[u64]) -> Option<Match> {
        if let Some(line) = source.and_then(|s| self.0.get(&s)) {
            return Some(Match::EarlierRow {
                line: *line,
                same_source_id: true,
            });
        }
        keys.iter()
            .find_map(|key| self.0.get(key))
            .map(|line| Match::EarlierRow {
                line: *line,
                same_source_id: false,
            })
    }

    fn remember(&mut self, line: u64, source: Option<u64>, keys: &[u64]) {
        for key in source.iter().chain(keys) {
            self.0.entry(*key).or_insert(line);
        }
    }
}

/// Everything the plans of a job's files share.
struct Context<'a> {
    /// `None` in a dry run: nothing of the job is in the database.
    job_id: Option<i64>,
    source: SourceSystem,
    settings: &'a ImportSettings,
    importer: &'a User,
    owners: Owners,
    process: Process,
    refs: References,
}

impl<'a> Context<'a> {
    async fn load(
        pool: &SqlitePool,
        job: &JobRow,
        settings: &'a ImportSettings,
        importer: &'a User,
        dry_run: bool,
    ) -> Result<Context<'a>, AppError> {
        Ok(Context {
            job_id: (!dry_run).then_some(job.id),
            source: job.source_system,
            settings,
            importer,
            owners: Owners::load(pool).await?,
            process: Process::load(pool).await?,
            refs: References {
                source: Some(job.source_system),
                pending: HashMap::new(),
                run_of: (!dry_run).then_some(job.id),
            },
        })
    }

    /// The plan of file `file` of the job, whose headers are `headers`.
    fn plan(&'a self, file: &JobFile, headers: &[String]) -> Result<Plan<'a>, AppError> {
        let mapping = self
            .settings
            .mappings
            .get(file.position as usize)
            .ok_or(AppError::Internal)?;
        let fields = mapped_fields(file.entity, mapping, headers.len())?;
        Ok(Plan {
            cx: self,
            file: file.position,
            name: file.name.clone(),
            entity: file.entity,
            values: ValueMap::of_file(&self.settings.values, file.position as usize, &fields),
            fields,
            headers: headers.to_vec(),
        })
    }
}

/// The plan of one file.
struct Plan<'a> {
    cx: &'a Context<'a>,
    file: i64,
    name: String,
    entity: ImportEntity,
    fields: Vec<Option<&'static str>>,
    headers: Vec<String>,
    /// The user's meaning of values Leadflow does not know, applied before a row is read.
    values: ValueMap,
}

/// A record to create: its owner, the id it had in its source system, and what it is.
struct NewRecord {
    owner_id: i64,
    source_id: Option<String>,
    record: New,
}

enum New {
    Lead {
        fields: LeadFields,
        state: NewLeadState,
    },
    Account(AccountFields),
    Contact {
        fields: ContactFields,
        /// The account to create first, named by the row and not yet in Leadflow.
        new_account: Option<AccountFields>,
    },
    Opportunity {
        new: Box<NewOpportunity>,
        /// Whether the row names a stage (else `new` is at the process's first).
        stage_named: bool,
        /// The customer account to create first, named by the row and not yet in Leadflow.
        new_account: Option<AccountFields>,
        /// The probability and forecast category the row gives (else the stage's).
        given: (Option<u8>, Option<ForecastCategory>),
    },
    Activity {
        regarding: RecordType,
        /// `None` only in a dry run, for a record of an earlier file not yet written.
        record_id: Option<i64>,
        activity: ValidActivity,
        done: bool,
    },
}

/// An account a row points at.
enum AccountRef {
    Id(i64),
    Pending,
    Create(Box<AccountFields>),
}

/// A record to update, with what undo restores.
enum Update {
    Lead {
        lead: Box<StoredLead>,
        fields: LeadFields,
        changes: Vec<FieldChange>,
    },
    Account {
        stored: StoredRecord<AccountFields>,
        fields: AccountFields,
    },
    Contact {
        stored: StoredRecord<ContactFields>,
        fields: ContactFields,
    },
    Opportunity {
        id: i64,
        version: i64,
        before: OpportunityBefore,
        after: ValidOpportunity,
        /// The stage the row names, when it is not the deal's stage.
        stage: Option<i64>,
    },
}

/// What a row will do.
enum Planned {
    Rejected(Vec<(String, String)>),
    Skipped {
        message: String,
        hit: Option<DuplicateHit>,
        /// A duplicate's source id and what it duplicates: references to the id follow it.
        stands_for: Option<StandsFor>,
    },
    Unchanged(i64),
    Create(Box<NewRecord>),
    Update {
        update: Box<Update>,
        hit: Option<DuplicateHit>,
    },
}

/// A row skipped as a duplicate: its source id, and the record (or the earlier row of its
/// chunk, whose record is written with it) that other files' references to the id mean.
struct StandsFor {
    source_id: String,
    record: StandIn,
}

enum StandIn {
    Record(i64),
    EarlierLine(u64),
}

impl Planned {
    fn outcome(&self) -> RowOutcome {
        match self {
            Planned::Rejected(_) => RowOutcome::Rejected,
            Planned::Skipped { .. } => RowOutcome::Skipped,
            Planned::Unchanged(_) => RowOutcome::Unchanged,
            Planned::Create(_) => RowOutcome::Created,
            Planned::Update { .. } => RowOutcome::Updated,
        }
    }

    fn hit(&self) -> Option<&DuplicateHit> {
        match self {
            Planned::Skipped { hit, .. } | Planned::Update { hit, .. } => hit.as_ref(),
            _ => None,
        }
    }
}

/// "No account "X" in this import or in Leadflow." against `field`.
fn missing(field: &str, what: &str, text: &str) -> RowProblems {
    RowProblems::from([(
        field.to_string(),
        format!("No {what} \"{text}\" in this import or in Leadflow."),
    )])
}

impl Plan<'_> {
    fn column_of(&self, field: &str) -> String {
        self.fields
            .iter()
            .position(|f| *f == Some(field))
            .map_or_else(
                || {
                    fields_of(self.entity)
                        .iter()
                        .find(|f| f.name == field)
                        .map_or(field.to_string(), |f| f.label.to_string())
                },
                |at| self.headers[at].clone(),
            )
    }

    fn rejected(&self, problems: RowProblems) -> Planned {
        Planned::Rejected(
            problems
                .into_iter()
                .map(|(field, message)| (self.column_of(&field), message))
                .collect(),
        )
    }

    fn hit(&self, line: u64, record_url: Option<String>, title: String) -> DuplicateHit {
        DuplicateHit {
            file: self.name.clone(),
            line,
            record_url,
            title,
        }
    }

    fn owner_of(&self, owner: Option<&str>) -> i64 {
        if !self.cx.importer.role.includes(Role::Manager) {
            return self.cx.importer.id;
        }
        owner
            .and_then(|owner| self.cx.owners.find(owner))
            .unwrap_or(self.cx.settings.default_owner)
    }

    /// The leads an earlier import (or, for Leadflow's own export, Leadflow) knows by these
    /// source ids, in one query: source id → lead.
    async fn by_source_ids(
        &self,
        conn: &mut SqliteConnection,
        source_ids: &[&str],
    ) -> Result<HashMap<String, i64>, AppError> {
        if source_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let list = serde_json::to_string(source_ids).map_err(|_| AppError::Internal)?;
        let found: Vec<(String, i64)> = if self.cx.source == SourceSystem::Leadflow {
            sqlx::query_as(
                "SELECT CAST(id AS TEXT), id FROM leads \
                 WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?) WHERE value GLOB '[0-9]*')",
            )
            .bind(list)
            .fetch_all(&mut *conn)
            .await?
        } else {
            sqlx::query_as(
                "SELECT source_id, id FROM leads WHERE source_system = ? \
                 AND source_id IN (SELECT value FROM json_each(?))",
            )
            .bind(self.cx.source)
            .bind(list)
            .fetch_all(&mut *conn)
            .await?
        };
        Ok(found.into_iter().collect())
    }

    /// The line of this file's row that created record `id`, if one did (a run meets the
    /// rows of its committed chunks as existing records).
    async fn created_by_this_job(
        &self,
        conn: &mut SqliteConnection,
        id: i64,
    ) -> Result<Option<u64>, AppError> {
        let Some(job) = self.cx.job_id else {
            return Ok(None);
        };
        let line: Option<i64> = sqlx::query_scalar(
            "SELECT line FROM import_rows WHERE job_id = ? AND file = ? AND record_id = ? AND outcome = 'created'",
        )
        .bind(job)
        .bind(self.file)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(line.map(|line| line as u64))
    }

    /// What a row matches: an earlier row of the file with its source id, the record an
    /// earlier import brought in with it (`by_source`), an earlier row that is the same
    /// person or company, or existing records by the duplicate rule (`matches`; `kind` is
    /// the row's own kind, which it may update). With the matched record's page and title.
    async fn find_match(
        &self,
        conn: &mut SqliteConnection,
        hashed: &(Option<u64>, Vec<u64>),
        seen: &Seen,
        by_source: Option<i64>,
        (kind, matches): (Option<RecordKind>, Vec<DuplicateMatch>),
    ) -> Result<(Match, Option<(String, String)>), AppError> {
        let (source, keys) = hashed;
        // The source id first: a record brought in before is updated even when an earlier
        // row of the file looks like the same person.
        if let Some(earlier) = seen.earlier(*source, &[]) {
            return Ok((earlier, None));
        }
        if let Some(id) = by_source {
            return Ok(match self.created_by_this_job(conn, id).await? {
                Some(line) => (
                    Match::EarlierRow {
                        line,
                        same_source_id: true,
                    },
                    None,
                ),
                None => (Match::SourceId(id), None),
            });
        }
        if let Some(earlier) = seen.earlier(None, keys) {
            return Ok((earlier, None));
        }
        let Some(first) = matches.first() else {
            return Ok((Match::Nothing, None));
        };
        let same_kind = matches.iter().find(|m| Some(m.kind) == kind).map(|m| m.id);
        if let Some(id) = same_kind
            && let Some(line) = self.created_by_this_job(conn, id).await?
        {
            return Ok((
                Match::EarlierRow {
                    line,
                    same_source_id: false,
                },
                None,
            ));
        }
        let hit = matches
            .iter()
            .find(|m| Some(m.id) == same_kind && Some(m.kind) == kind)
            .unwrap_or(first);
        Ok((
            Match::Duplicate {
                same_kind,
                first: format!("{} {}", first.kind.label().to_lowercase(), first.title),
            },
            Some((
                hit.kind.url(hit.id),
                format!("{}: {}", hit.title, hit.reasons_text()),
            )),
        ))
    }

    /// A row read into the lead form, or its problems by field.
    fn read_lead(&self, values: &Result<Vec<String>, String>) -> Result<LeadRow, RowProblems> {
        let values = values
            .as_ref()
            .map_err(|message| RowProblems::from([(String::new(), message.clone())]))?;
        lead_row(&self.fields, values)
    }

    /// What each row of a chunk will do, reading (never writing) the database. For leads,
    /// the whole chunk's source ids, account references and duplicate candidates each in
    /// one query (the candidates walk the chunk's rows and probe each key's index).
    async fn plan_chunk(
        &self,
        conn: &mut SqliteConnection,
        chunk: &[(u64, Result<Vec<String>, String>)],
        seen: &mut Seen,
    ) -> Result<Vec<Planned>, AppError> {
        let translated: Vec<(u64, Result<Vec<String>, String>)>;
        let chunk = if self.values.is_empty() {
            chunk
        } else {
            translated = chunk
                .iter()
                .map(|(line, values)| {
                    (
                        *line,
                        values
                            .as_ref()
                            .map(|v| self.values.apply(v))
                            .map_err(Clone::clone),
                    )
                })
                .collect();
            &translated
        };
        let mut planned = Vec::with_capacity(chunk.len());
        if self.entity != ImportEntity::Leads {
            for (line, values) in chunk {
                planned.push(match values {
                    Err(message) => Planned::Rejected(vec![(String::new(), message.clone())]),
                    Ok(values) => self.plan_linked(conn, *line, values, seen).await?,
                });
            }
            return Ok(planned);
        }
        let mut rows: Vec<_> = chunk
            .iter()
            .map(|(_, values)| self.read_lead(values))
            .collect();
        let companies: Vec<&str> = rows
            .iter()
            .filter_map(|row| row.as_ref().ok()?.fields.company_name.as_deref())
            .collect();
        let account_names = self.cx.refs.account_names(conn, &companies).await?;
        let mut resolved = Vec::with_capacity(rows.len());
        for row in rows.drain(..) {
            resolved.push(match row {
                Err(problems) => Err(problems),
                Ok(mut row) => self
                    .resolve_lead(conn, &mut row, &account_names)
                    .await?
                    .map(|state| (row, state)),
            });
        }
        let source_ids: Vec<&str> = resolved
            .iter()
            .filter_map(|row| row.as_ref().ok()?.0.source_id.as_deref())
            .collect();
        let by_source = self.by_source_ids(conn, &source_ids).await?;
        // The leads rows update by their source id, loaded together.
        let known: Vec<i64> = by_source.values().copied().collect();
        let mut loaded = leads::load_leads(conn, &known).await?;
        let keys: Vec<MatchKeys> = resolved
            .iter()
            .map(|row| {
                row.as_ref()
                    .map(|(row, _)| leads::match_keys(&row.fields))
                    .unwrap_or_default()
            })
            .collect();
        let matches = find_duplicates_of_many(conn, &keys).await?;
        for (((line, _), row), matches) in chunk.iter().zip(resolved).zip(matches) {
            planned.push(match row {
                Err(problems) => self.rejected(problems),
                Ok((row, state)) => {
                    let source = row
                        .source_id
                        .as_ref()
                        .and_then(|id| by_source.get(id))
                        .copied();
                    let found = (source, matches, &mut loaded);
                    self.plan_lead(conn, *line, row, state, found, seen).await?
                }
            });
        }
        Ok(planned)
    }

    /// A lead row's references: a company column that holds an account's source id reads
    /// as the account's name; a qualified lead's account, contact and opportunity.
    async fn resolve_lead(
        &self,
        conn: &mut SqliteConnection,
        row: &mut LeadRow,
        account_names: &HashMap<String, String>,
    ) -> Result<Result<NewLeadState, RowProblems>, AppError> {
        if let Some(name) = row
            .fields
            .company_name
            .as_ref()
            .and_then(|company| account_names.get(company))
        {
            row.input.company_name = name.clone();
            row.fields.company_name = Some(name.clone());
        }
        let reason = row.reason.unwrap_or(LeadStatusReason::New);
        let closed = reason.status() != LeadStatus::Open;
        let mut state = NewLeadState {
            reason,
            closed_at: closed.then(|| chrono::Utc::now().to_rfc3339()),
            source: row
                .source_id
                .clone()
                .filter(|_| self.cx.source != SourceSystem::Leadflow)
                .map(|id| (self.cx.source.code().to_string(), id)),
            ..NewLeadState::open()
        };
        let [account, contact, opportunity] = &row.qualified_into;
        let mut problems = RowProblems::new();
        let targets = [
            (
                account,
                ImportEntity::Accounts,
                "converted_account",
                "account",
            ),
            (
                contact,
                ImportEntity::Contacts,
                "converted_contact",
                "contact",
            ),
            (
                opportunity,
                ImportEntity::Opportunities,
                "converted_opportunity",
                "opportunity",
            ),
        ];
        for (text, entity, field, what) in targets {
            let Some(text) = text else { continue };
            let id = match self.cx.refs.by_source_id(conn, entity, text).await? {
                Resolved::Record(id) => Some(id),
                Resolved::Pending => None,
                Resolved::Missing => {
                    problems.extend(missing(field, what, text));
                    None
                }
            };
            match entity {
                ImportEntity::Accounts => state.qualified_account_id = id,
                ImportEntity::Contacts => state.qualified_contact_id = id,
                _ => state.qualified_opportunity_id = id,
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        if row.qualified_into.iter().any(Option::is_some)
            && reason.status() != LeadStatus::Qualified
        {
            state.reason = LeadStatusReason::Qualified;
            state.closed_at = Some(chrono::Utc::now().to_rfc3339());
        }
        Ok(Ok(state))
    }

    /// What the lead row at `line` will do, given what the database knows of it.
    async fn plan_lead(
        &self,
        conn: &mut SqliteConnection,
        line: u64,
        row: LeadRow,
        state: NewLeadState,
        (by_source, matches, loaded): (
            Option<i64>,
            Vec<DuplicateMatch>,
            &mut HashMap<i64, StoredLead>,
        ),
        seen: &mut Seen,
    ) -> Result<Planned, AppError> {
        let hashed = Seen::keys(row.source_id.as_deref(), &leads::match_keys(&row.fields));
        let (found, hit) = self
            .find_match(
                conn,
                &hashed,
                seen,
                by_source,
                (Some(RecordKind::Lead), matches),
            )
            .await?;
        let hit = hit.map(|(url, title)| self.hit(line, Some(url), title));
        let planned = match action(self.cx.settings.duplicates, &found) {
            Action::Skip(message) => {
                return Ok(self.skipped(line, message, hit, (&found, row.source_id.as_deref())));
            }
            Action::Create => Planned::Create(Box::new(NewRecord {
                owner_id: self.owner_of(row.owner.as_deref()),
                source_id: None,
                record: New::Lead {
                    fields: row.fields,
                    state,
                },
            })),
            Action::Update { id, overwrite } => {
                let lead = match loaded.remove(&id) {
                    Some(lead) => Some(lead),
                    None => leads::load_lead(conn, id).await?,
                };
                let Some(lead) = lead else {
                    return Ok(Planned::Skipped {
                        message: "The matching lead was deleted meanwhile.".into(),
                        hit,
                        stands_for: None,
                    });
                };
                let merged = merge(&lead.fields.to_input(), &row.input, overwrite);
                let fields = match validate_lead(&merged) {
                    Ok(fields) => fields,
                    Err(AppError::Validation(problems)) => {
                        return Ok(self.rejected(
                            problems
                                .into_iter()
                                .map(|(field, message)| {
                                    (field, format!("Updating the lead: {message}"))
                                })
                                .collect(),
                        ));
                    }
                    Err(other) => return Err(other),
                };
                let changes = leads::changes_of(&lead, &fields, None);
                if changes.is_empty() {
                    Planned::Unchanged(id)
                } else if lead.status != LeadStatus::Open {
                    Planned::Skipped {
                        message: format!(
                            "The lead is {}: closed leads are not changed by an import.",
                            lead.status.label().to_lowercase()
                        ),
                        hit,
                        stands_for: None,
                    }
                } else if let Some(refused) = self.not_theirs(lead.owner_id, "lead", &hit) {
                    refused
                } else {
                    Planned::Update {
                        update: Box::new(Update::Lead {
                            lead: Box::new(lead),
                            fields,
                            changes,
                        }),
                        hit,
                    }
                }
            }
        };
        seen.remember(line, hashed.0, &hashed.1);
        Ok(planned)
    }

    /// A row skipped as a duplicate, naming the earlier row it repeats when no record
    /// matched; references to its source id follow it to what it duplicates.
    fn skipped(
        &self,
        line: u64,
        message: String,
        hit: Option<DuplicateHit>,
        (found, source_id): (&Match, Option<&str>),
    ) -> Planned {
        let hit = hit.or_else(|| match found {
            Match::EarlierRow { line: earlier, .. } => {
                Some(self.hit(line, None, format!("Line {earlier} of {}", self.name)))
            }
            _ => None,
        });
        let record = match found {
            Match::Duplicate {
                same_kind: Some(id),
                ..
            }
            | Match::SourceId(id) => Some(StandIn::Record(*id)),
            Match::EarlierRow { line, .. } => Some(StandIn::EarlierLine(*line)),
            _ => None,
        };
        let stands_for = source_id.zip(record).map(|(id, record)| StandsFor {
            source_id: id.to_string(),
            record,
        });
        Planned::Skipped {
            message,
            hit,
            stands_for,
        }
    }

    /// A rep's import does not change someone else's record.
    fn not_theirs(&self, owner_id: i64, what: &str, hit: &Option<DuplicateHit>) -> Option<Planned> {
        (owner_id != self.cx.importer.id && !self.cx.importer.role.includes(Role::Manager)).then(
            || Planned::Skipped {
                message: format!("The matching {what} belongs to someone else."),
                hit: hit.clone(),
                stands_for: None,
            },
        )
    }

    /// The record this file's entity has by the row's source id.
    async fn own_by_source(
        &self,
        conn: &mut SqliteConnection,
        origin: &Origin,
    ) -> Result<Option<i64>, AppError> {
        let Some(source_id) = &origin.source_id else {
            return Ok(None);
        };
        Ok(
            match self
                .cx
                .refs
                .by_source_id(conn, self.entity, source_id)
                .await?
            {
                Resolved::Record(id) => Some(id),
                _ => None,
            },
        )
    }

    /// An account reference: a record, a row of an earlier file (dry run), an account to
    /// create (a name not in Leadflow, from a file that names customers rather than giving
    /// their ids), or the row's problem.
    async fn account_ref(
        &self,
        conn: &mut SqliteConnection,
        field: &str,
        text: &str,
    ) -> Result<Result<AccountRef, RowProblems>, AppError> {
        Ok(match self.cx.refs.account(conn, text).await? {
            Resolved::Record(id) => Ok(AccountRef::Id(id)),
            Resolved::Pending => Ok(AccountRef::Pending),
            Resolved::Missing
                if matches!(
                    self.cx.source,
                    SourceSystem::Dynamics | SourceSystem::Spreadsheet
                ) =>
            {
                match crate::account::validate_account(
                    &crate::account::AccountInput {
                        name: text.to_string(),
                        ..Default::default()
                    },
                    None,
                ) {
                    Ok(fields) => Ok(AccountRef::Create(Box::new(fields))),
                    Err(_) => Err(missing(field, "account", text)),
                }
            }
            Resolved::Missing => Err(missing(field, "account", text)),
        })
    }

    /// An account, contact, opportunity or activity row: read, its references resolved,
    /// then matched and planned as a lead row is.
    async fn plan_linked(
        &self,
        conn: &mut SqliteConnection,
        line: u64,
        values: &[String],
        seen: &mut Seen,
    ) -> Result<Planned, AppError> {
        let order = self.cx.settings.date_order;
        let refs = &self.cx.refs;
        let (origin, keys, kind, new) = match self.entity {
            ImportEntity::Leads => return Err(AppError::Internal),
            ImportEntity::Accounts => {
                let mut row: AccountRow = match account_row(&self.fields, values) {
                    Ok(row) => row,
                    Err(problems) => return Ok(self.rejected(problems)),
                };
                if let Some(parent) = &row.parent {
                    match refs.account(conn, parent).await? {
                        Resolved::Record(id) => row.fields.parent_account_id = Some(id),
                        Resolved::Pending => {}
                        Resolved::Missing => {
                            return Ok(self.rejected(missing("parent_account", "account", parent)));
                        }
                    }
                }
                let keys = row.fields.match_keys();
                (
                    row.origin,
                    keys,
                    Some(RecordKind::Account),
                    New::Account(row.fields),
                )
            }
            ImportEntity::Contacts => {
                let mut row: ContactRow = match contact_row(&self.fields, values) {
                    Ok(row) => row,
                    Err(problems) => return Ok(self.rejected(problems)),
                };
                let mut new_account = None;
                let mut account_name = None;
                if let Some(account) = &row.account {
                    match self.account_ref(conn, "account", account).await? {
                        Err(problems) => return Ok(self.rejected(problems)),
                        Ok(AccountRef::Id(id)) => {
                            row.fields.account_id = Some(id);
                            account_name =
                                sqlx::query_scalar("SELECT name FROM accounts WHERE id = ?")
                                    .bind(id)
                                    .fetch_optional(&mut *conn)
                                    .await?;
                        }
                        Ok(AccountRef::Pending) => {}
                        Ok(AccountRef::Create(fields)) => {
                            account_name = Some(fields.name.clone());
                            new_account = Some(*fields);
                        }
                    }
                }
                let keys = row.fields.match_keys(account_name.as_deref());
                let new = New::Contact {
                    fields: row.fields,
                    new_account,
                };
                (row.origin, keys, Some(RecordKind::Contact), new)
            }
            ImportEntity::Opportunities => {
                let row: OpportunityRow = match opportunity_row(&self.fields, values, order) {
                    Ok(row) => row,
                    Err(problems) => return Ok(self.rejected(problems)),
                };
                match self.new_opportunity(conn, row).await? {
                    Err(problems) => return Ok(self.rejected(problems)),
                    Ok((origin, new)) => (origin, MatchKeys::default(), None, new),
                }
            }
            ImportEntity::Activities => {
                let row: ActivityRow = match activity_row(&self.fields, values, order) {
                    Ok(row) => row,
                    Err(problems) => return Ok(self.rejected(problems)),
                };
                match self.new_activity(conn, row).await? {
                    Err(problems) => return Ok(self.rejected(problems)),
                    Ok((origin, new)) => (origin, MatchKeys::default(), None, new),
                }
            }
        };
        // An account or contact duplicates only its own kind: a contact's company is its
        // account, and a lead at an account's company is not the account.
        let mut matches = find_duplicates(conn, &keys, None).await?;
        matches.retain(|found| Some(found.kind) == kind);
        let hashed = Seen::keys(origin.source_id.as_deref(), &keys);
        let by_source = self.own_by_source(conn, &origin).await?;
        let (found, hit) = self
            .find_match(conn, &hashed, seen, by_source, (kind, matches))
            .await?;
        let hit = hit.map(|(url, title)| self.hit(line, Some(url), title));
        let planned = match action(self.cx.settings.duplicates, &found) {
            Action::Skip(message) => {
                let source_id = origin.source_id.as_deref();
                return Ok(self.skipped(line, message, hit, (&found, source_id)));
            }
            Action::Create => Planned::Create(Box::new(NewRecord {
                owner_id: self.owner_of(origin.owner.as_deref()),
                source_id: origin.source_id.clone(),
                record: new,
            })),
            Action::Update { id, overwrite } => {
                self.plan_update(conn, id, overwrite, new, hit).await?
            }
        };
        seen.remember(line, hashed.0, &hashed.1);
        Ok(planned)
    }

    /// An opportunity row's customer, stage, forecast and ending resolved against the
    /// database and the sales process.
    async fn new_opportunity(
        &self,
        conn: &mut SqliteConnection,
        row: OpportunityRow,
    ) -> Result<Result<(Origin, New), RowProblems>, AppError> {
        let mut problems = RowProblems::new();
        let (mut account_id, mut contact_id, mut new_account) = (None, None, None);
        let mut customer_pending = false;
        if let Some(account) = &row.account {
            match self.account_ref(conn, "account", account).await? {
                Err(found) => problems.extend(found),
                Ok(AccountRef::Id(id)) => account_id = Some(id),
                Ok(AccountRef::Pending) => customer_pending = true,
                Ok(AccountRef::Create(fields)) => new_account = Some(*fields),
            }
        }
        if let Some(contact) = &row.contact {
            match self.cx.refs.contact(conn, contact, account_id).await? {
                Resolved::Record(id) => contact_id = Some(id),
                Resolved::Pending => customer_pending = true,
                Resolved::Missing => problems.extend(missing("contact", "contact", contact)),
            }
        }
        if account_id.is_none()
            && contact_id.is_none()
            && new_account.is_none()
            && !customer_pending
        {
            problems
                .entry("account".into())
                .or_insert_with(|| "Give the account or contact this deal is with.".into());
        }
        let stage_named = row.stage.is_some();
        let stage = self.cx.process.stage(row.stage.as_deref());
        if stage.is_none() {
            problems.insert(
                "stage".into(),
                format!(
                    "\"{}\" is not a stage of the sales process.",
                    row.stage.as_deref().unwrap_or_default()
                ),
            );
        }
        let closed_at = chrono::Utc::now().to_rfc3339();
        let outcome = match row.ending {
            Ending::Open => NewOpportunityOutcome::Open,
            Ending::Won {
                actual_revenue_minor,
                actual_close_date,
            } => NewOpportunityOutcome::Won {
                actual_revenue_minor,
                actual_close_date,
                closed_at,
            },
            Ending::Lost {
                reason,
                actual_close_date,
            } => match self.cx.process.lost_reason(&reason) {
                Some(lost_reason_id) => NewOpportunityOutcome::Lost {
                    lost_reason_id,
                    competitor_id: None,
                    actual_close_date,
                    closed_at,
                },
                None => {
                    problems.insert(
                        "lost_reason".into(),
                        format!("\"{reason}\" is not a lost reason Leadflow knows."),
                    );
                    NewOpportunityOutcome::Open
                }
            },
        };
        let Some(stage) = stage.filter(|_| problems.is_empty()) else {
            return Ok(Err(problems));
        };
        let new = NewOpportunity {
            fields: row.valid.fields,
            account_id,
            contact_id,
            originating_lead_id: None,
            lead_source: row.lead_source,
            decision_maker_identified: None,
            process_id: stage.process_id,
            stage_id: stage.id,
            probability: row
                .valid
                .probability
                .map_or(stage.default_probability, i64::from),
            forecast_category: row
                .valid
                .forecast_category
                .unwrap_or(stage.forecast_category),
            outcome,
        };
        Ok(Ok((
            row.origin,
            New::Opportunity {
                new: Box::new(new),
                stage_named,
                new_account,
                given: (row.valid.probability, row.valid.forecast_category),
            },
        )))
    }

    /// The record an activity row is about: its opportunity, else its person (a contact
    /// or lead), else its account.
    async fn new_activity(
        &self,
        conn: &mut SqliteConnection,
        row: ActivityRow,
    ) -> Result<Result<(Origin, New), RowProblems>, AppError> {
        let refs = &self.cx.refs;
        let mut candidates = Vec::new();
        let mut problems = RowProblems::new();
        if let Some(what) = &row.what {
            match refs
                .any_of(
                    conn,
                    &[ImportEntity::Opportunities, ImportEntity::Accounts],
                    what,
                )
                .await?
            {
                Some(found) => candidates.push(found),
                None => problems.extend(missing("what", "opportunity or account", what)),
            }
        }
        if let Some(who) = &row.who {
            match refs
                .any_of(conn, &[ImportEntity::Contacts, ImportEntity::Leads], who)
                .await?
            {
                Some(found) => candidates.push(found),
                None => problems.extend(missing("who", "contact or lead", who)),
            }
        }
        if let Some(account) = &row.account {
            match refs.account(conn, account).await? {
                Resolved::Missing => problems.extend(missing("account", "account", account)),
                found => candidates.push((ImportEntity::Accounts, found)),
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let rank = |entity: &ImportEntity| match entity {
            ImportEntity::Opportunities => 0,
            ImportEntity::Contacts | ImportEntity::Leads => 1,
            _ => 2,
        };
        candidates.sort_by_key(|(entity, _)| rank(entity));
        let Some((entity, found)) = candidates.first().copied() else {
            return Ok(Err(missing("what", "record", "")));
        };
        let regarding = record_kind(entity).unwrap_or(RecordType::Account);
        let record_id = match found {
            Resolved::Record(id) => Some(id),
            _ => None,
        };
        Ok(Ok((
            row.origin,
            New::Activity {
                regarding,
                record_id,
                activity: row.activity,
                done: row.done,
            },
        )))
    }

    /// A row whose record is already in Leadflow: the record with the row's values merged
    /// in, unchanged when they change nothing.
    async fn plan_update(
        &self,
        conn: &mut SqliteConnection,
        id: i64,
        overwrite: bool,
        new: New,
        hit: Option<DuplicateHit>,
    ) -> Result<Planned, AppError> {
        let gone = |hit: Option<DuplicateHit>| Planned::Skipped {
            message: "The matching record was deleted meanwhile.".into(),
            hit,
            stands_for: None,
        };
        let update = match new {
            New::Lead { .. } => return Err(AppError::Internal),
            New::Account(fields) => {
                let Some(stored) = stored_account(conn, id).await? else {
                    return Ok(gone(hit));
                };
                let fields = merge_fields(&stored.fields, &fields, overwrite)?;
                if fields == stored.fields {
                    return Ok(Planned::Unchanged(id));
                }
                if let Some(refused) = self.not_theirs(stored.owner_id, "account", &hit) {
                    return Ok(refused);
                }
                Update::Account { stored, fields }
            }
            New::Contact { fields, .. } => {
                let Some(stored) = stored_contact(conn, id).await? else {
                    return Ok(gone(hit));
                };
                let fields = merge_fields(&stored.fields, &fields, overwrite)?;
                if fields == stored.fields {
                    return Ok(Planned::Unchanged(id));
                }
                if let Some(refused) = self.not_theirs(stored.owner_id, "contact", &hit) {
                    return Ok(refused);
                }
                Update::Contact { stored, fields }
            }
            New::Opportunity {
                new,
                given,
                stage_named,
                ..
            } => {
                let Some(stored) = stored_opportunity(conn, id).await? else {
                    return Ok(gone(hit));
                };
                let fields = merge_fields(&stored.before.fields, &new.fields, overwrite)?;
                let customer = (
                    new.account_id.or(stored.before.account_id),
                    new.contact_id.or(stored.before.contact_id),
                );
                // A closed deal's probability and category follow its outcome.
                let forecast_given = stored.status == OpportunityStatus::Open
                    && (given
                        .0
                        .is_some_and(|p| i64::from(p) != stored.before.probability)
                        || given
                            .1
                            .is_some_and(|c| c != stored.before.forecast_category));
                let stage = Some(new.stage_id)
                    .filter(|stage| stage_named && Some(*stage) != stored.before.stage_id);
                if fields == stored.before.fields
                    && customer == (stored.before.account_id, stored.before.contact_id)
                    && !forecast_given
                    && stage.is_none()
                {
                    return Ok(Planned::Unchanged(id));
                }
                if stored.status != OpportunityStatus::Open {
                    return Ok(Planned::Skipped {
                        message: format!(
                            "The opportunity is {}: closed opportunities are not changed by an import.",
                            stored.status.label().to_lowercase()
                        ),
                        hit,
                        stands_for: None,
                    });
                }
                if let Some(refused) = self.not_theirs(stored.owner_id, "opportunity", &hit) {
                    return Ok(refused);
                }
                Update::Opportunity {
                    id,
                    version: stored.version,
                    stage,
                    before: stored.before,
                    after: ValidOpportunity {
                        fields,
                        probability: given.0,
                        forecast_category: given.1,
                        customer: Some(Customer {
                            account_id: customer.0,
                            contact_id: customer.1,
                        }),
                    },
                }
            }
            New::Activity { activity, done, .. } => {
                let stored: Option<(String, Option<String>, Option<String>, bool)> =
                    sqlx::query_as(
                        "SELECT subject, body, due_date, done FROM activities WHERE id = ?",
                    )
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
                let Some(stored) = stored else {
                    return Ok(gone(hit));
                };
                if stored == (activity.subject, activity.body, activity.due_date, done) {
                    return Ok(Planned::Unchanged(id));
                }
                // Activities change only by being done, as on their timeline.
                return Ok(Planned::Skipped {
                    message: "This activity is already in Leadflow; an import does not change activities.".into(),
                    hit,
                    stands_for: None,
                });
            }
        };
        Ok(Planned::Update {
            update: Box::new(update),
            hit,
        })
    }
}

/// Adds a row's problems to the listed errors, up to `LISTED`.
fn list_problems(errors: &mut Vec<RowError>, file: &str, line: u64, problems: &[(String, String)]) {
    for (column, message) in problems {
        if errors.len() < LISTED {
            errors.push(RowError {
                file: file.to_string(),
                line,
                column: column.clone(),
                message: message.clone(),
            });
        }
    }
}

impl Planned {
    /// The source id a row brings in: a planned create's, or a duplicate's that references
    /// follow to what it duplicates.
    fn brought_in_source_id(&self) -> Option<&str> {
        match self {
            Planned::Create(new) => match &new.record {
                New::Lead { state, .. } => state.source.as_ref().map(|(_, id)| id.as_str()),
                _ => new.source_id.as_deref(),
            },
            Planned::Skipped {
                stands_for: Some(stands_for),
                ..
            } => Some(&stands_for.source_id),
            _ => None,
        }
    }
}

/// The dry run of a job: every row of every file planned as the run would, nothing written.
pub async fn dry_run(pool: &SqlitePool, id: i64, user: &User) -> Result<DryRun, AppError> {
    let job = job_for(pool, id, user).await?;
    let settings = job.settings()?;
    Ok(dry_run_job(pool, &job, &settings, user, None).await?.0)
}

/// The dry run over a job's files; with the rejected rows' problems of file `rejected_of`.
async fn dry_run_job(
    pool: &SqlitePool,
    job: &JobRow,
    settings: &ImportSettings,
    importer: &User,
    rejected_of: Option<i64>,
) -> Result<(DryRun, HashMap<u64, String>), AppError> {
    let mut cx = Context::load(pool, job, settings, importer, true).await?;
    let mut conn = pool.acquire().await?;
    let mut run = DryRun::default();
    let mut rejected = HashMap::new();
    let files = files_of(pool, job.id).await?;
    let last = files.len() - 1;
    for (index, file) in files.into_iter().enumerate() {
        // Only a later file's references need the source ids this one brings in.
        let keep_brought_in = index < last;
        let mut rows = FileRows::open(pool, job.id, file.position).await?;
        let plan = cx.plan(&file, &rows.headers)?;
        let mut seen = Seen::default();
        let mut brought_in = Vec::new();
        let mut unknown = UnknownValues::new(file.entity, &plan.fields);
        loop {
            let chunk = rows.chunk(CHUNK_ROWS).await?;
            if chunk.is_empty() {
                break;
            }
            for (_, values) in &chunk {
                if let Ok(values) = values {
                    unknown.add(values);
                }
            }
            let planned_rows = plan.plan_chunk(&mut conn, &chunk, &mut seen).await?;
            for ((line, _), planned) in chunk.iter().zip(planned_rows) {
                let line = *line;
                run.counts.add(planned.outcome());
                if let Some(id) = planned.brought_in_source_id().filter(|_| keep_brought_in) {
                    brought_in.push(id.to_string());
                }
                if let Some(hit) = planned.hit()
                    && run.duplicates.len() < LISTED
                {
                    run.duplicates.push(hit.clone());
                }
                if let Planned::Skipped { message, hit, .. } = &planned
                    && hit.is_none()
                    && run.duplicates.len() < LISTED
                {
                    run.duplicates.push(plan.hit(line, None, message.clone()));
                }
                if let Planned::Rejected(problems) = &planned {
                    list_problems(&mut run.errors, &file.name, line, problems);
                    if rejected_of == Some(file.position) {
                        rejected.insert(line, joined(problems));
                    }
                }
            }
        }
        let chosen = |column: usize, value: &str| {
            settings
                .values
                .iter()
                .find(|c| {
                    c.file == file.position as usize
                        && c.column == column
                        && normalize(&c.value) == normalize(value)
                })
                .map(|c| c.code.clone())
                .unwrap_or_default()
        };
        run.unknown_values
            .extend(unknown.found().into_iter().map(|found| UnknownValue {
                file: file.position as usize,
                file_name: file.name.clone(),
                column: found.column,
                header: plan.headers[found.column].clone(),
                field: found.field.to_string(),
                chosen: chosen(found.column, &found.value),
                value: found.value,
                rows: found.rows,
                choices: found.choices,
            }));
        drop(plan);
        cx.refs
            .pending
            .entry(file.entity)
            .or_default()
            .extend(brought_in);
        if rejected_of == Some(file.position) {
            break;
        }
    }
    Ok((run, rejected))
}

fn joined(problems: &[(String, String)]) -> String {
    problems
        .iter()
        .map(|(column, message)| {
            if column.is_empty() {
                message.clone()
            } else {
                format!("{column}: {message}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Starts a job: marks it running (one per user) and runs it on the server's runtime.
pub async fn start(pool: &SqlitePool, id: i64, user: &User) -> Result<(), AppError> {
    mark_running(pool, id, user).await?;
    spawn_run(pool.clone(), id);
    Ok(())
}

/// Marks a job that has not run as running: at most one per user.
pub async fn mark_running(pool: &SqlitePool, id: i64, user: &User) -> Result<(), AppError> {
    let job = job_for(pool, id, user).await?;
    if job.status != JobStatus::Uploaded {
        return Err(AppError::Conflict {
            message: "This import has already run.".into(),
            changed_fields: Vec::new(),
        });
    }
    check_none_running(pool, user).await?;
    let started = sqlx::query(
        "UPDATE import_jobs SET status = 'running', started_at = ? WHERE id = ? AND status = 'uploaded'",
    )
    .bind(chrono::Utc::now().to_rfc3339())
    .bind(id)
    .execute(pool)
    .await;
    match started {
        Ok(result) if result.rows_affected() == 1 => {}
        Ok(_) => {
            return Err(AppError::Conflict {
                message: "This import has already started.".into(),
                changed_fields: Vec::new(),
            });
        }
        // The one-running-import-per-user index: another start won the race.
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            return check_none_running(pool, user).await;
        }
        Err(error) => return Err(error.into()),
    }
    Ok(())
}

/// Runs job `id` in the background. A run that fails (the database busy past its timeout,
/// say) is retried from its last committed row a few times, then left running for the next
/// start of the server to resume.
pub fn spawn_run(pool: SqlitePool, id: i64) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        for attempt in 1..=RUN_ATTEMPTS {
            match run(&pool, id).await {
                Ok(()) => return,
                Err(error) => {
                    tracing::warn!(%error, job = id, attempt, "import run failed; resuming");
                    tokio::time::sleep(std::time::Duration::from_secs(attempt)).await;
                }
            }
        }
        tracing::error!(
            job = id,
            "import run stopped; the next start of the server resumes it"
        );
    })
}

/// How often a failed run is resumed before it waits for the next start of the server.
const RUN_ATTEMPTS: u64 = 5;

/// Resumes every job that was running when the server stopped.
pub async fn resume_all(pool: &SqlitePool) -> Result<usize, sqlx::Error> {
    let running: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM import_jobs WHERE status = 'running' ORDER BY id")
            .fetch_all(pool)
            .await?;
    for id in &running {
        tracing::info!(job = id, "resuming an import");
        spawn_run(pool.clone(), *id);
    }
    Ok(running.len())
}

/// The run: file by file, the rows after the last committed one, `CHUNK_ROWS` per
/// transaction. A chunk that fails as a whole (a constraint the rules did not foresee) is
/// redone row by row, so only the failing row is rejected.
pub async fn run(pool: &SqlitePool, id: i64) -> Result<(), AppError> {
    let job = load_job(pool, id).await?;
    if job.status != JobStatus::Running {
        return Ok(());
    }
    let settings = job.settings()?;
    let importer = crate::auth::db::find_user(pool, job.user_id)
        .await?
        .ok_or(AppError::Internal)?;
    let cx = Context::load(pool, &job, &settings, &importer, false).await?;
    // Rows of the files before this one, in the job's count of done rows.
    let mut before = 0_i64;
    for file in files_of(pool, id).await? {
        let file_rows = file.rows_total;
        if job.rows_done >= before + file_rows {
            before += file_rows;
            continue;
        }
        let mut rows = FileRows::open(pool, id, file.position).await?;
        let plan = cx.plan(&file, &rows.headers)?;
        let mut done = job.rows_done.max(before);
        // Rows committed before a restart are passed over.
        for _ in before..done {
            rows.next().await?;
        }
        loop {
            let chunk = rows.chunk(CHUNK_ROWS).await?;
            if chunk.is_empty() {
                break;
            }
            if let Err(error) = write_chunk(pool, &plan, id, done, &chunk).await {
                tracing::warn!(%error, job = id, "a chunk failed; writing its rows one by one");
                for (offset, row) in chunk.iter().enumerate() {
                    let at = done + offset as i64;
                    if let Err(error) =
                        write_chunk(pool, &plan, id, at, std::slice::from_ref(row)).await
                    {
                        tracing::warn!(%error, job = id, line = row.0, "row could not be saved");
                        reject_unsaved(pool, id, file.position, at, row.0, &error).await?;
                    }
                }
            }
            done += chunk.len() as i64;
            // SQLite hands the write lock to whoever asks first once it is free; without a
            // gap the next chunk would take it again before a form's save, waiting in its
            // busy handler, wakes up.
            tokio::time::sleep(WRITER_GAP).await;
        }
        before += file_rows;
    }
    if let Some(list) = settings.list_id {
        crate::lists::db::add_imported(pool, list, id, importer.id).await?;
    }
    sqlx::query("UPDATE import_jobs SET status = 'done', finished_at = ? WHERE id = ?")
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Records a row the database refused as rejected, so the run goes on past it.
async fn reject_unsaved(
    pool: &SqlitePool,
    job: i64,
    file: i64,
    done_before: i64,
    line: u64,
    error: &AppError,
) -> Result<(), AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    record_rows(
        &mut tx,
        job,
        file,
        &[OutcomeRow {
            message: Some(format!("Could not be saved: {}", unsaved_reason(error))),
            ..OutcomeRow::new(line, RowOutcome::Rejected)
        }],
    )
    .await?;
    sqlx::query("UPDATE import_jobs SET rows_done = ?, rejected = rejected + 1 WHERE id = ?")
        .bind(done_before + 1)
        .bind(job)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Why the database or a write path refused a row, as its error column says it.
fn unsaved_reason(error: &AppError) -> String {
    match error {
        AppError::Validation(fields) => fields.values().cloned().collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

/// A row's outcome as `import_rows` keeps it.
struct OutcomeRow {
    line: u64,
    outcome: RowOutcome,
    record_id: Option<i64>,
    /// The record's version right after the import wrote it.
    version: Option<i64>,
    /// An updated record's fields before (JSON), for undo.
    before: Option<String>,
    message: Option<String>,
    /// A duplicate's source id; `record_id` is what it duplicates.
    source_id: Option<String>,
}

impl OutcomeRow {
    fn new(line: u64, outcome: RowOutcome) -> OutcomeRow {
        OutcomeRow {
            line,
            outcome,
            record_id: None,
            version: None,
            before: None,
            message: None,
            source_id: None,
        }
    }
}

async fn record_rows(
    conn: &mut SqliteConnection,
    job: i64,
    file: i64,
    rows: &[OutcomeRow],
) -> Result<(), sqlx::Error> {
    for batch in rows.chunks(4_000) {
        let mut query = sqlx::QueryBuilder::new(
            "INSERT INTO import_rows (job_id, file, line, outcome, record_id, version, before, message, source_id) ",
        );
        query.push_values(batch, |mut values, row| {
            values
                .push_bind(job)
                .push_bind(file)
                .push_bind(row.line as i64)
                .push_bind(row.outcome)
                .push_bind(row.record_id)
                .push_bind(row.version)
                .push_bind(&row.before)
                .push_bind(&row.message)
                .push_bind(&row.source_id);
        });
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}

fn before_json<T: serde::Serialize>(before: &T) -> Result<Option<String>, AppError> {
    serde_json::to_string(before)
        .map(Some)
        .map_err(|_| AppError::Internal)
}

/// The customer account a row names and Leadflow lacks, created once per job (a later row
/// naming it finds it by name).
async fn create_account(
    conn: &mut SqliteConnection,
    job: i64,
    fields: &AccountFields,
    who: &Authorship,
) -> Result<i64, AppError> {
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE active = 1 AND name_normalized = ? ORDER BY id LIMIT 1",
    )
    .bind(fields.name_normalized())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = crate::account::db::insert(
        conn,
        fields,
        who,
        &crate::directory::db::created(crate::directory::DirectoryKind::Accounts),
    )
    .await?;
    sqlx::query("INSERT INTO import_created_accounts (job_id, account_id) VALUES (?, ?)")
        .bind(job)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// Writes a new account, contact, opportunity or activity through its kind's one INSERT,
/// keeping its source id; its id.
async fn insert_record(
    conn: &mut SqliteConnection,
    plan: &Plan<'_>,
    job: i64,
    new: NewRecord,
    who: &Authorship,
) -> Result<i64, AppError> {
    use crate::directory::DirectoryKind;
    use crate::directory::db::created;
    let id = match new.record {
        New::Lead { .. } => return Err(AppError::Internal),
        New::Account(fields) => {
            crate::account::db::insert(conn, &fields, who, &created(DirectoryKind::Accounts))
                .await?
        }
        New::Contact {
            mut fields,
            new_account,
        } => {
            if let Some(account) = &new_account {
                fields.account_id = Some(create_account(conn, job, account, who).await?);
            }
            crate::contact::db::insert(conn, &fields, None, who, &created(DirectoryKind::Contacts))
                .await?
        }
        New::Opportunity {
            mut new,
            new_account,
            ..
        } => {
            if let Some(account) = &new_account {
                new.account_id = Some(create_account(conn, job, account, who).await?);
            }
            let created = [FieldChange {
                field: "created",
                old: None,
                new: Some("Opportunity created".into()),
            }];
            let id = crate::opportunity::db::insert(conn, &new, who, &created).await?;
            sqlx::query(
                "INSERT INTO stage_history (record_type, record_id, from_stage_id, to_stage_id, changed_by, changed_at) \
                 VALUES ('opportunity', ?, NULL, ?, ?, ?)",
            )
            .bind(id)
            .bind(new.stage_id)
            .bind(who.by)
            .bind(&who.at)
            .execute(&mut *conn)
            .await?;
            id
        }
        New::Activity {
            regarding,
            record_id,
            activity,
            done,
        } => {
            let record_id = record_id.ok_or(AppError::Internal)?;
            crate::activity::db::insert(conn, regarding, record_id, &activity, done, who).await?
        }
    };
    if let Some(source_id) = &new.source_id
        && plan.cx.source != SourceSystem::Leadflow
    {
        set_source(conn, plan.entity, id, plan.cx.source, source_id).await?;
    }
    Ok(id)
}

/// Writes an update through its kind's write path; the record's version after it and what
/// undo restores.
async fn write_update(
    conn: &mut SqliteConnection,
    importer: &User,
    update: Update,
    import_note: &FieldChange,
) -> Result<(i64, i64, Option<String>), AppError> {
    let saved = |outcome: SaveOutcome| match outcome {
        SaveOutcome::Saved { version, .. } => Ok(version),
        SaveOutcome::Duplicates(_) => Err(AppError::Internal),
    };
    Ok(match update {
        Update::Lead {
            lead,
            fields,
            mut changes,
        } => {
            let before = before_json(&lead.fields)?;
            changes.push(import_note.clone());
            leads::write_fields(conn, &lead, &fields, lead.owner_id, &changes, importer.id).await?;
            (lead.id, lead.version + 1, before)
        }
        Update::Account { stored, fields } => {
            let before = before_json(&stored.fields)?;
            let outcome = crate::account::db::update_in(
                conn,
                stored.id,
                stored.version,
                &fields,
                importer,
                true,
            )
            .await?;
            (stored.id, saved(outcome)?, before)
        }
        Update::Contact { stored, fields } => {
            let before = before_json(&stored.fields)?;
            let outcome = crate::contact::db::update_in(
                conn,
                stored.id,
                stored.version,
                &fields,
                importer,
                true,
            )
            .await?;
            (stored.id, saved(outcome)?, before)
        }
        Update::Opportunity {
            id,
            version,
            before,
            after,
            stage,
        } => {
            let before_text = before_json(&before)?;
            let mut version =
                crate::opportunity::db::update_in(conn, id, version, &after, importer).await?;
            if let Some(stage) = stage {
                version = crate::opportunity::db::set_stage_in(
                    conn,
                    id,
                    version,
                    stage,
                    importer,
                    std::slice::from_ref(import_note),
                )
                .await?;
            }
            (id, version, before_text)
        }
    })
}

/// Plans and writes one chunk in one transaction: the records, each row's outcome, and the
/// job's counts and committed row count.
async fn write_chunk(
    pool: &SqlitePool,
    plan: &Plan<'_>,
    job: i64,
    done_before: i64,
    chunk: &[(u64, Result<Vec<String>, String>)],
) -> Result<(), AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut seen = Seen::default();
    let mut counts = Counts::default();
    let mut outcomes: Vec<OutcomeRow> = Vec::with_capacity(chunk.len());
    let mut lead_creates: Vec<(usize, LeadFields, NewLeadState, Authorship)> = Vec::new();
    let mut stand_ins: Vec<(usize, u64)> = Vec::new();
    let at = chrono::Utc::now().to_rfc3339();
    let importer = plan.cx.importer;
    let import_note = FieldChange {
        field: "import",
        old: None,
        new: Some(format!("Import #{job}")),
    };
    let planned_rows = plan.plan_chunk(&mut tx, chunk, &mut seen).await?;
    for ((line, _), planned) in chunk.iter().zip(planned_rows) {
        let outcome = planned.outcome();
        counts.add(outcome);
        let mut row = OutcomeRow::new(*line, outcome);
        match planned {
            Planned::Rejected(problems) => row.message = Some(joined(&problems)),
            Planned::Skipped {
                message,
                stands_for,
                ..
            } => {
                row.message = Some(message);
                if let Some(StandsFor { source_id, record }) = stands_for {
                    row.source_id = Some(source_id);
                    match record {
                        StandIn::Record(id) => row.record_id = Some(id),
                        StandIn::EarlierLine(line) => stand_ins.push((outcomes.len(), line)),
                    }
                }
            }
            Planned::Unchanged(id) => row.record_id = Some(id),
            Planned::Create(new) => {
                let who = Authorship {
                    owner_id: new.owner_id,
                    by: importer.id,
                    at: at.clone(),
                    import_job: Some(job),
                };
                row.version = Some(1);
                match new.record {
                    New::Lead { fields, state } => {
                        lead_creates.push((outcomes.len(), fields, state, who))
                    }
                    _ => row.record_id = Some(insert_record(&mut tx, plan, job, *new, &who).await?),
                }
            }
            Planned::Update { update, .. } => {
                let (id, version, before) =
                    write_update(&mut tx, importer, *update, &import_note).await?;
                row.record_id = Some(id);
                row.version = Some(version);
                row.before = before;
            }
        }
        outcomes.push(row);
    }
    let records: Vec<_> = lead_creates.iter().map(|(_, f, s, w)| (f, s, w)).collect();
    let ids = leads::insert_many(&mut tx, &records).await?;
    for ((at, ..), id) in lead_creates.iter().zip(ids) {
        outcomes[*at].record_id = Some(id);
    }
    // Earlier rows of a chunk come first, so the row a duplicate repeats has its record.
    for (at, line) in stand_ins {
        outcomes[at].record_id = outcomes
            .iter()
            .find(|row| row.line == line)
            .and_then(|row| row.record_id);
    }
    record_rows(&mut tx, job, plan.file, &outcomes).await?;
    sqlx::query(
        "UPDATE import_jobs SET rows_done = ?, created = created + ?, updated = updated + ?, \
         skipped = skipped + ?, rejected = rejected + ? WHERE id = ? AND rows_done = ?",
    )
    .bind(done_before + chunk.len() as i64)
    .bind(counts.created as i64)
    .bind(counts.updated as i64)
    .bind(counts.skipped as i64)
    .bind(counts.rejected as i64)
    .bind(job)
    .bind(done_before)
    .execute(&mut *tx)
    .await
    .map(crate::history::db::changed_one_row)??;
    tx.commit().await?;
    Ok(())
}

/// The caller's running import, for the progress bar every page shows.
pub async fn running_for(pool: &SqlitePool, user: &User) -> Result<Option<Progress>, AppError> {
    let job: Option<JobRow> = sqlx::query_as(&format!(
        "SELECT {JOB_COLUMNS} FROM import_jobs WHERE user_id = ? AND status = 'running'"
    ))
    .bind(user.id)
    .fetch_optional(pool)
    .await?;
    Ok(job.map(|job| job.progress()))
}

/// A job's progress.
pub async fn progress(pool: &SqlitePool, id: i64, user: &User) -> Result<Progress, AppError> {
    Ok(job_for(pool, id, user).await?.progress())
}

/// The import history: the caller's imports, or everyone's for managers and admins.
pub async fn history(pool: &SqlitePool, user: &User) -> Result<Vec<JobSummary>, AppError> {
    let everyone = user.role.includes(Role::Manager);
    Ok(sqlx::query_as(
        "SELECT j.id, j.status, \
         (SELECT group_concat(name, ', ' ORDER BY position) FROM import_files f WHERE f.job_id = j.id) AS files, \
         u.name AS user_name, j.uploaded_at, j.rows_total, j.created, j.updated, j.skipped, j.rejected \
         FROM import_jobs j JOIN users u ON u.id = j.user_id \
         WHERE ? OR j.user_id = ? ORDER BY j.id DESC LIMIT 200",
    )
    .bind(everyone)
    .bind(user.id)
    .fetch_all(pool)
    .await?)
}

/// The error file of file `position`: its header and rejected rows as they were, plus an
/// error column, to fix and import again. From the run's outcomes, or a dry run before it
/// has run.
pub async fn error_file(
    pool: &SqlitePool,
    id: i64,
    position: i64,
    user: &User,
) -> Result<(String, Vec<u8>), AppError> {
    let job = job_for(pool, id, user).await?;
    let file = files_of(pool, id)
        .await?
        .into_iter()
        .find(|file| file.position == position)
        .ok_or_else(|| AppError::NotFound("This import's file".into()))?;
    let rejected: HashMap<u64, String> = if job.status == JobStatus::Uploaded {
        dry_run_job(pool, &job, &job.settings()?, user, Some(position))
            .await?
            .1
    } else {
        sqlx::query_as::<_, (i64, Option<String>)>(
            "SELECT line, message FROM import_rows WHERE job_id = ? AND file = ? AND outcome = 'rejected'",
        )
        .bind(id)
        .bind(position)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(line, message)| (line as u64, message.unwrap_or_default()))
        .collect()
    };
    let mut rows = FileRows::open(pool, id, position).await?;
    let mut writer = csv::WriterBuilder::new()
        .delimiter(rows.delimiter)
        .from_writer(Vec::new());
    let header: Vec<&str> = rows
        .headers
        .iter()
        .map(String::as_str)
        .chain(["Import error"])
        .collect();
    let columns = rows.headers.len();
    let write = |writer: &mut csv::Writer<Vec<u8>>, record: Vec<String>| {
        writer.write_record(&record).map_err(|error| {
            tracing::error!(%error, "writing an error file");
            AppError::Internal
        })
    };
    write(&mut writer, header.iter().map(|h| h.to_string()).collect())?;
    while let Some((line, values)) = rows.next().await? {
        if let Some(message) = rejected.get(&line) {
            let mut record = values.unwrap_or_else(|_| vec![String::new(); columns]);
            record.push(message.clone());
            write(&mut writer, record)?;
        }
    }
    let bytes = writer.into_inner().map_err(|_| AppError::Internal)?;
    let stem = file.name.strip_suffix(".csv").unwrap_or(&file.name);
    Ok((format!("{stem}-errors.csv"), bytes))
}

/// A record an import wrote, as undo meets it.
#[derive(sqlx::FromRow)]
struct Written {
    entity: ImportEntity,
    outcome: RowOutcome,
    record_id: i64,
    version: i64,
    before: Option<String>,
}

/// Deletes a record an import created, unless another record points at it now (an activity
/// logged on it since, say): its history, its stage history, then the row.
async fn delete_created(
    conn: &mut SqliteConnection,
    entity: ImportEntity,
    id: i64,
    version: i64,
) -> Result<bool, AppError> {
    let mut savepoint = sqlx::Connection::begin(&mut *conn).await?;
    let deleted = async {
        sqlx::query("DELETE FROM record_history WHERE record_type = ? AND record_id = ?")
            .bind(record_type(entity))
            .bind(id)
            .execute(&mut *savepoint)
            .await?;
        sqlx::query("DELETE FROM stage_history WHERE record_type = ? AND record_id = ?")
            .bind(record_type(entity))
            .bind(id)
            .execute(&mut *savepoint)
            .await?;
        sqlx::query(&format!(
            "DELETE FROM {} WHERE id = ? AND version = ?",
            table(entity)
        ))
        .bind(id)
        .bind(version)
        .execute(&mut *savepoint)
        .await
    }
    .await;
    match deleted {
        Ok(result) if result.rows_affected() == 1 => {
            savepoint.commit().await?;
            Ok(true)
        }
        _ => {
            savepoint.rollback().await?;
            Ok(false)
        }
    }
}

/// A record's title and page, for undo's list of records left as they are.
async fn title_of(
    conn: &mut SqliteConnection,
    entity: ImportEntity,
    id: i64,
) -> Result<(String, String), AppError> {
    let title_sql = match entity {
        ImportEntity::Leads | ImportEntity::Opportunities => "topic",
        ImportEntity::Accounts => "name",
        ImportEntity::Contacts => "TRIM(COALESCE(first_name || ' ', '') || last_name)",
        ImportEntity::Activities => "subject",
    };
    let title: String = sqlx::query_scalar(&format!(
        "SELECT {title_sql} FROM {} WHERE id = ?",
        table(entity)
    ))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let url = record_kind(entity)
        .map(|kind| kind.url(id))
        .unwrap_or_default();
    Ok((title, url))
}

/// Restores a record an import updated to its fields before, through its kind's write path.
async fn restore(
    conn: &mut SqliteConnection,
    user: &User,
    written: &Written,
    before: &str,
    note: &FieldChange,
) -> Result<(), AppError> {
    let unreadable = |_| AppError::Internal;
    let (id, version) = (written.record_id, written.version);
    match written.entity {
        ImportEntity::Leads => {
            let lead = leads::load_lead(conn, id)
                .await?
                .ok_or(AppError::Internal)?;
            let before: LeadFields = serde_json::from_str(before).map_err(unreadable)?;
            let mut changes = leads::changes_of(&lead, &before, None);
            changes.push(note.clone());
            leads::write_fields(conn, &lead, &before, lead.owner_id, &changes, user.id).await?;
        }
        ImportEntity::Accounts => {
            let before: AccountFields = serde_json::from_str(before).map_err(unreadable)?;
            crate::account::db::update_in(conn, id, version, &before, user, true).await?;
        }
        ImportEntity::Contacts => {
            let before: ContactFields = serde_json::from_str(before).map_err(unreadable)?;
            crate::contact::db::update_in(conn, id, version, &before, user, true).await?;
        }
        ImportEntity::Opportunities => {
            let before: OpportunityBefore = serde_json::from_str(before).map_err(unreadable)?;
            let mut version = version;
            if let Some(stage) = before.stage_id {
                version = crate::opportunity::db::set_stage_in(
                    conn,
                    id,
                    version,
                    stage,
                    user,
                    std::slice::from_ref(note),
                )
                .await?;
            }
            // What followed the stage before the import follows it again.
            let valid = ValidOpportunity {
                fields: before.fields,
                probability: u8::try_from(before.probability)
                    .ok()
                    .filter(|_| before.probability_overridden || before.stage_id.is_none()),
                forecast_category: Some(before.forecast_category)
                    .filter(|_| before.category_overridden || before.stage_id.is_none()),
                customer: Some(Customer {
                    account_id: before.account_id,
                    contact_id: before.contact_id,
                }),
            };
            crate::opportunity::db::update_in(conn, id, version, &valid, user).await?;
        }
        ImportEntity::Activities => return Err(AppError::Internal),
    }
    Ok(())
}

/// Undoes a finished import: deletes the records it created and restores the ones it
/// updated to their fields before it, the last file first, in transactions of
/// `CHUNK_ROWS`; a record changed since the import (or, when created, now referenced by
/// other records) is left as it is and listed.
pub async fn undo(pool: &SqlitePool, id: i64, user: &User) -> Result<UndoReport, AppError> {
    let job = job_for(pool, id, user).await?;
    if job.status != JobStatus::Done {
        return Err(AppError::Conflict {
            message: match job.status {
                JobStatus::Undone => "This import was already undone.".into(),
                _ => "Only a finished import can be undone.".into(),
            },
            changed_fields: Vec::new(),
        });
    }
    let rows: Vec<Written> = sqlx::query_as(
        "SELECT f.entity, r.outcome, r.record_id, r.version, r.before FROM import_rows r \
         JOIN import_files f ON f.job_id = r.job_id AND f.position = r.file \
         WHERE r.job_id = ? AND r.outcome IN ('created', 'updated') ORDER BY r.file DESC, r.line",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let mut report = UndoReport::default();
    let note = FieldChange {
        field: "import",
        old: None,
        new: Some(format!("Import #{id} undone")),
    };
    for chunk in rows.chunks(CHUNK_ROWS) {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        for written in chunk {
            let current: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT version FROM {} WHERE id = ?",
                table(written.entity)
            ))
            .bind(written.record_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(current) = current else { continue };
            let undone = current == written.version
                && match (&written.outcome, &written.before) {
                    (RowOutcome::Created, _) => {
                        delete_created(&mut tx, written.entity, written.record_id, current).await?
                    }
                    (RowOutcome::Updated, Some(before)) => {
                        restore(&mut tx, user, written, before, &note).await?;
                        true
                    }
                    _ => false,
                };
            match (undone, written.outcome) {
                (true, RowOutcome::Created) => report.deleted += 1,
                (true, _) => report.restored += 1,
                (false, _) => report
                    .kept
                    .push(title_of(&mut tx, written.entity, written.record_id).await?),
            }
        }
        tx.commit().await?;
    }
    let created_accounts: Vec<i64> = sqlx::query_scalar(
        "SELECT account_id FROM import_created_accounts WHERE job_id = ? ORDER BY account_id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for account in created_accounts {
        if delete_created(&mut tx, ImportEntity::Accounts, account, 1).await? {
            report.deleted += 1;
        } else if let Ok(kept) = title_of(&mut tx, ImportEntity::Accounts, account).await {
            report.kept.push(kept);
        }
    }
    sqlx::query("UPDATE import_jobs SET status = 'undone', undone_at = ? WHERE id = ?")
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(report)
}

/// Deletes a job that never ran (the command line's dry run leaves nothing behind).
pub async fn discard(pool: &SqlitePool, id: i64) -> Result<(), AppError> {
    sqlx::query("DELETE FROM import_jobs WHERE id = ? AND status = 'uploaded'")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}
