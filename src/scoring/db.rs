//! Scoring's storage: the published versions and the draft (JSON of `RuleSetDraft`), each
//! open lead's score written beside its fields (`rescore`, called by every lead and
//! activity write in its transaction), the recompute of every open lead with its progress
//! (after a publish, and daily for the rules that depend on time), and the backtest.

use super::rules::{self, ScoringInput, ScoringRules};
use super::{
    Backtest, BacktestProgress, BacktestRow, Grade, LeadScore, RecomputeProgress, RuleSetDraft,
    ScoringEditor,
};
use crate::auth::User;
use crate::error::AppError;
use crate::lead::LeadStatus;
use crate::lead::rules::LeadFields;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};
use std::collections::{HashMap, HashSet};

/// Open leads scored per transaction of a recompute (and closed ones per backtest step).
const CHUNK: i64 = 2_000;

/// Seconds since the epoch of a stored time (RFC 3339, or without its offset: UTC).
fn seconds(at: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| t.timestamp())
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S%.f")
                .map(|t| t.and_utc().timestamp())
        })
        .unwrap_or(0)
}

fn parse(json: &str) -> Result<RuleSetDraft, AppError> {
    serde_json::from_str(json).map_err(|error| {
        tracing::error!(%error, "stored scoring rules do not parse");
        AppError::Internal
    })
}

fn to_json(draft: &RuleSetDraft) -> Result<String, AppError> {
    serde_json::to_string(draft).map_err(|_| AppError::Internal)
}

/// The latest published rules as stored, with their version.
async fn latest(
    conn: &mut SqliteConnection,
) -> Result<Option<(i64, RuleSetDraft, String)>, AppError> {
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT version, rules, published_at FROM scoring_versions ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(version, json, at)| Ok((version, parse(&json)?, at)))
        .transpose()
}

/// The published rules, checked, and their version (None before the first start's
/// defaults are written).
pub async fn published(
    conn: &mut SqliteConnection,
) -> Result<Option<(i64, ScoringRules)>, AppError> {
    latest(conn)
        .await?
        .map(|(version, draft, _)| Ok((version, rules::validate(&draft)?)))
        .transpose()
}

/// On a database without scoring rules, publishes the defaults as version 1 (the draft
/// starts as the same).
pub async fn ensure_published(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let json = serde_json::to_string(&rules::default_rules())
        .map_err(|error| sqlx::Error::Protocol(error.to_string()))?;
    let at = chrono::Utc::now().to_rfc3339();
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query(
        "INSERT INTO scoring_versions (version, rules, published_at) \
         SELECT 1, ?, ? WHERE NOT EXISTS (SELECT 1 FROM scoring_versions)",
    )
    .bind(&json)
    .bind(&at)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT OR IGNORE INTO scoring_draft (id, rules, revision, saved_at) \
         SELECT 1, rules, 1, ? FROM scoring_versions ORDER BY version DESC LIMIT 1",
    )
    .bind(&at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A lead as scoring reads it, with the score it has now (a write is skipped when the new
/// one is the same).
#[derive(sqlx::FromRow)]
struct ScoredLead {
    id: i64,
    status: LeadStatus,
    created_at: String,
    closed_at: Option<String>,
    score_detail: Option<String>,
    #[sqlx(flatten)]
    fields: LeadFields,
}

/// The columns of a `ScoredLead`.
fn scored_lead_columns() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT id, status, created_at, closed_at, score_detail, {} FROM leads WHERE ",
            crate::lead::db::LEAD_FIELD_COLUMNS.join(", ")
        )
    })
}

/// What else a lead is scored on: its activities' times and whether a web form brought it.
#[derive(Default)]
struct Engagement {
    activities: HashMap<i64, Vec<i64>>,
    web: HashSet<i64>,
}

