//! Web forms in SQLite: the forms, their submissions log, and what a submission does —
//! quarantined, queued, matched to a known person or created as a lead through the lead's
//! one write path — each in one transaction.

use super::rules::{lead_of_submission, next_rep, next_working_day, sender_of};
use super::{
    OwnerChoice, SubmissionLog, SubmissionOutcome, SubmissionRow, WebFormConfig, WebFormSummary,
    WebOrigin,
};
use crate::activity::db::NewActivity;
use crate::activity::rules::ValidActivity;
use crate::activity::{ActivityKind, RecordType};
use crate::auth::User;
use crate::error::AppError;
use crate::history::Authorship;
use crate::lead::db::{NewLeadRequest, create_in};
use crate::lists::MemberType;
use sqlx::{SqliteConnection, SqlitePool};
use std::collections::BTreeMap;

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

/// A form as stored.
#[derive(Debug, Clone)]
pub struct StoredForm {
    pub id: i64,
    pub public_key: String,
    pub version: i64,
    pub paused: bool,
    pub config: WebFormConfig,
    pub last_rep_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct FormRow {
    id: i64,
    public_key: String,
    version: i64,
    paused: bool,
    name: String,
    fields: String,
    consent_text: Option<String>,
    lead_source: String,
    campaign: Option<String>,
    owner_rule: String,
    owner_id: Option<i64>,
    last_rep_id: Option<i64>,
    thank_you: Option<String>,
    redirect_url: Option<String>,
    allowed_origins: String,
    min_fill_seconds: i64,
    list_id: Option<i64>,
}

const FORM_COLUMNS: &str = "id, public_key, version, paused, name, fields, consent_text, \
    lead_source, campaign, owner_rule, owner_id, last_rep_id, thank_you, redirect_url, \
    allowed_origins, min_fill_seconds, list_id";

async fn stored(conn: &mut SqliteConnection, row: FormRow) -> Result<StoredForm, AppError> {
    let owner = if row.owner_rule == "round_robin" {
        let reps: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM web_form_reps WHERE form_id = ? ORDER BY position",
        )
        .bind(row.id)
        .fetch_all(&mut *conn)
        .await?;
        OwnerChoice::RoundRobin(reps)
    } else {
        OwnerChoice::User(row.owner_id.unwrap_or_default())
    };
    let fields = serde_json::from_str(&row.fields).map_err(|error| {
        tracing::error!(%error, form = row.id, "unreadable web form fields");
        AppError::Internal
    })?;
    Ok(StoredForm {
        id: row.id,
        public_key: row.public_key,
        version: row.version,
        paused: row.paused,
        last_rep_id: row.last_rep_id,
        config: WebFormConfig {
            name: row.name,
            fields,
            consent_text: row.consent_text,
            lead_source: crate::lead::LeadSource::from_code(&row.lead_source)
                .unwrap_or(crate::lead::LeadSource::Web),
            campaign: row.campaign,
            owner,
            thank_you: row.thank_you,
            redirect_url: row.redirect_url,
            allowed_origins: row.allowed_origins.lines().map(str::to_string).collect(),
            min_fill_seconds: row.min_fill_seconds,
            list_id: row.list_id,
        },
    })
}

pub async fn load_form(pool: &SqlitePool, id: i64) -> Result<Option<StoredForm>, AppError> {
    let mut conn = pool.acquire().await?;
    load_form_in(&mut conn, "id = ?", id.to_string()).await
}

pub async fn load_form_by_key(
    pool: &SqlitePool,
    key: &str,
) -> Result<Option<StoredForm>, AppError> {
    let mut conn = pool.acquire().await?;
    load_form_in(&mut conn, "public_key = ?", key.to_string()).await
}

async fn load_form_in(
    conn: &mut SqliteConnection,
    condition: &str,
    value: String,
) -> Result<Option<StoredForm>, AppError> {
    let sql = format!("SELECT {FORM_COLUMNS} FROM web_forms WHERE {condition}");
    let row: Option<FormRow> = sqlx::query_as(&sql)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(Some(stored(conn, row).await?)),
        None => Ok(None),
    }
}

