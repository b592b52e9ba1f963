//! Loading and storing activities; the timeline's two sources (activities and history events).

use super::rules::{EVENT_FIELDS, ValidActivity, merge_timeline};
use super::{
    ACTIVITY_PAGE_SIZE, ActivityItem, ActivityKind, ActivityPage, ActivityQuery, ActivitySort,
    ActivityView, MyActivities, RecordType, SystemEvent, TimelinePage,
};
use crate::auth::{Role, User};
use crate::error::AppError;
use crate::history::db::{bind_authorship, insert_rows_sql, inserted_ids, rows_per_statement};
use crate::history::{self, Authorship, FieldChange};
use sqlx::{SqliteConnection, SqlitePool};

/// The columns of an `ActivityItem`, from `activities a` joined to its owner `u`.
const ACTIVITY_COLUMNS: &str = "a.id, a.kind, a.subject, a.body, a.direction, a.outcome, \
    a.due_date, a.done, a.starts_at, a.ends_at, a.location, a.owner_id, u.name AS owner_name, \
    a.created_at, a.version, \
    CASE WHEN a.lead_id IS NOT NULL THEN 'lead' WHEN a.opportunity_id IS NOT NULL THEN 'opportunity' \
         WHEN a.account_id IS NOT NULL THEN 'account' ELSE 'contact' END AS regarding_type, \
    COALESCE(a.lead_id, a.opportunity_id, a.account_id, a.contact_id) AS regarding_id, \
    COALESCE((SELECT topic FROM leads WHERE id = a.lead_id), \
             (SELECT topic FROM opportunities WHERE id = a.opportunity_id), \
             (SELECT name FROM accounts WHERE id = a.account_id), \
             (SELECT TRIM(COALESCE(first_name || ' ', '') || last_name) FROM contacts WHERE id = a.contact_id), \
             '') AS regarding_name";

fn table(regarding: RecordType) -> &'static str {
    match regarding {
        RecordType::Lead => "leads",
        RecordType::Opportunity => "opportunities",
        RecordType::Account => "accounts",
        RecordType::Contact => "contacts",
    }
}

/// The ids and times of the activities on a record's timeline (?1 is the record): its own,
/// plus on an opportunity those of its originating lead, and on an account those of its
/// contacts and opportunities. Each branch reads its own index.
fn timeline_sources(regarding: RecordType) -> &'static str {
    match regarding {
        RecordType::Lead => "SELECT id, created_at FROM activities WHERE lead_id = ?1",
        RecordType::Contact => "SELECT id, created_at FROM activities WHERE contact_id = ?1",
        RecordType::Opportunity => {
            "SELECT id, created_at FROM activities WHERE opportunity_id = ?1 \
             UNION ALL SELECT id, created_at FROM activities \
             WHERE lead_id = (SELECT originating_lead_id FROM opportunities WHERE id = ?1)"
        }
        RecordType::Account => {
            "SELECT id, created_at FROM activities WHERE account_id = ?1 \
             UNION ALL SELECT a.id, a.created_at FROM contacts c \
             JOIN activities a ON a.contact_id = c.id WHERE c.account_id = ?1 \
             UNION ALL SELECT a.id, a.created_at FROM opportunities o \
             JOIN activities a ON a.opportunity_id = o.id WHERE o.account_id = ?1"
        }
    }
}

/// Whether the record exists (a 404 otherwise).
async fn check_exists(pool: &SqlitePool, regarding: RecordType, id: i64) -> Result<(), AppError> {
    let sql = format!("SELECT 1 FROM {} WHERE id = ?", table(regarding));
    let found: Option<i64> = sqlx::query_scalar(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| AppError::NotFound(format!("This {}", regarding.code())))
}

/// Logs an activity on a record, owned by the user who logs it.
pub async fn log(
    pool: &SqlitePool,
    regarding: RecordType,
    record_id: i64,
    activity: &ValidActivity,
    user: &User,
) -> Result<i64, AppError> {
    check_exists(pool, regarding, record_id).await?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let who = Authorship::now(user.id, user.id);
    let id = insert(&mut tx, regarding, record_id, activity, false, &who).await?;
    tx.commit().await?;
    Ok(id)
}

/// One activity to write: what, on which record, whether it is done, by whom.
pub struct NewActivity<'a> {
    pub regarding: RecordType,
    pub record_id: i64,
    pub activity: &'a ValidActivity,
    pub done: bool,
    pub who: &'a Authorship,
}

/// The one INSERT of an activity, for Log and the generator (which also writes tasks that
/// were done). The caller has validated `activity` and checked that the record exists.
pub async fn insert(
    conn: &mut SqliteConnection,
    regarding: RecordType,
    record_id: i64,
    activity: &ValidActivity,
    done: bool,
    who: &Authorship,
) -> Result<i64, AppError> {
    let new = NewActivity {
        regarding,
        record_id,
        activity,
        done,
        who,
    };
    let ids = insert_many(conn, &[new]).await?;
    ids.first().copied().ok_or(AppError::Internal)
}