impl Engagement {
    /// For the leads `filter` picks (a WHERE on `lead_id`).
    async fn load(
        conn: &mut SqliteConnection,
        filter: impl Fn(&mut QueryBuilder<'_, Sqlite>),
    ) -> Result<Engagement, sqlx::Error> {
        let mut activities = QueryBuilder::new("SELECT lead_id, created_at FROM activities WHERE ");
        filter(&mut activities);
        let rows: Vec<(i64, String)> = activities.build_query_as().fetch_all(&mut *conn).await?;
        let mut engagement = Engagement::default();
        for (lead, at) in rows {
            engagement
                .activities
                .entry(lead)
                .or_default()
                .push(seconds(&at));
        }
        let mut web = QueryBuilder::new("SELECT lead_id FROM lead_web_origins WHERE ");
        filter(&mut web);
        engagement.web = web
            .build_query_scalar::<i64>()
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
        Ok(engagement)
    }

    fn input<'a>(&'a self, lead: &'a ScoredLead, now: i64) -> ScoringInput<'a> {
        ScoringInput {
            fields: &lead.fields,
            created_at: seconds(&lead.created_at),
            activity_times: self
                .activities
                .get(&lead.id)
                .map(Vec::as_slice)
                .unwrap_or_default(),
            web_form: self.web.contains(&lead.id),
            now,
        }
    }
}

fn push_ids(sql: &mut QueryBuilder<'_, Sqlite>, column: &str, ids: &[i64]) {
    sql.push(format!("{column} IN ("));
    let mut list = sql.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    sql.push(")");
}

fn push_range(sql: &mut QueryBuilder<'_, Sqlite>, column: &str, (first, last): (i64, i64)) {
    sql.push(format!("{column} BETWEEN "))
        .push_bind(first)
        .push(" AND ")
        .push_bind(last);
}

/// Leads whose score is written per statement (five values each).
const WRITES_PER_STATEMENT: usize = 500;

/// A lead's new score and its stored form.
type NewScore = (i64, Option<LeadScore>, Option<String>);

/// Writes new scores (None: the lead is closed, so it has none), many per statement.
async fn write_scores(conn: &mut SqliteConnection, scores: &[NewScore]) -> Result<(), AppError> {
    for batch in scores.chunks(WRITES_PER_STATEMENT) {
        let mut sql = QueryBuilder::new(
            "UPDATE leads SET score = v.column2, grade = v.column3, score_version = v.column4, \
             score_detail = v.column5 FROM (",
        );
        sql.push_values(batch, |mut row, (id, score, detail)| {
            row.push_bind(*id)
                .push_bind(score.as_ref().map_or(0, |s| s.score))
                .push_bind(score.as_ref().map(|s| s.grade))
                .push_bind(score.as_ref().map(|s| s.version))
                .push_bind(detail.clone());
        });
        sql.push(") AS v WHERE leads.id = v.column1");
        sql.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The leads' new scores, leaving out those that have not changed.
fn score_all(
    rules: &ScoringRules,
    version: i64,
    leads: &[ScoredLead],
    engagement: &Engagement,
    now: i64,
) -> Result<Vec<NewScore>, AppError> {
    let mut changed = Vec::with_capacity(leads.len());
    for lead in leads {
        let score = (lead.status == LeadStatus::Open)
            .then(|| rules::evaluate(rules, version, &engagement.input(lead, now)));
        let detail = score
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|_| AppError::Internal)?;
        if detail != lead.score_detail {
            changed.push((lead.id, score, detail));
        }
    }
    Ok(changed)
}

/// Scores these leads now with the published rules, in the caller's transaction: every
/// write that can change a score (the lead's fields or status, an activity logged on it, a
/// web form) calls it. Closed leads lose their score.
pub async fn rescore(conn: &mut SqliteConnection, ids: &[i64]) -> Result<(), AppError> {
    let Some((version, rules)) = published(conn).await? else {
        return Ok(());
    };
    let now = chrono::Utc::now().timestamp();
    for chunk in ids.chunks(CHUNK as usize) {
        let mut leads = QueryBuilder::new(scored_lead_columns());
        push_ids(&mut leads, "id", chunk);
        let leads: Vec<ScoredLead> = leads.build_query_as().fetch_all(&mut *conn).await?;
        let engagement = Engagement::load(conn, |sql| push_ids(sql, "lead_id", chunk)).await?;
        write_scores(conn, &score_all(&rules, version, &leads, &engagement, now)?).await?;
    }
    Ok(())
}

/// An open lead's stored score with its lines (None for closed leads).
pub async fn lead_score(pool: &SqlitePool, id: i64) -> Result<Option<LeadScore>, sqlx::Error> {
    let detail: Option<String> =
        sqlx::query_scalar("SELECT score_detail FROM leads WHERE id = ? AND status = 'open'")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .flatten();
    Ok(detail.and_then(|json| {
        serde_json::from_str(&json)
            .inspect_err(|error| tracing::error!(%error, id, "a stored lead score does not parse"))
            .ok()
    }))
}

/// The next chunk of leads after `after` (by id) that `status_filter` keeps. The filter is
/// written `+status` so the walk stays on the id order: a status index would read and sort
/// every lead of that status for each chunk.
async fn next_chunk(
    conn: &mut SqliteConnection,
    status_filter: &str,
    after: i64,
) -> Result<(Vec<ScoredLead>, Engagement), sqlx::Error> {
    let leads: Vec<ScoredLead> = sqlx::query_as(&format!(
        "{}{status_filter} AND id > ? ORDER BY id LIMIT ?",
        scored_lead_columns()
    ))
    .bind(after)
    .bind(CHUNK)
    .fetch_all(&mut *conn)
    .await?;
    let engagement = match (leads.first(), leads.last()) {
        (Some(first), Some(last)) => {
            let range = (first.id, last.id);
            Engagement::load(conn, |sql| push_range(sql, "lead_id", range)).await?
        }
        _ => Engagement::default(),
    };
    Ok((leads, engagement))
}

/// The last recompute's progress, if one ran.
pub async fn progress(pool: &SqlitePool) -> Result<Option<RecomputeProgress>, sqlx::Error> {
    sqlx::query_as("SELECT version, done, total, finished FROM scoring_recompute")
        .fetch_optional(pool)
        .await
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// Marks a recompute of every open lead as started (so its progress shows at once).
async fn start_recompute(
    pool: &SqlitePool,
    version: i64,
) -> Result<RecomputeProgress, sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leads WHERE status = 'open'")
        .fetch_one(pool)
        .await?;
    sqlx::query(
        "INSERT INTO scoring_recompute (id, version, done, total, finished, day) \
         VALUES (1, ?, 0, ?, 0, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, \
         done = 0, total = excluded.total, finished = 0, day = excluded.day",
    )
    .bind(version)
    .bind(total)
    .bind(today())
    .execute(pool)
    .await?;
    Ok(RecomputeProgress {
        version,
        done: 0,
        total,
        finished: false,
    })
}

/// Scores every open lead with the published rules, a chunk per transaction, keeping the
/// progress row up to date; returns how many were scored.
pub async fn recompute_all(pool: &SqlitePool) -> Result<i64, AppError> {
    let mut conn = pool.acquire().await?;
    let Some((version, rules)) = published(&mut conn).await? else {
        return Ok(0);
    };
    drop(conn);
    start_recompute(pool, version).await?;
    let now = chrono::Utc::now().timestamp();
    let (mut after, mut done) = (0, 0);
    loop {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let (leads, engagement) = next_chunk(&mut tx, "+status = 'open'", after).await?;
        let Some(last) = leads.last() else {
            break;
        };
        after = last.id;
        done += leads.len() as i64;
        write_scores(
            &mut tx,
            &score_all(&rules, version, &leads, &engagement, now)?,
        )
        .await?;
        sqlx::query("UPDATE scoring_recompute SET done = ?")
            .bind(done)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    sqlx::query("UPDATE scoring_recompute SET done = ?, total = ?, finished = 1")
        .bind(done)
        .bind(done)
        .execute(pool)
        .await?;
    Ok(done)
}

fn spawn_recompute(pool: SqlitePool) {
    tokio::spawn(async move {
        if let Err(error) = recompute_all(&pool).await {
            tracing::error!(%error, "recomputing lead scores failed");
        }
    });
}

/// How often the server checks whether today's recompute (time-based rules) has run.
const DAILY_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// The daily recompute: at start when the last one was on an earlier day (or never), then
/// whenever the day changes.
pub fn spawn_daily(pool: SqlitePool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let last_day: Result<Option<String>, sqlx::Error> =
                sqlx::query_scalar("SELECT day FROM scoring_recompute")
                    .fetch_optional(&pool)
                    .await;
            match last_day {
                Ok(day) if day.as_deref() == Some(today().as_str()) => {}
                Ok(_) => {
                    if let Err(error) = recompute_all(&pool).await {
                        tracing::error!(%error, "the daily lead score recompute failed");
                    }
                }
                Err(error) => tracing::error!(%error, "reading the last score recompute failed"),
            }
            tokio::time::sleep(DAILY_CHECK_EVERY).await;
        }
    })
}