pub async fn list_forms(pool: &SqlitePool) -> Result<Vec<WebFormSummary>, AppError> {
    Ok(sqlx::query_as(
        "SELECT f.id, f.name, f.public_key, f.paused, \
         (SELECT COUNT(*) FROM web_submissions s WHERE s.form_id = f.id AND s.outcome = 'created') AS leads_created, \
         (SELECT COUNT(*) FROM web_submissions s WHERE s.form_id = f.id AND s.outcome IN ('quarantined', 'queued')) AS waiting, \
         (SELECT MAX(received_at) FROM web_submissions s WHERE s.form_id = f.id) AS last_submission \
         FROM web_forms f ORDER BY f.name",
    )
    .fetch_all(pool)
    .await?)
}

/// Checks that the owner and reps are active users (reps: sales reps and managers).
async fn check_people(conn: &mut SqliteConnection, config: &WebFormConfig) -> Result<(), AppError> {
    let (ids, field) = match &config.owner {
        OwnerChoice::User(id) => (vec![*id], "owner_id"),
        OwnerChoice::RoundRobin(reps) => (reps.clone(), "reps"),
    };
    for id in ids {
        let active: Option<bool> = sqlx::query_scalar("SELECT active FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        if active != Some(true) {
            return Err(AppError::field(field, "Choose active users only."));
        }
    }
    Ok(())
}

