//! Lead queries and writes. Every write runs in one `BEGIN IMMEDIATE` transaction that
//! re-reads the lead, so version checks and status rules see the committed state.

use super::qualify::{Link, Planned, QualificationPlan};
use super::rules::{LeadFields, check_can_edit, check_open, lead_field_label};
use super::{
    LEAD_PAGE_SIZE, LeadDetail, LeadPage, LeadQuery, LeadRow, LeadSort, LeadStatus,
    LeadStatusReason, LeadView, RecordLink,
};
use crate::auth::{Role, User};
use crate::duplicates::db::find_duplicates;
use crate::duplicates::{MatchKeys, RecordKind};
use crate::error::AppError;
use crate::history::{self, Authorship, FieldChange};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

fn sort_expression(sort: LeadSort) -> &'static str {
    match sort {
        LeadSort::Created => "l.created_at",
        LeadSort::Topic => "l.topic COLLATE NOCASE",
        LeadSort::Name => "l.last_name_normalized",
        LeadSort::Company => "l.company_normalized",
        LeadSort::Source => "l.lead_source",
        LeadSort::Rating => {
            "CASE l.rating WHEN 'hot' THEN 1 WHEN 'warm' THEN 2 WHEN 'cold' THEN 3 END"
        }
        LeadSort::Status => "l.status_reason",
        LeadSort::Owner => "u.name",
        LeadSort::Score => "l.score",
    }
}

/// The FTS5 query for a search term long enough for the trigram index: a quoted phrase,
/// which is a case-insensitive substring match.
fn trigram_phrase(search: &str) -> Option<String> {
    (search.chars().count() >= 3).then(|| format!("\"{}\"", search.replace('"', "\"\"")))
}

/// Above this many matches, a search page in the default order walks the created-at index
/// (measured on 100,000 leads: a 3,600-match search takes 3 ms this way, 16 ms by ids).
const INDEX_WALK_MATCHES: i64 = 500;

/// How a list query applies a search term the trigram index can answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SearchAs {
    /// The FROM clause joins `leads_search s`: a MATCH on it (counting).
    Joined,
    /// Fetch the matching leads by id, then sort them (few matches, or a sort without index).
    IdLookup,
    /// Walk the sort's index and test each lead for membership, stopping after a page
    /// (many matches in the default order). `+l.id` keeps the planner off the id lookup.
    IndexWalk,
}

/// Appends the WHERE clause of a list query (shared by the page and the count).
fn push_filters(
    sql: &mut QueryBuilder<'_, Sqlite>,
    query: &LeadQuery,
    user_id: i64,
    search_as: SearchAs,
) {
    match query.view {
        // A list's members view shows every member, whatever its status and owner.
        _ if query.list.is_some() => {
            sql.push(
                " WHERE l.id IN (SELECT member_id FROM marketing_list_members WHERE list_id = ",
            )
            .push_bind(query.list)
            .push(")");
        }
        LeadView::MyOpen => {
            sql.push(" WHERE l.status = 'open' AND l.owner_id = ")
                .push_bind(user_id);
        }
        LeadView::AllOpen => {
            sql.push(" WHERE l.status = 'open'");
        }
        LeadView::Closed => {
            sql.push(" WHERE l.status <> 'open'");
        }
    }
    if let Some(search) = &query.search {
        match trigram_phrase(search) {
            Some(phrase) if search_as == SearchAs::Joined => {
                sql.push(" AND s.leads_search MATCH ").push_bind(phrase);
            }
            Some(phrase) => {
                let id = if search_as == SearchAs::IndexWalk {
                    "+l.id"
                } else {
                    "l.id"
                };
                sql.push(format!(
                    " AND {id} IN (SELECT rowid FROM leads_search WHERE leads_search MATCH "
                ))
                .push_bind(phrase)
                .push(")");
            }
            None => {
                // Too short for trigrams: scan the search text.
                sql.push(" AND l.id IN (SELECT rowid FROM leads_search WHERE instr(lower(text), ")
                    .push_bind(search.to_lowercase())
                    .push(") > 0)");
            }
        }
    }
    match query.source {
        Some(super::SourceFilter::Is(source)) => {
            sql.push(" AND l.lead_source = ").push_bind(source);
        }
        Some(super::SourceFilter::Missing) => {
            sql.push(" AND l.lead_source IS NULL");
        }
        None => {}
    }
    if let Some(status) = query.status {
        sql.push(" AND l.status = ").push_bind(status);
    }
    if query.emailable {
        sql.push(" AND l.email IS NOT NULL AND l.do_not_email = 0");
    }
    if let Some(ids) = &query.ids {
        push_id_filter(sql, "l.id", &ids.0);
    }
    if let Some(from) = &query.created_from {
        sql.push(" AND l.created_at >= ").push_bind(from.clone());
    }
    // Timestamps are RFC 3339 text: everything on the last day sorts before the next day.
    if let Some(next_day) = query
        .created_to
        .as_deref()
        .and_then(|to| chrono::NaiveDate::parse_from_str(to, "%Y-%m-%d").ok())
        .and_then(|to| to.succ_opt())
    {
        sql.push(" AND l.created_at < ")
            .push_bind(next_day.to_string());
    }
    if let Some(rating) = query.rating {
        sql.push(" AND l.rating = ").push_bind(rating);
    }
    if let Some(reason) = query.reason {
        sql.push(" AND l.status_reason = ").push_bind(reason);
    }
    if let Some(grade) = query.grade {
        sql.push(" AND l.grade = ").push_bind(grade);
    }
    if let Some(owner) = query.owner {
        sql.push(" AND l.owner_id = ").push_bind(owner);
    }
    let utm = [
        ("utm_source", query.utm_source.clone()),
        ("utm_medium", query.utm_medium.clone()),
        ("utm_campaign", query.utm_campaign.clone()),
    ];
    if query.form.is_some() || utm.iter().any(|(_, value)| value.is_some()) {
        sql.push(" AND l.id IN (SELECT w.lead_id FROM lead_web_origins w WHERE true");
        if let Some(form) = query.form {
            sql.push(" AND w.form_id = ").push_bind(form);
        }
        for (column, value) in utm {
            if let Some(value) = value {
                // UTM values are compared as people type them: any case.
                sql.push(format!(" AND w.{column} = "))
                    .push_bind(value)
                    .push(" COLLATE NOCASE");
            }
        }
        sql.push(")");
    }
}

