//! What accounts and contacts share: their lists (view, search, sort and page in the URL;
//! cards on a phone), the checks before a write, and deactivation instead of deletion.

use crate::error::AppError;
use crate::lists::MemberType;
use crate::lists::pages::save_view_url;
use crate::lists::selection::{
    BulkBar, BulkChoices, BulkChoicesLoad, BulkContext, RowCheck, SelectHeader,
};
use crate::option_set;
use crate::ui::enhance::{FormMessage, ServerForm};
use crate::ui::list::{Pager, sort_filters, sort_headers};
use crate::ui::{CsvDownload, ErrorPage};
use crate::url_state::{field, read};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

option_set!(
    /// The two directories of customers.
    DirectoryKind { Accounts => "accounts", "Accounts", Contacts => "contacts", "Contacts" }
);

impl DirectoryKind {
    /// What the records are as list members.
    pub fn member_type(self) -> MemberType {
        match self {
            DirectoryKind::Accounts => MemberType::Account,
            DirectoryKind::Contacts => MemberType::Contact,
        }
    }

    /// The record type in history and URLs ("account", "contact").
    pub fn singular(self) -> &'static str {
        match self {
            DirectoryKind::Accounts => "account",
            DirectoryKind::Contacts => "contact",
        }
    }

    fn path(self) -> String {
        format!("/{}", self.code())
    }
}

option_set!(
    /// The saved views of a directory.
    #[derive(Default)]
    DirectoryView { #[default] Active => "active", "Active", Mine => "mine", "Mine", Inactive => "inactive", "Inactive" }
);

option_set!(
    /// The columns a directory sorts by.
    #[derive(Default)]
    DirectorySort {
        #[default] Name => "name", "Name",
        City => "city", "City",
        Owner => "owner", "Owner",
        Modified => "modified", "Last modified",
    }
);

pub const DIRECTORY_PAGE_SIZE: i64 = 25;

/// What an account or contact list shows; the kind is the list's path, not part of the
/// query. It round-trips through the URL (`crate::url_state`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DirectoryQuery {
    #[serde(deserialize_with = "field::or_default")]
    pub view: DirectoryView,
    #[serde(rename = "q", alias = "search", deserialize_with = "field::optional")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    #[serde(
        deserialize_with = "field::or_default",
        skip_serializing_if = "field::is_default"
    )]
    pub sort: DirectorySort,
    #[serde(
        rename = "dir",
        alias = "descending",
        deserialize_with = "field::descending"
    )]
    #[serde(
        serialize_with = "field::direction",
        skip_serializing_if = "is_ascending"
    )]
    pub descending: bool,
    /// The members of this static marketing list (active or not, any owner).
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub list: Option<i64>,
    /// Only records with an email address (contacts: who have not opted out of email).
    #[serde(
        deserialize_with = "field::or_default",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub emailable: bool,
    /// Only these records (the rows chosen for "Export selected").
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub ids: Option<crate::url_state::IdList>,
    #[serde(
        deserialize_with = "field::page",
        skip_serializing_if = "field::is_first_page"
    )]
    pub page: i64,
}

fn is_ascending(descending: &bool) -> bool {
    !descending
}

impl Default for DirectoryQuery {
    fn default() -> Self {
        DirectoryQuery::of_view(DirectoryView::default())
    }
}

impl DirectoryQuery {
    pub fn of_view(view: DirectoryView) -> DirectoryQuery {
        DirectoryQuery {
            view,
            search: None,
            sort: DirectorySort::default(),
            descending: false,
            list: None,
            emailable: false,
            ids: None,
            page: 1,
        }
    }

    /// The URL of this query on the `kind` list.
    pub fn url(&self, kind: DirectoryKind) -> String {
        crate::url_state::url(&kind.path(), self)
    }

    pub fn sorted_by(&self, sort: DirectorySort) -> DirectoryQuery {
        DirectoryQuery {
            sort,
            descending: self.sort == sort && !self.descending,
            page: 1,
            ..self.clone()
        }
    }

    pub fn at_page(&self, page: i64) -> DirectoryQuery {
        DirectoryQuery {
            page,
            ..self.clone()
        }
    }
}

/// One account or contact in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DirectoryRow {
    pub id: i64,
    pub version: i64,
    pub name: String,
    /// An account's industry; a contact's job title and account.
    pub detail: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub city: Option<String>,
    pub owner_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryPage {
    pub rows: Vec<DirectoryRow>,
    pub total: i64,
    pub page: i64,
}

