//! `GET /api/leads/export.csv?…`: the lead list's current view, search, filters and sort as
//! CSV, every page of it. Labels, not codes; the id, version and owner email make the file
//! re-import as an update of the same leads.

use super::LeadQuery;
use super::db::{ExportedLead, export_query};
use crate::error::AppError;
use crate::export::{streamed, write_query};
use crate::server::AppState;
use crate::server::guard::Caller;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};

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

pub async fn export_leads(
    State(state): State<AppState>,
    Extension(Caller(user)): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(user) = user else {
        return AppError::Unauthenticated.into_response();
    };
    let query: LeadQuery = crate::url_state::read(query.as_deref().unwrap_or_default());
    let pool = state.pool.clone();
    let sql = export_query(&query, user.id);
    streamed("leads.csv", move |sink| {
        write_query(pool, sql, header(), cells, sink)
    })
}