/// ` AND {column} IN (…)` of at most `MAX_CHOSEN` ids.
pub fn push_id_filter(sql: &mut QueryBuilder<'_, Sqlite>, column: &str, ids: &[i64]) {
    sql.push(format!(" AND {column} IN ("));
    let mut list = sql.separated(", ");
    for id in ids.iter().take(crate::lists::MAX_CHOSEN) {
        list.push_bind(*id);
    }
    list.push_unseparated(")");
}

/// `SELECT {columns} FROM leads l WHERE …`: every lead the list view `query` shows to
/// `user_id`, unsorted (a bulk action's selection, a dynamic list's members); `COUNT(*)`
/// counts them from the filters' covering index.
pub fn push_matching(
    sql: &mut QueryBuilder<'_, Sqlite>,
    columns: &str,
    query: &LeadQuery,
    user_id: i64,
) {
    sql.push(format!("SELECT {columns} FROM leads l"));
    push_filters(sql, query, user_id, SearchAs::IdLookup);
}

pub async fn list_leads(
    pool: &SqlitePool,
    query: &LeadQuery,
    user_id: i64,
) -> Result<LeadPage, sqlx::Error> {
    // A search counts from the index's matches, checking status and owner in a covering
    // index instead of reading each matching lead (a common name matches thousands).
    let search_joined = query.search.as_deref().and_then(trigram_phrase).is_some();
    let mut count = QueryBuilder::new(if search_joined {
        "SELECT COUNT(*) FROM leads_search s \
         CROSS JOIN leads l INDEXED BY leads_search_filter ON l.id = s.rowid"
    } else {
        "SELECT COUNT(*) FROM leads l"
    });
    push_filters(
        &mut count,
        query,
        user_id,
        if search_joined {
            SearchAs::Joined
        } else {
            SearchAs::IdLookup
        },
    );
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let mut page = QueryBuilder::new(
        "SELECT l.id, l.version, l.topic, l.first_name, l.last_name, l.company_name, l.email, l.lead_source, \
         l.rating, l.status_reason, u.name AS owner_name, l.created_at, l.score, l.grade \
         FROM leads l JOIN users u ON u.id = l.owner_id",
    );
    let search_as = if query.sort == LeadSort::Created && total > INDEX_WALK_MATCHES {
        SearchAs::IndexWalk
    } else {
        SearchAs::IdLookup
    };
    push_filters(&mut page, query, user_id, search_as);
    let direction = if query.descending { "DESC" } else { "ASC" };
    page.push(format!(
        " ORDER BY {} {direction} NULLS LAST, l.id {direction} LIMIT ",
        sort_expression(query.sort)
    ))
    .push_bind(LEAD_PAGE_SIZE)
    .push(" OFFSET ")
    .push_bind(crate::ui::list::page_and_offset(query.page, LEAD_PAGE_SIZE).1);
    let rows: Vec<LeadRow> = page.build_query_as().fetch_all(pool).await?;
    Ok(LeadPage {
        rows,
        total,
        page: crate::ui::list::page_and_offset(query.page, LEAD_PAGE_SIZE).0,
        page_size: LEAD_PAGE_SIZE,
    })
}

/// A lead as its export writes it.
#[derive(Debug, sqlx::FromRow)]
pub struct ExportedLead {
    pub id: i64,
    pub version: i64,
    #[sqlx(flatten)]
    pub fields: LeadFields,
    pub status: LeadStatus,
    pub status_reason: LeadStatusReason,
    pub owner_email: String,
    pub created_at: String,
}

/// Every lead of the list's view, search and filters, in its sort order (no pages), as a
/// stream the export writes out row by row.
pub fn export_query(query: &LeadQuery, user_id: i64) -> QueryBuilder<'static, Sqlite> {
    let mut sql = QueryBuilder::new(
        "SELECT l.id, l.version, l.topic, l.first_name, l.last_name, l.job_title, l.company_name, \
         l.email, l.business_phone, l.mobile_phone, l.website, l.street, l.city, l.state_province, \
         l.postal_code, l.country, l.description, l.lead_source, l.rating, l.budget_amount_minor, \
         l.currency, l.budget_status, l.purchase_timeframe, l.purchase_process, \
         l.decision_maker_identified, l.need, l.status, l.status_reason, u.email AS owner_email, \
         l.created_at FROM leads l JOIN users u ON u.id = l.owner_id",
    );
    push_filters(&mut sql, query, user_id, SearchAs::IdLookup);
    let direction = if query.descending { "DESC" } else { "ASC" };
    sql.push(format!(
        " ORDER BY {} {direction} NULLS LAST, l.id {direction}",
        sort_expression(query.sort)
    ));
    sql
}

