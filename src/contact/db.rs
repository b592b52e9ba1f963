//! Loading and storing contacts.

use super::{ContactFields, ContactSummary, contact_field_label};
use crate::account::RelatedOpportunity;
use crate::account::db::RELATED_OPPORTUNITY_COLUMNS;
use crate::auth::{User, check_can_edit};
use crate::customer::CustomerKind;
use crate::directory::DirectoryKind;
use crate::directory::db::{check_active, created, for_write, record_changes, update_sql};
use crate::duplicates::RecordKind;
use crate::duplicates::SaveOutcome;
use crate::error::AppError;
use crate::history::db::{bind_authorship, insert_rows_sql, inserted_ids, rows_per_statement};
use crate::history::{self, Authorship};
use crate::opportunity::StakeholderRole;
use crate::types::RecordLink;
use sqlx::{SqliteConnection, SqlitePool};

#[derive(sqlx::FromRow)]
struct StoredContact {
    #[sqlx(flatten)]
    fields: ContactFields,
    account_name: Option<String>,
    originating_lead_id: Option<i64>,
    lead_topic: Option<String>,
    active: bool,
    owner_id: i64,
    owner_name: String,
    version: i64,
}

async fn load(conn: &mut SqliteConnection, id: i64) -> Result<Option<StoredContact>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.first_name, c.last_name, c.job_title, c.account_id, c.email, c.business_phone, \
         c.mobile_phone, c.street, c.city, c.state_province, c.postal_code, c.country, \
         a.name AS account_name, c.originating_lead_id, l.topic AS lead_topic, c.active, \
         c.owner_id, u.name AS owner_name, c.version \
         FROM contacts c JOIN users u ON u.id = c.owner_id \
         LEFT JOIN accounts a ON a.id = c.account_id \
         LEFT JOIN leads l ON l.id = c.originating_lead_id WHERE c.id = ?",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn summary(
    pool: &SqlitePool,
    id: i64,
    user: &User,
) -> Result<Option<ContactSummary>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let Some(c) = load(&mut conn, id).await? else {
        return Ok(None);
    };
    let mut opportunities: Vec<RelatedOpportunity> = sqlx::query_as(&format!(
        "SELECT * FROM ( \
           SELECT {RELATED_OPPORTUNITY_COLUMNS}, 'customer' AS role FROM opportunities o \
           JOIN stages s ON s.id = o.stage_id WHERE o.contact_id = ?1 \
           UNION ALL \
           SELECT {RELATED_OPPORTUNITY_COLUMNS}, k.role FROM opportunity_stakeholders k \
           JOIN opportunities o ON o.id = k.opportunity_id \
           JOIN stages s ON s.id = o.stage_id WHERE k.contact_id = ?1) \
         ORDER BY status <> 'open', close_date DESC, id DESC LIMIT 100"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for opportunity in &mut opportunities {
        opportunity.role = opportunity.role.as_deref().map(|code| {
            StakeholderRole::from_code(code)
                .map_or("Customer", StakeholderRole::label)
                .to_string()
        });
    }
    drop(conn);
    let history = history::db::load(pool, "contact", id).await?;
    let member_type = crate::lists::MemberType::Contact;
    let lists = crate::lists::db::record_lists(pool, member_type, id).await?;
    let consent = crate::lists::db::consent(pool, member_type, id).await?;
    Ok(Some(ContactSummary {
        lists,
        consent,
        id,
        account: RecordLink::from_columns(c.fields.account_id, c.account_name),
        originating_lead: RecordLink::from_columns(c.originating_lead_id, c.lead_topic),
        fields: c.fields,
        active: c.active,
        owner_id: c.owner_id,
        owner_name: c.owner_name,
        version: c.version,
        can_edit: check_can_edit(user, c.owner_id).is_ok(),
        can_assign: user.role.includes(crate::auth::Role::Manager),
        opportunities,
        history,
    }))
}

/// Likely duplicates of a contact, leaving out its own account (whose name is the
/// contact's company, so it always "matches").
async fn duplicates(
    conn: &mut SqliteConnection,
    fields: &ContactFields,
    account: Option<&str>,
    exclude: Option<(RecordKind, i64)>,
) -> Result<Vec<crate::duplicates::DuplicateMatch>, sqlx::Error> {
    let mut matches =
        crate::duplicates::db::find_duplicates(conn, &fields.match_keys(account), exclude).await?;
    matches.retain(|m| !(m.kind == RecordKind::Account && Some(m.id) == fields.account_id));
    Ok(matches)
}

/// The chosen account's name; it must be active.
async fn account_name(
    conn: &mut SqliteConnection,
    fields: &ContactFields,
) -> Result<Option<String>, AppError> {
    match fields.account_id {
        None => Ok(None),
        Some(id) => crate::customer::db::active_name(conn, CustomerKind::Account, id)
            .await?
            .map(Some)
            .ok_or_else(|| AppError::field("account_id", "Choose an active account.")),
    }
}

fn bind_fields<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    f: &'q ContactFields,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    query
        .bind(&f.first_name)
        .bind(&f.last_name)
        .bind(f.last_name_normalized())
        .bind(&f.job_title)
        .bind(f.account_id)
        .bind(&f.email)
        .bind(f.email_normalized())
        .bind(&f.business_phone)
        .bind(&f.mobile_phone)
        .bind(f.business_phone_digits())
        .bind(f.mobile_phone_digits())
        .bind(&f.street)
        .bind(&f.city)
        .bind(&f.state_province)
        .bind(&f.postal_code)
        .bind(&f.country)
}