/// One page of accounts or contacts. Every signed-in user sees them all.
#[server(endpoint = "directory/list")]
pub async fn list_directory(
    kind: DirectoryKind,
    query: DirectoryQuery,
) -> Result<DirectoryPage, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            Ok(db::list(&state()?.pool, kind, &query, user.id).await?)
        }
        .await,
    )
}

/// Deactivates (or reactivates) an account or contact; returns its new version. Records
/// are never deleted: opportunities, leads and activities keep pointing at them.
#[server(endpoint = "directory/set-active")]
pub async fn set_record_active(
    kind: DirectoryKind,
    id: i64,
    version: i64,
    active: bool,
) -> Result<i64, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            db::set_active(&state()?.pool, kind, id, version, active, &user).await
        }
        .await,
    )
}

/// Why a record cannot be deactivated: the open opportunities it is the customer of.
pub fn deactivation_blocker(kind: DirectoryKind, open_opportunities: i64) -> Option<String> {
    (open_opportunities > 0).then(|| {
        let noun = if open_opportunities == 1 {
            "opportunity is"
        } else {
            "opportunities are"
        };
        format!(
            "This {} cannot be deactivated: {open_opportunities} open {noun} for it. Close them or change their customer first.",
            kind.singular()
        )
    })
}

#[cfg(feature = "ssr")]
pub mod export;

#[cfg(feature = "ssr")]
pub mod db {
    use super::{
        DIRECTORY_PAGE_SIZE, DirectoryKind, DirectoryPage, DirectoryQuery, DirectorySort,
        DirectoryView,
    };
    use crate::auth::{User, check_can_edit};
    use crate::error::AppError;
    use crate::history::{self, FieldChange};
    use crate::types::normalize::normalize_name;
    use sqlx::{SqliteConnection, SqlitePool};

    /// What every write checks on an account or contact.
    #[derive(Debug, sqlx::FromRow)]
    pub struct Stored {
        pub owner_id: i64,
        pub version: i64,
        pub active: bool,
        pub modified_by: String,
    }