/// A lead as stored, with the names of the records it points at.
#[derive(Debug, sqlx::FromRow)]
pub struct StoredLead {
    pub id: i64,
    #[sqlx(flatten)]
    pub fields: LeadFields,
    pub status: LeadStatus,
    pub status_reason: LeadStatusReason,
    pub owner_id: i64,
    pub owner_name: String,
    pub version: i64,
    /// The process Qualify opens the opportunity in: the default one at the time.
    pub process_id: i64,
    pub stage_id: i64,
    pub created_at: String,
    pub created_by: String,
    pub modified_at: String,
    pub modified_by: String,
    pub qualified_account_id: Option<i64>,
    pub qualified_account_name: Option<String>,
    pub qualified_contact_id: Option<i64>,
    pub qualified_contact_name: Option<String>,
    pub qualified_opportunity_id: Option<i64>,
    pub qualified_opportunity_topic: Option<String>,
}

const LOAD_LEAD: &str = "SELECT l.id, l.topic, l.first_name, l.last_name, l.job_title, l.company_name, \
    l.email, l.business_phone, l.mobile_phone, l.website, l.street, l.city, l.state_province, \
    l.postal_code, l.country, l.description, l.lead_source, l.rating, l.budget_amount_minor, \
    l.currency, l.budget_status, l.purchase_timeframe, l.purchase_process, \
    l.decision_maker_identified, l.need, l.status, l.status_reason, l.owner_id, \
    owner.name AS owner_name, l.version, \
    (SELECT id FROM processes WHERE is_default = 1) AS process_id, \
    COALESCE(l.stage_id, (SELECT id FROM stages WHERE entity = 'lead' \
        ORDER BY archived, position LIMIT 1)) AS stage_id, \
    l.created_at, creator.name AS created_by, l.modified_at, modifier.name AS modified_by, \
    l.qualified_account_id, a.name AS qualified_account_name, \
    l.qualified_contact_id, TRIM(COALESCE(c.first_name || ' ', '') || c.last_name) AS qualified_contact_name, \
    l.qualified_opportunity_id, o.topic AS qualified_opportunity_topic \
    FROM leads l \
    JOIN users owner ON owner.id = l.owner_id \
    JOIN users creator ON creator.id = l.created_by \
    JOIN users modifier ON modifier.id = l.modified_by \
    LEFT JOIN accounts a ON a.id = l.qualified_account_id \
    LEFT JOIN contacts c ON c.id = l.qualified_contact_id \
    LEFT JOIN opportunities o ON o.id = l.qualified_opportunity_id \
    WHERE l.id = ?";