/// The scoring settings page's content.
pub async fn editor(pool: &SqlitePool) -> Result<ScoringEditor, AppError> {
    let mut conn = pool.acquire().await?;
    let (json, revision): (String, i64) =
        sqlx::query_as("SELECT rules, revision FROM scoring_draft WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
    let draft = parse(&json)?;
    let (published_version, published, published_at) = latest(&mut conn)
        .await?
        .ok_or_else(|| AppError::NotFound("The published rules".into()))?;
    drop(conn);
    Ok(ScoringEditor {
        warnings: rules::validate(&draft)
            .map(|checked| rules::warnings(&checked))
            .unwrap_or_default(),
        draft_is_published: draft == published,
        draft,
        revision,
        published_version,
        published_at: Some(published_at),
        fields: rules::scoring_fields(),
        recompute: progress(pool).await?,
    })
}

/// The stored draft's revision, or a conflict naming who saved it since `revision`.
async fn check_revision(conn: &mut SqliteConnection, revision: i64) -> Result<String, AppError> {
    let (json, current, by): (String, i64, Option<String>) = sqlx::query_as(
        "SELECT d.rules, d.revision, u.name FROM scoring_draft d \
         LEFT JOIN users u ON u.id = d.saved_by WHERE d.id = 1",
    )
    .fetch_one(&mut *conn)
    .await?;
    if current != revision {
        return Err(AppError::Conflict {
            message: format!(
                "{} saved the draft meanwhile. Reload to see their rules before saving yours.",
                by.unwrap_or_else(|| "Someone".into())
            ),
            changed_fields: Vec::new(),
        });
    }
    Ok(json)
}

/// Saves the draft made on `revision` (checked first); the new revision.
pub async fn save_draft(
    pool: &SqlitePool,
    draft: &RuleSetDraft,
    revision: i64,
    user: &User,
) -> Result<i64, AppError> {
    rules::validate(draft)?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    check_revision(&mut tx, revision).await?;
    sqlx::query(
        "UPDATE scoring_draft SET rules = ?, revision = revision + 1, saved_at = ?, saved_by = ? \
         WHERE id = 1",
    )
    .bind(to_json(draft)?)
    .bind(chrono::Utc::now().to_rfc3339())
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(revision + 1)
}

/// Publishes the draft saved at `revision` as the next version and starts recomputing every
/// open lead with it; the recompute's first progress.
pub async fn publish(
    pool: &SqlitePool,
    revision: i64,
    user: &User,
) -> Result<RecomputeProgress, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let json = check_revision(&mut tx, revision).await?;
    let draft = parse(&json)?;
    rules::validate(&draft)?;
    let latest = latest(&mut tx).await?;
    if latest
        .as_ref()
        .is_some_and(|(_, published, _)| *published == draft)
    {
        return Err(AppError::field(
            "draft",
            "The draft is what is published already.",
        ));
    }
    let version = latest.map_or(1, |(version, ..)| version + 1);
    sqlx::query(
        "INSERT INTO scoring_versions (version, rules, published_at, published_by) \
         VALUES (?, ?, ?, ?)",
    )
    .bind(version)
    .bind(&json)
    .bind(chrono::Utc::now().to_rfc3339())
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let progress = start_recompute(pool, version).await?;
    spawn_recompute(pool.clone());
    Ok(progress)
}

