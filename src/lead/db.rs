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
        // Substring match on name, company and email, case-insensitively.
        let pattern = format!(
            "%{}%",
            search
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        sql.push(" AND (");
        for (index, column) in [
            "lower(coalesce(l.first_name, '') || ' ' || coalesce(l.last_name, ''))",
            "l.company_normalized",
            "l.email_normalized",
        ]
        .iter()
        .enumerate()
        {
            if index > 0 {
                sql.push(" OR ");
            }
            sql.push(*column)
                .push(" LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\'");
        }
        sql.push(")");
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