    /// The record for a write: it exists (404), the caller may change it (403), and it is
    /// still at `version` (409 naming what changed).
    pub async fn for_write(
        conn: &mut SqliteConnection,
        kind: DirectoryKind,
        id: i64,
        version: i64,
        user: &User,
        label: fn(&str) -> &str,
    ) -> Result<Stored, AppError> {
        let sql = format!(
            "SELECT r.owner_id, r.version, r.active, u.name AS modified_by FROM {} r \
             JOIN users u ON u.id = r.modified_by WHERE r.id = ?",
            kind.code()
        );
        let stored: Stored = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("This {}", kind.singular())))?;
        check_can_edit(user, stored.owner_id)?;
        history::db::check_version(
            conn,
            kind.singular(),
            id,
            stored.version,
            version,
            &stored.modified_by,
            label,
        )
        .await?;
        Ok(stored)
    }

    /// The record is active: inactive ones are read-only until reactivated.
    pub fn check_active(kind: DirectoryKind, stored: &Stored) -> Result<(), AppError> {
        if stored.active {
            Ok(())
        } else {
            Err(AppError::Conflict {
                message: format!(
                    "This {} is inactive and read-only. Activate it to make changes.",
                    kind.singular()
                ),
                changed_fields: vec![],
            })
        }
    }

    pub async fn set_active(
        pool: &SqlitePool,
        kind: DirectoryKind,
        id: i64,
        version: i64,
        active: bool,
        user: &User,
    ) -> Result<i64, AppError> {
        let label = match kind {
            DirectoryKind::Accounts => crate::account::account_field_label,
            DirectoryKind::Contacts => crate::contact::contact_field_label,
        };
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let stored = for_write(&mut tx, kind, id, version, user, label).await?;
        if stored.active == active {
            return Ok(version);
        }
        if !active {
            let column = match kind {
                DirectoryKind::Accounts => "account_id",
                DirectoryKind::Contacts => "contact_id",
            };
            let open: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM opportunities WHERE {column} = ? AND status = 'open'"
            ))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(message) = super::deactivation_blocker(kind, open) {
                return Err(AppError::Conflict {
                    message,
                    changed_fields: vec![],
                });
            }
        }
        let at = chrono::Utc::now().to_rfc3339();
        sqlx::query(&format!(
            "UPDATE {} SET active = ?, modified_by = ?, modified_at = ?, version = version + 1 WHERE id = ?",
            kind.code()
        ))
        .bind(active)
        .bind(user.id)
        .bind(&at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let status = |active: bool| Some(if active { "Active" } else { "Inactive" }.to_string());
        let change = [FieldChange {
            field: "active",
            old: status(stored.active),
            new: status(active),
        }];
        history::db::record(
            &mut tx,
            kind.singular(),
            id,
            version + 1,
            &change,
            user.id,
            &at,
        )
        .await?;
        tx.commit().await?;
        Ok(version + 1)
    }

    /// The `UPDATE` of `columns` and the audit columns; bind modified by, modified at and
    /// the id after the fields.
    pub fn update_sql(kind: DirectoryKind, columns: &[&str]) -> String {
        let assignments: Vec<String> = columns.iter().map(|c| format!("{c} = ?")).collect();
        format!(
            "UPDATE {} SET {}, modified_by = ?, modified_at = ?, version = version + 1 WHERE id = ?",
            kind.code(),
            assignments.join(", ")
        )
    }

    /// Records `changes` as the record's `version` (1: its creation).
    pub async fn record_changes(
        conn: &mut SqliteConnection,
        kind: DirectoryKind,
        id: i64,
        version: i64,
        changes: &[FieldChange],
        user: &User,
        at: &str,
    ) -> Result<crate::duplicates::SaveOutcome, AppError> {
        history::db::record(conn, kind.singular(), id, version, changes, user.id, at).await?;
        Ok(crate::duplicates::SaveOutcome::Saved { id, version })
    }

    /// The history row of a new record.
    pub fn created(kind: DirectoryKind) -> [FieldChange; 1] {
        let text = match kind {
            DirectoryKind::Accounts => "Account created",
            DirectoryKind::Contacts => "Contact created",
        };
        [FieldChange {
            field: "created",
            old: None,
            new: Some(text.into()),
        }]
    }

    type Sql = sqlx::QueryBuilder<'static, sqlx::Sqlite>;

    /// The list's rows of one kind.
    fn list_select(kind: DirectoryKind) -> &'static str {
        match kind {
            DirectoryKind::Accounts => {
                "SELECT r.id, r.version, r.name, r.industry AS detail, r.email, r.phone, r.city, u.name AS owner_name \
                 FROM accounts r JOIN users u ON u.id = r.owner_id"
            }
            DirectoryKind::Contacts => {
                "SELECT r.id, r.version, TRIM(COALESCE(r.first_name || ' ', '') || r.last_name) AS name, \
                 NULLIF(concat_ws(' · ', r.job_title, (SELECT name FROM accounts WHERE id = r.account_id)), '') AS detail, \
                 r.email, COALESCE(r.business_phone, r.mobile_phone) AS phone, r.city, u.name AS owner_name \
                 FROM contacts r JOIN users u ON u.id = r.owner_id"
            }
        }
    }

    /// The view (active or inactive, mine) and search of a list.
    fn push_filters(sql: &mut Sql, kind: DirectoryKind, query: &DirectoryQuery, user_id: i64) {
        if let Some(list) = query.list {
            // A list's members view shows every member, active or not, whoever owns it.
            sql.push(
                " WHERE r.id IN (SELECT member_id FROM marketing_list_members WHERE list_id = ",
            )
            .push_bind(list)
            .push(")");
        } else {
            sql.push(" WHERE r.active = ")
                .push_bind(query.view != DirectoryView::Inactive);
            if query.view == DirectoryView::Mine {
                sql.push(" AND r.owner_id = ").push_bind(user_id);
            }
        }
        if query.emailable {
            sql.push(match kind {
                DirectoryKind::Accounts => " AND r.email IS NOT NULL",
                DirectoryKind::Contacts => " AND r.email IS NOT NULL AND r.do_not_email = 0",
            });
        }
        if let Some(ids) = &query.ids {
            crate::lead::db::push_id_filter(sql, "r.id", &ids.0);
        }
        if let Some(search) = query.search.as_deref().and_then(normalize_name) {
            let name = match kind {
                DirectoryKind::Accounts => "r.name_normalized",
                DirectoryKind::Contacts => {
                    "lower(COALESCE(r.first_name || ' ', '') || r.last_name)"
                }
            };
            sql.push(format!(" AND (instr({name}, "))
                .push_bind(search.clone())
                .push(") > 0 OR instr(r.email_normalized, ")
                .push_bind(search)
                .push(") > 0)");
        }
    }

    /// `SELECT {columns} FROM … r WHERE …`: every record the list view `query` shows to
    /// `user_id`, unsorted (a bulk action's selection, a dynamic list's members).
    pub fn push_matching(
        sql: &mut Sql,
        columns: &str,
        kind: DirectoryKind,
        query: &DirectoryQuery,
        user_id: i64,
    ) {
        sql.push(format!("SELECT {columns} FROM {} r", kind.code()));
        push_filters(sql, kind, query, user_id);
    }

    /// The list's sort, then the id.
    fn push_order(sql: &mut Sql, kind: DirectoryKind, query: &DirectoryQuery) {
        let name_order = match kind {
            DirectoryKind::Accounts => "r.name_normalized",
            DirectoryKind::Contacts => "r.last_name_normalized, r.first_name",
        };
        let column = match query.sort {
            DirectorySort::Name => name_order,
            DirectorySort::City => "r.city IS NULL, r.city",
            DirectorySort::Owner => "u.name",
            DirectorySort::Modified => "r.modified_at",
        };
        let direction = if query.descending { "DESC" } else { "ASC" };
        let order: Vec<String> = column
            .split(", ")
            .map(|part| format!("{part} {direction}"))
            .collect();
        sql.push(format!(" ORDER BY {}, r.id", order.join(", ")));
    }

    pub async fn list(
        pool: &SqlitePool,
        kind: DirectoryKind,
        query: &DirectoryQuery,
        user_id: i64,
    ) -> Result<DirectoryPage, sqlx::Error> {
        let (page, offset) = crate::ui::list::page_and_offset(query.page, DIRECTORY_PAGE_SIZE);
        let mut rows = Sql::new(list_select(kind));
        push_filters(&mut rows, kind, query, user_id);
        push_order(&mut rows, kind, query);
        rows.push(" LIMIT ")
            .push_bind(DIRECTORY_PAGE_SIZE)
            .push(" OFFSET ")
            .push_bind(offset);
        let mut count = Sql::new(format!("SELECT COUNT(*) FROM {} r", kind.code()));
        push_filters(&mut count, kind, query, user_id);
        let rows = rows.build_query_as().fetch_all(pool).await?;
        let total = count.build_query_scalar().fetch_one(pool).await?;
        Ok(DirectoryPage { rows, total, page })
    }

    /// Every record of the list's view and search, in its sort order (no pages), with all
    /// the fields the import reads back, the linked records by name and the owner by email.
    pub fn export_query(kind: DirectoryKind, query: &DirectoryQuery, user_id: i64) -> Sql {
        let mut sql = Sql::new(match kind {
            DirectoryKind::Accounts => {
                "SELECT r.id, r.version, r.name, r.website, r.phone, r.email, r.industry, r.street, \
                 r.city, r.state_province, r.postal_code, r.country, r.employees, \
                 r.annual_revenue_minor, p.name AS parent_name, u.email AS owner_email, r.created_at \
                 FROM accounts r JOIN users u ON u.id = r.owner_id \
                 LEFT JOIN accounts p ON p.id = r.parent_account_id"
            }
            DirectoryKind::Contacts => {
                "SELECT r.id, r.version, r.first_name, r.last_name, r.job_title, a.name AS account_name, \
                 r.email, r.business_phone, r.mobile_phone, r.street, r.city, r.state_province, \
                 r.postal_code, r.country, u.email AS owner_email, r.created_at \
                 FROM contacts r JOIN users u ON u.id = r.owner_id \
                 LEFT JOIN accounts a ON a.id = r.account_id"
            }
        });
        push_filters(&mut sql, kind, query, user_id);
        push_order(&mut sql, kind, query);
        sql
    }
}

