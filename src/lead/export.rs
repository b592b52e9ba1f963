//! `GET /api/leads/export.csv?…`: the lead list's current view, search, filters and sort as
//! CSV, every page of it. Labels, not codes; the id, version and owner email make the file
//! re-import as an update of the same leads.

use super::LeadQuery;
use super::db::{ExportedLead, export_query};
use crate::export::{Export, download, of_query};
use crate::server::AppState;
use crate::server::guard::Caller;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::Response;

/// The export's columns after the lead's own fields.
const TRAILING: [&str; 4] = ["Status", "Status reason", "Owner email", "Created"];

fn header() -> Vec<String> {
    ["Id", "Version"]
        .into_iter()
        .map(str::to_string)
        .chain(
            super::rules::LeadFields::default()
                .display_values()
                .into_iter()
                .map(|(field, _)| super::rules::lead_field_label(field).to_string()),
        )
        .chain(TRAILING.iter().map(|label| label.to_string()))
        .collect()
}

fn cells(lead: ExportedLead) -> Vec<String> {
    [lead.id.to_string(), lead.version.to_string()]
        .into_iter()
        .chain(
            lead.fields
                .display_values()
                .into_iter()
                .map(|(_, value)| value.unwrap_or_default()),
        )
        .chain([
            lead.status.label().to_string(),
            lead.status_reason.label().to_string(),
            lead.owner_email,
            lead.created_at,
        ])
        .collect()
}

/// The lead list's view `query` (its URL query string) as the user `user_id` sees it.
pub fn lead_export(pool: sqlx::SqlitePool, user_id: i64, query: &str) -> Export {
    let query: LeadQuery = crate::url_state::read(query);
    of_query(pool, export_query(&query, user_id), header(), cells)
}

pub async fn export_leads(
    State(state): State<AppState>,
    Extension(Caller(user)): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Response {
    download(user, "leads.csv", |user_id| {
        lead_export(state.pool.clone(), user_id, &query.unwrap_or_default())
    })
}
