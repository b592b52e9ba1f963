//! Loading and storing accounts.

use super::{
    AccountContact, AccountFields, AccountSummary, OpportunityTotals, RelatedOpportunity,
    account_field_label, creates_cycle,
};
use crate::auth::{User, check_can_edit};
use crate::customer::CustomerKind;
use crate::directory::DirectoryKind;
use crate::directory::db::{check_active, created, for_write, record_changes, update_sql};
use crate::duplicates::RecordKind;
use crate::duplicates::SaveOutcome;
use crate::error::AppError;
use crate::history::db::{bind_authorship, insert_rows_sql, inserted_ids, rows_per_statement};
use crate::history::{self, Authorship};
use crate::types::RecordLink;
use sqlx::{SqliteConnection, SqlitePool};

#[derive(sqlx::FromRow)]
struct StoredAccount {
    #[sqlx(flatten)]
    fields: AccountFields,
    parent_name: Option<String>,
    primary_contact_name: Option<String>,
    active: bool,
    owner_id: i64,
    owner_name: String,
    version: i64,
}

async fn load(conn: &mut SqliteConnection, id: i64) -> Result<Option<StoredAccount>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.name, a.website, a.phone, a.email, a.industry, a.street, a.city, \
         a.state_province, a.postal_code, a.country, a.employees, a.annual_revenue_minor, \
         a.parent_account_id, a.primary_contact_id, p.name AS parent_name, \
         TRIM(COALESCE(c.first_name || ' ', '') || c.last_name) AS primary_contact_name, \
         a.active, a.owner_id, u.name AS owner_name, a.version \
         FROM accounts a JOIN users u ON u.id = a.owner_id \
         LEFT JOIN accounts p ON p.id = a.parent_account_id \
         LEFT JOIN contacts c ON c.id = a.primary_contact_id WHERE a.id = ?",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The opportunities of an account, or (for a contact) where it is customer or stakeholder.
/// Open ones first, then the latest closed.
pub(crate) const RELATED_OPPORTUNITY_COLUMNS: &str = "o.id, o.topic, o.status, s.name AS stage_name, \
    CASE WHEN o.status = 'won' THEN o.actual_revenue_minor ELSE o.estimated_revenue_minor END AS revenue_minor, \
    CASE WHEN o.status = 'open' THEN o.estimated_close_date ELSE o.actual_close_date END AS close_date";