/// Adds one lead's grade and outcome to a backtest's rows (A to D, in order).
fn tally(rows: &mut [BacktestRow], grade: Grade, status: LeadStatus) {
    if let Some(row) = rows.iter_mut().find(|row| row.grade == grade) {
        row.leads += 1;
        match status {
            LeadStatus::Qualified => row.qualified += 1,
            _ => row.disqualified += 1,
        }
    }
}

fn empty_rows() -> Vec<BacktestRow> {
    Grade::ALL
        .iter()
        .map(|grade| BacktestRow {
            grade: *grade,
            leads: 0,
            qualified: 0,
            disqualified: 0,
        })
        .collect()
}

/// Checks `draft` and starts backtesting it in the background (`backtest` with a progress
/// row); the run's progress, polled with `backtest_progress`.
pub async fn start_backtest(
    pool: &SqlitePool,
    draft: &RuleSetDraft,
    user: &User,
) -> Result<BacktestProgress, AppError> {
    rules::validate(draft)?;
    let mut conn = pool.acquire().await?;
    if published(&mut conn).await?.is_none() {
        return Err(AppError::NotFound("The published rules".into()));
    }
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leads WHERE +status <> 'open'")
        .fetch_one(&mut *conn)
        .await?;
    let now = chrono::Utc::now();
    sqlx::query("DELETE FROM scoring_backtests WHERE started_at < ?")
        .bind((now - chrono::Duration::days(1)).to_rfc3339())
        .execute(&mut *conn)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO scoring_backtests (started_by, started_at, total) VALUES (?, ?, ?) \
         RETURNING id",
    )
    .bind(user.id)
    .bind(now.to_rfc3339())
    .bind(total)
    .fetch_one(&mut *conn)
    .await?;
    let (pool, draft) = (pool.clone(), draft.clone());
    tokio::spawn(async move {
        let (result, error) = match backtest(&pool, &draft, Some(id)).await {
            Ok(result) => (serde_json::to_string(&result).ok(), None),
            Err(error) => {
                tracing::error!(%error, id, "a scoring backtest failed");
                (
                    None,
                    Some("The backtest stopped on an error: run it again."),
                )
            }
        };
        let stored = sqlx::query("UPDATE scoring_backtests SET result = ?, error = ? WHERE id = ?")
            .bind(result)
            .bind(error)
            .bind(id)
            .execute(&pool)
            .await;
        if let Err(error) = stored {
            tracing::error!(%error, id, "storing a scoring backtest's result failed");
        }
    });
    Ok(BacktestProgress {
        id,
        done: 0,
        total,
        result: None,
        error: None,
    })
}

