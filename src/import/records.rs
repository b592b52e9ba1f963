//! What the import knows of the database besides leads: the records other rows point at
//! (by the id they had in their source system, else by name or email), the sales process's
//! stages and lost reasons, and the stored fields a re-imported row is compared with.

use super::ImportEntity;
use super::SourceSystem;
use super::values::normalize;
use crate::account::AccountFields;
use crate::contact::ContactFields;
use crate::error::AppError;
use crate::opportunity::rules::OpportunityFields;
use crate::opportunity::{ForecastCategory, OpportunityStatus};
use crate::types::normalize::normalize_name;
use sqlx::{SqliteConnection, SqlitePool};
use std::collections::{HashMap, HashSet};

/// The table of an entity's records.
pub fn table(entity: ImportEntity) -> &'static str {
    match entity {
        ImportEntity::Leads => "leads",
        ImportEntity::Accounts => "accounts",
        ImportEntity::Contacts => "contacts",
        ImportEntity::Opportunities => "opportunities",
        ImportEntity::Activities => "activities",
    }
}

/// The record type history and activities name an entity's records by.
pub fn record_type(entity: ImportEntity) -> &'static str {
    match entity {
        ImportEntity::Leads => "lead",
        ImportEntity::Accounts => "account",
        ImportEntity::Contacts => "contact",
        ImportEntity::Opportunities => "opportunity",
        ImportEntity::Activities => "activity",
    }
}

/// The kind of record an import of `entity` writes, as activities and timelines name it
/// (`None` for activities, which are not records of their own).
pub fn record_kind(entity: ImportEntity) -> Option<crate::activity::RecordType> {
    use crate::activity::RecordType;
    match entity {
        ImportEntity::Leads => Some(RecordType::Lead),
        ImportEntity::Accounts => Some(RecordType::Account),
        ImportEntity::Contacts => Some(RecordType::Contact),
        ImportEntity::Opportunities => Some(RecordType::Opportunity),
        ImportEntity::Activities => None,
    }
}

/// The record a reference in Leadflow's own export names: its id, alone or typed as the
/// export writes a reference that could be of two kinds ("lead:12", "account:5"); a typed
/// reference to another kind names no record of this one.
pub fn leadflow_id(entity: ImportEntity, text: &str) -> Option<i64> {
    let id = match text.split_once(':') {
        Some((kind, id)) if kind.trim() == record_type(entity) => id,
        Some(_) => return None,
        None => text,
    };
    id.trim().parse().ok()
}

/// The order a job's files run in, so that what a row points at is written before it:
/// accounts, contacts, opportunities, leads (which name what they were qualified into),
/// activities.
pub fn run_order(entity: ImportEntity) -> u8 {
    match entity {
        ImportEntity::Accounts => 0,
        ImportEntity::Contacts => 1,
        ImportEntity::Opportunities => 2,
        ImportEntity::Leads => 3,
        ImportEntity::Activities => 4,
    }
}

/// What a file holds, by its name or its headers (a Salesforce export names its object;
/// a Dynamics one has a "(Do Not Modify) <Entity>" column).
pub fn detect_entity(name: &str, headers: &[String]) -> Option<ImportEntity> {
    let by_word = |word: &str| match normalize(word).trim_end_matches('s') {
        "lead" => Some(ImportEntity::Leads),
        "account" => Some(ImportEntity::Accounts),
        "contact" => Some(ImportEntity::Contacts),
        "opportunit" | "opportunity" | "opportunitie" => Some(ImportEntity::Opportunities),
        "activit" | "activitie" | "activity" | "task" | "event" => Some(ImportEntity::Activities),
        _ => None,
    };
    headers
        .iter()
        .find_map(|h| h.strip_prefix("(Do Not Modify) ").and_then(by_word))
        .or_else(|| {
            let stem = name.rsplit(['/', '\\']).next().unwrap_or(name);
            let stem = stem.split('.').next().unwrap_or(stem);
            by_word(stem)
        })
}

/// Where a reference points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    Record(i64),
    /// A row of an earlier file of the job that a dry run has not written.
    Pending,
    Missing,
}

