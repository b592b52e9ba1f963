//! `GET /api/opportunities/export.csv?…`: the opportunity list's current view, search,
//! filters and sort as CSV, every page of it. Labels, not codes; the id, version and owner
//! email make the file re-import as an update of the same opportunities.

use super::db::{ExportedOpportunity, export_query};
use super::list::OpportunityQuery;
use crate::export::{Export, download, of_query};
use crate::server::AppState;
use crate::server::guard::Caller;
use crate::spreadsheet::amount_cell;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::Response;

const HEADER: [&str; 19] = [
    "Id",
    "Version",
    "Topic",
    "Account",
    "Contact",
    "Estimated revenue",
    "Estimated close date",
    "Stage",
    "Probability",
    "Forecast category",
    "Status",
    "Actual revenue",
    "Actual close date",
    "Lost reason",
    "Rating",
    "Lead source",
    "Description",
    "Owner email",
    "Created",
];

fn cells(o: ExportedOpportunity) -> Vec<String> {
    let amount = |cents: Option<i64>| cents.map(amount_cell).unwrap_or_default();
    let label = |option: Option<&'static str>| option.unwrap_or_default().to_string();
    vec![
        o.id.to_string(),
        o.version.to_string(),
        o.topic,
        o.account_name.unwrap_or_default(),
        o.contact_name.unwrap_or_default(),
        amount(o.estimated_revenue_minor),
        o.estimated_close_date.unwrap_or_default(),
        o.stage_name,
        o.probability.to_string(),
        o.forecast_category.label().to_string(),
        o.status.label().to_string(),
        amount(o.actual_revenue_minor),
        o.actual_close_date.unwrap_or_default(),
        o.lost_reason.unwrap_or_default(),
        label(o.rating.map(|r| r.label())),
        label(o.lead_source.map(|s| s.label())),
        o.description.unwrap_or_default(),
        o.owner_email,
        o.created_at,
    ]
}

/// The opportunity list's view `query` (its URL query string) as the user `user_id` sees it.
pub fn opportunity_export(pool: sqlx::SqlitePool, user_id: i64, query: &str) -> Export {
    let query: OpportunityQuery = crate::url_state::read(query);
    let header = HEADER.iter().map(|h| h.to_string()).collect();
    of_query(pool, export_query(&query, user_id), header, cells)
}

pub async fn export_opportunities(
    State(state): State<AppState>,
    Extension(Caller(user)): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Response {
    download(user, "opportunities.csv", |user_id| {
        opportunity_export(state.pool.clone(), user_id, &query.unwrap_or_default())
    })
}