pub async fn load_lead(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<StoredLead>, sqlx::Error> {
    sqlx::query_as(LOAD_LEAD)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The leads of these ids that exist, in one query (an import's chunk): id → lead.
pub async fn load_leads(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, StoredLead>, sqlx::Error> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let sql = SQL.get_or_init(|| {
        LOAD_LEAD.replace(
            "WHERE l.id = ?",
            "WHERE l.id IN (SELECT value FROM json_each(?))",
        )
    });
    let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let leads: Vec<StoredLead> = sqlx::query_as(sql).bind(ids).fetch_all(conn).await?;
    Ok(leads.into_iter().map(|lead| (lead.id, lead)).collect())
}

/// The lead for a write: it exists (404) and the caller may change it (403).
async fn lead_for_write(
    conn: &mut SqliteConnection,
    id: i64,
    user: &User,
) -> Result<StoredLead, AppError> {
    let lead = load_lead(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("This lead".into()))?;
    check_can_edit(user, lead.owner_id)?;
    Ok(lead)
}

async fn check_version(
    conn: &mut SqliteConnection,
    lead: &StoredLead,
    version: i64,
) -> Result<(), AppError> {
    history::db::check_version(
        conn,
        "lead",
        lead.id,
        lead.version,
        version,
        &lead.modified_by,
        lead_field_label,
    )
    .await
}

/// The lead record page: fields, links, stage bar and history.
pub async fn lead_detail(
    pool: &SqlitePool,
    id: i64,
    user: &User,
) -> Result<Option<LeadDetail>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let Some(lead) = load_lead(&mut conn, id).await? else {
        return Ok(None);
    };
    drop(conn);
    let progress = crate::process::db::load_progress(
        pool,
        lead.process_id,
        lead.stage_id,
        "lead",
        lead.id,
        |field| lead.fields.is_filled(field),
    )
    .await?;
    let history = history::db::load(pool, "lead", id).await?;
    let has_photo =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM lead_photos WHERE lead_id = ?)")
            .bind(id)
            .fetch_one(pool)
            .await?;
    let web = crate::webform::db::lead_origin(pool, id, user, lead.owner_id).await?;
    let lists = crate::lists::db::record_lists(pool, crate::lists::MemberType::Lead, id).await?;
    let consent = crate::lists::db::consent(pool, crate::lists::MemberType::Lead, id).await?;
    let score = crate::scoring::db::lead_score(pool, id).await?;
    Ok(Some(LeadDetail {
        score,
        lists,
        consent,
        id: lead.id,
        has_photo,
        web,
        can_edit: check_can_edit(user, lead.owner_id).is_ok(),
        can_assign: user.role.includes(Role::Manager),
        fields: lead.fields,
        status: lead.status,
        status_reason: lead.status_reason,
        owner_id: lead.owner_id,
        owner_name: lead.owner_name,
        version: lead.version,
        created_at: lead.created_at,
        created_by: lead.created_by,
        modified_at: lead.modified_at,
        modified_by: lead.modified_by,
        account: RecordLink::from_columns(lead.qualified_account_id, lead.qualified_account_name),
        contact: RecordLink::from_columns(lead.qualified_contact_id, lead.qualified_contact_name),
        opportunity: RecordLink::from_columns(
            lead.qualified_opportunity_id,
            lead.qualified_opportunity_topic,
        ),
        progress,
        history,
    }))
}

/// The comparable forms of a lead's identifying fields.
pub fn match_keys(fields: &LeadFields) -> MatchKeys {
    MatchKeys {
        email: fields.email_normalized(),
        business_phone: fields.business_phone_digits(),
        mobile_phone: fields.mobile_phone_digits(),
        company: fields.company_normalized(),
        last_name: fields.last_name_normalized(),
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

/// The active user `owner_id`'s name, or a field error for the owner picker.
async fn owner_name(conn: &mut SqliteConnection, owner_id: i64) -> Result<String, AppError> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM users WHERE id = ? AND active = 1")
            .bind(owner_id)
            .fetch_optional(conn)
            .await?;
    name.ok_or_else(|| AppError::field("owner", "Choose an active user as the owner."))
}

/// Binds a lead's own fields in the order of `LEAD_FIELD_COLUMNS`.
fn bind_fields<'q>(
    query: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    fields: &'q LeadFields,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    query
        .bind(&fields.topic)
        .bind(&fields.first_name)
        .bind(&fields.last_name)
        .bind(fields.last_name_normalized())
        .bind(&fields.job_title)
        .bind(&fields.company_name)
        .bind(fields.company_normalized())
        .bind(&fields.email)
        .bind(fields.email_normalized())
        .bind(&fields.business_phone)
        .bind(fields.business_phone_digits())
        .bind(&fields.mobile_phone)
        .bind(fields.mobile_phone_digits())
        .bind(&fields.website)
        .bind(&fields.street)
        .bind(&fields.city)
        .bind(&fields.state_province)
        .bind(&fields.postal_code)
        .bind(&fields.country)
        .bind(&fields.description)
        .bind(fields.lead_source)
        .bind(fields.rating)
        .bind(fields.budget_amount_minor)
        .bind(&fields.currency)
        .bind(fields.budget_status)
        .bind(fields.purchase_timeframe)
        .bind(fields.purchase_process)
        .bind(fields.decision_maker_identified)
        .bind(fields.need)
}

pub(crate) const LEAD_FIELD_COLUMNS: [&str; 29] = [
    "topic",
    "first_name",
    "last_name",
    "last_name_normalized",
    "job_title",
    "company_name",
    "company_normalized",
    "email",
    "email_normalized",
    "business_phone",
    "business_phone_digits",
    "mobile_phone",
    "mobile_phone_digits",
    "website",
    "street",
    "city",
    "state_province",
    "postal_code",
    "country",
    "description",
    "lead_source",
    "rating",
    "budget_amount_minor",
    "currency",
    "budget_status",
    "purchase_timeframe",
    "purchase_process",
    "decision_maker_identified",
    "need",
];

/// The one INSERT of a lead, for the forms and the generator: the row at the first stage of
/// the default process, in `state` (open for everything users create), and its first history
/// entry, in the caller's transaction. The caller has validated `fields`, checked the owner
/// and applied the duplicate rule.
pub async fn insert(
    conn: &mut SqliteConnection,
    fields: &LeadFields,
    state: &super::NewLeadState,
    who: &Authorship,
) -> Result<i64, AppError> {
    let ids = insert_many(conn, &[(fields, state, who)]).await?;
    ids.first().copied().ok_or(AppError::Internal)
}

/// `insert` for many leads at once (multi-row statements); their ids, in order.
pub async fn insert_many(
    conn: &mut SqliteConnection,
    records: &[(&LeadFields, &super::NewLeadState, &Authorship)],
) -> Result<Vec<i64>, AppError> {
    // The lead's stage (Qualify) is the one lead stage, whichever process Qualify opens
    // opportunities in (the default one).
    let (process_id, stage_id): (i64, i64) = sqlx::query_as(
        "SELECT p.id, s.id FROM processes p, stages s \
         WHERE p.is_default = 1 AND s.entity = 'lead' ORDER BY s.archived, s.position LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| {
        tracing::error!("no default process to put a new lead in");
        AppError::Internal
    })?;
    let columns: Vec<&str> = LEAD_FIELD_COLUMNS
        .iter()
        .copied()
        .chain([
            "status",
            "status_reason",
            "qualified_account_id",
            "qualified_contact_id",
            "qualified_opportunity_id",
            "qualified_at",
            "closed_at",
            "process_id",
            "stage_id",
            "source_system",
            "source_id",
        ])
        .collect();
    let created = [FieldChange {
        field: "created",
        old: None,
        new: Some("Lead created".into()),
    }];
    let mut ids = Vec::with_capacity(records.len());
    for batch in records.chunks(history::db::rows_per_statement(columns.len())) {
        let sql = history::db::insert_rows_sql("leads", &columns, batch.len());
        let mut query = sqlx::query(&sql);
        for (fields, state, who) in batch {
            let status = state.reason.status();
            let qualified_at = (status == LeadStatus::Qualified)
                .then_some(state.closed_at.as_ref())
                .flatten();
            query = bind_fields(query, fields)
                .bind(status)
                .bind(state.reason)
                .bind(state.qualified_account_id)
                .bind(state.qualified_contact_id)
                .bind(state.qualified_opportunity_id)
                .bind(qualified_at)
                .bind(&state.closed_at)
                .bind(process_id)
                .bind(stage_id)
                .bind(state.source.as_ref().map(|(system, _)| system))
                .bind(state.source.as_ref().map(|(_, id)| id));
            query = history::db::bind_authorship(query, who);
        }
        let written = history::db::inserted_ids(query.execute(&mut *conn).await?, batch.len());
        let entries: Vec<(i64, &Authorship)> = written
            .iter()
            .copied()
            .zip(batch.iter().map(|(_, _, who)| *who))
            .collect();
        history::db::record_created(conn, "lead", &entries, &created).await?;
        crate::scoring::db::rescore(conn, &written).await?;
        ids.extend(written);
    }
    Ok(ids)
}

