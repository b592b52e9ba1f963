//! `GET /api/accounts/export.csv?…` and `/api/contacts/export.csv?…`: an account or contact
//! list's current view, search and sort as CSV, every page of it. The linked records by
//! name; the id, version and owner email make the file re-import as an update.

use super::db::export_query;
use super::{DirectoryKind, DirectoryQuery};
use crate::export::{Export, download, of_query};
use crate::server::AppState;
use crate::server::guard::Caller;
use crate::spreadsheet::amount_cell;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::Response;

#[derive(sqlx::FromRow)]
struct ExportedAccount {
    id: i64,
    version: i64,
    name: String,
    website: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    industry: Option<String>,
    street: Option<String>,
    city: Option<String>,
    state_province: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
    employees: Option<i64>,
    annual_revenue_minor: Option<i64>,
    parent_name: Option<String>,
    owner_email: String,
    created_at: String,
}

const ACCOUNT_HEADER: [&str; 17] = [
    "Id",
    "Version",
    "Account name",
    "Website",
    "Phone",
    "Email",
    "Industry",
    "Street",
    "City",
    "State/Province",
    "Postal code",
    "Country",
    "Number of employees",
    "Annual revenue",
    "Parent account",
    "Owner email",
    "Created",
];

fn account_cells(a: ExportedAccount) -> Vec<String> {
    let text = |value: Option<String>| value.unwrap_or_default();
    vec![
        a.id.to_string(),
        a.version.to_string(),
        a.name,
        text(a.website),
        text(a.phone),
        text(a.email),
        text(a.industry),
        text(a.street),
        text(a.city),
        text(a.state_province),
        text(a.postal_code),
        text(a.country),
        a.employees.map(|n| n.to_string()).unwrap_or_default(),
        a.annual_revenue_minor.map(amount_cell).unwrap_or_default(),
        text(a.parent_name),
        a.owner_email,
        a.created_at,
    ]
}

#[derive(sqlx::FromRow)]
struct ExportedContact {
    id: i64,
    version: i64,
    first_name: Option<String>,
    last_name: String,
    job_title: Option<String>,
    account_name: Option<String>,
    email: Option<String>,
    business_phone: Option<String>,
    mobile_phone: Option<String>,
    street: Option<String>,
    city: Option<String>,
    state_province: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
    owner_email: String,
    created_at: String,
}

const CONTACT_HEADER: [&str; 16] = [
    "Id",
    "Version",
    "First name",
    "Last name",
    "Job title",
    "Account",
    "Email",
    "Business phone",
    "Mobile phone",
    "Street",
    "City",
    "State/Province",
    "Postal code",
    "Country",
    "Owner email",
    "Created",
];

fn contact_cells(c: ExportedContact) -> Vec<String> {
    let text = |value: Option<String>| value.unwrap_or_default();
    vec![
        c.id.to_string(),
        c.version.to_string(),
        text(c.first_name),
        c.last_name,
        text(c.job_title),
        text(c.account_name),
        text(c.email),
        text(c.business_phone),
        text(c.mobile_phone),
        text(c.street),
        text(c.city),
        text(c.state_province),
        text(c.postal_code),
        text(c.country),
        c.owner_email,
        c.created_at,
    ]
}

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

/// The `kind` list's view `query` (its URL query string) as the user `user_id` sees it.
pub fn directory_export(
    pool: sqlx::SqlitePool,
    kind: DirectoryKind,
    user_id: i64,
    query: &str,
) -> Export {
    let query: DirectoryQuery = crate::url_state::read(query);
    let sql = export_query(kind, &query, user_id);
    match kind {
        DirectoryKind::Accounts => of_query(pool, sql, header(&ACCOUNT_HEADER), account_cells),
        DirectoryKind::Contacts => of_query(pool, sql, header(&CONTACT_HEADER), contact_cells),
    }
}

fn export(state: AppState, caller: Caller, kind: DirectoryKind, query: Option<String>) -> Response {
    download(caller.0, &format!("{}.csv", kind.code()), |user_id| {
        directory_export(
            state.pool.clone(),
            kind,
            user_id,
            &query.unwrap_or_default(),
        )
    })
}

pub async fn export_accounts(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Response {
    export(state, caller, DirectoryKind::Accounts, query)
}

pub async fn export_contacts(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Response {
    export(state, caller, DirectoryKind::Contacts, query)
}
