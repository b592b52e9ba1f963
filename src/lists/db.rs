//! Lists, their members and bulk actions in SQLite. Adding many members is one
//! `INSERT OR IGNORE … SELECT` over the list view's own filters (never row by row); bulk
//! actions write each record through its one write path, so history and version checks
//! hold, and report what they skipped.

use super::{
    BulkAction, BulkProgress, BulkReport, BulkState, Consent, ListDetail, ListKind, ListRow,
    MemberType, Membership, RecordLists, Selection, ValidList, check_copy,
};
use crate::auth::{Role, User, check_can_edit};
use crate::directory::{DirectoryKind, DirectoryQuery};
use crate::error::AppError;
use crate::history;
use crate::lead::LeadQuery;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

type Sql = QueryBuilder<'static, Sqlite>;

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

fn table(member_type: MemberType) -> &'static str {
    match member_type {
        MemberType::Lead => "leads",
        MemberType::Contact => "contacts",
        MemberType::Account => "accounts",
    }
}

fn directory_kind(member_type: MemberType) -> Option<DirectoryKind> {
    match member_type {
        MemberType::Lead => None,
        MemberType::Contact => Some(DirectoryKind::Contacts),
        MemberType::Account => Some(DirectoryKind::Accounts),
    }
}

/// A list as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredList {
    pub id: i64,
    pub name: String,
    pub member_type: MemberType,
    pub kind: ListKind,
    pub query: String,
    pub description: Option<String>,
    pub purpose: Option<String>,
    pub owner_id: i64,
    pub owner_name: String,
    pub version: i64,
    pub created_at: String,
    pub modified_at: String,
    pub modified_by: String,
}

pub async fn load(conn: &mut SqliteConnection, id: i64) -> Result<StoredList, AppError> {
    sqlx::query_as(
        "SELECT l.id, l.name, l.member_type, l.kind, l.query, l.description, l.purpose, \
         l.owner_id, o.name AS owner_name, l.version, l.created_at, l.modified_at, \
         m.name AS modified_by FROM marketing_lists l JOIN users o ON o.id = l.owner_id \
         JOIN users m ON m.id = l.modified_by WHERE l.id = ?",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::NotFound("This list".into()))
}

/// A list the caller may change (its owner, managers and admins), as stored.
async fn for_change(
    conn: &mut SqliteConnection,
    id: i64,
    user: &User,
) -> Result<StoredList, AppError> {
    let list = load(conn, id).await?;
    check_can_edit(user, list.owner_id)?;
    Ok(list)
}

/// A list that takes chosen members: static, of `member_type`.
async fn static_for_change(
    conn: &mut SqliteConnection,
    id: i64,
    member_type: MemberType,
    user: &User,
) -> Result<StoredList, AppError> {
    let list = for_change(conn, id, user).await?;
    check_copy(member_type, list.member_type, list.kind)?;
    Ok(list)
}

/// What a query over a list view's matches selects.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `id, version` of each record.
    Rows,
    /// How many match.
    Count,
    /// How many match and can be emailed.
    EmailableCount,
}

/// Pushes SQL of the records a list view's query string matches for `user_id`, in `shape`.
fn push_matching(sql: &mut Sql, member_type: MemberType, query: &str, user_id: i64, shape: Shape) {
    let columns = if shape == Shape::Rows {
        "id, version"
    } else {
        "COUNT(*)"
    };
    let emailable = shape == Shape::EmailableCount;
    match directory_kind(member_type) {
        None => {
            let mut query = crate::url_state::read::<LeadQuery>(query);
            query.emailable |= emailable;
            crate::lead::db::push_matching(sql, columns, &query, user_id)
        }
        Some(kind) => {
            let mut query = crate::url_state::read::<DirectoryQuery>(query);
            query.emailable |= emailable;
            crate::directory::db::push_matching(sql, columns, kind, &query, user_id)
        }
    }
}