/// How a new lead arrived, beyond its fields: whether to save despite likely duplicates, the
/// device's capture key with the fingerprint of its body, and a photo of a business card.
#[derive(Debug, Default)]
pub struct NewLeadRequest<'a> {
    pub save_anyway: bool,
    pub capture: Option<(&'a str, String)>,
    pub photo: Option<super::capture::CardPhoto>,
    /// The web form a submission came through, and where from.
    pub web: Option<(i64, &'a crate::webform::WebOrigin)>,
}

/// What creating a lead did, with the likely duplicates it was saved beside (saved anyway).
#[derive(Debug)]
pub struct Created {
    pub outcome: crate::duplicates::SaveOutcome,
    pub possible_duplicates: Vec<crate::duplicates::DuplicateMatch>,
}

/// Saves a new open lead at the first stage of the default process; unless `save_anyway`,
/// stops with the likely duplicates instead. A capture key already used by this user with
/// the same body returns that lead again; with another body it is a conflict.
pub async fn create_lead(
    pool: &SqlitePool,
    fields: &LeadFields,
    owner_id: i64,
    user: &User,
    request: NewLeadRequest<'_>,
) -> Result<Created, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    if owner_id != user.id && !user.role.includes(Role::Manager) {
        return Err(AppError::field(
            "owner",
            "Only managers can create leads for someone else.",
        ));
    }
    let created = create_in(&mut tx, fields, owner_id, user.id, request).await?;
    tx.commit().await?;
    Ok(created)
}