/// How far backtest `id` has got, and its result once it is done.
pub async fn backtest_progress(pool: &SqlitePool, id: i64) -> Result<BacktestProgress, AppError> {
    let row: Option<(i64, i64, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT done, total, result, error FROM scoring_backtests WHERE id = ?")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    let (done, total, result, error) =
        row.ok_or_else(|| AppError::NotFound("The backtest".into()))?;
    let result = result
        .map(|json| serde_json::from_str(&json))
        .transpose()
        .map_err(|error| {
            tracing::error!(%error, id, "a stored backtest does not parse");
            AppError::Internal
        })?;
    Ok(BacktestProgress {
        id,
        done,
        total,
        result,
        error,
    })
}

/// At start: backtests a stopped server left running never finish, so they are ended with
/// a message; how many.
pub async fn interrupt_unfinished_backtests(pool: &SqlitePool) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE scoring_backtests SET error = 'The server restarted during the backtest: run it again.' \
         WHERE result IS NULL AND error IS NULL",
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// Scores every closed lead as it stood when it closed (its fields now, the activities
/// logged until then) with `draft` and with the published rules, per grade; with
/// `progress`, counts the leads done in that backtest's row after each chunk.
pub async fn backtest(
    pool: &SqlitePool,
    draft: &RuleSetDraft,
    progress: Option<i64>,
) -> Result<Backtest, AppError> {
    let drafted = rules::validate(draft)?;
    let mut conn = pool.acquire().await?;
    let (version, published) = published(&mut conn)
        .await?
        .ok_or_else(|| AppError::NotFound("The published rules".into()))?;
    let (mut draft_rows, mut published_rows) = (empty_rows(), empty_rows());
    let (mut after, mut done) = (0, 0);
    loop {
        if let Some(id) = progress {
            sqlx::query("UPDATE scoring_backtests SET done = ? WHERE id = ?")
                .bind(done)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        let (leads, engagement) = next_chunk(&mut conn, "+status <> 'open'", after).await?;
        let Some(last) = leads.last() else {
            break;
        };
        after = last.id;
        done += leads.len() as i64;
        for lead in &leads {
            let closed = lead.closed_at.as_deref().map_or(0, seconds);
            let input = engagement.input(lead, closed);
            let by_draft = rules::evaluate(&drafted, 0, &input);
            let by_published = rules::evaluate(&published, version, &input);
            tally(&mut draft_rows, by_draft.grade, lead.status);
            tally(&mut published_rows, by_published.grade, lead.status);
        }
    }
    Ok(Backtest {
        draft: draft_rows,
        published: published_rows,
        published_version: version,
    })
}