const NEW_ACTIVITY_COLUMNS: [&str; 14] = [
    "kind",
    "subject",
    "body",
    "direction",
    "outcome",
    "due_date",
    "starts_at",
    "ends_at",
    "location",
    "done",
    "lead_id",
    "opportunity_id",
    "account_id",
    "contact_id",
];

/// `insert` for many activities at once (multi-row statements); their ids, in order.
pub async fn insert_many(
    conn: &mut SqliteConnection,
    records: &[NewActivity<'_>],
) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::with_capacity(records.len());
    for batch in records.chunks(rows_per_statement(NEW_ACTIVITY_COLUMNS.len())) {
        let sql = insert_rows_sql("activities", &NEW_ACTIVITY_COLUMNS, batch.len());
        let mut query = sqlx::query(&sql);
        for new in batch {
            let on = |kind: RecordType| (new.regarding == kind).then_some(new.record_id);
            let activity = new.activity;
            query = query
                .bind(activity.kind)
                .bind(&activity.subject)
                .bind(&activity.body)
                .bind(activity.direction)
                .bind(&activity.outcome)
                .bind(&activity.due_date)
                .bind(&activity.starts_at)
                .bind(&activity.ends_at)
                .bind(&activity.location)
                .bind(new.done)
                .bind(on(RecordType::Lead))
                .bind(on(RecordType::Opportunity))
                .bind(on(RecordType::Account))
                .bind(on(RecordType::Contact));
            query = bind_authorship(query, new.who);
        }
        ids.extend(inserted_ids(query.execute(&mut *conn).await?, batch.len()));
    }
    // An activity on a lead is engagement: its score changes with it.
    let mut leads: Vec<i64> = records
        .iter()
        .filter(|new| new.regarding == RecordType::Lead)
        .map(|new| new.record_id)
        .collect();
    leads.sort_unstable();
    leads.dedup();
    crate::scoring::db::rescore(conn, &leads).await?;
    Ok(ids)
}

/// The newest `limit` entries of a record's timeline.
pub async fn timeline(
    pool: &SqlitePool,
    regarding: RecordType,
    record_id: i64,
    limit: i64,
) -> Result<TimelinePage, AppError> {
    check_exists(pool, regarding, record_id).await?;
    // One more than asked tells whether there is more.
    let fetch = limit + 1;
    let sql = format!(
        "SELECT {ACTIVITY_COLUMNS} FROM \
         (SELECT id FROM ({}) ORDER BY created_at DESC, id DESC LIMIT ?2) page \
         JOIN activities a ON a.id = page.id JOIN users u ON u.id = a.owner_id \
         ORDER BY a.created_at DESC, a.id DESC",
        timeline_sources(regarding)
    );
    let activities: Vec<ActivityItem> = sqlx::query_as(&sql)
        .bind(record_id)
        .bind(fetch)
        .fetch_all(pool)
        .await?;
    let events_sql = format!(
        "SELECT h.id, h.field, h.old_value, h.new_value, u.name AS changed_by, h.changed_at \
         FROM record_history h JOIN users u ON u.id = h.changed_by \
         WHERE h.record_type = ?1 AND h.record_id = ?2 AND h.field IN ('{}') \
         ORDER BY h.changed_at DESC, h.id DESC LIMIT ?3",
        EVENT_FIELDS.join("', '")
    );
    let events: Vec<SystemEvent> = sqlx::query_as(&events_sql)
        .bind(regarding)
        .bind(record_id)
        .bind(fetch)
        .fetch_all(pool)
        .await?;
    let (entries, more) = merge_timeline(activities, events, limit.max(0) as usize);
    Ok(TimelinePage { entries, more })
}

/// The user's open tasks, overdue first (by due date; undated last), and the appointments
/// that start on `today`.
pub async fn mine(pool: &SqlitePool, user: &User, today: &str) -> Result<MyActivities, AppError> {
    let tasks = sqlx::query_as(&format!(
        "SELECT {ACTIVITY_COLUMNS} FROM activities a JOIN users u ON u.id = a.owner_id \
         WHERE a.owner_id = ? AND a.done = 0 AND a.kind = 'task' \
         ORDER BY a.due_date IS NULL, a.due_date, a.id LIMIT 200"
    ))
    .bind(user.id)
    .fetch_all(pool)
    .await?;
    let appointments = sqlx::query_as(&format!(
        "SELECT {ACTIVITY_COLUMNS} FROM activities a JOIN users u ON u.id = a.owner_id \
         WHERE a.owner_id = ? AND a.kind = 'appointment' AND substr(a.starts_at, 1, 10) = ? \
         ORDER BY a.starts_at, a.id"
    ))
    .bind(user.id)
    .bind(today)
    .fetch_all(pool)
    .await?;
    Ok(MyActivities {
        today: today.to_string(),
        tasks,
        appointments,
    })
}