pub async fn summary(
    pool: &SqlitePool,
    id: i64,
    user: &User,
) -> Result<Option<AccountSummary>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let Some(a) = load(&mut conn, id).await? else {
        return Ok(None);
    };
    let contacts: Vec<AccountContact> = sqlx::query_as(
        "SELECT id, TRIM(COALESCE(first_name || ' ', '') || last_name) AS name, job_title, email, \
         COALESCE(business_phone, mobile_phone) AS phone FROM contacts \
         WHERE account_id = ? AND active = 1 ORDER BY last_name_normalized, first_name LIMIT 200",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let opportunities: Vec<RelatedOpportunity> = sqlx::query_as(&format!(
        "SELECT {RELATED_OPPORTUNITY_COLUMNS}, NULL AS role FROM opportunities o \
         JOIN stages s ON s.id = o.stage_id WHERE o.account_id = ? \
         ORDER BY o.status <> 'open', close_date DESC, o.id DESC LIMIT 100"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let totals: OpportunityTotals = sqlx::query_as(
        "SELECT COALESCE(SUM(status = 'open'), 0) AS open_count, \
         COALESCE(SUM(CASE WHEN status = 'open' THEN estimated_revenue_minor END), 0) AS open_estimated_minor, \
         COALESCE(SUM(status = 'won'), 0) AS won_count, \
         COALESCE(SUM(CASE WHEN status = 'won' THEN actual_revenue_minor END), 0) AS won_actual_minor, \
         COALESCE(SUM(status = 'lost'), 0) AS lost_count \
         FROM opportunities WHERE account_id = ?",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let leads: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, topic FROM leads WHERE qualified_account_id = ? ORDER BY id DESC LIMIT 50",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    drop(conn);
    let history = history::db::load(pool, "account", id).await?;
    let lists = crate::lists::db::record_lists(pool, crate::lists::MemberType::Account, id).await?;
    Ok(Some(AccountSummary {
        lists,
        id,
        parent: RecordLink::from_columns(a.fields.parent_account_id, a.parent_name),
        primary_contact: RecordLink::from_columns(
            a.fields.primary_contact_id,
            a.primary_contact_name,
        ),
        fields: a.fields,
        active: a.active,
        owner_id: a.owner_id,
        owner_name: a.owner_name,
        version: a.version,
        can_edit: check_can_edit(user, a.owner_id).is_ok(),
        can_assign: user.role.includes(crate::auth::Role::Manager),
        contacts,
        opportunities,
        totals,
        originating_leads: leads
            .into_iter()
            .map(|(id, name)| RecordLink { id, name })
            .collect(),
        history,
    }))
}

/// The names of the linked records, checked: the parent is an active account that is not
/// this one or below it; the primary contact is an active contact of no other account.
async fn linked_names(
    conn: &mut SqliteConnection,
    fields: &AccountFields,
    own_id: Option<i64>,
) -> Result<(Option<String>, Option<String>), AppError> {
    let parent = match fields.parent_account_id {
        None => None,
        Some(parent) => {
            let name = crate::customer::db::active_name(conn, CustomerKind::Account, parent)
                .await?
                .ok_or_else(|| {
                    AppError::field(
                        "parent_account_id",
                        "Choose an active account as the parent.",
                    )
                })?;
            if let Some(own) = own_id {
                let ancestors: Vec<i64> = sqlx::query_scalar(
                    "WITH RECURSIVE up(id, depth) AS ( \
                       SELECT parent_account_id, 1 FROM accounts WHERE id = ?1 \
                       UNION ALL SELECT a.parent_account_id, up.depth + 1 FROM accounts a \
                       JOIN up ON a.id = up.id WHERE up.depth < 100) \
                     SELECT id FROM up WHERE id IS NOT NULL",
                )
                .bind(parent)
                .fetch_all(&mut *conn)
                .await?;
                if creates_cycle(own, parent, &ancestors) {
                    return Err(AppError::field(
                        "parent_account_id",
                        "That account is already below this one: choose another parent.",
                    ));
                }
            }
            Some(name)
        }
    };
    let primary = match fields.primary_contact_id {
        None => None,
        Some(contact) => {
            let row: Option<(String, Option<i64>)> = sqlx::query_as(
                "SELECT TRIM(COALESCE(first_name || ' ', '') || last_name), account_id \
                 FROM contacts WHERE id = ? AND active = 1",
            )
            .bind(contact)
            .fetch_optional(&mut *conn)
            .await?;
            match row {
                Some((name, account)) if account.is_none() || account == own_id => Some(name),
                Some(_) => {
                    return Err(AppError::field(
                        "primary_contact_id",
                        "The primary contact must be one of this account's contacts.",
                    ));
                }
                None => {
                    return Err(AppError::field(
                        "primary_contact_id",
                        "Choose an active contact.",
                    ));
                }
            }
        }
    };
    Ok((parent, primary))
}

fn bind_fields<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    f: &'q AccountFields,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    query
        .bind(&f.name)
        .bind(f.name_normalized())
        .bind(&f.website)
        .bind(&f.phone)
        .bind(f.phone_digits())
        .bind(&f.email)
        .bind(f.email_normalized())
        .bind(&f.industry)
        .bind(&f.street)
        .bind(&f.city)
        .bind(&f.state_province)
        .bind(&f.postal_code)
        .bind(&f.country)
        .bind(f.employees)
        .bind(f.annual_revenue_minor)
        .bind(f.parent_account_id)
        .bind(f.primary_contact_id)
}

const COLUMNS: [&str; 17] = [
    "name",
    "name_normalized",
    "website",
    "phone",
    "phone_digits",
    "email",
    "email_normalized",
    "industry",
    "street",
    "city",
    "state_province",
    "postal_code",
    "country",
    "employees",
    "annual_revenue_minor",
    "parent_account_id",
    "primary_contact_id",
];

/// Saves a new account owned by its creator; unless `save_anyway`, stops at likely
/// duplicates.
pub async fn create(
    pool: &SqlitePool,
    fields: &AccountFields,
    user: &User,
    save_anyway: bool,
) -> Result<SaveOutcome, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    linked_names(&mut tx, fields, None).await?;
    if !save_anyway {
        let matches =
            crate::duplicates::db::find_duplicates(&mut tx, &fields.match_keys(), None).await?;
        if !matches.is_empty() {
            return Ok(SaveOutcome::Duplicates(matches));
        }
    }
    let created = created(DirectoryKind::Accounts);
    let id = insert(
        &mut tx,
        fields,
        &Authorship::now(user.id, user.id),
        &created,
    )
    .await?;
    tx.commit().await?;
    Ok(SaveOutcome::Saved { id, version: 1 })
}

/// The one INSERT of an account, for the form, Qualify and the generator: the row and its
/// first history entry (`created`), in the caller's transaction. The caller has validated
/// `fields` and applied the duplicate rule.
pub async fn insert(
    conn: &mut SqliteConnection,
    fields: &AccountFields,
    who: &Authorship,
    created: &[history::FieldChange],
) -> Result<i64, AppError> {
    let ids = insert_many(conn, &[(fields, who)], created).await?;
    ids.first().copied().ok_or(AppError::Internal)
}

/// `insert` for many accounts at once (multi-row statements); their ids, in order.
pub async fn insert_many(
    conn: &mut SqliteConnection,
    records: &[(&AccountFields, &Authorship)],
    created: &[history::FieldChange],
) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::with_capacity(records.len());
    for batch in records.chunks(rows_per_statement(COLUMNS.len())) {
        let sql = insert_rows_sql("accounts", &COLUMNS, batch.len());
        let mut query = sqlx::query(&sql);
        for (fields, who) in batch {
            query = bind_authorship(bind_fields(query, fields), who);
        }
        let written = inserted_ids(query.execute(&mut *conn).await?, batch.len());
        let entries: Vec<(i64, &Authorship)> = written
            .iter()
            .copied()
            .zip(batch.iter().map(|(_, who)| *who))
            .collect();
        history::db::record_created(conn, "account", &entries, created).await?;
        ids.extend(written);
    }
    Ok(ids)
}

