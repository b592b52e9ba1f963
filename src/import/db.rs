//! Import jobs: the uploaded file and the user's choices kept in SQLite, the dry run, the
//! run (in transactions of `CHUNK_ROWS` rows, each row's outcome written with its record,
//! so a restarted server resumes after the last committed row), the error file and undo.
//! Every record is written through its kind's one write path (`lead::db::insert_many`,
//! `lead::db::write_fields`), with the duplicate rule the forms use.

use super::csv_file::{Table, decode};
use super::mapping::{fields_of, suggest};
use super::rows::{Action, LeadRow, Match, action, lead_row, merge};
use super::values::normalize;
use super::{
    ColumnView, Counts, DryRun, DuplicateHit, ImportEntity, ImportSettings, JobStatus, JobSummary,
    JobView, LISTED, Progress, RowError, RowOutcome, SourceSystem, UndoReport,
};
use crate::auth::{Role, User};
use crate::duplicates::DuplicateMatch;
use crate::duplicates::RecordKind;
use crate::duplicates::db::find_duplicates;
use crate::error::AppError;
use crate::history::{Authorship, FieldChange};
use crate::lead::db::{self as leads, StoredLead};
use crate::lead::rules::{LeadFields, validate_lead};
use crate::lead::{LeadStatus, LeadStatusReason, NewLeadState};
use sqlx::{SqliteConnection, SqlitePool};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Rows per transaction of a run: small enough that a form's save waits at most a few tens
/// of milliseconds for the write lock, big enough that commits do not dominate.
pub const CHUNK_ROWS: usize = 500;

/// How many values of each column the mapping step shows.
const SAMPLES: usize = 3;

#[derive(Debug, Clone, sqlx::FromRow)]
struct JobRow {
    id: i64,
    user_id: i64,
    entity: ImportEntity,
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
        let rows_per_second = seconds.map_or(0.0, |s| rows_done as f64 / s);
        let seconds_left = (self.status == JobStatus::Running && rows_per_second > 0.0)
            .then(|| (rows_total.saturating_sub(rows_done) as f64 / rows_per_second).ceil() as u64);
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
            rows_per_second,
            seconds_left,
        }
    }
}

const JOB_COLUMNS: &str = "id, user_id, entity, source_system, status, settings, rows_total, \
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