/// Finds the records rows point at. A run writes each file before the next is read, so an
/// earlier file's rows are in the database; a dry run writes nothing and remembers their
/// source ids instead (`pending`). A row skipped as a duplicate stands for what it
/// duplicates: the run finds it among the job's rows (`run_of`), the dry run in `pending`.
#[derive(Default)]
pub struct References {
    pub source: Option<SourceSystem>,
    pub pending: HashMap<ImportEntity, HashSet<String>>,
    pub run_of: Option<i64>,
}

impl References {
    /// The record of `entity` a reference names by its source id.
    pub async fn by_source_id(
        &self,
        conn: &mut SqliteConnection,
        entity: ImportEntity,
        text: &str,
    ) -> Result<Resolved, AppError> {
        let Some(source) = self.source else {
            return Ok(Resolved::Missing);
        };
        let found: Option<i64> = if source == SourceSystem::Leadflow {
            let Some(id) = leadflow_id(entity, text) else {
                return Ok(Resolved::Missing);
            };
            sqlx::query_scalar(&format!("SELECT id FROM {} WHERE id = ?", table(entity)))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        } else {
            sqlx::query_scalar(&format!(
                "SELECT id FROM {} WHERE source_system = ? AND source_id = ?",
                table(entity)
            ))
            .bind(source)
            .bind(text)
            .fetch_optional(&mut *conn)
            .await?
        };
        let found = match (found, self.run_of) {
            (None, Some(job)) => {
                sqlx::query_scalar(
                    "SELECT r.record_id FROM import_rows r \
                     JOIN import_files f ON f.job_id = r.job_id AND f.position = r.file \
                     WHERE r.job_id = ? AND r.source_id = ? AND f.entity = ? \
                     AND r.outcome = 'skipped' AND r.record_id IS NOT NULL LIMIT 1",
                )
                .bind(job)
                .bind(text)
                .bind(entity)
                .fetch_optional(&mut *conn)
                .await?
            }
            (found, _) => found,
        };
        Ok(match found {
            Some(id) => Resolved::Record(id),
            None if self
                .pending
                .get(&entity)
                .is_some_and(|ids| ids.contains(text)) =>
            {
                Resolved::Pending
            }
            None => Resolved::Missing,
        })
    }