const COLUMNS: [(DirectorySort, &str); 4] = [
    (DirectorySort::Name, "Name"),
    (DirectorySort::City, "City"),
    (DirectorySort::Owner, "Owner"),
    (DirectorySort::Modified, "Last modified"),
];

/// The sortable table columns (the rest sort from the filter form).
const HEADERS: [(DirectorySort, &str); 3] = [
    (DirectorySort::Name, "Name"),
    (DirectorySort::City, "City"),
    (DirectorySort::Owner, "Owner"),
];

/// The account or contact list page.
#[component]
pub fn DirectoryList(kind: DirectoryKind) -> impl IntoView {
    let location = use_location();
    let query = Memo::new(move |_| {
        location
            .search
            .with(|search| read::<DirectoryQuery>(search))
    });
    let page = crate::ui::fetched(
        move || query.get(),
        move |query| list_directory(kind, query),
    );
    let bulk = BulkChoicesLoad::new(kind.member_type());
    let noun = kind.singular();
    view! {
        <Title text=kind.label() />
        <section class="page">
            <header class="page-header">
                <h1>{kind.label()}</h1>
                <a class="button primary" href=format!("{}/new", kind.path())>{format!("New {noun}")}</a>
            </header>
            <nav class="view-tabs" aria-label=format!("{} views", kind.label())>
                {DirectoryView::ALL
                    .iter()
                    .map(|view| {
                        let view = *view;
                        let label = format!("{} {}", view.label(), kind.code());
                        view! {
                            <a href=DirectoryQuery::of_view(view).url(kind)
                                aria-current=move || (query.get().view == view).then_some("page")>
                                {label}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let choices = bulk.loaded().await;
                    match page.await {
                        Ok(result) => view! { <DirectoryTable kind result query=query.get_untracked() choices /> }.into_any(),
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DirectoryTable(
    kind: DirectoryKind,
    result: DirectoryPage,
    query: DirectoryQuery,
    choices: BulkChoices,
) -> impl IntoView {
    let search_id = format!("{}-search", kind.singular());
    let headers = sort_headers(&HEADERS, query.sort, query.descending, |sort| {
        query.sorted_by(sort).url(kind)
    });
    let detail_header = match kind {
        DirectoryKind::Accounts => "Industry",
        DirectoryKind::Contacts => "Job title · Account",
    };
    let page_rows: Vec<(i64, i64)> = result
        .rows
        .iter()
        .map(|row| (row.id, row.version))
        .collect();
    let rows = result
        .rows
        .into_iter()
        .map(|row| {
            view! {
                <tr>
                    <RowCheck id=row.id version=row.version name=row.name.clone() />
                    <td data-label="Name"><a href=format!("{}/{}", kind.path(), row.id)>{row.name}</a></td>
                    <td data-label="City">{row.city}</td>
                    <td data-label="Owner">{row.owner_name}</td>
                    <td data-label="Details">{row.detail}</td>
                    <td data-label="Email">{row.email}</td>
                    <td data-label="Phone">{row.phone}</td>
                </tr>
            }
        })
        .collect_view();
    let count = format!(
        "{} {}",
        result.total,
        if result.total == 1 {
            kind.singular().to_string()
        } else {
            kind.code().to_string()
        }
    );
    let page_count = crate::ui::list::page_count(result.total, DIRECTORY_PAGE_SIZE);
    let caption = format!("{} {}", query.view.label(), kind.code());
    let page_query = query.clone();
    // The export is the whole view, whatever page is showing.
    let export_url = crate::url_state::url(
        &format!("/api/{}/export.csv", kind.code()),
        &query.at_page(1),
    );
    let page_url = Callback::new(move |page| page_query.at_page(page).url(kind));
    let member_type = kind.member_type();
    let matching = crate::url_state::query_string(&query.at_page(1));
    let bulk = BulkContext {
        member_type,
        matching: matching.clone(),
        total: result.total,
        rows: page_rows,
        list: query.list,
        export_path: format!("/api/{}/export.csv", kind.code()),
        manager: choices.manager,
        owners: choices.owners,
        lists: choices.lists,
    };
    view! {
        <crate::ui::list::FilterFold active=crate::url_state::active_filters(&query)>
            <Form method="GET" action=kind.path() attr:class="list-filters" attr:role="search">
                <input type="hidden" name="view" value=query.view.code() />
                // A list's members view keeps showing the list's members.
                {query.list.map(|list| view! { <input type="hidden" name="list" value=list /> }.into_any())}
                <div class="field search-field">
                    <label for=search_id.clone()>"Search"</label>
                    <input id=search_id type="search" name="q" placeholder="Name or email"
                        value=query.search.clone().unwrap_or_default() />
                </div>
                {sort_filters("directory-sort", &COLUMNS, query.sort, query.descending)}
                <button type="submit" class="button primary">"Apply"</button>
            </Form>
        </crate::ui::list::FilterFold>
        {query.list.map(|list| view! {
            <p class="card list-members-note">"Showing the members of a marketing list. "<a href=format!("/lists/{list}")>"Back to the list"</a></p>
        })}
        <p class="row-count">{count}</p>
        <p class="list-actions">
            <CsvDownload href=export_url expected=result.total label="Export CSV".to_string() />
            " · "
            <a href=save_view_url(member_type, &matching)>"Save view as list"</a>
        </p>
        <BulkBar context=bulk />
        {if result.total == 0 {
            view! { <div class="card empty-state"><p>"Nothing matches this view and search."</p></div> }.into_any()
        } else {
            view! {
                <table class="data-table">
                    <caption class="visually-hidden">{caption}</caption>
                    <thead><tr>
                        <SelectHeader />
                        {headers}
                        <th scope="col">{detail_header}</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Phone"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any()
        }}
        <Pager page=result.page page_count page_url />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::url_state::tests::{AWKWARD, query_of};

    #[test]
    fn a_search_of_any_text_round_trips_through_the_url() {
        for search in AWKWARD {
            let query = DirectoryQuery {
                search: Some(search.to_string()),
                ..DirectoryQuery::of_view(DirectoryView::Mine)
            };
            let url = query.url(DirectoryKind::Contacts);
            assert!(url.starts_with("/contacts?"), "{url}");
            assert!(!query_of(&url).contains(['#', ' '].as_slice()), "{url}");
            assert_eq!(read::<DirectoryQuery>(query_of(&url)), query, "{url}");
        }
    }

    #[test]
    fn a_query_survives_the_url() {
        let query = DirectoryQuery {
            search: Some("fjord robotics".into()),
            sort: DirectorySort::City,
            descending: true,
            page: 3,
            ..DirectoryQuery::of_view(DirectoryView::Mine)
        };
        let url = query.url(DirectoryKind::Contacts);
        assert_eq!(
            url,
            "/contacts?view=mine&q=fjord+robotics&sort=city&dir=desc&page=3"
        );
        assert_eq!(read::<DirectoryQuery>(query_of(&url)), query);
        let plain = DirectoryQuery::of_view(DirectoryView::Active);
        assert_eq!(plain.url(DirectoryKind::Accounts), "/accounts?view=active");
        assert_eq!(read::<DirectoryQuery>("view=x&sort=y&page=z&dir=q"), plain);
    }

    #[test]
    fn deactivation_is_blocked_by_open_opportunities_and_says_so() {
        assert_eq!(deactivation_blocker(DirectoryKind::Accounts, 0), None);
        assert_eq!(
            deactivation_blocker(DirectoryKind::Contacts, 1).unwrap(),
            "This contact cannot be deactivated: 1 open opportunity is for it. Close them or change their customer first."
        );
        assert!(
            deactivation_blocker(DirectoryKind::Accounts, 3)
                .unwrap()
                .contains("3 open opportunities are")
        );
    }
}

/// Deactivate or Activate, for the record's owner or a manager; the page loads again with
/// the change, or says why it cannot be made.
#[component]
fn ActiveToggle(kind: DirectoryKind, id: i64, version: i64, active: bool) -> impl IntoView {
    let done = match kind {
        DirectoryKind::Accounts => "Account status changed.",
        DirectoryKind::Contacts => "Contact status changed.",
    };
    view! {
        <ServerForm action={<SetRecordActive as ServerFn>::PATH} done reload=true>
            <input type="hidden" name="kind" value=kind.code() />
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="version" value=version />
            <input type="hidden" name="active" value=(!active).to_string() />
            <button type="submit" class="button secondary">
                {if active { "Deactivate" } else { "Activate" }}
            </button>
            <FormMessage />
        </ServerForm>
    }
}

/// The header of an account or contact page: kind, name, status, owner, Deactivate.
#[component]
pub fn DirectoryHeader(
    kind: DirectoryKind,
    id: i64,
    name: String,
    active: bool,
    owner_name: String,
    owner_id: i64,
    version: i64,
    can_edit: bool,
    can_assign: bool,
) -> impl IntoView {
    use crate::assignment::{AssignControl, OwnedKind};
    let owned_kind = match kind {
        DirectoryKind::Accounts => OwnedKind::Account,
        DirectoryKind::Contacts => OwnedKind::Contact,
    };
    view! {
        <header class="page-header record-header">
            <div>
                <p class="record-kind">{kind.singular().to_uppercase()}</p>
                <h1>{name}</h1>
                <p class="record-meta">
                    <span class="badge">{if active { "Active" } else { "Inactive" }}</span>
                    {format!(" Owner: {owner_name}")}
                </p>
            </div>
            <div class="record-actions">
                {can_edit.then(|| view! { <ActiveToggle kind id version active /> })}
            </div>
        </header>
        {(active && can_assign).then(|| view! { <AssignControl kind=owned_kind id version owner_id /> })}
    }
}