/// Saves an edit made on `version`, recording each changed field.
pub async fn update(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    fields: &AccountFields,
    user: &User,
    save_anyway: bool,
) -> Result<SaveOutcome, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let outcome = update_in(&mut tx, id, version, fields, user, save_anyway).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// `update` in the caller's transaction: an import writes many records in one.
pub async fn update_in(
    conn: &mut SqliteConnection,
    id: i64,
    version: i64,
    fields: &AccountFields,
    user: &User,
    save_anyway: bool,
) -> Result<SaveOutcome, AppError> {
    let stored = for_write(
        &mut *conn,
        DirectoryKind::Accounts,
        id,
        version,
        user,
        account_field_label,
    )
    .await?;
    check_active(DirectoryKind::Accounts, &stored)?;
    let old = load(&mut *conn, id).await?.ok_or(AppError::Internal)?;
    let (parent, primary) = linked_names(&mut *conn, fields, Some(id)).await?;
    let changes = history::diff(
        &old.fields.display_values(
            old.parent_name.as_deref(),
            old.primary_contact_name.as_deref(),
        ),
        &fields.display_values(parent.as_deref(), primary.as_deref()),
    );
    if changes.is_empty() {
        return Ok(SaveOutcome::Saved { id, version });
    }
    if !save_anyway && fields.match_keys() != old.fields.match_keys() {
        let matches = crate::duplicates::db::find_duplicates(
            &mut *conn,
            &fields.match_keys(),
            Some((RecordKind::Account, id)),
        )
        .await?;
        if !matches.is_empty() {
            return Ok(SaveOutcome::Duplicates(matches));
        }
    }
    let at = chrono::Utc::now().to_rfc3339();
    bind_fields(
        sqlx::query(&update_sql(DirectoryKind::Accounts, &COLUMNS)),
        fields,
    )
    .bind(user.id)
    .bind(&at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    record_changes(
        conn,
        DirectoryKind::Accounts,
        id,
        version + 1,
        &changes,
        user,
        &at,
    )
    .await
}