async fn write_reps(
    conn: &mut SqliteConnection,
    form_id: i64,
    config: &WebFormConfig,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM web_form_reps WHERE form_id = ?")
        .bind(form_id)
        .execute(&mut *conn)
        .await?;
    if let OwnerChoice::RoundRobin(reps) = &config.owner {
        for (position, rep) in reps.iter().enumerate() {
            sqlx::query("INSERT INTO web_form_reps (form_id, user_id, position) VALUES (?, ?, ?)")
                .bind(form_id)
                .bind(rep)
                .bind(position as i64)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

fn owner_columns(config: &WebFormConfig) -> (&'static str, Option<i64>) {
    match &config.owner {
        OwnerChoice::User(id) => ("user", Some(*id)),
        OwnerChoice::RoundRobin(_) => ("round_robin", None),
    }
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

/// Binds a form's settings in the order both the INSERT and the UPDATE list them.
fn bind_config<'q>(query: Query<'q>, config: &'q WebFormConfig) -> Query<'q> {
    let (rule, owner_id) = owner_columns(config);
    query
        .bind(&config.name)
        .bind(serde_json::to_string(&config.fields).unwrap_or_default())
        .bind(&config.consent_text)
        .bind(config.lead_source)
        .bind(&config.campaign)
        .bind(rule)
        .bind(owner_id)
        .bind(&config.thank_you)
        .bind(&config.redirect_url)
        .bind(config.allowed_origins.join("\n"))
        .bind(config.min_fill_seconds)
        .bind(config.list_id)
}

fn name_taken(error: sqlx::Error) -> AppError {
    match &error {
        sqlx::Error::Database(db) if db.message().contains("web_forms.name") => {
            AppError::field("name", "Another form has this name.")
        }
        _ => error.into(),
    }
}

/// A new public key: 22 unguessable URL-safe characters.
fn new_key() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..22)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

pub async fn create_form(
    pool: &SqlitePool,
    config: &WebFormConfig,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    check_people(&mut tx, config).await?;
    let id = insert_form(&mut tx, config, user.id)
        .await
        .map_err(name_taken)?;
    tx.commit().await?;
    Ok(id)
}

/// The one INSERT of a form and its reps, in the caller's transaction; the caller has
/// validated `config` and checked its people.
pub async fn insert_form(
    conn: &mut SqliteConnection,
    config: &WebFormConfig,
    by: i64,
) -> Result<i64, sqlx::Error> {
    let at = now();
    let query = sqlx::query(
        "INSERT INTO web_forms (public_key, name, fields, consent_text, lead_source, campaign, \
         owner_rule, owner_id, thank_you, redirect_url, allowed_origins, min_fill_seconds, \
         list_id, created_by, created_at, modified_by, modified_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(new_key());
    let id = bind_config(query, config)
        .bind(by)
        .bind(&at)
        .bind(by)
        .bind(&at)
        .execute(&mut *conn)
        .await?
        .last_insert_rowid();
    write_reps(conn, id, config).await?;
    Ok(id)
}

/// Saves an edit made on `version` (someone else's save meanwhile is a conflict).
pub async fn update_form(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    config: &WebFormConfig,
    user: &User,
) -> Result<(), AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    check_people(&mut tx, config).await?;
    let query = sqlx::query(
        "UPDATE web_forms SET name = ?, fields = ?, consent_text = ?, lead_source = ?, \
         campaign = ?, owner_rule = ?, owner_id = ?, thank_you = ?, redirect_url = ?, \
         allowed_origins = ?, min_fill_seconds = ?, list_id = ?, modified_by = ?, modified_at = ?, \
         version = version + 1 WHERE id = ? AND version = ?",
    );
    let updated = bind_config(query, config)
        .bind(user.id)
        .bind(now())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(name_taken)?;
    if updated.rows_affected() == 0 {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM web_forms WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        return Err(match exists {
            None => AppError::NotFound("This form".into()),
            Some(_) => AppError::Conflict {
                message: "Someone else saved this form meanwhile. Reload to see their changes."
                    .into(),
                changed_fields: Vec::new(),
            },
        });
    }
    write_reps(&mut tx, id, config).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_paused(
    pool: &SqlitePool,
    id: i64,
    paused: bool,
    user: &User,
) -> Result<(), AppError> {
    let updated = sqlx::query(
        "UPDATE web_forms SET paused = ?, modified_by = ?, modified_at = ?, version = version + 1 WHERE id = ?",
    )
    .bind(paused)
    .bind(user.id)
    .bind(now())
    .bind(id)
    .execute(pool)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::NotFound("This form".into()));
    }
    Ok(())
}

/// What a visitor sent that the server kept: the form's own values, the consent, where it
/// came from, from which address, and the id of the rendered form.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub submission_id: Option<String>,
    pub client_address: String,
    pub values: BTreeMap<String, String>,
    pub consent: bool,
    pub origin: WebOrigin,
}

/// What became of a submission, for the visitor's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Created(i64),
    Matched,
    Quarantined,
    Queued,
}

/// Logs a refused post (the reason, no values).
pub async fn record_rejected(
    pool: &SqlitePool,
    form_id: i64,
    reason: &str,
    client_address: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO web_submissions (form_id, received_at, outcome, reason, client_address) \
         VALUES (?, ?, 'rejected', ?, ?)",
    )
    .bind(form_id)
    .bind(now())
    .bind(reason)
    .bind(client_address)
    .execute(pool)
    .await?;
    Ok(())
}

/// The decision already taken for a submission id, if it was sent before.
async fn earlier_decision(
    conn: &mut SqliteConnection,
    form_id: i64,
    submission_id: &str,
) -> Result<Option<Decision>, AppError> {
    let row: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT outcome, lead_id FROM web_submissions WHERE form_id = ? AND submission_id = ?",
    )
    .bind(form_id)
    .bind(submission_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(
        row.map(|(outcome, lead_id)| match (outcome.as_str(), lead_id) {
            ("created", Some(id)) => Decision::Created(id),
            ("matched", _) => Decision::Matched,
            ("queued", _) => Decision::Queued,
            _ => Decision::Quarantined,
        }),
    )
}