/// Pushes a one-column subquery (`id`) of a list's member ids: a static list's rows, or whoever
/// its saved view matches now (a "mine" view is the list owner's).
fn push_member_ids(sql: &mut Sql, list: &StoredList) {
    match list.kind {
        ListKind::Static => {
            sql.push("SELECT member_id AS id FROM marketing_list_members WHERE list_id = ")
                .push_bind(list.id);
        }
        ListKind::Dynamic => {
            sql.push("SELECT id FROM (");
            push_matching(
                sql,
                list.member_type,
                &list.query,
                list.owner_id,
                Shape::Rows,
            );
            sql.push(")");
        }
    }
}

/// Marks a list changed (its members or its settings).
async fn touch(conn: &mut SqliteConnection, id: i64, user: &User) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE marketing_lists SET modified_at = ?, modified_by = ?, version = version + 1 \
         WHERE id = ?",
    )
    .bind(now())
    .bind(user.id)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn create(pool: &SqlitePool, list: &ValidList, user: &User) -> Result<i64, AppError> {
    create_in(&mut *pool.acquire().await?, list, user.id).await
}

/// The one INSERT of a list, owned and made by `owner`.
async fn create_in(
    conn: &mut SqliteConnection,
    list: &ValidList,
    owner: i64,
) -> Result<i64, AppError> {
    let at = now();
    let id = sqlx::query_scalar(
        "INSERT INTO marketing_lists (name, member_type, kind, query, description, purpose, \
         owner_id, created_by, created_at, modified_by, modified_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&list.name)
    .bind(list.member_type)
    .bind(list.kind)
    .bind(&list.query)
    .bind(&list.description)
    .bind(&list.purpose)
    .bind(owner)
    .bind(owner)
    .bind(&at)
    .bind(owner)
    .bind(&at)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Renames a list or changes its description, purpose or (dynamic) view; its member type
/// and kind stay. Version-checked.
pub async fn update(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    list: &ValidList,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let stored = for_change(&mut tx, id, user).await?;
    if stored.version != version {
        return Err(AppError::Conflict {
            message: format!(
                "{} changed this list after you opened it. Reload to see it; nothing was saved.",
                stored.modified_by
            ),
            changed_fields: vec![],
        });
    }
    sqlx::query(
        "UPDATE marketing_lists SET name = ?, description = ?, purpose = ?, query = ?, \
         modified_at = ?, modified_by = ?, version = version + 1 WHERE id = ?",
    )
    .bind(&list.name)
    .bind(&list.description)
    .bind(&list.purpose)
    .bind(if stored.kind == ListKind::Dynamic {
        list.query.as_str()
    } else {
        ""
    })
    .bind(now())
    .bind(user.id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(version + 1)
}

/// Deletes a list and its memberships (the records stay).
pub async fn delete(pool: &SqlitePool, id: i64, user: &User) -> Result<(), AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for_change(&mut tx, id, user).await?;
    sqlx::query("DELETE FROM marketing_lists WHERE id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Every list, by name; `member_type` narrows it (an "Add to list" picker).
pub async fn all(
    pool: &SqlitePool,
    member_type: Option<MemberType>,
) -> Result<Vec<ListRow>, AppError> {
    let mut sql = Sql::new(
        "SELECT l.id, l.name, l.member_type, l.kind, o.name AS owner_name, l.modified_at, \
         CASE l.kind WHEN 'static' THEN (SELECT COUNT(*) FROM marketing_list_members m \
         WHERE m.list_id = l.id) END AS members \
         FROM marketing_lists l JOIN users o ON o.id = l.owner_id",
    );
    if let Some(member_type) = member_type {
        sql.push(" WHERE l.member_type = ").push_bind(member_type);
    }
    sql.push(" ORDER BY l.name");
    Ok(sql.build_query_as().fetch_all(pool).await?)
}

async fn count(pool: &SqlitePool, mut sql: Sql) -> Result<i64, AppError> {
    Ok(sql.build_query_scalar().fetch_one(pool).await?)
}

pub async fn detail(pool: &SqlitePool, id: i64, user: &User) -> Result<ListDetail, AppError> {
    let list = load(&mut *pool.acquire().await?, id).await?;
    // A dynamic list counts as its list view does (the filters' indexes); a static one
    // from its member rows.
    let (members, emailable) = match list.kind {
        ListKind::Dynamic => {
            let mut members = Sql::new("");
            push_matching(
                &mut members,
                list.member_type,
                &list.query,
                list.owner_id,
                Shape::Count,
            );
            let mut emailable = Sql::new("");
            push_matching(
                &mut emailable,
                list.member_type,
                &list.query,
                list.owner_id,
                Shape::EmailableCount,
            );
            (count(pool, members).await?, count(pool, emailable).await?)
        }
        ListKind::Static => {
            let mut members =
                Sql::new("SELECT COUNT(*) FROM marketing_list_members WHERE list_id = ");
            members.push_bind(list.id);
            let mut emailable = Sql::new(format!(
                "SELECT COUNT(*) FROM marketing_list_members m JOIN {} r ON r.id = m.member_id \
                 WHERE r.email IS NOT NULL{} AND m.list_id = ",
                table(list.member_type),
                if list.member_type.has_consent() {
                    " AND r.do_not_email = 0"
                } else {
                    ""
                }
            ));
            emailable.push_bind(list.id);
            (count(pool, members).await?, count(pool, emailable).await?)
        }
    };
    let qualified_since_added =
        if list.member_type == MemberType::Lead && list.kind == ListKind::Static {
            let mut qualified = Sql::new(
                "SELECT COUNT(*) FROM marketing_list_members m JOIN leads r ON r.id = m.member_id \
             WHERE m.list_id = ",
            );
            qualified
                .push_bind(list.id)
                .push(" AND r.status = 'qualified' AND r.closed_at >= m.added_at");
            Some(count(pool, qualified).await?)
        } else {
            None
        };
    Ok(ListDetail {
        can_change: check_can_edit(user, list.owner_id).is_ok(),
        id: list.id,
        name: list.name,
        member_type: list.member_type,
        kind: list.kind,
        query: list.query,
        description: list.description,
        purpose: list.purpose,
        owner_id: list.owner_id,
        owner_name: list.owner_name,
        version: list.version,
        created_at: list.created_at,
        modified_at: list.modified_at,
        modified_by: list.modified_by,
        members,
        emailable,
        qualified_since_added,
    })
}

/// Puts a selection into a static list, or into a new one named `new_list`; records
/// already there are left as they were. `from` says where they were added from.
pub async fn add(
    pool: &SqlitePool,
    list: Option<i64>,
    new_list: Option<&str>,
    member_type: MemberType,
    selection: &Selection,
    from: &str,
    user: &User,
) -> Result<BulkReport, AppError> {
    let chosen = selection.chosen()?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let list_id = match (list, new_list) {
        (Some(id), _) => static_for_change(&mut tx, id, member_type, user).await?.id,
        (None, Some(name)) => {
            let list = super::validate_list(&super::ListInput {
                name: name.to_string(),
                member_type: member_type.code().into(),
                ..super::ListInput::default()
            })?;
            create_in(&mut tx, &list, user.id).await?
        }
        (None, None) => return Err(AppError::field("list", "Choose a list or name a new one.")),
    };
    let at = now();
    let mut insert = Sql::new(
        "INSERT OR IGNORE INTO marketing_list_members (list_id, member_id, added_by, added_at, \
         added_from) SELECT ",
    );
    insert
        .push_bind(list_id)
        .push(", id, ")
        .push_bind(user.id)
        .push(", ")
        .push_bind(at)
        .push(", ")
        .push_bind(from.to_string())
        .push(" FROM (");
    let mut report = BulkReport {
        list_id: Some(list_id),
        ..BulkReport::default()
    };
    let selected = match selection.matching() {
        Some(query) => {
            push_matching(&mut insert, member_type, query, user.id, Shape::Rows);
            let mut total = Sql::new("");
            push_matching(&mut total, member_type, query, user.id, Shape::Count);
            total.build_query_scalar().fetch_one(&mut *tx).await?
        }
        None => {
            let ids: Vec<i64> = chosen.iter().map(|(id, _)| *id).collect();
            insert.push(format!(
                "SELECT id FROM {} r WHERE true",
                table(member_type)
            ));
            crate::lead::db::push_id_filter(&mut insert, "r.id", &ids);
            let mut existing = Sql::new(format!(
                "SELECT id FROM {} r WHERE true",
                table(member_type)
            ));
            crate::lead::db::push_id_filter(&mut existing, "r.id", &ids);
            let existing: Vec<i64> = existing.build_query_scalar().fetch_all(&mut *tx).await?;
            for id in ids.iter().filter(|id| !existing.contains(id)) {
                report.skip(*id, &AppError::NotFound("It".into()));
            }
            existing.len() as i64
        }
    };
    insert.push(")");
    report.changed = insert.build().execute(&mut *tx).await?.rows_affected() as i64;
    report.unchanged = selected - report.changed;
    if report.changed > 0 {
        touch(&mut tx, list_id, user).await?;
    }
    tx.commit().await?;
    Ok(report)
}

/// Takes a selection out of a static list.
pub async fn remove(
    pool: &SqlitePool,
    list_id: i64,
    member_type: MemberType,
    selection: &Selection,
    user: &User,
) -> Result<BulkReport, AppError> {
    let chosen = selection.chosen()?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    static_for_change(&mut tx, list_id, member_type, user).await?;
    let mut delete = Sql::new("DELETE FROM marketing_list_members WHERE list_id = ");
    delete.push_bind(list_id).push(" AND member_id IN (");
    match selection.matching() {
        Some(query) => {
            delete.push("SELECT id FROM (");
            push_matching(&mut delete, member_type, query, user.id, Shape::Rows);
            delete.push(")");
        }
        None => {
            let ids: Vec<i64> = chosen.iter().map(|(id, _)| *id).collect();
            delete.push(format!(
                "SELECT id FROM {} r WHERE true",
                table(member_type)
            ));
            crate::lead::db::push_id_filter(&mut delete, "r.id", &ids);
        }
    }
    delete.push(")");
    let removed = delete.build().execute(&mut *tx).await?.rows_affected() as i64;
    if removed > 0 {
        touch(&mut tx, list_id, user).await?;
    }
    tx.commit().await?;
    Ok(BulkReport {
        changed: removed,
        ..BulkReport::default()
    })
}

/// Copies the members of `from` (static or dynamic) into the static list `into`, skipping
/// those already there; how many were added. One transaction.
pub async fn copy_members(
    pool: &SqlitePool,
    from: i64,
    into: i64,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let source = load(&mut tx, from).await?;
    static_for_change(&mut tx, into, source.member_type, user).await?;
    let added = copy_in(&mut tx, &source, into, user).await?;
    tx.commit().await?;
    Ok(added)
}

async fn copy_in(
    conn: &mut SqliteConnection,
    source: &StoredList,
    into: i64,
    user: &User,
) -> Result<i64, AppError> {
    let mut insert = Sql::new(
        "INSERT OR IGNORE INTO marketing_list_members (list_id, member_id, added_by, added_at, \
         added_from) SELECT ",
    );
    insert
        .push_bind(into)
        .push(", id, ")
        .push_bind(user.id)
        .push(", ")
        .push_bind(now())
        .push(", ")
        .push_bind(format!("Copied from {}", source.name))
        .push(" FROM (");
    push_member_ids(&mut insert, source);
    insert.push(")");
    let added = insert.build().execute(&mut *conn).await?.rows_affected() as i64;
    if added > 0 {
        touch(conn, into, user).await?;
    }
    Ok(added)
}

/// Removes from the static list `list_id` every member of `other` (a suppression list);
/// how many were removed. One transaction.
pub async fn remove_members_of(
    pool: &SqlitePool,
    list_id: i64,
    other: i64,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let suppression = load(&mut tx, other).await?;
    let list = for_change(&mut tx, list_id, user).await?;
    check_copy(list.member_type, suppression.member_type, ListKind::Static)?;
    if list.kind != ListKind::Static {
        return Err(AppError::field(
            "list",
            "A dynamic list's members are whoever matches its view: change the view instead.",
        ));
    }
    let mut delete = Sql::new("DELETE FROM marketing_list_members WHERE list_id = ");
    delete.push_bind(list_id).push(" AND member_id IN (");
    push_member_ids(&mut delete, &suppression);
    delete.push(")");
    let removed = delete.build().execute(&mut *tx).await?.rows_affected() as i64;
    if removed > 0 {
        touch(&mut tx, list_id, user).await?;
    }
    tx.commit().await?;
    Ok(removed)
}

/// A new static list named `name` with a list's members as they are now ("Copy to
/// static"); its id.
pub async fn copy_to_static(
    pool: &SqlitePool,
    id: i64,
    name: &str,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let source = load(&mut tx, id).await?;
    let list = super::validate_list(&super::ListInput {
        name: name.to_string(),
        member_type: source.member_type.code().into(),
        kind: ListKind::Static.code().into(),
        description: source.description.clone().unwrap_or_default(),
        purpose: source.purpose.clone().unwrap_or_default(),
        query: String::new(),
    })?;
    let new_id = create_in(&mut tx, &list, user.id).await?;
    copy_in(&mut tx, &source, new_id, user).await?;
    tx.commit().await?;
    Ok(new_id)
}

/// The static lists a record is in, and the others of its type it could join.
pub async fn record_lists(
    pool: &SqlitePool,
    member_type: MemberType,
    id: i64,
) -> Result<RecordLists, sqlx::Error> {
    let member_of: Vec<Membership> = sqlx::query_as(
        "SELECT l.id AS list_id, l.name, m.added_at, u.name AS added_by, m.added_from \
         FROM marketing_list_members m JOIN marketing_lists l ON l.id = m.list_id \
         JOIN users u ON u.id = m.added_by \
         WHERE m.member_id = ? AND l.member_type = ? ORDER BY l.name",
    )
    .bind(id)
    .bind(member_type)
    .fetch_all(pool)
    .await?;
    let can_join: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM marketing_lists l WHERE member_type = ? AND kind = 'static' \
         AND NOT EXISTS (SELECT 1 FROM marketing_list_members m WHERE m.list_id = l.id \
         AND m.member_id = ?) ORDER BY name",
    )
    .bind(member_type)
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(RecordLists {
        member_of,
        can_join: can_join
            .into_iter()
            .map(|(id, name)| crate::types::RecordLink { id, name })
            .collect(),
    })
}

/// Puts a new record into a static list inside the caller's transaction (a web form's or
/// an import's leads). Lists of another member type, or dynamic ones, are left alone.
pub async fn add_new_member(
    conn: &mut SqliteConnection,
    list_id: i64,
    member_type: MemberType,
    member_id: i64,
    from: &str,
    by: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT OR IGNORE INTO marketing_list_members (list_id, member_id, added_by, added_at, \
         added_from) SELECT id, ?, ?, ?, ? FROM marketing_lists \
         WHERE id = ? AND member_type = ? AND kind = 'static'",
    )
    .bind(member_id)
    .bind(by)
    .bind(now())
    .bind(from)
    .bind(list_id)
    .bind(member_type)
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts the records an import created, updated or found unchanged into a static list, those
/// of its member type (an import of several files fills one list), once the run is done.
pub async fn add_imported(
    pool: &SqlitePool,
    list_id: i64,
    job_id: i64,
    by: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT OR IGNORE INTO marketing_list_members (list_id, member_id, added_by, added_at, \
         added_from) SELECT l.id, r.record_id, ?, ?, 'Import #' || r.job_id \
         FROM import_rows r JOIN import_files f ON f.job_id = r.job_id AND f.position = r.file \
         JOIN marketing_lists l ON l.id = ? AND l.kind = 'static' \
         AND f.entity = l.member_type || 's' \
         WHERE r.job_id = ? AND r.record_id IS NOT NULL \
         AND r.outcome IN ('created', 'updated', 'unchanged')",
    )
    .bind(by)
    .bind(now())
    .bind(list_id)
    .bind(job_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The demo's lists: trade-show leads to follow up (static), hot open leads (dynamic) and
/// a contact newsletter (static).
pub async fn insert_demo_lists(conn: &mut SqliteConnection) -> Result<(), AppError> {
    let id_of = |email: &'static str| {
        sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = ?").bind(email)
    };
    let manager = id_of("manager@example.com").fetch_one(&mut *conn).await?;
    let admin = id_of("admin@example.com").fetch_one(&mut *conn).await?;
    let list = |name: &str, member_type: MemberType, kind: ListKind, query: &str, purpose: &str| {
        super::validate_list(&super::ListInput {
            name: name.into(),
            member_type: member_type.code().into(),
            kind: kind.code().into(),
            query: query.into(),
            purpose: purpose.into(),
            description: String::new(),
        })
    };
    let trade_show = list(
        "Trade show follow-up",
        MemberType::Lead,
        ListKind::Static,
        "",
        "Call back the people met at the autumn fair",
    )?;
    let trade_show = create_in(conn, &trade_show, manager).await?;
    let hot = list(
        "Hot open leads",
        MemberType::Lead,
        ListKind::Dynamic,
        "view=all-open&rating=hot",
        "Weekly call list",
    )?;
    create_in(conn, &hot, manager).await?;
    let newsletter = list(
        "Customer newsletter",
        MemberType::Contact,
        ListKind::Static,
        "",
        "Monthly product news",
    )?;
    let newsletter = create_in(conn, &newsletter, admin).await?;
    for (list, by, members) in [
        (
            trade_show,
            manager,
            "SELECT id FROM leads WHERE status = 'open' AND lead_source = 'trade_show' ORDER BY id LIMIT 40",
        ),
        (
            newsletter,
            admin,
            "SELECT id FROM contacts WHERE active = 1 AND email IS NOT NULL ORDER BY id LIMIT 30",
        ),
    ] {
        sqlx::query(&format!(
            "INSERT INTO marketing_list_members (list_id, member_id, added_by, added_at, added_from) \
             SELECT ?, id, ?, ?, 'Demo data' FROM ({members})"
        ))
        .bind(list)
        .bind(by)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct StoredConsent {
    owner_id: i64,
    version: i64,
    modified_by: String,
    #[sqlx(flatten)]
    consent: Consent,
}

/// Sets a lead's or contact's do-not-email/phone/mail flags (its owner, managers and
/// admins; any status), version-checked, with a history row per flag changed; the new
/// version.
pub async fn set_consent(
    pool: &SqlitePool,
    member_type: MemberType,
    id: i64,
    version: i64,
    consent: Consent,
    user: &User,
) -> Result<i64, AppError> {
    let (record_type, label): (&str, fn(&str) -> &str) = match member_type {
        MemberType::Lead => ("lead", crate::lead::rules::lead_field_label),
        MemberType::Contact => ("contact", crate::contact::contact_field_label),
        MemberType::Account => {
            return Err(AppError::BadRequest(
                "Accounts have no consent flags.".into(),
            ));
        }
    };
    let table = table(member_type);
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let stored: StoredConsent = sqlx::query_as(&format!(
        "SELECT r.owner_id, r.version, u.name AS modified_by, r.do_not_email, r.do_not_phone, \
         r.do_not_mail FROM {table} r JOIN users u ON u.id = r.modified_by WHERE r.id = ?"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("This {record_type}")))?;
    check_can_edit(user, stored.owner_id)?;
    history::db::check_version(
        &mut tx,
        record_type,
        id,
        stored.version,
        version,
        &stored.modified_by,
        label,
    )
    .await?;
    let changes = stored.consent.changes(consent);
    if changes.is_empty() {
        return Ok(version);
    }
    let at = now();
    sqlx::query(&format!(
        "UPDATE {table} SET do_not_email = ?, do_not_phone = ?, do_not_mail = ?, \
         modified_by = ?, modified_at = ?, version = version + 1 WHERE id = ? AND version = ?"
    ))
    .bind(consent.do_not_email)
    .bind(consent.do_not_phone)
    .bind(consent.do_not_mail)
    .bind(user.id)
    .bind(&at)
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await
    .map(history::db::changed_one_row)??;
    history::db::record(
        &mut tx,
        record_type,
        id,
        version + 1,
        &changes,
        user.id,
        &at,
    )
    .await?;
    tx.commit().await?;
    Ok(version + 1)
}

/// A lead's or contact's consent flags (none for accounts).
pub async fn consent(
    pool: &SqlitePool,
    member_type: MemberType,
    id: i64,
) -> Result<Consent, sqlx::Error> {
    if !member_type.has_consent() {
        return Ok(Consent::default());
    }
    Ok(sqlx::query_as(&format!(
        "SELECT do_not_email, do_not_phone, do_not_mail FROM {} WHERE id = ?",
        table(member_type)
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .unwrap_or_default())
}

/// How often a running bulk action writes its progress.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Starts a bulk action over a selection in the background, after the checks that would
/// refuse it for every record (the caller's role, the action's type and input); its first
/// progress, which `bulk_progress` follows.
pub async fn start_bulk(
    pool: &SqlitePool,
    member_type: MemberType,
    selection: &Selection,
    action: &BulkAction,
    user: &User,
) -> Result<BulkProgress, AppError> {
    let chosen = selection.chosen()?;
    match (action, member_type) {
        (BulkAction::AssignOwner { .. }, _) if !user.role.includes(Role::Manager) => {
            return Err(AppError::Forbidden);
        }
        (BulkAction::AssignOwner { owner_id }, _) => {
            let active: Option<i64> =
                sqlx::query_scalar("SELECT id FROM users WHERE id = ? AND active = 1")
                    .bind(owner_id)
                    .fetch_optional(pool)
                    .await?;
            active
                .ok_or_else(|| AppError::field("owner", "Choose an active user as the owner."))?;
        }
        (BulkAction::Disqualify { reason }, MemberType::Lead) => {
            crate::lead::rules::disqualify_reason(reason)?;
        }
        (BulkAction::Deactivate, MemberType::Contact | MemberType::Account) => {}
        _ => {
            return Err(AppError::BadRequest(format!(
                "That action does not apply to {}.",
                member_type.label().to_lowercase()
            )));
        }
    }
    let targets: Vec<(i64, i64)> = match selection.matching() {
        Some(query) => {
            let mut sql = Sql::new("");
            push_matching(&mut sql, member_type, query, user.id, Shape::Rows);
            sql.build_query_as().fetch_all(pool).await?
        }
        None => chosen,
    };
    let job_id: i64 = sqlx::query_scalar(
        "INSERT INTO bulk_jobs (user_id, member_type, total, started_at) VALUES (?, ?, ?, ?) \
         RETURNING id",
    )
    .bind(user.id)
    .bind(member_type)
    .bind(targets.len() as i64)
    .bind(now())
    .fetch_one(pool)
    .await?;
    tokio::spawn(run_bulk(
        pool.clone(),
        job_id,
        member_type,
        targets,
        action.clone(),
        user.clone(),
    ));
    bulk_progress(pool, job_id, user).await
}

/// Runs a bulk action: each record through its own write (its rules, version check and
/// history), counting what changed and what was skipped and why.
async fn run_bulk(
    pool: SqlitePool,
    job_id: i64,
    member_type: MemberType,
    targets: Vec<(i64, i64)>,
    action: BulkAction,
    user: User,
) {
    let mut report = BulkReport::default();
    let mut written_at = std::time::Instant::now();
    let total = targets.len();
    for (done, (id, version)) in targets.into_iter().enumerate() {
        match bulk_write(&pool, member_type, &action, id, version, &user).await {
            Ok(true) => report.changed += 1,
            Ok(false) => report.unchanged += 1,
            Err(error) => report.skip(id, &error),
        }
        if written_at.elapsed() >= PROGRESS_EVERY {
            save_bulk_progress(&pool, job_id, done + 1, &report, None).await;
            written_at = std::time::Instant::now();
        }
    }
    save_bulk_progress(&pool, job_id, total, &report, Some(BulkState::Finished)).await;
}

/// One record's write in a bulk action: whether it changed.
async fn bulk_write(
    pool: &SqlitePool,
    member_type: MemberType,
    action: &BulkAction,
    id: i64,
    version: i64,
    user: &User,
) -> Result<bool, AppError> {
    match action {
        BulkAction::AssignOwner { owner_id } => {
            let kind = match member_type {
                MemberType::Lead => crate::assignment::OwnedKind::Lead,
                MemberType::Contact => crate::assignment::OwnedKind::Contact,
                MemberType::Account => crate::assignment::OwnedKind::Account,
            };
            crate::assignment::db::assign(pool, kind, id, version, *owner_id, user)
                .await
                .map(|new| new != version)
        }
        BulkAction::Disqualify { reason } => {
            crate::lead::db::disqualify(pool, id, version, reason, user)
                .await
                .map(|()| true)
        }
        BulkAction::Deactivate => {
            let kind = directory_kind(member_type).unwrap_or(DirectoryKind::Contacts);
            crate::directory::db::set_active(pool, kind, id, version, false, user)
                .await
                .map(|new| new != version)
        }
    }
}

/// Writes a bulk job's counts; with `stopped`, its state and skipped records too. A failed
/// write is logged: the job goes on, and its next write catches up.
async fn save_bulk_progress(
    pool: &SqlitePool,
    job_id: i64,
    done: usize,
    report: &BulkReport,
    stopped: Option<BulkState>,
) {
    let skipped = stopped.map(|_| serde_json::to_string(&report.skipped).unwrap_or_default());
    let written = sqlx::query(
        "UPDATE bulk_jobs SET done = ?, changed = ?, unchanged = ?, skipped_count = ?, \
         state = COALESCE(?, state), skipped = COALESCE(?, skipped), \
         finished_at = CASE WHEN ? IS NULL THEN finished_at ELSE ? END WHERE id = ?",
    )
    .bind(done as i64)
    .bind(report.changed)
    .bind(report.unchanged)
    .bind(report.skipped.len() as i64)
    .bind(stopped)
    .bind(skipped)
    .bind(stopped)
    .bind(now())
    .bind(job_id)
    .execute(pool)
    .await;
    if let Err(error) = written {
        tracing::error!(%error, job_id, "could not write a bulk action's progress");
    }
}

/// A bulk action's progress, for the user who started it (403 for anyone else).
pub async fn bulk_progress(
    pool: &SqlitePool,
    job_id: i64,
    user: &User,
) -> Result<BulkProgress, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        user_id: i64,
        member_type: MemberType,
        state: BulkState,
        total: i64,
        done: i64,
        changed: i64,
        unchanged: i64,
        skipped_count: i64,
        skipped: String,
    }
    let row: Row = sqlx::query_as(
        "SELECT user_id, member_type, state, total, done, changed, unchanged, skipped_count, \
         skipped FROM bulk_jobs WHERE id = ?",
    )
    .bind(job_id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::NotFound("This bulk action".into()))?;
    if row.user_id != user.id {
        return Err(AppError::Forbidden);
    }
    Ok(BulkProgress {
        job_id,
        member_type: row.member_type,
        state: row.state,
        total: row.total,
        done: row.done,
        skipped: row.skipped_count,
        report: BulkReport {
            changed: row.changed,
            unchanged: row.unchanged,
            skipped: serde_json::from_str(&row.skipped).unwrap_or_default(),
            list_id: None,
        },
    })
}

/// At start: bulk actions a stopped server left running are marked interrupted (their
/// counts say how far they got); how many.
pub async fn interrupt_unfinished_bulk(pool: &SqlitePool) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE bulk_jobs SET state = 'interrupted', finished_at = ? WHERE state = 'running'",
    )
    .bind(now())
    .execute(pool)
    .await?
    .rows_affected())
}
