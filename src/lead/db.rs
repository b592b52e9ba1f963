//! Lead queries.

use super::{LEAD_PAGE_SIZE, LeadPage, LeadQuery, LeadRow, LeadSort, LeadView};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

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
    }
}

/// Appends the WHERE clause of a list query (shared by the page and the count).
fn push_filters(sql: &mut QueryBuilder<'_, Sqlite>, query: &LeadQuery, user_id: i64) {
    match query.view {
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
        if search.chars().count() >= 3 {
            // A quoted FTS5 phrase is a case-insensitive substring match on the trigram index.
            let phrase = format!("\"{}\"", search.replace('"', "\"\""));
            sql.push(" AND l.id IN (SELECT rowid FROM leads_search WHERE leads_search MATCH ")
                .push_bind(phrase)
                .push(")");
        } else {
            // Too short for trigrams: scan the search text.
            sql.push(" AND l.id IN (SELECT rowid FROM leads_search WHERE instr(lower(text), ")
                .push_bind(search.to_lowercase())
                .push(") > 0)");
        }
    }
    if let Some(source) = query.source {
        sql.push(" AND l.lead_source = ").push_bind(source);
    }
    if let Some(rating) = query.rating {
        sql.push(" AND l.rating = ").push_bind(rating);
    }
    if let Some(reason) = query.reason {
        sql.push(" AND l.status_reason = ").push_bind(reason);
    }
}

pub async fn list_leads(
    pool: &SqlitePool,
    query: &LeadQuery,
    user_id: i64,
) -> Result<LeadPage, sqlx::Error> {
    let mut count = QueryBuilder::new("SELECT COUNT(*) FROM leads l");
    push_filters(&mut count, query, user_id);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let mut page = QueryBuilder::new(
        "SELECT l.id, l.topic, l.first_name, l.last_name, l.company_name, l.email, l.lead_source, \
         l.rating, l.status_reason, u.name AS owner_name, l.created_at \
         FROM leads l JOIN users u ON u.id = l.owner_id",
    );
    push_filters(&mut page, query, user_id);
    let direction = if query.descending { "DESC" } else { "ASC" };
    page.push(format!(
        " ORDER BY {} {direction} NULLS LAST, l.id {direction} LIMIT ",
        sort_expression(query.sort)
    ))
    .push_bind(LEAD_PAGE_SIZE)
    .push(" OFFSET ")
    .push_bind((query.page.max(1) - 1) * LEAD_PAGE_SIZE);
    let rows: Vec<LeadRow> = page.build_query_as().fetch_all(pool).await?;
    Ok(LeadPage {
        rows,
        total,
        page: query.page.max(1),
        page_size: LEAD_PAGE_SIZE,
    })
}

/// Inserts a new open lead owned by `user_id`, at the first stage of the default process.
pub async fn insert_lead(
    pool: &SqlitePool,
    lead: &super::rules::NewLead,
    user_id: i64,
) -> Result<i64, sqlx::Error> {
    let now = chrono::Utc::now().to_rfc3339();
    sqlx::query_scalar(
        "INSERT INTO leads (topic, first_name, last_name, last_name_normalized, company_name, \
         company_normalized, email, email_normalized, business_phone, business_phone_digits, \
         lead_source, process_id, stage_id, owner_id, created_by, created_at, modified_by, modified_at) \
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, p.id, \
           (SELECT s.id FROM stages s WHERE s.process_id = p.id ORDER BY s.position LIMIT 1), \
           ?, ?, ?, ?, ? \
         FROM processes p WHERE p.is_default = 1 \
         RETURNING id",
    )
    .bind(&lead.topic)
    .bind(&lead.first_name)
    .bind(&lead.last_name)
    .bind(lead.last_name_normalized())
    .bind(&lead.company_name)
    .bind(lead.company_normalized())
    .bind(lead.email.as_ref().map(|e| e.as_str().to_string()))
    .bind(lead.email.as_ref().map(|e| e.normalized()))
    .bind(&lead.business_phone)
    .bind(lead.phone_digits())
    .bind(lead.lead_source)
    .bind(user_id)
    .bind(user_id)
    .bind(&now)
    .bind(user_id)
    .bind(&now)
    .fetch_one(pool)
    .await
}