const COLUMNS: [&str; 16] = [
    "first_name",
    "last_name",
    "last_name_normalized",
    "job_title",
    "account_id",
    "email",
    "email_normalized",
    "business_phone",
    "mobile_phone",
    "business_phone_digits",
    "mobile_phone_digits",
    "street",
    "city",
    "state_province",
    "postal_code",
    "country",
];

/// Saves a new contact owned by its creator; unless `save_anyway`, stops at likely
/// duplicates.
pub async fn create(
    pool: &SqlitePool,
    fields: &ContactFields,
    user: &User,
    save_anyway: bool,
) -> Result<SaveOutcome, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let account = account_name(&mut tx, fields).await?;
    if !save_anyway {
        let matches = duplicates(&mut tx, fields, account.as_deref(), None).await?;
        if !matches.is_empty() {
            return Ok(SaveOutcome::Duplicates(matches));
        }
    }
    let created = created(DirectoryKind::Contacts);
    let who = Authorship::now(user.id, user.id);
    let id = insert(&mut tx, fields, None, &who, &created).await?;
    tx.commit().await?;
    Ok(SaveOutcome::Saved { id, version: 1 })
}

/// The one INSERT of a contact, for the form, Qualify (which names the lead it came from)
/// and the generator: the row and its first history entry (`created`), in the caller's
/// transaction. The caller has validated `fields` and applied the duplicate rule.
pub async fn insert(
    conn: &mut SqliteConnection,
    fields: &ContactFields,
    originating_lead_id: Option<i64>,
    who: &Authorship,
    created: &[crate::history::FieldChange],
) -> Result<i64, AppError> {
    let ids = insert_many(conn, &[(fields, originating_lead_id, who)], created).await?;
    ids.first().copied().ok_or(AppError::Internal)
}

/// `insert` for many contacts at once (multi-row statements); their ids, in order.
pub async fn insert_many(
    conn: &mut SqliteConnection,
    records: &[(&ContactFields, Option<i64>, &Authorship)],
    created: &[crate::history::FieldChange],
) -> Result<Vec<i64>, AppError> {
    let columns: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .chain(["originating_lead_id"])
        .collect();
    let mut ids = Vec::with_capacity(records.len());
    for batch in records.chunks(rows_per_statement(columns.len())) {
        let sql = insert_rows_sql("contacts", &columns, batch.len());
        let mut query = sqlx::query(&sql);
        for (fields, originating_lead_id, who) in batch {
            query = bind_authorship(bind_fields(query, fields).bind(*originating_lead_id), who);
        }
        let written = inserted_ids(query.execute(&mut *conn).await?, batch.len());
        let entries: Vec<(i64, &Authorship)> = written
            .iter()
            .copied()
            .zip(batch.iter().map(|(_, _, who)| *who))
            .collect();
        history::db::record_created(conn, "contact", &entries, created).await?;
        ids.extend(written);
    }
    Ok(ids)
}

/// Saves an edit made on `version`, recording each changed field.
pub async fn update(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    fields: &ContactFields,
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
    fields: &ContactFields,
    user: &User,
    save_anyway: bool,
) -> Result<SaveOutcome, AppError> {
    let stored = for_write(
        &mut *conn,
        DirectoryKind::Contacts,
        id,
        version,
        user,
        contact_field_label,
    )
    .await?;
    check_active(DirectoryKind::Contacts, &stored)?;
    let old = load(&mut *conn, id).await?.ok_or(AppError::Internal)?;
    let account = account_name(&mut *conn, fields).await?;
    let changes = history::diff(
        &old.fields.display_values(old.account_name.as_deref()),
        &fields.display_values(account.as_deref()),
    );
    if changes.is_empty() {
        return Ok(SaveOutcome::Saved { id, version });
    }
    let keys_changed =
        fields.match_keys(account.as_deref()) != old.fields.match_keys(old.account_name.as_deref());
    if !save_anyway && keys_changed {
        let exclude = Some((RecordKind::Contact, id));
        let matches = duplicates(&mut *conn, fields, account.as_deref(), exclude).await?;
        if !matches.is_empty() {
            return Ok(SaveOutcome::Duplicates(matches));
        }
    }
    let at = chrono::Utc::now().to_rfc3339();
    bind_fields(
        sqlx::query(&update_sql(DirectoryKind::Contacts, &COLUMNS)),
        fields,
    )
    .bind(user.id)
    .bind(&at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    record_changes(
        conn,
        DirectoryKind::Contacts,
        id,
        version + 1,
        &changes,
        user,
        &at,
    )
    .await
}