    /// An account by source id, else an active one by name.
    pub async fn account(
        &self,
        conn: &mut SqliteConnection,
        text: &str,
    ) -> Result<Resolved, AppError> {
        match self
            .by_source_id(conn, ImportEntity::Accounts, text)
            .await?
        {
            Resolved::Missing => {
                let found: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM accounts WHERE active = 1 AND name_normalized = ? ORDER BY id LIMIT 1",
                )
                .bind(normalize_name(text))
                .fetch_optional(&mut *conn)
                .await?;
                Ok(found.map_or(Resolved::Missing, Resolved::Record))
            }
            found => Ok(found),
        }
    }

    /// A contact by source id, else an active one by email or full name (of `account`
    /// first, when the row names one: two people of the same name work at many places).
    pub async fn contact(
        &self,
        conn: &mut SqliteConnection,
        text: &str,
        account: Option<i64>,
    ) -> Result<Resolved, AppError> {
        match self
            .by_source_id(conn, ImportEntity::Contacts, text)
            .await?
        {
            Resolved::Missing => {
                let found: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM contacts WHERE active = 1 AND (email_normalized = ?1 \
                     OR lower(trim(coalesce(first_name || ' ', '') || last_name)) = ?2) \
                     ORDER BY account_id IS ?3 DESC, id LIMIT 1",
                )
                .bind(text.trim().to_lowercase())
                .bind(normalize_name(text))
                .bind(account)
                .fetch_optional(&mut *conn)
                .await?;
                Ok(found.map_or(Resolved::Missing, Resolved::Record))
            }
            found => Ok(found),
        }
    }

    /// The first of `entities` that has a record by this source id.
    pub async fn any_of(
        &self,
        conn: &mut SqliteConnection,
        entities: &[ImportEntity],
        text: &str,
    ) -> Result<Option<(ImportEntity, Resolved)>, AppError> {
        for entity in entities {
            let found = self.by_source_id(conn, *entity, text).await?;
            if found != Resolved::Missing {
                return Ok(Some((*entity, found)));
            }
        }
        Ok(None)
    }

    /// The names of the accounts that `texts` name by source id (a lead's company column
    /// holding its account's id), in one query: text → name. Other texts are left out.
    pub async fn account_names(
        &self,
        conn: &mut SqliteConnection,
        texts: &[&str],
    ) -> Result<HashMap<String, String>, AppError> {
        let Some(source) = self.source.filter(|_| !texts.is_empty()) else {
            return Ok(HashMap::new());
        };
        let mut names: HashMap<String, String> = if source == SourceSystem::Leadflow {
            let ids: Vec<(&str, i64)> = texts
                .iter()
                .filter_map(|text| Some((*text, leadflow_id(ImportEntity::Accounts, text)?)))
                .collect();
            let list: Vec<i64> = ids.iter().map(|(_, id)| *id).collect();
            let by_id: HashMap<i64, String> = sqlx::query_as(
                "SELECT id, name FROM accounts WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind(serde_json::to_string(&list).map_err(|_| AppError::Internal)?)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
            ids.into_iter()
                .filter_map(|(text, id)| Some((text.to_string(), by_id.get(&id)?.clone())))
                .collect()
        } else {
            sqlx::query_as(
                "SELECT source_id, name FROM accounts WHERE source_system = ? \
                 AND source_id IN (SELECT value FROM json_each(?))",
            )
            .bind(source)
            .bind(serde_json::to_string(texts).map_err(|_| AppError::Internal)?)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect()
        };
        if let Some(job) = self.run_of {
            let missing: Vec<&str> = texts
                .iter()
                .filter(|text| !names.contains_key(**text))
                .copied()
                .collect();
            if !missing.is_empty() {
                let stand_ins: Vec<(String, String)> = sqlx::query_as(
                    "SELECT r.source_id, a.name FROM import_rows r \
                     JOIN import_files f ON f.job_id = r.job_id AND f.position = r.file \
                     JOIN accounts a ON a.id = r.record_id \
                     WHERE r.job_id = ? AND f.entity = 'accounts' AND r.outcome = 'skipped' \
                     AND r.source_id IN (SELECT value FROM json_each(?))",
                )
                .bind(job)
                .bind(serde_json::to_string(&missing).map_err(|_| AppError::Internal)?)
                .fetch_all(&mut *conn)
                .await?;
                for (text, name) in stand_ins {
                    names.entry(text).or_insert(name);
                }
            }
        }
        Ok(names)
    }
}

/// An open opportunity stage of a process.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stage {
    pub id: i64,
    pub process_id: i64,
    pub name: String,
    pub default_probability: i64,
    pub forecast_category: ForecastCategory,
}

/// The sales processes and lost reasons rows are read against.
pub struct Process {
    /// The default process's open stages, in order.
    pub stages: Vec<Stage>,
    /// The other processes' open stages (found by their exact names).
    pub other_stages: Vec<Stage>,
    /// Active lost reasons: id, code, label.
    pub lost_reasons: Vec<(i64, String, String)>,
}

/// Where other systems' default opportunity stages fall in a sales process, from its start
/// (0) to its last open stage (1): Salesforce's, and Dynamics 365's first stage (which
/// Leadflow's process keeps on the lead).
const OTHER_SYSTEMS_STAGES: &[(&str, f64)] = &[
    ("Qualify", 0.0),
    ("Prospecting", 0.0),
    ("Qualification", 0.0),
    ("Discovery", 0.0),
    ("Needs Analysis", 0.2),
    ("Value Proposition", 0.4),
    ("Id. Decision Makers", 0.4),
    ("Perception Analysis", 0.5),
    ("Proposal/Price Quote", 0.6),
    ("Proposal/Quote", 0.6),
    ("Proposal", 0.6),
    ("Negotiation/Review", 1.0),
    ("Negotiation", 1.0),
    ("Closed Won", 1.0),
    ("Closed Lost", 1.0),
];