/// `create_lead` in the caller's transaction, created by user `by` (who may create for
/// `owner_id`: the caller has checked).
pub async fn create_in(
    tx: &mut SqliteConnection,
    fields: &LeadFields,
    owner_id: i64,
    by: i64,
    request: NewLeadRequest<'_>,
) -> Result<Created, AppError> {
    if let Some((key, body_hash)) = &request.capture {
        let earlier: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT c.body_hash, c.lead_id, l.version FROM lead_captures c \
             JOIN leads l ON l.id = c.lead_id WHERE c.user_id = ? AND c.capture_key = ?",
        )
        .bind(by)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((earlier_hash, id, version)) = earlier {
            if earlier_hash != *body_hash {
                return Err(AppError::Conflict {
                    message: "This capture was already synced with different details.".into(),
                    changed_fields: Vec::new(),
                });
            }
            let exclude = Some((RecordKind::Lead, id));
            let possible_duplicates =
                find_duplicates(&mut *tx, &match_keys(fields), exclude).await?;
            return Ok(Created {
                outcome: crate::duplicates::SaveOutcome::Saved { id, version },
                possible_duplicates,
            });
        }
    }
    owner_name(&mut *tx, owner_id).await?;
    let possible_duplicates = find_duplicates(&mut *tx, &match_keys(fields), None).await?;
    if !request.save_anyway && !possible_duplicates.is_empty() {
        return Ok(Created {
            outcome: crate::duplicates::SaveOutcome::Duplicates(possible_duplicates),
            possible_duplicates: Vec::new(),
        });
    }
    let who = Authorship::now(owner_id, by);
    let id = insert(&mut *tx, fields, &super::NewLeadState::open(), &who).await?;
    if let Some((key, body_hash)) = &request.capture {
        sqlx::query(
            "INSERT INTO lead_captures (user_id, capture_key, body_hash, lead_id, created_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(by)
        .bind(key)
        .bind(body_hash)
        .bind(id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    }
    if let Some(photo) = &request.photo {
        sqlx::query(
            "INSERT INTO lead_photos (lead_id, content_type, bytes, created_at, created_by) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(photo.content_type)
        .bind(&photo.bytes)
        .bind(now())
        .bind(by)
        .execute(&mut *tx)
        .await?;
    }
    if let Some((form_id, origin)) = request.web {
        sqlx::query(
            "INSERT INTO lead_web_origins (lead_id, form_id, page_url, referrer, utm_source, \
             utm_medium, utm_campaign, utm_term, utm_content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(form_id)
        .bind(&origin.page_url)
        .bind(&origin.referrer)
        .bind(&origin.utm_source)
        .bind(&origin.utm_medium)
        .bind(&origin.utm_campaign)
        .bind(&origin.utm_term)
        .bind(&origin.utm_content)
        .execute(&mut *tx)
        .await?;
        // A web form is engagement: scored again with it.
        crate::scoring::db::rescore(tx, &[id]).await?;
    }
    Ok(Created {
        outcome: crate::duplicates::SaveOutcome::Saved { id, version: 1 },
        possible_duplicates,
    })
}

/// A lead's card photo: its type and bytes, if it has one.
pub async fn card_photo(
    pool: &SqlitePool,
    lead_id: i64,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT content_type, bytes FROM lead_photos WHERE lead_id = ?")
        .bind(lead_id)
        .fetch_optional(pool)
        .await
}

/// Saves an edit made on `version`: checks ownership, status and version, writes the
/// changed fields to the history. Unless `save_anyway`, stops at likely duplicates.
pub async fn update_lead(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    fields: &LeadFields,
    owner: Option<i64>,
    user: &User,
    save_anyway: bool,
) -> Result<crate::duplicates::SaveOutcome, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let lead = lead_for_write(&mut tx, id, user).await?;
    let owner_id = owner.unwrap_or(lead.owner_id);
    check_open(lead.status)?;
    check_version(&mut tx, &lead, version).await?;
    let new_owner = if owner_id != lead.owner_id {
        if !user.role.includes(Role::Manager) {
            return Err(AppError::field(
                "owner",
                "Only managers can reassign leads.",
            ));
        }
        Some((owner_id, owner_name(&mut tx, owner_id).await?))
    } else {
        None
    };
    let changes = changes_of(&lead, fields, new_owner.as_ref());
    if changes.is_empty() {
        return Ok(crate::duplicates::SaveOutcome::Saved { id, version });
    }
    if !save_anyway && match_keys(fields) != match_keys(&lead.fields) {
        let matches =
            find_duplicates(&mut tx, &match_keys(fields), Some((RecordKind::Lead, id))).await?;
        if !matches.is_empty() {
            return Ok(crate::duplicates::SaveOutcome::Duplicates(matches));
        }
    }
    write_fields(&mut tx, &lead, fields, owner_id, &changes, user.id).await?;
    tx.commit().await?;
    Ok(crate::duplicates::SaveOutcome::Saved {
        id,
        version: version + 1,
    })
}

/// What saving `fields` (and a new owner, with its name) over `lead` changes, as history.
pub fn changes_of(
    lead: &StoredLead,
    fields: &LeadFields,
    new_owner: Option<&(i64, String)>,
) -> Vec<FieldChange> {
    let mut changes = history::diff(&lead.fields.display_values(), &fields.display_values());
    if let Some((_, name)) = new_owner {
        changes.push(FieldChange {
            field: "owner",
            old: Some(lead.owner_name.clone()),
            new: Some(name.clone()),
        });
    }
    changes
}

/// The one UPDATE of a lead's fields and owner, version-checked, with its history (the
/// `changes` from `changes_of`), in the caller's transaction: the edit form and import call
/// it, having checked who may write, the status, the version and the duplicate rule.
pub async fn write_fields(
    conn: &mut SqliteConnection,
    lead: &StoredLead,
    fields: &LeadFields,
    owner_id: i64,
    changes: &[FieldChange],
    by: i64,
) -> Result<(), AppError> {
    let at = now();
    let assignments: Vec<String> = LEAD_FIELD_COLUMNS
        .iter()
        .map(|column| format!("{column} = ?"))
        .collect();
    let sql = format!(
        "UPDATE leads SET {}, owner_id = ?, modified_by = ?, modified_at = ?, version = version + 1 \
         WHERE id = ? AND version = ?",
        assignments.join(", ")
    );
    bind_fields(sqlx::query(&sql), fields)
        .bind(owner_id)
        .bind(by)
        .bind(&at)
        .bind(lead.id)
        .bind(lead.version)
        .execute(&mut *conn)
        .await
        .map(history::db::changed_one_row)??;
    history::db::record(conn, "lead", lead.id, lead.version + 1, changes, by, &at).await?;
    crate::scoring::db::rescore(conn, &[lead.id]).await?;
    Ok(())
}

/// Moves a lead to a closed or open status, with its history rows.
async fn set_status(
    conn: &mut SqliteConnection,
    lead: &StoredLead,
    reason: LeadStatusReason,
    user: &User,
) -> Result<(), AppError> {
    let at = now();
    let status = reason.status();
    let closed_at = (status != LeadStatus::Open).then_some(at.as_str());
    sqlx::query(
        "UPDATE leads SET status = ?, status_reason = ?, closed_at = ?, modified_by = ?, \
         modified_at = ?, version = version + 1 WHERE id = ? AND version = ?",
    )
    .bind(status)
    .bind(reason)
    .bind(closed_at)
    .bind(user.id)
    .bind(&at)
    .bind(lead.id)
    .bind(lead.version)
    .execute(&mut *conn)
    .await
    .map(history::db::changed_one_row)??;
    let changes = history::diff(
        &[
            ("status", Some(lead.status.label().to_string())),
            (
                "status_reason",
                Some(lead.status_reason.label().to_string()),
            ),
        ],
        &[
            ("status", Some(status.label().to_string())),
            ("status_reason", Some(reason.label().to_string())),
        ],
    );
    history::db::record(
        conn,
        "lead",
        lead.id,
        lead.version + 1,
        &changes,
        user.id,
        &at,
    )
    .await?;
    // Closing drops the score; reopening scores it again.
    crate::scoring::db::rescore(conn, &[lead.id]).await?;
    Ok(())
}

pub async fn disqualify(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    reason: &str,
    user: &User,
) -> Result<(), AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let lead = lead_for_write(&mut tx, id, user).await?;
    check_version(&mut tx, &lead, version).await?;
    let reason = super::rules::check_disqualify(
        lead.status,
        lead.qualified_opportunity_id.is_some(),
        reason,
    )?;
    set_status(&mut tx, &lead, reason, user).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn reactivate(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    user: &User,
) -> Result<(), AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let lead = lead_for_write(&mut tx, id, user).await?;
    check_version(&mut tx, &lead, version).await?;
    super::rules::check_reactivate(lead.status, lead.qualified_opportunity_id.is_some())?;
    set_status(&mut tx, &lead, LeadStatusReason::New, user).await?;
    tx.commit().await?;
    Ok(())
}

/// Ticks or unticks a checkbox step of the lead's active stage.
pub async fn set_step(
    pool: &SqlitePool,
    id: i64,
    step_id: i64,
    done: bool,
    user: &User,
) -> Result<(), AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let lead = lead_for_write(&mut tx, id, user).await?;
    check_open(lead.status)?;
    crate::process::db::tick(
        &mut tx,
        "lead",
        id,
        lead.stage_id,
        lead.version,
        step_id,
        done,
        user.id,
        &now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The accounts and contacts a Qualify could link to, for the dialog.
pub async fn qualify_preview(
    pool: &SqlitePool,
    id: i64,
    user: &User,
) -> Result<super::qualify::QualifyPreview, AppError> {
    use super::qualify::{QualifyPreview, carry_over, default_link};
    let mut conn = pool.acquire().await?;
    let lead = lead_for_write(&mut conn, id, user).await?;
    let matches = find_duplicates(&mut conn, &match_keys(&lead.fields), None).await?;
    let (account_matches, contact_matches): (Vec<_>, Vec<_>) = matches
        .into_iter()
        .filter(|m| m.kind != RecordKind::Lead)
        .partition(|m| m.kind == RecordKind::Account);
    let new_account_name = lead.fields.company_name.clone();
    let new_contact_name = lead
        .fields
        .last_name
        .as_ref()
        .map(|_| lead.fields.full_name());
    Ok(QualifyPreview {
        lead_id: lead.id,
        version: lead.version,
        topic: lead.fields.topic.clone(),
        default_account: default_link(&account_matches, new_account_name.is_some()),
        default_contact: default_link(&contact_matches, new_contact_name.is_some()),
        carry_over: carry_over(&lead.fields, &lead.owner_name),
        new_account_name,
        new_contact_name,
        account_matches,
        contact_matches,
    })
}

/// An active account or contact picked in the dialog, by name (for history), or a field error.
async fn existing_name(
    conn: &mut SqliteConnection,
    kind: RecordKind,
    id: i64,
) -> Result<(String, Option<i64>), AppError> {
    let found: Option<(String, Option<i64>)> = match kind {
        RecordKind::Account => {
            sqlx::query_as("SELECT name, NULL FROM accounts WHERE id = ? AND active = 1")
                .bind(id)
                .fetch_optional(conn)
                .await?
        }
        _ => {
            sqlx::query_as(
                "SELECT TRIM(COALESCE(first_name || ' ', '') || last_name), account_id \
             FROM contacts WHERE id = ? AND active = 1",
            )
            .bind(id)
            .fetch_optional(conn)
            .await?
        }
    };
    found.ok_or_else(|| {
        let field = kind.code();
        AppError::field(
            field,
            format!("That {field} no longer exists or is inactive. Pick another."),
        )
    })
}

/// Qualify in one transaction: creates or links the account and contact, creates the
/// opportunity at the first opportunity stage, closes the lead as Qualified and links
/// everything both ways. Any error rolls all of it back.
pub async fn qualify(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    account: Link,
    contact: Link,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let lead = lead_for_write(&mut tx, id, user).await?;
    check_open(lead.status)?;
    check_version(&mut tx, &lead, version).await?;
    let mut plan = super::qualify::plan_qualification(&lead.fields, lead.status, account, contact)?;
    if let Planned::Link(contact_id) = plan.contact {
        let works_at: Option<(i64, String)> = sqlx::query_as(
            "SELECT a.id, a.name FROM contacts c JOIN accounts a ON a.id = c.account_id \
             WHERE c.id = ?",
        )
        .bind(contact_id)
        .fetch_optional(&mut *tx)
        .await?;
        let works_at = works_at.as_ref().map(|(id, name)| (*id, name.as_str()));
        if let Some(account_id) =
            super::qualify::account_of_linked_contact(&plan.account, works_at)?
        {
            plan.account = Planned::Link(account_id);
        }
    }
    let at = now();
    let (account_id, account_name) = write_account(&mut tx, &plan, &lead, user, &at)
        .await?
        .unzip();
    let (contact_id, contact_name) = write_contact(&mut tx, &plan, &lead, account_id, user, &at)
        .await?
        .unzip();
    let opportunity_id =
        write_opportunity(&mut tx, &plan, &lead, account_id, contact_id, user, &at).await?;
    sqlx::query(
        "UPDATE leads SET status = 'qualified', status_reason = 'qualified', \
         qualified_account_id = ?, qualified_contact_id = ?, qualified_opportunity_id = ?, \
         qualified_at = ?, closed_at = ?, modified_by = ?, modified_at = ?, version = version + 1 \
         WHERE id = ? AND version = ?",
    )
    .bind(account_id)
    .bind(contact_id)
    .bind(opportunity_id)
    .bind(&at)
    .bind(&at)
    .bind(user.id)
    .bind(&at)
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await
    .map(history::db::changed_one_row)??;
    let changes = [
        ("status", lead.status.label(), "Qualified"),
        ("status_reason", lead.status_reason.label(), "Qualified"),
    ]
    .into_iter()
    .map(|(field, old, new)| FieldChange {
        field,
        old: Some(old.into()),
        new: Some(new.into()),
    })
    .chain(
        [
            ("qualified_account", account_name),
            ("qualified_contact", contact_name),
            (
                "qualified_opportunity",
                Some(plan.opportunity.topic.clone()),
            ),
        ]
        .into_iter()
        .filter_map(|(field, name)| {
            Some(FieldChange {
                field,
                old: None,
                new: Some(name?),
            })
        }),
    )
    .collect::<Vec<_>>();
    history::db::record(&mut tx, "lead", id, version + 1, &changes, user.id, &at).await?;
    crate::scoring::db::rescore(&mut tx, &[id]).await?;
    tx.commit().await?;
    Ok(opportunity_id)
}

/// The first history entry of a record Qualify created.
fn created_from(lead: &StoredLead) -> [FieldChange; 1] {
    [FieldChange {
        field: "created",
        old: None,
        new: Some(format!(
            "Created by qualifying the lead \"{}\"",
            lead.fields.topic
        )),
    }]
}

/// A record Qualify would create that the record's own form would refuse: the field error
/// goes on the dialog's choice for it.
fn invalid_new(choice: &'static str) -> impl FnOnce(AppError) -> AppError {
    move |error| match error {
        AppError::Validation(fields) => AppError::field(
            choice,
            format!(
                "The new {choice} cannot be created from this lead: {}",
                fields.into_values().collect::<Vec<_>>().join(" ")
            ),
        ),
        other => other,
    }
}

/// The account of the plan: linked, or created through the account's own validation and
/// INSERT (the same as the New account form's), owned by the lead's owner.
async fn write_account(
    conn: &mut SqliteConnection,
    plan: &QualificationPlan,
    lead: &StoredLead,
    user: &User,
    at: &str,
) -> Result<Option<(i64, String)>, AppError> {
    match &plan.account {
        Planned::Skip => Ok(None),
        Planned::Link(id) => Ok(Some((
            *id,
            existing_name(conn, RecordKind::Account, *id).await?.0,
        ))),
        Planned::Create(account) => {
            let f = &lead.fields;
            let text = |value: &Option<String>| value.clone().unwrap_or_default();
            let input = crate::account::AccountInput {
                name: account.name.clone(),
                website: text(&account.website),
                phone: text(&account.phone),
                email: text(&account.email),
                street: text(&f.street),
                city: text(&f.city),
                state_province: text(&f.state_province),
                postal_code: text(&f.postal_code),
                country: text(&f.country),
                ..Default::default()
            };
            let fields =
                crate::account::validate_account(&input, None).map_err(invalid_new("account"))?;
            let who = Authorship {
                owner_id: lead.owner_id,
                by: user.id,
                at: at.to_string(),
                import_job: None,
            };
            let id = crate::account::db::insert(conn, &fields, &who, &created_from(lead)).await?;
            Ok(Some((id, fields.name)))
        }
    }
}

/// The contact of the plan: linked, or created through the contact's own validation and
/// INSERT (the same as the New contact form's) at the plan's account, from the lead.
async fn write_contact(
    conn: &mut SqliteConnection,
    plan: &QualificationPlan,
    lead: &StoredLead,
    account_id: Option<i64>,
    user: &User,
    at: &str,
) -> Result<Option<(i64, String)>, AppError> {
    match &plan.contact {
        Planned::Skip => Ok(None),
        Planned::Link(id) => {
            let (name, _) = existing_name(conn, RecordKind::Contact, *id).await?;
            Ok(Some((*id, name)))
        }
        Planned::Create(contact) => {
            let f = &lead.fields;
            let text = |value: &Option<String>| value.clone().unwrap_or_default();
            let input = crate::contact::ContactInput {
                first_name: text(&contact.first_name),
                last_name: contact.last_name.clone(),
                job_title: text(&contact.job_title),
                account_id: account_id.map(|id| id.to_string()).unwrap_or_default(),
                email: text(&contact.email),
                business_phone: text(&contact.business_phone),
                mobile_phone: text(&contact.mobile_phone),
                street: text(&f.street),
                city: text(&f.city),
                state_province: text(&f.state_province),
                postal_code: text(&f.postal_code),
                country: text(&f.country),
            };
            let fields =
                crate::contact::validate_contact(&input).map_err(invalid_new("contact"))?;
            let who = Authorship {
                owner_id: lead.owner_id,
                by: user.id,
                at: at.to_string(),
                import_job: None,
            };
            let id =
                crate::contact::db::insert(conn, &fields, Some(lead.id), &who, &created_from(lead))
                    .await?;
            let name = [
                fields.first_name.as_deref(),
                Some(fields.last_name.as_str()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            Ok(Some((id, name)))
        }
    }
}

/// The opportunity at the process's first opportunity stage, with that stage's probability
/// and forecast category, its stage history starting from the lead's stage, and the lead's
/// ticked steps.
async fn write_opportunity(
    conn: &mut SqliteConnection,
    plan: &QualificationPlan,
    lead: &StoredLead,
    account_id: Option<i64>,
    contact_id: Option<i64>,
    user: &User,
    at: &str,
) -> Result<i64, AppError> {
    let (stage_id, probability, forecast): (i64, i64, String) = sqlx::query_as(
        "SELECT id, default_probability, forecast_category FROM stages \
         WHERE process_id = ? AND entity = 'opportunity' AND archived = 0 \
         ORDER BY position LIMIT 1",
    )
    .bind(lead.process_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| {
        tracing::error!(
            process = lead.process_id,
            "process has no opportunity stage"
        );
        AppError::Internal
    })?;
    let planned = &plan.opportunity;
    let forecast_category = forecast.parse().map_err(|_| {
        tracing::error!(
            forecast,
            "unknown forecast category on the first opportunity stage"
        );
        AppError::Internal
    })?;
    let new = crate::opportunity::NewOpportunity {
        fields: crate::opportunity::rules::OpportunityFields {
            topic: planned.topic.clone(),
            currency: planned.currency.clone(),
            budget_amount_minor: planned.budget_amount_minor,
            purchase_timeframe: planned.purchase_timeframe,
            purchase_process: planned.purchase_process,
            need: planned.need,
            description: planned.description.clone(),
            rating: planned.rating,
            ..Default::default()
        },
        account_id,
        contact_id,
        originating_lead_id: Some(lead.id),
        lead_source: planned.lead_source,
        decision_maker_identified: planned.decision_maker_identified,
        process_id: lead.process_id,
        stage_id,
        probability,
        forecast_category,
        outcome: crate::opportunity::NewOpportunityOutcome::Open,
    };
    let who = Authorship {
        owner_id: lead.owner_id,
        by: user.id,
        at: at.to_string(),
        import_job: None,
    };
    let id = crate::opportunity::db::insert(conn, &new, &who, &created_from(lead)).await?;
    sqlx::query(
        "INSERT INTO stage_history (record_type, record_id, from_stage_id, to_stage_id, changed_by, changed_at) \
         VALUES ('opportunity', ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(lead.stage_id)
    .bind(stage_id)
    .bind(user.id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO step_completions (record_type, record_id, step_id, completed_by, completed_at) \
         SELECT 'opportunity', ?, step_id, completed_by, completed_at FROM step_completions \
         WHERE record_type = 'lead' AND record_id = ?",
    )
    .bind(id)
    .bind(lead.id)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}