/// Marks a task done (or not done again). Its owner or a manager may; `version` is what the
/// user's screen showed. Returns the new version.
pub async fn set_done(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    done: bool,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let found: Option<(ActivityKind, i64, i64, bool)> =
        sqlx::query_as("SELECT kind, owner_id, version, done FROM activities WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let (kind, owner_id, current, was_done) =
        found.ok_or_else(|| AppError::NotFound("This activity".into()))?;
    if owner_id != user.id && !user.role.includes(Role::Manager) {
        return Err(AppError::Forbidden);
    }
    if kind != ActivityKind::Task {
        return Err(AppError::field("done", "Only tasks are marked done."));
    }
    if current != version {
        return Err(AppError::Conflict {
            message: "This task changed after you opened it. Reload to see it; nothing was saved."
                .into(),
            changed_fields: vec!["done".into()],
        });
    }
    if was_done == done {
        return Ok(version);
    }
    let at = chrono::Utc::now().to_rfc3339();
    sqlx::query(
        "UPDATE activities SET done = ?, done_at = ?, modified_by = ?, modified_at = ?, \
         version = version + 1 WHERE id = ?",
    )
    .bind(done)
    .bind(done.then_some(&at))
    .bind(user.id)
    .bind(&at)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let label = |done: bool| Some(if done { "Done" } else { "Open" }.to_string());
    let change = [FieldChange {
        field: "done",
        old: label(was_done),
        new: label(done),
    }];
    history::db::record(&mut tx, "activity", id, version + 1, &change, user.id, &at).await?;
    tx.commit().await?;
    Ok(version + 1)
}

type Sql = sqlx::QueryBuilder<'static, sqlx::Sqlite>;

/// The activity list's view, type and search (a subject containing the text).
fn push_list_filters(sql: &mut Sql, query: &ActivityQuery, user_id: i64) {
    sql.push(" WHERE 1 = 1");
    match query.view {
        ActivityView::Mine => {
            sql.push(" AND a.owner_id = ").push_bind(user_id);
        }
        ActivityView::OpenTasks => {
            sql.push(" AND a.kind = 'task' AND a.done = 0");
        }
        ActivityView::All => {}
    }
    if let Some(kind) = query.kind {
        sql.push(" AND a.kind = ").push_bind(kind);
    }
    if let Some(search) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        sql.push(" AND instr(lower(a.subject), ")
            .push_bind(search.to_lowercase())
            .push(") > 0");
    }
}

/// The activity list's sort, then the id.
fn push_list_order(sql: &mut Sql, query: &ActivityQuery) {
    let column = match query.sort {
        ActivitySort::Created => "a.created_at",
        ActivitySort::Due => "a.due_date IS NULL, a.due_date",
        ActivitySort::Subject => "lower(a.subject)",
        ActivitySort::Owner => "u.name",
    };
    let direction = if query.is_descending() { "DESC" } else { "ASC" };
    let order: Vec<String> = column
        .split(", ")
        .chain(["a.id"])
        .map(|part| format!("{part} {direction}"))
        .collect();
    sql.push(format!(" ORDER BY {}", order.join(", ")));
}

/// One page of the activity list, and how many activities its view holds.
pub async fn list(
    pool: &SqlitePool,
    query: &ActivityQuery,
    user_id: i64,
) -> Result<ActivityPage, sqlx::Error> {
    let (page, offset) = crate::ui::list::page_and_offset(query.page, ACTIVITY_PAGE_SIZE);
    let mut rows = Sql::new(format!(
        "SELECT {ACTIVITY_COLUMNS} FROM activities a JOIN users u ON u.id = a.owner_id"
    ));
    push_list_filters(&mut rows, query, user_id);
    push_list_order(&mut rows, query);
    rows.push(" LIMIT ")
        .push_bind(ACTIVITY_PAGE_SIZE)
        .push(" OFFSET ")
        .push_bind(offset);
    let mut count = Sql::new("SELECT COUNT(*) FROM activities a");
    push_list_filters(&mut count, query, user_id);
    let rows = rows.build_query_as().fetch_all(pool).await?;
    let total = count.build_query_scalar().fetch_one(pool).await?;
    Ok(ActivityPage { rows, total, page })
}

/// Every activity of the list's view, type and search, in its order (no pages), with what
/// the import reads back: the record it is about as a typed reference, the owner's email.
pub fn export_query(query: &ActivityQuery, user_id: i64) -> Sql {
    let mut sql = Sql::new(format!(
        "SELECT {ACTIVITY_COLUMNS}, u.email AS owner_email FROM activities a \
         JOIN users u ON u.id = a.owner_id"
    ));
    push_list_filters(&mut sql, query, user_id);
    push_list_order(&mut sql, query);
    sql
}