impl Process {
    pub async fn load(pool: &SqlitePool) -> Result<Process, AppError> {
        let stages_where = |default: bool| {
            sqlx::query_as::<_, Stage>(
                "SELECT s.id, s.process_id, s.name, s.default_probability, s.forecast_category \
                 FROM stages s JOIN processes p ON p.id = s.process_id \
                 WHERE p.is_default = ? AND s.entity = 'opportunity' AND s.archived = 0 \
                 ORDER BY s.process_id, s.position",
            )
            .bind(default)
        };
        let stages = stages_where(true).fetch_all(pool).await?;
        let other_stages = stages_where(false).fetch_all(pool).await?;
        let lost_reasons =
            sqlx::query_as("SELECT id, code, label FROM lost_reasons WHERE active = 1")
                .fetch_all(pool)
                .await?;
        Ok(Process {
            stages,
            other_stages,
            lost_reasons,
        })
    }

    /// The stage a file's stage name means: one of the default process's by name, or where
    /// a Salesforce or Dynamics stage falls in it, or another process's by name; blank is
    /// the default process's first. `None` for a name it does not know.
    pub fn stage(&self, name: Option<&str>) -> Option<&Stage> {
        let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
            return self.stages.first();
        };
        let wanted = normalize(name);
        self.stages
            .iter()
            .find(|stage| normalize(&stage.name) == wanted)
            .or_else(|| {
                let (_, at) = OTHER_SYSTEMS_STAGES
                    .iter()
                    .find(|(known, _)| normalize(known) == wanted)?;
                let last = self.stages.len().checked_sub(1)?;
                self.stages.get((at * last as f64).round() as usize)
            })
            .or_else(|| {
                self.other_stages
                    .iter()
                    .find(|stage| normalize(&stage.name) == wanted)
            })
    }

    /// A lost reason by code or label.
    pub fn lost_reason(&self, text: &str) -> Option<i64> {
        let wanted = normalize(text);
        self.lost_reasons
            .iter()
            .find(|(_, code, label)| normalize(code) == wanted || normalize(label) == wanted)
            .map(|(id, ..)| *id)
    }
}

/// A stored record as a re-imported row is compared with it.
pub struct StoredRecord<F> {
    pub id: i64,
    pub version: i64,
    pub owner_id: i64,
    pub fields: F,
}