async fn insert_waiting(
    conn: &mut SqliteConnection,
    form_id: i64,
    received: &Received,
    outcome: SubmissionOutcome,
    reason: Option<&str>,
) -> Result<i64, AppError> {
    let origin = &received.origin;
    Ok(sqlx::query_scalar(
        "INSERT INTO web_submissions (form_id, submission_id, received_at, outcome, reason, \
         client_address, fields, consent, page_url, referrer, utm_source, utm_medium, \
         utm_campaign, utm_term, utm_content) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(form_id)
    .bind(&received.submission_id)
    .bind(now())
    .bind(outcome)
    .bind(reason)
    .bind(&received.client_address)
    .bind(serde_json::to_string(&received.values).unwrap_or_default())
    .bind(received.consent)
    .bind(&origin.page_url)
    .bind(&origin.referrer)
    .bind(&origin.utm_source)
    .bind(&origin.utm_medium)
    .bind(&origin.utm_campaign)
    .bind(&origin.utm_term)
    .bind(&origin.utm_content)
    .fetch_one(&mut *conn)
    .await?)
}

/// How a submission is to be handled once it passed the checks that need no database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling<'a> {
    /// Suspected spam, with the reason.
    Quarantine(&'a str),
    /// Over the form's rate: kept for the queue worker.
    Queue,
    Accept,
}

/// Receives a submission in one transaction: a submission id seen before returns the
/// earlier decision (exactly once); otherwise it is quarantined, queued or accepted.
pub async fn receive(
    pool: &SqlitePool,
    form: &StoredForm,
    received: &Received,
    handling: Handling<'_>,
) -> Result<Decision, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    if let Some(id) = &received.submission_id
        && let Some(decision) = earlier_decision(&mut tx, form.id, id).await?
    {
        return Ok(decision);
    }
    let decision = match handling {
        Handling::Quarantine(reason) => {
            insert_waiting(
                &mut tx,
                form.id,
                received,
                SubmissionOutcome::Quarantined,
                Some(reason),
            )
            .await?;
            Decision::Quarantined
        }
        Handling::Queue => {
            insert_waiting(
                &mut tx,
                form.id,
                received,
                SubmissionOutcome::Queued,
                Some("Over the form's rate limit."),
            )
            .await?;
            Decision::Queued
        }
        Handling::Accept => {
            let row =
                insert_waiting(&mut tx, form.id, received, SubmissionOutcome::Queued, None).await?;
            accept_in(&mut tx, form, received, row, None).await?
        }
    };
    tx.commit().await?;
    Ok(decision)
}

/// A known person: an open lead or an active contact with the same normalised email or
/// phone, as (kind, id, owner).
async fn known_person(
    conn: &mut SqliteConnection,
    values: &BTreeMap<String, String>,
) -> Result<Option<(RecordType, i64, i64)>, AppError> {
    let email = values
        .get("email")
        .and_then(|email| crate::types::Email::parse(email).ok())
        .map(|email| email.normalized());
    let phones: Vec<String> = ["business_phone", "mobile_phone"]
        .iter()
        .filter_map(|field| crate::types::normalize::phone_digits(values.get(*field)?))
        .collect();
    // One indexed lookup per key (an OR across the keys would scan every row).
    for (kind, table, open) in [
        (RecordType::Lead, "leads", "status = 'open'"),
        (RecordType::Contact, "contacts", "active = 1"),
    ] {
        let by_email = format!(
            "SELECT id, owner_id FROM {table} WHERE email_normalized = ? AND {open} ORDER BY id LIMIT 1"
        );
        let by_phone = format!(
            "SELECT id, owner_id FROM {table} WHERE {open} AND id IN \
             (SELECT id FROM {table} WHERE business_phone_digits = ?1 \
              UNION SELECT id FROM {table} WHERE mobile_phone_digits = ?1) ORDER BY id LIMIT 1"
        );
        let mut found: Option<(i64, i64)> = None;
        if let Some(email) = &email {
            found = sqlx::query_as(&by_email)
                .bind(email)
                .fetch_optional(&mut *conn)
                .await?;
        }
        for phone in &phones {
            if found.is_none() {
                found = sqlx::query_as(&by_phone)
                    .bind(phone)
                    .fetch_optional(&mut *conn)
                    .await?;
            }
        }
        if let Some((id, owner)) = found {
            return Ok(Some((kind, id, owner)));
        }
    }
    Ok(None)
}