async fn file_of(pool: &SqlitePool, job_id: i64) -> Result<(String, Vec<u8>), AppError> {
    sqlx::query_as(
        "SELECT name, bytes FROM import_files WHERE job_id = ? ORDER BY position LIMIT 1",
    )
    .bind(job_id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::NotFound("This import's file".into()))
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

/// Keeps an uploaded file as a new job, after checking it is a readable table: its rows are
/// counted, its source detected and its columns mapped (by the mapping saved for the source,
/// else by suggestion). Refused while another import of the same user runs.
pub async fn create_job(
    pool: &SqlitePool,
    user: &User,
    entity: ImportEntity,
    name: &str,
    bytes: &[u8],
) -> Result<i64, AppError> {
    if entity != ImportEntity::Leads {
        return Err(AppError::BadRequest(format!(
            "Importing {} is not built yet: only leads can be imported so far.",
            entity.label().to_lowercase()
        )));
    }
    check_none_running(pool, user).await?;
    let refused = |message: String| AppError::field("file", message);
    let text = decode(bytes).map_err(refused)?;
    let mut table = Table::open(&text).map_err(refused)?;
    let rows_total = table.rows().count() as i64;
    if rows_total == 0 {
        return Err(refused(
            "The file has a header line but no rows to import.".into(),
        ));
    }
    let source = detect_source(&table.headers);
    let settings = ImportSettings {
        mapping: initial_mapping(pool, entity, source, &table.headers).await?,
        duplicates: Default::default(),
        default_owner: user.id,
    };
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO import_jobs (user_id, entity, source_system, status, settings, rows_total, uploaded_at) \
         VALUES (?, ?, ?, 'uploaded', ?, ?, ?) RETURNING id",
    )
    .bind(user.id)
    .bind(entity)
    .bind(source)
    .bind(serde_json::to_string(&settings).map_err(|_| AppError::Internal)?)
    .bind(rows_total)
    .bind(chrono::Utc::now().to_rfc3339())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO import_files (job_id, position, name, bytes) VALUES (?, 0, ?, ?)")
        .bind(id)
        .bind(name)
        .bind(bytes)
        .execute(&mut *tx)
        .await?;
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
    let (name, bytes) = file_of(pool, id).await?;
    let text = decode(&bytes).map_err(AppError::BadRequest)?;
    let mut table = Table::open(&text).map_err(AppError::BadRequest)?;
    let headers = table.headers.clone();
    let mut samples: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    for (_, row) in table.rows().take(SAMPLES) {
        if let Ok(values) = row {
            for (column, value) in values.into_iter().enumerate() {
                samples[column].push(value);
            }
        }
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
    Ok(JobView {
        id,
        entity: job.entity,
        source_system: job.source_system,
        status: job.status,
        files: vec![name],
        user_name,
        uploaded_at: job.uploaded_at.clone(),
        finished_at: job.finished_at.clone(),
        undone_at: job.undone_at.clone(),
        columns: headers
            .into_iter()
            .zip(samples)
            .zip(settings.mapping.iter().cloned())
            .map(|((header, samples), field)| ColumnView {
                header,
                field,
                samples,
            })
            .collect(),
        settings,
        fields: fields_of(job.entity)
            .iter()
            .map(|field| (field.name.to_string(), field.label.to_string()))
            .collect(),
        owners,
        progress: job.progress(),
        can_change: true,
    })
}

/// Saves the user's mapping and choices for a job not yet run, and the mapping for the next
/// file of the same source.
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
    let (_, bytes) = file_of(pool, id).await?;
    let text = decode(&bytes).map_err(AppError::BadRequest)?;
    let headers = Table::open(&text).map_err(AppError::BadRequest)?.headers;
    mapped_fields(job.entity, &settings.mapping, headers.len())?;
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
    let saved: HashMap<&String, &Option<String>> = headers.iter().zip(&settings.mapping).collect();
    let settings_json = serde_json::to_string(settings).map_err(|_| AppError::Internal)?;
    let mapping_json = serde_json::to_string(&saved).map_err(|_| AppError::Internal)?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("UPDATE import_jobs SET settings = ? WHERE id = ? AND status = 'uploaded'")
        .bind(settings_json)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO import_mappings (entity, source_system, mapping, saved_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (entity, source_system) DO UPDATE SET mapping = excluded.mapping, saved_at = excluded.saved_at",
    )
    .bind(job.entity)
    .bind(job.source_system)
    .bind(mapping_json)
    .bind(chrono::Utc::now().to_rfc3339())
    .execute(&mut *tx)
    .await?;
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

/// Identifying keys already met in the file, by hash (8 bytes each, not the text), with the
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

    fn keys(source_id: Option<&str>, fields: &LeadFields) -> (Option<u64>, Vec<u64>) {
        let keys = leads::match_keys(fields);
        let mut hashes = Vec::new();
        if let Some(email) = &keys.email {
            hashes.push(Seen::hash("email", &[email]));
        }
        for phone in keys.business_phone.iter().chain(&keys.mobile_phone) {
            hashes.push(Seen::hash("phone", &[phone]));
        }
        if let (Some(company), Some(last)) = (&keys.company, &keys.last_name) {
            hashes.push(Seen::hash("company", &[company, last]));
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

/// Everything a row's plan needs besides the row.
struct Plan<'a> {
    job_id: Option<i64>,
    source: SourceSystem,
    settings: &'a ImportSettings,
    fields: Vec<Option<&'static str>>,
    headers: Vec<String>,
    importer: &'a User,
    owners: Owners,
}

/// What a row will do.
enum Planned {
    Rejected(Vec<(String, String)>),
    Skipped {
        message: String,
        hit: Option<DuplicateHit>,
    },
    Unchanged(i64),
    Create {
        fields: LeadFields,
        state: NewLeadState,
        owner_id: i64,
    },
    Update {
        lead: Box<StoredLead>,
        fields: LeadFields,
        changes: Vec<FieldChange>,
        hit: Option<DuplicateHit>,
    },
}

impl Planned {
    fn outcome(&self) -> RowOutcome {
        match self {
            Planned::Rejected(_) => RowOutcome::Rejected,
            Planned::Skipped { .. } => RowOutcome::Skipped,
            Planned::Unchanged(_) => RowOutcome::Unchanged,
            Planned::Create { .. } => RowOutcome::Created,
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

impl Plan<'_> {
    fn column_of(&self, field: &str) -> String {
        self.fields
            .iter()
            .position(|f| *f == Some(field))
            .map_or_else(
                || {
                    fields_of(ImportEntity::Leads)
                        .iter()
                        .find(|f| f.name == field)
                        .map_or(field.to_string(), |f| f.label.to_string())
                },
                |at| self.headers[at].clone(),
            )
    }

    fn owner_of(&self, row: &LeadRow) -> i64 {
        if !self.importer.role.includes(Role::Manager) {
            return self.importer.id;
        }
        row.owner
            .as_deref()
            .and_then(|owner| self.owners.find(owner))
            .unwrap_or(self.settings.default_owner)
    }

    /// The records an earlier import (or, for Leadflow's own export, Leadflow) knows by
    /// these source ids, in one query: source id → lead.
    async fn by_source_ids(
        &self,
        conn: &mut SqliteConnection,
        source_ids: &[&str],
    ) -> Result<HashMap<String, i64>, AppError> {
        if source_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let list = serde_json::to_string(source_ids).map_err(|_| AppError::Internal)?;
        let found: Vec<(String, i64)> = if self.source == SourceSystem::Leadflow {
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
            .bind(self.source)
            .bind(list)
            .fetch_all(&mut *conn)
            .await?
        };
        Ok(found.into_iter().collect())
    }

    /// The line of this job's row that created lead `id`, if one did (a run meets the rows
    /// of its committed chunks as existing records).
    async fn created_by_this_job(
        &self,
        conn: &mut SqliteConnection,
        id: i64,
    ) -> Result<Option<u64>, AppError> {
        let Some(job) = self.job_id else {
            return Ok(None);
        };
        let line: Option<i64> = sqlx::query_scalar(
            "SELECT line FROM import_rows WHERE job_id = ? AND record_id = ? AND outcome = 'created'",
        )
        .bind(job)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(line.map(|line| line as u64))
    }

    async fn find_match(
        &self,
        conn: &mut SqliteConnection,
        row: &LeadRow,
        seen: &Seen,
        (by_source, matches): (Option<i64>, Vec<DuplicateMatch>),
    ) -> Result<(Match, Option<(String, String)>), AppError> {
        let (source, keys) = Seen::keys(row.source_id.as_deref(), &row.fields);
        // The source id first: a record brought in before is updated even when an earlier
        // row of the file looks like the same person.
        if let Some(earlier) = seen.earlier(source, &[]) {
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
        if let Some(earlier) = seen.earlier(None, &keys) {
            return Ok((earlier, None));
        }
        let Some(first) = matches.first() else {
            return Ok((Match::Nothing, None));
        };
        let lead = matches
            .iter()
            .find(|m| m.kind == RecordKind::Lead)
            .map(|m| m.id);
        if let Some(id) = lead
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
            .find(|m| Some(m.id) == lead && m.kind == RecordKind::Lead)
            .unwrap_or(first);
        Ok((
            Match::Duplicate {
                lead,
                first: format!("{} {}", first.kind.label().to_lowercase(), first.title),
            },
            Some((
                hit.kind.url(hit.id),
                format!("{}: {}", hit.title, hit.reasons_text()),
            )),
        ))
    }

    /// A row read into the lead form, or its problems by column.
    fn read(&self, values: &Result<Vec<String>, String>) -> Result<LeadRow, Vec<(String, String)>> {
        let values = values
            .as_ref()
            .map_err(|message| vec![(String::new(), message.clone())])?;
        lead_row(&self.fields, values).map_err(|problems| {
            problems
                .into_iter()
                .map(|(field, message)| (self.column_of(&field), message))
                .collect()
        })
    }

    /// What each row of a chunk will do, reading (never writing) the database: the source
    /// ids of the whole chunk in one query, the duplicate rule row by row (one query for
    /// all rows measured slower: its lists defeat the per-key indexes).
    async fn plan_chunk(
        &self,
        conn: &mut SqliteConnection,
        chunk: &[(u64, Result<Vec<String>, String>)],
        seen: &mut Seen,
    ) -> Result<Vec<Planned>, AppError> {
        let rows: Vec<_> = chunk.iter().map(|(_, values)| self.read(values)).collect();
        let source_ids: Vec<&str> = rows
            .iter()
            .filter_map(|row| row.as_ref().ok()?.source_id.as_deref())
            .collect();
        let by_source = self.by_source_ids(conn, &source_ids).await?;
        let mut planned = Vec::with_capacity(chunk.len());
        for ((line, _), row) in chunk.iter().zip(rows) {
            planned.push(match row {
                Err(problems) => Planned::Rejected(problems),
                Ok(row) => {
                    let source = row
                        .source_id
                        .as_ref()
                        .and_then(|id| by_source.get(id))
                        .copied();
                    let matches =
                        find_duplicates(conn, &leads::match_keys(&row.fields), None).await?;
                    self.plan(conn, *line, row, (source, matches), seen).await?
                }
            });
        }
        Ok(planned)
    }

    /// What the row at `line` will do, given what the database knows of it.
    async fn plan(
        &self,
        conn: &mut SqliteConnection,
        line: u64,
        row: LeadRow,
        known: (Option<i64>, Vec<DuplicateMatch>),
        seen: &mut Seen,
    ) -> Result<Planned, AppError> {
        let (found, hit) = self.find_match(conn, &row, seen, known).await?;
        let hit = hit.map(|(url, title)| DuplicateHit {
            line,
            record_url: Some(url),
            title,
            reasons: String::new(),
        });
        let (source, keys) = Seen::keys(row.source_id.as_deref(), &row.fields);
        let planned = match action(self.settings.duplicates, &found) {
            Action::Skip(message) => {
                let hit = hit.or_else(|| match found {
                    Match::EarlierRow { line: earlier, .. } => Some(DuplicateHit {
                        line,
                        record_url: None,
                        title: format!("Line {earlier} of this file"),
                        reasons: String::new(),
                    }),
                    _ => None,
                });
                return Ok(Planned::Skipped { message, hit });
            }
            Action::Create => {
                let reason = row.reason.unwrap_or(LeadStatusReason::New);
                let closed = reason.status() != LeadStatus::Open;
                Planned::Create {
                    state: NewLeadState {
                        reason,
                        closed_at: closed.then(|| chrono::Utc::now().to_rfc3339()),
                        source: row
                            .source_id
                            .clone()
                            .filter(|_| self.source != SourceSystem::Leadflow)
                            .map(|id| (self.source.code().to_string(), id)),
                        ..NewLeadState::open()
                    },
                    owner_id: self.owner_of(&row),
                    fields: row.fields,
                }
            }
            Action::Update { id, overwrite } => {
                let Some(lead) = leads::load_lead(conn, id).await? else {
                    return Ok(Planned::Skipped {
                        message: "The matching lead was deleted meanwhile.".into(),
                        hit,
                    });
                };
                let merged = merge(&lead.fields.to_input(), &row.input, overwrite);
                let fields = match validate_lead(&merged) {
                    Ok(fields) => fields,
                    Err(AppError::Validation(problems)) => {
                        return Ok(Planned::Rejected(
                            problems
                                .into_iter()
                                .map(|(field, message)| {
                                    (
                                        self.column_of(&field),
                                        format!("Updating the lead: {message}"),
                                    )
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
                    }
                } else if lead.owner_id != self.importer.id
                    && !self.importer.role.includes(Role::Manager)
                {
                    Planned::Skipped {
                        message: "The matching lead belongs to someone else.".into(),
                        hit,
                    }
                } else {
                    Planned::Update {
                        lead: Box::new(lead),
                        fields,
                        changes,
                        hit,
                    }
                }
            }
        };
        seen.remember(line, source, &keys);
        Ok(planned)
    }
}

async fn plan_for<'a>(
    pool: &SqlitePool,
    job: &JobRow,
    settings: &'a ImportSettings,
    importer: &'a User,
    headers: &[String],
) -> Result<Plan<'a>, AppError> {
    Ok(Plan {
        job_id: Some(job.id),
        source: job.source_system,
        fields: mapped_fields(job.entity, &settings.mapping, headers.len())?,
        headers: headers.to_vec(),
        settings,
        importer,
        owners: Owners::load(pool).await?,
    })
}

/// Adds a row's problems to the listed errors, up to `LISTED`.
fn list_problems(errors: &mut Vec<RowError>, line: u64, problems: &[(String, String)]) {
    for (column, message) in problems {
        if errors.len() < LISTED {
            errors.push(RowError {
                line,
                column: column.clone(),
                message: message.clone(),
            });
        }
    }
}

/// The dry run of a job: every row planned as the run would, nothing written.
pub async fn dry_run(pool: &SqlitePool, id: i64, user: &User) -> Result<DryRun, AppError> {
    let job = job_for(pool, id, user).await?;
    let settings = job.settings()?;
    let (_, bytes) = file_of(pool, id).await?;
    let mut rejected_lines = None;
    dry_run_bytes(pool, &job, &settings, user, &bytes, &mut rejected_lines).await
}

/// The dry run over a file's bytes; the rejected rows' problems go to `rejected` if asked.
async fn dry_run_bytes(
    pool: &SqlitePool,
    job: &JobRow,
    settings: &ImportSettings,
    importer: &User,
    bytes: &[u8],
    rejected: &mut Option<HashMap<u64, String>>,
) -> Result<DryRun, AppError> {
    let text = decode(bytes).map_err(AppError::BadRequest)?;
    let mut table = Table::open(&text).map_err(AppError::BadRequest)?;
    let mut plan = plan_for(pool, job, settings, importer, &table.headers).await?;
    // Nothing is written, so nothing of this job is in the database yet.
    plan.job_id = None;
    let mut conn = pool.acquire().await?;
    let mut seen = Seen::default();
    let mut run = DryRun::default();
    let mut rows = table.rows();
    loop {
        let chunk: Vec<_> = rows.by_ref().take(CHUNK_ROWS).collect();
        if chunk.is_empty() {
            break;
        }
        let planned_rows = plan.plan_chunk(&mut conn, &chunk, &mut seen).await?;
        for ((line, _), planned) in chunk.iter().zip(planned_rows) {
            let line = *line;
            run.counts.add(planned.outcome());
            if let Some(hit) = planned.hit()
                && run.duplicates.len() < LISTED
            {
                run.duplicates.push(hit.clone());
            }
            if let Planned::Skipped { message, hit } = &planned
                && hit.is_none()
                && run.duplicates.len() < LISTED
            {
                run.duplicates.push(DuplicateHit {
                    line,
                    record_url: None,
                    title: message.clone(),
                    reasons: String::new(),
                });
            }
            if let Planned::Rejected(problems) = &planned {
                list_problems(&mut run.errors, line, problems);
                if let Some(rejected) = rejected {
                    rejected.insert(line, joined(problems));
                }
            }
        }
    }
    Ok(run)
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

/// The run: the rows after the last committed one, `CHUNK_ROWS` per transaction. A chunk that
/// fails as a whole (a constraint the rules did not foresee) is redone row by row, so only
/// the failing row is rejected.
pub async fn run(pool: &SqlitePool, id: i64) -> Result<(), AppError> {
    let job = load_job(pool, id).await?;
    if job.status != JobStatus::Running {
        return Ok(());
    }
    let settings = job.settings()?;
    let importer = crate::auth::db::find_user(pool, job.user_id)
        .await?
        .ok_or(AppError::Internal)?;
    let (_, bytes) = file_of(pool, id).await?;
    let text = decode(&bytes).map_err(AppError::BadRequest)?;
    let mut table = Table::open(&text).map_err(AppError::BadRequest)?;
    let plan = plan_for(pool, &job, &settings, &importer, &table.headers).await?;
    let mut rows = table.rows().skip(job.rows_done as usize);
    let mut done = job.rows_done;
    loop {
        let chunk: Vec<(u64, Result<Vec<String>, String>)> =
            rows.by_ref().take(CHUNK_ROWS).collect();
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
                    reject_unsaved(pool, id, at, row.0, &error).await?;
                }
            }
        }
        done += chunk.len() as i64;
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
    done_before: i64,
    line: u64,
    error: &AppError,
) -> Result<(), AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    record_rows(
        &mut tx,
        job,
        &[(
            line,
            RowOutcome::Rejected,
            None,
            None,
            None,
            Some(format!("Could not be saved: {error}")),
        )],
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

type OutcomeRow = (
    u64,
    RowOutcome,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

async fn record_rows(
    conn: &mut SqliteConnection,
    job: i64,
    rows: &[OutcomeRow],
) -> Result<(), sqlx::Error> {
    for batch in rows.chunks(4_000) {
        let mut query = sqlx::QueryBuilder::new(
            "INSERT INTO import_rows (job_id, line, outcome, record_id, version, before, message) ",
        );
        query.push_values(
            batch,
            |mut row, (line, outcome, record, version, before, message)| {
                row.push_bind(job)
                    .push_bind(*line as i64)
                    .push_bind(*outcome)
                    .push_bind(*record)
                    .push_bind(*version)
                    .push_bind(before)
                    .push_bind(message);
            },
        );
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
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
    let mut creates: Vec<(usize, LeadFields, NewLeadState, Authorship)> = Vec::new();
    let at = chrono::Utc::now().to_rfc3339();
    let import_note = FieldChange {
        field: "import",
        old: None,
        new: Some(format!("Import #{job}")),
    };
    let planned_rows = plan.plan_chunk(&mut tx, chunk, &mut seen).await?;
    for ((line, _), planned) in chunk.iter().zip(planned_rows) {
        counts.add(planned.outcome());
        let outcome = planned.outcome();
        match planned {
            Planned::Rejected(problems) => {
                outcomes.push((*line, outcome, None, None, None, Some(joined(&problems))))
            }
            Planned::Skipped { message, .. } => {
                outcomes.push((*line, outcome, None, None, None, Some(message)))
            }
            Planned::Unchanged(id) => outcomes.push((*line, outcome, Some(id), None, None, None)),
            Planned::Create {
                fields,
                state,
                owner_id,
            } => {
                creates.push((
                    outcomes.len(),
                    fields,
                    state,
                    Authorship {
                        owner_id,
                        by: plan.importer.id,
                        at: at.clone(),
                        import_job: Some(job),
                    },
                ));
                outcomes.push((*line, outcome, None, Some(1), None, None));
            }
            Planned::Update {
                lead,
                fields,
                mut changes,
                ..
            } => {
                let before = serde_json::to_string(&lead.fields).map_err(|_| AppError::Internal)?;
                changes.push(import_note.clone());
                leads::write_fields(
                    &mut tx,
                    &lead,
                    &fields,
                    lead.owner_id,
                    &changes,
                    plan.importer.id,
                )
                .await?;
                outcomes.push((
                    *line,
                    outcome,
                    Some(lead.id),
                    Some(lead.version + 1),
                    Some(before),
                    None,
                ));
            }
        }
    }
    let records: Vec<_> = creates.iter().map(|(_, f, s, w)| (f, s, w)).collect();
    let ids = leads::insert_many(&mut tx, &records).await?;
    for ((at, ..), id) in creates.iter().zip(ids) {
        outcomes[*at].2 = Some(id);
    }
    record_rows(&mut tx, job, &outcomes).await?;
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
        "SELECT j.id, j.entity, j.status, \
         (SELECT group_concat(name, ', ') FROM import_files f WHERE f.job_id = j.id) AS files, \
         u.name AS user_name, j.uploaded_at, j.rows_total, j.created, j.updated, j.skipped, j.rejected \
         FROM import_jobs j JOIN users u ON u.id = j.user_id \
         WHERE ? OR j.user_id = ? ORDER BY j.id DESC LIMIT 200",
    )
    .bind(everyone)
    .bind(user.id)
    .fetch_all(pool)
    .await?)
}

/// The error file: the file's header and rejected rows as they were, plus an error column,
/// to fix and import again. From the run's outcomes, or a dry run before it has run.
pub async fn error_file(
    pool: &SqlitePool,
    id: i64,
    user: &User,
) -> Result<(String, Vec<u8>), AppError> {
    let job = job_for(pool, id, user).await?;
    let (name, bytes) = file_of(pool, id).await?;
    let rejected: HashMap<u64, String> = if job.status == JobStatus::Uploaded {
        let mut lines = Some(HashMap::new());
        dry_run_bytes(pool, &job, &job.settings()?, user, &bytes, &mut lines).await?;
        lines.unwrap_or_default()
    } else {
        sqlx::query_as::<_, (i64, Option<String>)>(
            "SELECT line, message FROM import_rows WHERE job_id = ? AND outcome = 'rejected'",
        )
        .bind(id)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(line, message)| (line as u64, message.unwrap_or_default()))
        .collect()
    };
    let text = decode(&bytes).map_err(AppError::BadRequest)?;
    let mut table = Table::open(&text).map_err(AppError::BadRequest)?;
    let mut writer = csv::WriterBuilder::new()
        .delimiter(table.delimiter)
        .from_writer(Vec::new());
    let header: Vec<&str> = table
        .headers
        .iter()
        .map(String::as_str)
        .chain(["Import error"])
        .collect();
    let columns = table.headers.len();
    let write = |writer: &mut csv::Writer<Vec<u8>>, record: Vec<String>| {
        writer.write_record(&record).map_err(|error| {
            tracing::error!(%error, "writing an error file");
            AppError::Internal
        })
    };
    write(&mut writer, header.iter().map(|h| h.to_string()).collect())?;
    for (line, values) in table.rows() {
        if let Some(message) = rejected.get(&line) {
            let mut record = values.unwrap_or_else(|_| vec![String::new(); columns]);
            record.push(message.clone());
            write(&mut writer, record)?;
        }
    }
    let bytes = writer.into_inner().map_err(|_| AppError::Internal)?;
    let stem = name.strip_suffix(".csv").unwrap_or(&name);
    Ok((format!("{stem}-errors.csv"), bytes))
}

/// Undoes a finished import: deletes the leads it created and restores the ones it updated
/// to their fields before it, in transactions of `CHUNK_ROWS`; a record changed since the
/// import (or, when created, now referenced by other records) is left as it is and listed.
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
    let rows: Vec<(RowOutcome, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT outcome, record_id, version, before FROM import_rows \
         WHERE job_id = ? AND outcome IN ('created', 'updated') ORDER BY line",
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
        for (outcome, record_id, version, before) in chunk {
            let Some(lead) = leads::load_lead(&mut tx, *record_id).await? else {
                continue;
            };
            let keep = |report: &mut UndoReport, lead: &StoredLead| {
                report
                    .kept
                    .push((lead.fields.topic.clone(), format!("/leads/{}", lead.id)))
            };
            if lead.version != *version {
                keep(&mut report, &lead);
                continue;
            }
            match (outcome, before) {
                (RowOutcome::Created, _) => {
                    let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
                    let deleted = async {
                        sqlx::query("DELETE FROM record_history WHERE record_type = 'lead' AND record_id = ?")
                            .bind(lead.id)
                            .execute(&mut *savepoint)
                            .await?;
                        sqlx::query("DELETE FROM leads WHERE id = ? AND version = ?")
                            .bind(lead.id)
                            .bind(lead.version)
                            .execute(&mut *savepoint)
                            .await
                    }
                    .await;
                    match deleted {
                        Ok(result) if result.rows_affected() == 1 => {
                            savepoint.commit().await?;
                            report.deleted += 1;
                        }
                        // Another record points at it now (an activity, say): keep it.
                        _ => {
                            savepoint.rollback().await?;
                            keep(&mut report, &lead);
                        }
                    }
                }
                (RowOutcome::Updated, Some(before)) => {
                    let before: LeadFields =
                        serde_json::from_str(before).map_err(|_| AppError::Internal)?;
                    let mut changes = leads::changes_of(&lead, &before, None);
                    changes.push(note.clone());
                    leads::write_fields(&mut tx, &lead, &before, lead.owner_id, &changes, user.id)
                        .await?;
                    report.restored += 1;
                }
                _ => {}
            }
        }
        tx.commit().await?;
    }
    sqlx::query("UPDATE import_jobs SET status = 'undone', undone_at = ? WHERE id = ?")
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(id)
        .execute(pool)
        .await?;
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