/// The version and owner of a record, if it exists.
async fn version_and_owner(
    conn: &mut SqliteConnection,
    entity: ImportEntity,
    id: i64,
) -> Result<Option<(i64, i64)>, AppError> {
    Ok(sqlx::query_as(&format!(
        "SELECT version, owner_id FROM {} WHERE id = ?",
        table(entity)
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

pub async fn stored_account(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<StoredRecord<AccountFields>>, AppError> {
    let Some((version, owner_id)) = version_and_owner(conn, ImportEntity::Accounts, id).await?
    else {
        return Ok(None);
    };
    let fields = sqlx::query_as(
        "SELECT name, website, phone, email, industry, street, city, state_province, \
         postal_code, country, employees, annual_revenue_minor, parent_account_id, \
         primary_contact_id FROM accounts WHERE id = ?",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(Some(StoredRecord {
        id,
        version,
        owner_id,
        fields,
    }))
}

pub async fn stored_contact(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<StoredRecord<ContactFields>>, AppError> {
    let Some((version, owner_id)) = version_and_owner(conn, ImportEntity::Contacts, id).await?
    else {
        return Ok(None);
    };
    let fields = sqlx::query_as(
        "SELECT first_name, last_name, job_title, account_id, email, business_phone, \
         mobile_phone, street, city, state_province, postal_code, country \
         FROM contacts WHERE id = ?",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(Some(StoredRecord {
        id,
        version,
        owner_id,
        fields,
    }))
}

/// What undo restores of an opportunity an import updated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OpportunityBefore {
    pub fields: OpportunityFields,
    pub probability: i64,
    pub forecast_category: ForecastCategory,
    pub account_id: Option<i64>,
    pub contact_id: Option<i64>,
    /// Whether the probability and category were set by hand, or followed the stage.
    #[serde(default)]
    pub probability_overridden: bool,
    #[serde(default)]
    pub category_overridden: bool,
    /// `None` in a before-image kept before stages were restored.
    #[serde(default)]
    pub stage_id: Option<i64>,
}

/// A stored opportunity as a re-imported row is compared with it.
pub struct StoredDeal {
    pub version: i64,
    pub owner_id: i64,
    pub status: OpportunityStatus,
    pub before: OpportunityBefore,
}

pub async fn stored_opportunity(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<StoredDeal>, AppError> {
    #[derive(sqlx::FromRow)]
    struct State {
        version: i64,
        owner_id: i64,
        status: OpportunityStatus,
        probability: i64,
        forecast_category: ForecastCategory,
        account_id: Option<i64>,
        contact_id: Option<i64>,
        probability_overridden: bool,
        forecast_overridden: bool,
        stage_id: i64,
    }
    let state: Option<State> = sqlx::query_as(
        "SELECT version, owner_id, status, probability, forecast_category, account_id, contact_id, \
         probability_overridden, forecast_overridden, stage_id FROM opportunities WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(state) = state else {
        return Ok(None);
    };
    let fields = sqlx::query_as(
        "SELECT topic, estimated_revenue_minor, currency, estimated_close_date, rating, \
         budget_amount_minor, purchase_timeframe, purchase_process, need, current_situation, \
         customer_need, proposed_solution, description FROM opportunities WHERE id = ?",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(Some(StoredDeal {
        version: state.version,
        owner_id: state.owner_id,
        status: state.status,
        before: OpportunityBefore {
            fields,
            probability: state.probability,
            forecast_category: state.forecast_category,
            account_id: state.account_id,
            contact_id: state.contact_id,
            probability_overridden: state.probability_overridden,
            category_overridden: state.forecast_overridden,
            stage_id: Some(state.stage_id),
        },
    }))
}

/// Fills what a row gives into a stored record's fields: every value the row has
/// (`overwrite`), or only into blank fields. A blank cell never erases a value. Works on the
/// fields' serialized form, so it holds for every kind of record.
pub fn merge_fields<F>(existing: &F, row: &F, overwrite: bool) -> Result<F, AppError>
where
    F: serde::Serialize + serde::de::DeserializeOwned,
{
    let to_map = |fields: &F| match serde_json::to_value(fields) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(AppError::Internal),
    };
    let mut merged = to_map(existing)?;
    for (field, given) in to_map(row)? {
        let blank = |value: &serde_json::Value| {
            value.is_null() || value.as_str().is_some_and(|text| text.is_empty())
        };
        if blank(&given) {
            continue;
        }
        let slot = merged.entry(field).or_insert(serde_json::Value::Null);
        if overwrite || blank(slot) {
            *slot = given;
        }
    }
    serde_json::from_value(serde_json::Value::Object(merged)).map_err(|_| AppError::Internal)
}

/// Keeps where an imported record came from, so a later import of the same id finds it.
pub async fn set_source(
    conn: &mut SqliteConnection,
    entity: ImportEntity,
    id: i64,
    source: SourceSystem,
    source_id: &str,
) -> Result<(), AppError> {
    sqlx::query(&format!(
        "UPDATE {} SET source_system = ?, source_id = ? WHERE id = ?",
        table(entity)
    ))
    .bind(source)
    .bind(source_id)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_imported_record_links_to_its_own_page() {
        let page = |entity| record_kind(entity).map(|kind| kind.url(5));
        assert_eq!(page(ImportEntity::Leads).as_deref(), Some("/leads/5"));
        assert_eq!(
            page(ImportEntity::Opportunities).as_deref(),
            Some("/opportunities/5")
        );
        assert_eq!(page(ImportEntity::Accounts).as_deref(), Some("/accounts/5"));
        assert_eq!(page(ImportEntity::Contacts).as_deref(), Some("/contacts/5"));
        assert_eq!(page(ImportEntity::Activities), None);
    }

    #[test]
    fn leadflow_references_name_their_kind_when_they_could_be_two() {
        assert_eq!(leadflow_id(ImportEntity::Leads, "12"), Some(12));
        assert_eq!(leadflow_id(ImportEntity::Leads, "lead:12"), Some(12));
        assert_eq!(leadflow_id(ImportEntity::Contacts, "lead:12"), None);
        assert_eq!(
            leadflow_id(ImportEntity::Opportunities, "opportunity: 3"),
            Some(3)
        );
        assert_eq!(leadflow_id(ImportEntity::Accounts, "account:x"), None);
        assert_eq!(leadflow_id(ImportEntity::Accounts, "Acme"), None);
    }

    #[test]
    fn files_say_what_they_hold() {
        let none: Vec<String> = Vec::new();
        assert_eq!(
            detect_entity("Account.csv", &none),
            Some(ImportEntity::Accounts)
        );
        assert_eq!(
            detect_entity("exports/Opportunity.csv", &none),
            Some(ImportEntity::Opportunities)
        );
        assert_eq!(
            detect_entity("Task.csv", &none),
            Some(ImportEntity::Activities)
        );
        assert_eq!(
            detect_entity(
                "export.csv",
                &["(Do Not Modify) Opportunity".to_string(), "Topic".into()]
            ),
            Some(ImportEntity::Opportunities)
        );
        assert_eq!(detect_entity("expo-2026.csv", &none), None);
        let mut order: Vec<ImportEntity> = ImportEntity::ALL.to_vec();
        order.sort_by_key(|e| run_order(*e));
        assert_eq!(order.first(), Some(&ImportEntity::Accounts));
        assert_eq!(order.last(), Some(&ImportEntity::Activities));
    }

    #[test]
    fn merging_fills_blanks_or_overwrites_and_never_erases() {
        let existing = AccountFields {
            name: "Hill Group".into(),
            city: Some("Oslo".into()),
            ..Default::default()
        };
        let row = AccountFields {
            name: "Hill Group AS".into(),
            city: None,
            phone: Some("555 0100".into()),
            ..Default::default()
        };
        let filled = merge_fields(&existing, &row, false).unwrap();
        assert_eq!(filled.name, "Hill Group");
        assert_eq!(filled.phone.as_deref(), Some("555 0100"));
        assert_eq!(filled.city.as_deref(), Some("Oslo"));
        let overwritten = merge_fields(&existing, &row, true).unwrap();
        assert_eq!(overwritten.name, "Hill Group AS");
        assert_eq!(overwritten.city.as_deref(), Some("Oslo"));
    }

    #[test]
    fn salesforce_stages_fall_into_the_process() {
        let stage = |id: i64, name: &str| Stage {
            id,
            process_id: 1,
            name: name.into(),
            default_probability: 10,
            forecast_category: ForecastCategory::Pipeline,
        };
        let process = Process {
            stages: vec![stage(2, "Develop"), stage(3, "Propose"), stage(4, "Close")],
            other_stages: vec![stage(8, "Recruit partner"), stage(9, "Proposal")],
            lost_reasons: vec![(7, "out_sold".into(), "Out-Sold".into())],
        };
        let id = |name: Option<&str>| process.stage(name).map(|s| s.id);
        // Another process's stage by its name; a Salesforce name falls in the default one.
        assert_eq!(id(Some("recruit partner")), Some(8));
        assert_eq!(id(Some("Proposal")), Some(3));
        assert_eq!(id(Some("propose")), Some(3));
        assert_eq!(id(Some("Qualification")), Some(2));
        assert_eq!(id(Some("Proposal/Quote")), Some(3));
        assert_eq!(id(Some("Negotiation")), Some(4));
        assert_eq!(id(None), Some(2));
        assert_eq!(id(Some("Haggling")), None);
        assert_eq!(process.lost_reason("Out-Sold"), Some(7));
        assert_eq!(process.lost_reason("out_sold"), Some(7));
        assert_eq!(process.lost_reason("Too pricey"), None);
    }
}
