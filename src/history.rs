//! Record history: who changed which field, when, from what to what. Values are stored as
//! the text a user reads (option labels, formatted money), so the history stays readable.

use serde::{Deserialize, Serialize};

/// One field's display value on a record, keyed by its stable field name.
pub type FieldValue = (&'static str, Option<String>);

/// The label of `field` in a record's field → label table (the name itself when unknown).
pub fn label_of<'a>(labels: &'a [(&'static str, &'static str)], field: &'a str) -> &'a str {
    labels
        .iter()
        .find(|(name, _)| *name == field)
        .map_or(field, |(_, label)| label)
}

/// Who a new record belongs to, who created it and when. Forms and Qualify create records
/// now, as the signed-in user; the generator creates them as their owner at the time the
/// record says it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorship {
    pub owner_id: i64,
    pub by: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// The import job that wrote the record, if one did: its history says so.
    pub import_job: Option<i64>,
}

impl Authorship {
    /// Created now by `by`, owned by `owner_id`.
    pub fn now(owner_id: i64, by: i64) -> Authorship {
        Authorship {
            owner_id,
            by,
            at: chrono::Utc::now().to_rfc3339(),
            import_job: None,
        }
    }
}

/// A change to one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The fields whose value differs between two snapshots of the same record.
pub fn diff(old: &[FieldValue], new: &[FieldValue]) -> Vec<FieldChange> {
    new.iter()
        .filter_map(|(field, new_value)| {
            let old_value = old
                .iter()
                .find(|(name, _)| name == field)
                .and_then(|(_, value)| value.clone());
            (old_value != *new_value).then(|| FieldChange {
                field,
                old: old_value,
                new: new_value.clone(),
            })
        })
        .collect()
}

/// One row of a record's History list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct HistoryEntry {
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_by: String,
    pub changed_at: String,
}

#[cfg(feature = "ssr")]
pub mod db {
    use super::{Authorship, FieldChange, HistoryEntry};
    use sqlx::{SqliteConnection, SqlitePool};

    pub type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

    /// The owner and audit columns every record table ends its INSERT with.
    pub const AUTHORSHIP_COLUMNS: &str =
        "owner_id, created_by, created_at, modified_by, modified_at";

    /// The multi-row `INSERT` of `rows` new records into `table`: `columns`, then
    /// `AUTHORSHIP_COLUMNS`. One statement per batch: the generator writes a million records
    /// through the same INSERT a form writes one with.
    pub fn insert_rows_sql(table: &str, columns: &[&str], rows: usize) -> String {
        let row = format!("({}?, ?, ?, ?, ?)", "?, ".repeat(columns.len()));
        format!(
            "INSERT INTO {table} ({}, {AUTHORSHIP_COLUMNS}) VALUES {}",
            columns.join(", "),
            vec![row; rows].join(", ")
        )
    }

    /// Rows per multi-row INSERT of `columns` (plus authorship): within SQLite's limit of
    /// 32,766 bound values, and at most 500 rows.
    pub fn rows_per_statement(columns: usize) -> usize {
        (32_000 / (columns + 5)).clamp(1, 500)
    }

    /// The ids the rows of one multi-row INSERT got, in order: new rowids are consecutive
    /// within a statement, ending at the last one.
    pub fn inserted_ids(result: sqlx::sqlite::SqliteQueryResult, rows: usize) -> Vec<i64> {
        let last = result.last_insert_rowid();
        (last + 1 - rows as i64..=last).collect()
    }

    /// Writes version 1 of new records: each record's `created` entries, in one statement.
    pub async fn record_created(
        conn: &mut SqliteConnection,
        record_type: &str,
        records: &[(i64, &Authorship)],
        created: &[FieldChange],
    ) -> Result<(), sqlx::Error> {
        if records.is_empty() || created.is_empty() {
            return Ok(());
        }
        let mut query = sqlx::QueryBuilder::new(
            "INSERT INTO record_history \
             (record_type, record_id, field, old_value, new_value, changed_by, changed_at, version) ",
        );
        let rows = records
            .iter()
            .flat_map(|record| created.iter().map(move |change| (record, change)));
        query.push_values(rows, |mut row, ((id, who), change)| {
            let new = match (who.import_job, &change.new) {
                (Some(job), Some(text)) => Some(format!("{text} by import #{job}")),
                _ => change.new.clone(),
            };
            row.push_bind(record_type)
                .push_bind(*id)
                .push_bind(change.field)
                .push_bind(&change.old)
                .push_bind(new)
                .push_bind(who.by)
                .push_bind(&who.at)
                .push_bind(1_i64);
        });
        query.build().execute(&mut *conn).await?;
        Ok(())
    }