/// The owner a new lead from this form gets now, if any is active.
async fn pick_owner(
    conn: &mut SqliteConnection,
    form: &StoredForm,
) -> Result<Option<i64>, AppError> {
    match &form.config.owner {
        OwnerChoice::User(id) => {
            let active: Option<bool> = sqlx::query_scalar("SELECT active FROM users WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
            Ok((active == Some(true)).then_some(*id))
        }
        OwnerChoice::RoundRobin(_) => {
            let reps: Vec<(i64, bool)> = sqlx::query_as(
                "SELECT r.user_id, u.active FROM web_form_reps r JOIN users u ON u.id = r.user_id \
                 WHERE r.form_id = ? ORDER BY r.position",
            )
            .bind(form.id)
            .fetch_all(&mut *conn)
            .await?;
            let last: Option<i64> =
                sqlx::query_scalar("SELECT last_rep_id FROM web_forms WHERE id = ?")
                    .bind(form.id)
                    .fetch_one(&mut *conn)
                    .await?;
            let rep = next_rep(&reps, last);
            if let Some(rep) = rep {
                sqlx::query("UPDATE web_forms SET last_rep_id = ? WHERE id = ?")
                    .bind(rep)
                    .bind(form.id)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(rep)
        }
    }
}

/// The follow-up task of a web submission, due the next working day.
fn follow_up(subject: String) -> ValidActivity {
    let today = chrono::Utc::now().date_naive();
    ValidActivity {
        kind: ActivityKind::Task,
        subject,
        body: None,
        direction: None,
        outcome: None,
        due_date: Some(next_working_day(today).format("%Y-%m-%d").to_string()),
        starts_at: None,
        ends_at: None,
        location: None,
    }
}

/// The submitted values, one "Label: value" line each, for the activity.
fn submitted_text(form: &StoredForm, received: &Received) -> String {
    let mut lines: Vec<String> = form
        .config
        .fields
        .iter()
        .filter_map(|field| {
            Some(format!(
                "{}: {}",
                field.label,
                received.values.get(&field.field)?
            ))
        })
        .collect();
    if form.config.consent_text.is_some() {
        lines.push(format!(
            "Consent: {}",
            if received.consent { "yes" } else { "no" }
        ));
    }
    lines.extend(
        received
            .origin
            .known()
            .into_iter()
            .map(|(label, value)| format!("{label}: {value}")),
    );
    lines.join("\n")
}

/// Accepts submission `row` (already stored): logs it on the known person it matches, or
/// creates the lead, each with a follow-up task for the owner; marks the row.
async fn accept_in(
    tx: &mut SqliteConnection,
    form: &StoredForm,
    received: &Received,
    row: i64,
    decided_by: Option<i64>,
) -> Result<Decision, AppError> {
    let fields = lead_of_submission(&form.config, &received.values, received.consent)?;
    let mark = |outcome: SubmissionOutcome,
                reason: Option<String>,
                lead: Option<i64>,
                contact: Option<i64>| {
        sqlx::query(
            "UPDATE web_submissions SET outcome = ?, reason = ?, lead_id = ?, contact_id = ?, \
             decided_by = ?, decided_at = ? WHERE id = ?",
        )
        .bind(outcome)
        .bind(reason)
        .bind(lead)
        .bind(contact)
        .bind(decided_by)
        .bind(now())
        .bind(row)
    };
    if let Some((kind, id, owner)) = known_person(&mut *tx, &received.values).await? {
        let who = Authorship::now(owner, owner);
        let note = ValidActivity {
            kind: ActivityKind::Note,
            subject: format!("Web form submission: {}", form.config.name),
            body: Some(submitted_text(form, received)),
            due_date: None,
            ..follow_up(String::new())
        };
        let task = follow_up(format!(
            "Follow up: web form submission ({})",
            form.config.name
        ));
        // One statement for both, so a matched lead is scored once with them.
        let activities = [&note, &task].map(|activity| NewActivity {
            regarding: kind,
            record_id: id,
            activity,
            done: false,
            who: &who,
        });
        crate::activity::db::insert_many(&mut *tx, &activities).await?;
        let (lead, contact) = match kind {
            RecordType::Lead => (Some(id), None),
            _ => (None, Some(id)),
        };
        mark(SubmissionOutcome::Matched, None, lead, contact)
            .execute(&mut *tx)
            .await?;
        return Ok(Decision::Matched);
    }
    let Some(owner) = pick_owner(&mut *tx, form).await? else {
        mark(
            SubmissionOutcome::Quarantined,
            Some("No active user to route it to: change the form's owner, then release it.".into()),
            None,
            None,
        )
        .execute(&mut *tx)
        .await?;
        return Ok(Decision::Quarantined);
    };
    let request = NewLeadRequest {
        save_anyway: true,
        web: Some((form.id, &received.origin)),
        ..NewLeadRequest::default()
    };
    let created = create_in(&mut *tx, &fields, owner, owner, request).await?;
    let crate::duplicates::SaveOutcome::Saved { id, .. } = created.outcome else {
        return Err(AppError::Internal);
    };
    let who = Authorship::now(owner, owner);
    let task = follow_up(format!("Follow up: new web lead ({})", form.config.name));
    crate::activity::db::insert(&mut *tx, RecordType::Lead, id, &task, false, &who).await?;
    if let Some(list) = form.config.list_id {
        let from = format!("Web form {}", form.config.name);
        crate::lists::db::add_new_member(&mut *tx, list, MemberType::Lead, id, &from, owner)
            .await?;
    }
    mark(SubmissionOutcome::Created, None, Some(id), None)
        .execute(&mut *tx)
        .await?;
    Ok(Decision::Created(id))
}

#[derive(sqlx::FromRow)]
struct WaitingRow {
    id: i64,
    form_id: i64,
    outcome: SubmissionOutcome,
    submission_id: Option<String>,
    client_address: Option<String>,
    fields: Option<String>,
    consent: bool,
    #[sqlx(flatten)]
    origin: WebOrigin,
}

impl WaitingRow {
    fn received(&self) -> Received {
        Received {
            submission_id: self.submission_id.clone(),
            client_address: self.client_address.clone().unwrap_or_default(),
            values: self
                .fields
                .as_deref()
                .and_then(|fields| serde_json::from_str(fields).ok())
                .unwrap_or_default(),
            consent: self.consent,
            origin: self.origin.clone(),
        }
    }
}

const WAITING_COLUMNS: &str = "id, form_id, outcome, submission_id, client_address, fields, \
    consent, page_url, referrer, utm_source, utm_medium, utm_campaign, utm_term, utm_content";

/// Releases a quarantined (or queued) submission: it is handled as if it had passed the spam
/// checks. A submission whose values are invalid stays, with the reason.
pub async fn release(pool: &SqlitePool, id: i64, admin: &User) -> Result<Decision, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let sql = format!("SELECT {WAITING_COLUMNS} FROM web_submissions WHERE id = ?");
    let row: WaitingRow = sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::NotFound("This submission".into()))?;
    if !matches!(
        row.outcome,
        SubmissionOutcome::Quarantined | SubmissionOutcome::Queued
    ) {
        return Err(AppError::Conflict {
            message: format!(
                "This submission was already {}.",
                row.outcome.label().to_lowercase()
            ),
            changed_fields: Vec::new(),
        });
    }
    let form = load_form_in(&mut tx, "id = ?", row.form_id.to_string())
        .await?
        .ok_or_else(|| AppError::NotFound("This form".into()))?;
    let decision = accept_in(&mut tx, &form, &row.received(), row.id, Some(admin.id)).await?;
    tx.commit().await?;
    Ok(decision)
}

