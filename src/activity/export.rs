//! `GET /api/activities/export.csv?…`: the activity list's current view, type, search and
//! sort as CSV, every page of it. The record each activity is about is a typed reference
//! ("lead:12") in the column the import reads for its kind (Person for leads and contacts,
//! Regarding for opportunities and accounts), so the file re-imports as what it is.

use super::db::export_query;
use super::{ActivityItem, ActivityKind, ActivityQuery, RecordType};
use crate::export::{Export, download, of_query};
use crate::server::AppState;
use crate::server::guard::Caller;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::Response;

#[derive(sqlx::FromRow)]
struct ExportedActivity {
    #[sqlx(flatten)]
    item: ActivityItem,
    owner_email: String,
}

const HEADER: [&str; 16] = [
    "Id",
    "Version",
    "Activity type",
    "Subject",
    "Details",
    "Due date",
    "Done",
    "Person",
    "Regarding",
    "Record name",
    "Direction",
    "Outcome",
    "Starts (UTC)",
    "Ends (UTC)",
    "Owner email",
    "Created",
];

fn cells(exported: ExportedActivity) -> Vec<String> {
    let a = exported.item;
    let text = |value: Option<String>| value.unwrap_or_default();
    let reference = format!("{}:{}", a.regarding_type.code(), a.regarding_id);
    let (person, regarding) = match a.regarding_type {
        RecordType::Lead | RecordType::Contact => (reference, String::new()),
        RecordType::Opportunity | RecordType::Account => (String::new(), reference),
    };
    let done = match (a.kind, a.done) {
        (ActivityKind::Task, true) => "Done",
        (ActivityKind::Task, false) => "Open",
        _ => "",
    };
    vec![
        a.id.to_string(),
        a.version.to_string(),
        a.kind.label().to_string(),
        a.subject,
        text(a.body),
        text(a.due_date),
        done.to_string(),
        person,
        regarding,
        a.regarding_name,
        a.direction
            .map(|d| d.label().to_string())
            .unwrap_or_default(),
        text(a.outcome),
        text(a.starts_at),
        text(a.ends_at),
        exported.owner_email,
        a.created_at,
    ]
}

/// The activity list's view `query` (its URL query string) as the user `user_id` sees it.
pub fn activity_export(pool: sqlx::SqlitePool, user_id: i64, query: &str) -> Export {
    let query: ActivityQuery = crate::url_state::read(query);
    let header = HEADER.iter().map(|name| name.to_string()).collect();
    of_query(pool, export_query(&query, user_id), header, cells)
}

pub async fn export_activities(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Response {
    download(caller.0, "activities.csv", |user_id| {
        activity_export(state.pool.clone(), user_id, &query.unwrap_or_default())
    })
}