    /// Binds `AUTHORSHIP_COLUMNS`: a new record was last modified when it was created.
    pub fn bind_authorship<'q>(query: Query<'q>, who: &'q Authorship) -> Query<'q> {
        query
            .bind(who.owner_id)
            .bind(who.by)
            .bind(&who.at)
            .bind(who.by)
            .bind(&who.at)
    }

    /// An `UPDATE … WHERE id = ? AND version = ?` must change exactly its one row; anything
    /// else means the record changed or vanished between the version check and the write.
    pub fn changed_one_row(
        result: sqlx::sqlite::SqliteQueryResult,
    ) -> Result<(), crate::error::AppError> {
        match result.rows_affected() {
            1 => Ok(()),
            _ => Err(crate::error::AppError::Conflict {
                message: "This record was changed meanwhile. Reload it and try again.".into(),
                changed_fields: Vec::new(),
            }),
        }
    }

    /// Writes the changes that produced `version` of a record.
    pub async fn record(
        conn: &mut SqliteConnection,
        record_type: &str,
        record_id: i64,
        version: i64,
        changes: &[FieldChange],
        user_id: i64,
        at: &str,
    ) -> Result<(), sqlx::Error> {
        for change in changes {
            sqlx::query(
                "INSERT INTO record_history \
                 (record_type, record_id, field, old_value, new_value, changed_by, changed_at, version) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(record_type)
            .bind(record_id)
            .bind(change.field)
            .bind(&change.old)
            .bind(&change.new)
            .bind(user_id)
            .bind(at)
            .bind(version)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    /// The fields changed after `version` (what a stale save would have overwritten).
    pub async fn fields_changed_since(
        conn: &mut SqliteConnection,
        record_type: &str,
        record_id: i64,
        version: i64,
    ) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT field FROM record_history \
             WHERE record_type = ? AND record_id = ? AND version > ? \
             GROUP BY field ORDER BY MIN(id)",
        )
        .bind(record_type)
        .bind(record_id)
        .bind(version)
        .fetch_all(conn)
        .await
    }

    /// A save based on `submitted` of a record now at `current`: a conflict naming the
    /// fields changed since (by their labels) and who last changed it.
    #[allow(clippy::too_many_arguments)]
    pub async fn check_version(
        conn: &mut SqliteConnection,
        record_type: &str,
        record_id: i64,
        current: i64,
        submitted: i64,
        modified_by: &str,
        label: fn(&str) -> &str,
    ) -> Result<(), crate::error::AppError> {
        if current == submitted {
            return Ok(());
        }
        let fields = fields_changed_since(conn, record_type, record_id, submitted).await?;
        let labels: Vec<String> = fields.iter().map(|f| label(f).to_string()).collect();
        let what = if labels.is_empty() {
            String::new()
        } else {
            format!(" Changed: {}.", labels.join(", "))
        };
        Err(crate::error::AppError::Conflict {
            message: format!(
                "{modified_by} changed this {record_type} after you opened it.{what} Reload to see the current values; nothing was saved."
            ),
            changed_fields: labels,
        })
    }

    /// A record's history, newest first; the fields of one save in form order.
    pub async fn load(
        pool: &SqlitePool,
        record_type: &str,
        record_id: i64,
    ) -> Result<Vec<HistoryEntry>, sqlx::Error> {
        sqlx::query_as(
            "SELECT h.field, h.old_value, h.new_value, u.name AS changed_by, h.changed_at \
             FROM record_history h JOIN users u ON u.id = h.changed_by \
             WHERE h.record_type = ? AND h.record_id = ? \
             ORDER BY h.changed_at DESC, h.id LIMIT 200",
        )
        .bind(record_type)
        .bind(record_id)
        .fetch_all(pool)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_reported() {
        let old = [("topic", Some("Booth".to_string())), ("city", None)];
        let new = [
            ("topic", Some("Booth".to_string())),
            ("city", Some("Oslo".to_string())),
        ];
        assert_eq!(
            diff(&old, &new),
            [FieldChange {
                field: "city",
                old: None,
                new: Some("Oslo".into())
            }]
        );
        assert!(diff(&new, &new).is_empty());
    }
}