/// Deletes a waiting submission's values; the log keeps that it was deleted, by whom.
pub async fn delete_submission(pool: &SqlitePool, id: i64, admin: &User) -> Result<(), AppError> {
    let updated = sqlx::query(
        "UPDATE web_submissions SET outcome = 'deleted', fields = NULL, page_url = NULL, \
         referrer = NULL, decided_by = ?, decided_at = ? \
         WHERE id = ? AND outcome IN ('quarantined', 'queued')",
    )
    .bind(admin.id)
    .bind(now())
    .bind(id)
    .execute(pool)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::Conflict {
            message: "This submission is no longer waiting.".into(),
            changed_fields: Vec::new(),
        });
    }
    Ok(())
}

/// The oldest queued submissions (over a form's rate when they arrived), for the worker.
pub async fn queued(pool: &SqlitePool, limit: i64) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, form_id FROM web_submissions WHERE outcome = 'queued' ORDER BY id LIMIT ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Handles one queued submission as received; an invalid one is rejected with its reason.
pub async fn process_queued(pool: &SqlitePool, id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let sql = format!(
        "SELECT {WAITING_COLUMNS} FROM web_submissions WHERE id = ? AND outcome = 'queued'"
    );
    let Some(row) = sqlx::query_as::<_, WaitingRow>(&sql)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(());
    };
    let Some(form) = load_form_in(&mut tx, "id = ?", row.form_id.to_string()).await? else {
        return Ok(());
    };
    match accept_in(&mut tx, &form, &row.received(), row.id, None).await {
        Ok(_) => {}
        Err(AppError::Validation(errors)) => {
            let reason = errors.into_values().collect::<Vec<_>>().join(" ");
            sqlx::query("UPDATE web_submissions SET outcome = 'rejected', reason = ? WHERE id = ?")
                .bind(reason)
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
        }
        Err(error) => return Err(error),
    }
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LogRow {
    id: i64,
    received_at: String,
    outcome: SubmissionOutcome,
    reason: Option<String>,
    fields: Option<String>,
    form_fields: String,
    lead_id: Option<i64>,
    lead_topic: Option<String>,
    contact_id: Option<i64>,
    contact_name: Option<String>,
}

/// A form's submissions (or, without a form, every form's waiting ones), newest first.
pub async fn submissions(
    pool: &SqlitePool,
    form_id: Option<i64>,
    page: i64,
) -> Result<SubmissionLog, AppError> {
    let (condition, form_name) = match form_id {
        Some(id) => {
            let name: String = sqlx::query_scalar("SELECT name FROM web_forms WHERE id = ?")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| AppError::NotFound("This form".into()))?;
            ("s.form_id = ?1", name)
        }
        None => (
            "s.outcome IN ('quarantined', 'queued') AND ?1 IS NULL",
            "All forms".to_string(),
        ),
    };
    let sql = format!(
        "SELECT s.id, s.received_at, s.outcome, s.reason, s.fields, f.fields AS form_fields, \
         s.lead_id, l.topic AS lead_topic, s.contact_id, \
         trim(coalesce(c.first_name, '') || ' ' || c.last_name) AS contact_name \
         FROM web_submissions s JOIN web_forms f ON f.id = s.form_id \
         LEFT JOIN leads l ON l.id = s.lead_id LEFT JOIN contacts c ON c.id = s.contact_id \
         WHERE {condition} ORDER BY s.id DESC LIMIT ?2 OFFSET ?3"
    );
    let rows: Vec<LogRow> = sqlx::query_as(&sql)
        .bind(form_id)
        .bind(super::LOG_PAGE_SIZE)
        .bind((page.max(1) - 1) * super::LOG_PAGE_SIZE)
        .fetch_all(pool)
        .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM web_submissions s WHERE {condition}"
    ))
    .bind(form_id)
    .fetch_one(pool)
    .await?;
    let rows = rows
        .into_iter()
        .map(|row| {
            let values: BTreeMap<String, String> = row
                .fields
                .as_deref()
                .and_then(|fields| serde_json::from_str(fields).ok())
                .unwrap_or_default();
            let form_fields: Vec<super::FormField> =
                serde_json::from_str(&row.form_fields).unwrap_or_default();
            let labelled = form_fields
                .iter()
                .filter_map(|field| Some((field.label.clone(), values.get(&field.field)?.clone())))
                .collect();
            let record = match (row.lead_id, row.contact_id) {
                (Some(id), _) => Some((row.lead_topic.unwrap_or_default(), format!("/leads/{id}"))),
                (None, Some(id)) => Some((
                    row.contact_name.unwrap_or_default(),
                    format!("/contacts/{id}"),
                )),
                _ => None,
            };
            SubmissionRow {
                id: row.id,
                received_at: row.received_at,
                outcome: row.outcome,
                reason: row.reason,
                sender: sender_of(&values),
                values: if matches!(
                    row.outcome,
                    SubmissionOutcome::Quarantined | SubmissionOutcome::Queued
                ) {
                    labelled
                } else {
                    Vec::new()
                },
                record,
            }
        })
        .collect();
    Ok(SubmissionLog {
        form_name,
        rows,
        total,
    })
}

/// New web leads the user owns and has not opened yet (the badge on Leads).
pub async fn unread_web_leads(pool: &SqlitePool, user_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM lead_web_origins w JOIN leads l ON l.id = w.lead_id \
         WHERE w.seen_at IS NULL AND l.owner_id = ? AND l.status = 'open'",
    )
    .bind(user_id)
    .fetch_one(pool)
    .await?)
}

/// A web lead's origin; opening it as its owner marks it read.
pub async fn lead_origin(
    pool: &SqlitePool,
    lead_id: i64,
    viewer: &User,
    owner_id: i64,
) -> Result<Option<super::LeadWebOrigin>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        form_id: i64,
        form_name: String,
        seen_at: Option<String>,
        #[sqlx(flatten)]
        origin: WebOrigin,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT w.form_id, f.name AS form_name, w.seen_at, w.page_url, w.referrer, w.utm_source, \
         w.utm_medium, w.utm_campaign, w.utm_term, w.utm_content \
         FROM lead_web_origins w JOIN web_forms f ON f.id = w.form_id WHERE w.lead_id = ?",
    )
    .bind(lead_id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.seen_at.is_none() && viewer.id == owner_id {
        sqlx::query("UPDATE lead_web_origins SET seen_at = ? WHERE lead_id = ?")
            .bind(now())
            .bind(lead_id)
            .execute(pool)
            .await?;
    }
    Ok(Some(super::LeadWebOrigin {
        form: crate::types::RecordLink {
            id: row.form_id,
            name: row.form_name,
        },
        origin: row.origin,
    }))
}

/// The demo's web form: "Website contact form", round-robin over the demo rep and manager.
pub async fn insert_demo_form(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let id_of = |email: &'static str| {
        sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = ?").bind(email)
    };
    let admin = id_of("admin@example.com").fetch_one(&mut *conn).await?;
    let rep = id_of("rep@example.com").fetch_one(&mut *conn).await?;
    let manager = id_of("manager@example.com").fetch_one(&mut *conn).await?;
    let field = |field: &str, label: &str, required: bool| super::FormField {
        field: field.into(),
        label: label.into(),
        required,
    };
    let config = WebFormConfig {
        name: "Website contact form".into(),
        fields: vec![
            field("first_name", "First name", false),
            field("last_name", "Last name", true),
            field("email", "Work email", true),
            field("company_name", "Company", false),
            field("description", "How can we help?", false),
        ],
        consent_text: Some("I agree to be contacted about my enquiry.".into()),
        lead_source: crate::lead::LeadSource::Web,
        campaign: None,
        owner: OwnerChoice::RoundRobin(vec![rep, manager]),
        thank_you: Some(
            "Thank you. A member of our sales team will be in touch within one working day.".into(),
        ),
        redirect_url: None,
        allowed_origins: vec!["https://www.example.com".into()],
        min_fill_seconds: 3,
        list_id: None,
    };
    insert_form(conn, &config, admin).await.map(|_| ())
}
