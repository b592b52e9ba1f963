//! Opportunity queries and writes. Every write runs in one `BEGIN IMMEDIATE` transaction that
//! re-reads the opportunity, so ownership, status and version are checked on committed state.

use super::list::{
    OPPORTUNITY_PAGE_SIZE, OpportunityPage, OpportunityQuery, OpportunityRow, OpportunitySort,
    OpportunityView,
};
use super::rules::{
    CloseLost, CloseWon, Forecast, OpportunityFields, StageDefaults, StageMove, ValidOpportunity,
    opportunity_field_label, stage_after_jump, stage_after_move,
};
use super::{CloseInfo, ForecastCategory, OpportunityStatus, OpportunitySummary};
use crate::auth::{User, check_can_edit};
use crate::customer::CustomerKind;
use crate::error::AppError;
use crate::history::{self, FieldChange};
use crate::lead::LeadSource;
use crate::process::StageInfo;
use crate::types::{Currency, Money, RecordLink};
use sqlx::{SqliteConnection, SqlitePool};

#[derive(sqlx::FromRow)]
pub struct StoredOpportunity {
    id: i64,
    #[sqlx(flatten)]
    fields: OpportunityFields,
    status: OpportunityStatus,
    probability: i64,
    probability_overridden: bool,
    forecast_category: ForecastCategory,
    forecast_overridden: bool,
    /// The probability and category while open, kept by Close for Reopen.
    open_probability: Option<i64>,
    open_forecast_category: Option<ForecastCategory>,
    account_id: Option<i64>,
    account_name: Option<String>,
    contact_id: Option<i64>,
    contact_name: Option<String>,
    originating_lead_id: Option<i64>,
    lead_topic: Option<String>,
    owner_id: i64,
    owner_name: String,
    modified_by: String,
    version: i64,
    lead_source: Option<LeadSource>,
    decision_maker_identified: Option<bool>,
    actual_revenue_minor: Option<i64>,
    actual_close_date: Option<String>,
    lost_reason: Option<String>,
    competitor: Option<String>,
    close_description: Option<String>,
    process_id: i64,
    stage_id: i64,
}

impl StoredOpportunity {
    fn forecast(&self) -> Forecast {
        Forecast {
            probability: self.probability.clamp(0, 100) as u8,
            probability_overridden: self.probability_overridden,
            category: self.forecast_category,
            category_overridden: self.forecast_overridden,
        }
    }

    fn currency(&self) -> Currency {
        Currency::parse(&self.fields.currency).unwrap_or(Currency::USD)
    }

    /// Whether a field-bound step on `field` is done on this opportunity.
    fn is_filled(&self, field: &str) -> bool {
        match field {
            "decision_maker_identified" => self.decision_maker_identified == Some(true),
            _ => self
                .fields
                .display_values()
                .into_iter()
                .any(|(name, value)| name == field && value.is_some()),
        }
    }
}

/// Where a stage move goes: one step (the stage bar) or straight to a stage (the board).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageTarget {
    Step(StageMove),
    To(i64),
}

const LOAD_OPPORTUNITY: &str = "SELECT o.id, o.topic, o.estimated_revenue_minor, o.currency, \
    o.estimated_close_date, o.rating, o.budget_amount_minor, o.purchase_timeframe, \
    o.purchase_process, o.need, o.current_situation, o.customer_need, o.proposed_solution, \
    o.description, o.status, o.probability, o.probability_overridden, o.forecast_category, \
    o.forecast_overridden, o.open_probability, o.open_forecast_category, o.account_id, \
    a.name AS account_name, o.contact_id, \
    TRIM(COALESCE(c.first_name || ' ', '') || c.last_name) AS contact_name, \
    o.originating_lead_id, l.topic AS lead_topic, o.owner_id, u.name AS owner_name, \
    m.name AS modified_by, o.version, o.lead_source, o.decision_maker_identified, \
    o.actual_revenue_minor, o.actual_close_date, r.label AS lost_reason, \
    k.name AS competitor, o.close_description, o.process_id, o.stage_id \
    FROM opportunities o JOIN users u ON u.id = o.owner_id JOIN users m ON m.id = o.modified_by \
    LEFT JOIN accounts a ON a.id = o.account_id \
    LEFT JOIN contacts c ON c.id = o.contact_id \
    LEFT JOIN leads l ON l.id = o.originating_lead_id \
    LEFT JOIN lost_reasons r ON r.id = o.lost_reason_id \
    LEFT JOIN competitors k ON k.id = o.close_competitor_id \
    WHERE o.id = ?";

pub async fn load(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<StoredOpportunity>, sqlx::Error> {
    sqlx::query_as(LOAD_OPPORTUNITY)
        .bind(id)
        .fetch_optional(conn)
        .await
}

async fn stage_defaults(
    conn: &mut SqliteConnection,
    stage_id: i64,
) -> Result<StageDefaults, sqlx::Error> {
    let (probability, forecast): (i64, ForecastCategory) =
        sqlx::query_as("SELECT default_probability, forecast_category FROM stages WHERE id = ?")
            .bind(stage_id)
            .fetch_one(conn)
            .await?;
    Ok(StageDefaults {
        probability: probability.clamp(0, 100) as u8,
        forecast,
    })
}

pub async fn opportunity_summary(
    pool: &SqlitePool,
    id: i64,
    user: &User,
) -> Result<Option<OpportunitySummary>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let Some(o) = load(&mut conn, id).await? else {
        return Ok(None);
    };
    let defaults = stage_defaults(&mut conn, o.stage_id).await?;
    let parties = super::parties::db::load(&mut conn, id).await?;
    drop(conn);
    let progress = crate::process::db::load_progress(
        pool,
        o.process_id,
        o.stage_id,
        "opportunity",
        o.id,
        |field| o.is_filled(field),
    )
    .await?;
    let history = history::db::load(pool, "opportunity", id).await?;
    let lost_reasons = sqlx::query_as(
        "SELECT id, code, label FROM lost_reasons WHERE active = 1 ORDER BY is_system DESC, label",
    )
    .fetch_all(pool)
    .await?;
    let competitors: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM competitors WHERE active = 1 ORDER BY name")
            .fetch_all(pool)
            .await?;
    let money = |minor: Option<i64>| minor.map(|m| Money::from_minor(m, o.currency()).to_string());
    let close = (o.status != OpportunityStatus::Open).then(|| CloseInfo {
        actual_revenue: money(o.actual_revenue_minor),
        actual_close_date: o.actual_close_date.clone(),
        lost_reason: o.lost_reason.clone(),
        competitor: o.competitor.clone(),
        description: o.close_description.clone(),
    });
    Ok(Some(OpportunitySummary {
        id: o.id,
        forecast: o.forecast(),
        stage_defaults: defaults,
        can_edit: check_can_edit(user, o.owner_id).is_ok(),
        can_assign: user.role.includes(crate::auth::Role::Manager),
        account: RecordLink::from_columns(o.account_id, o.account_name.clone()),
        contact: RecordLink::from_columns(o.contact_id, o.contact_name.clone()),
        originating_lead: RecordLink::from_columns(o.originating_lead_id, o.lead_topic.clone()),
        status: o.status,
        owner_id: o.owner_id,
        owner_name: o.owner_name.clone(),
        version: o.version,
        lead_source: o.lead_source,
        decision_maker_identified: o.decision_maker_identified,
        close,
        fields: o.fields,
        progress,
        history,
        lost_reasons,
        today: chrono::Utc::now().date_naive().to_string(),
        competitors: competitors
            .into_iter()
            .map(|(id, name)| RecordLink { id, name })
            .collect(),
        parties,
    }))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

/// The opportunity for a write: it exists (404), the caller may change it (403), and it
/// is still at `version` (409 naming what changed).
async fn for_write(
    conn: &mut SqliteConnection,
    id: i64,
    version: i64,
    user: &User,
) -> Result<StoredOpportunity, AppError> {
    let o = load(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("This opportunity".into()))?;
    check_can_edit(user, o.owner_id)?;
    history::db::check_version(
        conn,
        "opportunity",
        id,
        o.version,
        version,
        &o.modified_by,
        opportunity_field_label,
    )
    .await?;
    Ok(o)
}

/// Loads an opportunity for a change beside its form (stakeholders, competitors): the caller
/// may edit it and it is open. Returns its version.
pub(super) async fn open_for_edit(
    conn: &mut SqliteConnection,
    id: i64,
    user: &User,
) -> Result<i64, AppError> {
    let o = load(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("This opportunity".into()))?;
    check_can_edit(user, o.owner_id)?;
    check_open(&o)?;
    Ok(o.version)
}

/// Records the changes as the opportunity's next version and commits; returns that version.
async fn commit_change(
    mut tx: sqlx::Transaction<'_, sqlx::Sqlite>,
    id: i64,
    version: i64,
    changes: &[FieldChange],
    user: &User,
    at: &str,
) -> Result<i64, AppError> {
    let version = record_change(&mut tx, id, version, changes, user, at).await?;
    tx.commit().await?;
    Ok(version)
}

/// Records the changes as the opportunity's next version; returns that version.
async fn record_change(
    conn: &mut SqliteConnection,
    id: i64,
    version: i64,
    changes: &[FieldChange],
    user: &User,
    at: &str,
) -> Result<i64, AppError> {
    history::db::record(conn, "opportunity", id, version + 1, changes, user.id, at).await?;
    Ok(version + 1)
}

fn check_open(o: &StoredOpportunity) -> Result<(), AppError> {
    match o.status {
        OpportunityStatus::Open => Ok(()),
        status => Err(AppError::Conflict {
            message: format!(
                "This opportunity is {} and read-only. Reopen it to make changes.",
                status.label()
            ),
            changed_fields: vec![],
        }),
    }
}

fn forecast_values(forecast: &Forecast) -> Vec<crate::history::FieldValue> {
    vec![
        ("probability", Some(format!("{}%", forecast.probability))),
        ("forecast_category", Some(forecast.category.label().into())),
    ]
}

/// Writes the new forecast and bumps the version; the caller adds the other columns.
async fn write_forecast(
    conn: &mut SqliteConnection,
    o: &StoredOpportunity,
    forecast: &Forecast,
    user: &User,
    at: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE opportunities SET probability = ?, probability_overridden = ?, \
         forecast_category = ?, forecast_overridden = ?, modified_by = ?, modified_at = ?, \
         version = version + 1 WHERE id = ? AND version = ?",
    )
    .bind(i64::from(forecast.probability))
    .bind(forecast.probability_overridden)
    .bind(forecast.category)
    .bind(forecast.category_overridden)
    .bind(user.id)
    .bind(at)
    .bind(o.id)
    .bind(o.version)
    .execute(conn)
    .await
    .map(history::db::changed_one_row)?
}

/// The one INSERT of an opportunity, for Qualify and the generator: the row and its first
/// history entry (`created`), in the caller's transaction; the caller records how it reached
/// its stage (stage history). A closed opportunity keeps its open probability and forecast
/// category for Reopen, as Close as Won/Lost does.
pub async fn insert(
    conn: &mut SqliteConnection,
    new: &super::NewOpportunity,
    who: &history::Authorship,
    created: &[FieldChange],
) -> Result<i64, AppError> {
    let ids = insert_many(conn, &[(new, who)], created).await?;
    ids.first().copied().ok_or(AppError::Internal)
}

const NEW_OPPORTUNITY_COLUMNS: [&str; 31] = [
    "topic",
    "estimated_revenue_minor",
    "currency",
    "estimated_close_date",
    "rating",
    "budget_amount_minor",
    "purchase_timeframe",
    "purchase_process",
    "need",
    "current_situation",
    "customer_need",
    "proposed_solution",
    "description",
    "account_id",
    "contact_id",
    "originating_lead_id",
    "lead_source",
    "decision_maker_identified",
    "process_id",
    "stage_id",
    "probability",
    "forecast_category",
    "open_probability",
    "open_forecast_category",
    "status",
    "status_reason",
    "actual_revenue_minor",
    "actual_close_date",
    "lost_reason_id",
    "close_competitor_id",
    "closed_at",
];

/// Binds one row of `NEW_OPPORTUNITY_COLUMNS`.
fn bind_new<'q>(
    query: history::db::Query<'q>,
    new: &'q super::NewOpportunity,
) -> history::db::Query<'q> {
    use super::NewOpportunityOutcome as Outcome;
    let f = &new.fields;
    let (status, probability, forecast, open_probability, open_forecast) = match &new.outcome {
        Outcome::Open => (
            OpportunityStatus::Open,
            new.probability,
            new.forecast_category,
            None,
            None,
        ),
        Outcome::Won { .. } => (
            OpportunityStatus::Won,
            100,
            ForecastCategory::Won,
            Some(new.probability),
            Some(new.forecast_category),
        ),
        Outcome::Lost { .. } => (
            OpportunityStatus::Lost,
            0,
            ForecastCategory::Lost,
            Some(new.probability),
            Some(new.forecast_category),
        ),
    };
    let (actual_revenue, actual_close_date, lost_reason, competitor, closed_at) = match &new.outcome
    {
        Outcome::Open => (None, None, None, None, None),
        Outcome::Won {
            actual_revenue_minor,
            actual_close_date,
            closed_at,
        } => (
            Some(*actual_revenue_minor),
            Some(actual_close_date),
            None,
            None,
            Some(closed_at),
        ),
        Outcome::Lost {
            lost_reason_id,
            competitor_id,
            actual_close_date,
            closed_at,
        } => (
            None,
            Some(actual_close_date),
            Some(*lost_reason_id),
            *competitor_id,
            Some(closed_at),
        ),
    };
    let status_reason = match status {
        OpportunityStatus::Open => "in_progress",
        OpportunityStatus::Won => "won",
        OpportunityStatus::Lost => "lost",
    };
    query
        .bind(&f.topic)
        .bind(f.estimated_revenue_minor)
        .bind(&f.currency)
        .bind(&f.estimated_close_date)
        .bind(f.rating)
        .bind(f.budget_amount_minor)
        .bind(f.purchase_timeframe)
        .bind(f.purchase_process)
        .bind(f.need)
        .bind(&f.current_situation)
        .bind(&f.customer_need)
        .bind(&f.proposed_solution)
        .bind(&f.description)
        .bind(new.account_id)
        .bind(new.contact_id)
        .bind(new.originating_lead_id)
        .bind(new.lead_source)
        .bind(new.decision_maker_identified)
        .bind(new.process_id)
        .bind(new.stage_id)
        .bind(probability)
        .bind(forecast)
        .bind(open_probability)
        .bind(open_forecast)
        .bind(status)
        .bind(status_reason)
        .bind(actual_revenue)
        .bind(actual_close_date)
        .bind(lost_reason)
        .bind(competitor)
        .bind(closed_at)
}

/// `insert` for many opportunities at once (multi-row statements); their ids, in order.
pub async fn insert_many(
    conn: &mut SqliteConnection,
    records: &[(&super::NewOpportunity, &history::Authorship)],
    created: &[FieldChange],
) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::with_capacity(records.len());
    let rows = history::db::rows_per_statement(NEW_OPPORTUNITY_COLUMNS.len());
    for batch in records.chunks(rows) {
        let sql =
            history::db::insert_rows_sql("opportunities", &NEW_OPPORTUNITY_COLUMNS, batch.len());
        let mut query = sqlx::query(&sql);
        for (new, who) in batch {
            query = history::db::bind_authorship(bind_new(query, new), who);
        }
        let written = history::db::inserted_ids(query.execute(&mut *conn).await?, batch.len());
        let entries: Vec<(i64, &history::Authorship)> = written
            .iter()
            .copied()
            .zip(batch.iter().map(|(_, who)| *who))
            .collect();
        history::db::record_created(conn, "opportunity", &entries, created).await?;
        ids.extend(written);
    }
    Ok(ids)
}

/// Saves an edit of an open opportunity made on `version`.
pub async fn update(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    valid: &ValidOpportunity,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let outcome = update_in(&mut tx, id, version, valid, user).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// `update` in the caller's transaction: an import writes many records in one.
pub async fn update_in(
    conn: &mut SqliteConnection,
    id: i64,
    version: i64,
    valid: &ValidOpportunity,
    user: &User,
) -> Result<i64, AppError> {
    let o = for_write(&mut *conn, id, version, user).await?;
    check_open(&o)?;
    let defaults = stage_defaults(&mut *conn, o.stage_id).await?;
    let forecast = o
        .forecast()
        .from_form(valid.probability, valid.forecast_category, defaults);
    let mut changes = history::diff(&o.fields.display_values(), &valid.fields.display_values());
    changes.extend(history::diff(
        &forecast_values(&o.forecast()),
        &forecast_values(&forecast),
    ));
    let customer = valid
        .customer
        .filter(|c| (c.account_id, c.contact_id) != (o.account_id, o.contact_id));
    if let Some(customer) = customer {
        let account = customer_name(
            &mut *conn,
            CustomerKind::Account,
            o.account_id,
            customer.account_id,
            &o.account_name,
        )
        .await?;
        let contact = customer_name(
            &mut *conn,
            CustomerKind::Contact,
            o.contact_id,
            customer.contact_id,
            &o.contact_name,
        )
        .await?;
        if let Some(contact_id) = customer.contact_id {
            let works_at: Option<i64> =
                sqlx::query_scalar("SELECT account_id FROM contacts WHERE id = ?")
                    .bind(contact_id)
                    .fetch_one(&mut *conn)
                    .await?;
            super::rules::check_contact_of_account(customer.account_id, works_at)?;
        }
        changes.extend(history::diff(
            &[
                ("account", o.account_name.clone()),
                ("contact", o.contact_name.clone()),
            ],
            &[("account", account), ("contact", contact)],
        ));
    }
    if changes.is_empty() && forecast == o.forecast() {
        return Ok(version);
    }
    let f = &valid.fields;
    let at = now();
    write_forecast(&mut *conn, &o, &forecast, user, &at).await?;
    if let Some(customer) = customer {
        sqlx::query("UPDATE opportunities SET account_id = ?, contact_id = ? WHERE id = ?")
            .bind(customer.account_id)
            .bind(customer.contact_id)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "UPDATE opportunities SET topic = ?, estimated_revenue_minor = ?, estimated_close_date = ?, \
         rating = ?, budget_amount_minor = ?, purchase_timeframe = ?, purchase_process = ?, \
         need = ?, current_situation = ?, customer_need = ?, proposed_solution = ?, \
         description = ? WHERE id = ?",
    )
    .bind(&f.topic)
    .bind(f.estimated_revenue_minor)
    .bind(&f.estimated_close_date)
    .bind(f.rating)
    .bind(f.budget_amount_minor)
    .bind(f.purchase_timeframe)
    .bind(f.purchase_process)
    .bind(f.need)
    .bind(&f.current_situation)
    .bind(&f.customer_need)
    .bind(&f.proposed_solution)
    .bind(&f.description)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    record_change(conn, id, version, &changes, user, &at).await
}

/// The name of the customer record `chosen` for the form: the current one as it is, a new
/// one only when it exists and is active (a field error otherwise).
async fn customer_name(
    conn: &mut SqliteConnection,
    kind: CustomerKind,
    current: Option<i64>,
    chosen: Option<i64>,
    current_name: &Option<String>,
) -> Result<Option<String>, AppError> {
    let Some(id) = chosen else { return Ok(None) };
    if Some(id) == current {
        return Ok(current_name.clone());
    }
    crate::customer::db::active_name(conn, kind, id)
        .await?
        .map(Some)
        .ok_or_else(|| {
            AppError::field(
                &format!("{}_id", kind.code()),
                format!(
                    "This {} is inactive or no longer exists: choose another.",
                    kind.label()
                ),
            )
        })
}

/// The opportunity stages of a process, in order: the open ones and `current` (a record
/// may sit at a stage archived after it got there, and moves on from it).
async fn process_stages(
    conn: &mut SqliteConnection,
    process_id: i64,
    current: i64,
) -> Result<Vec<StageInfo>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name FROM stages WHERE process_id = ? AND entity = 'opportunity' \
         AND (archived = 0 OR id = ?) ORDER BY position",
    )
    .bind(process_id)
    .bind(current)
    .fetch_all(conn)
    .await
}

/// Next Stage / Previous Stage: gated by the current stage's required steps, recorded in
/// the stage history, probability and forecast from the new stage unless overridden.
pub async fn move_stage(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    target: StageTarget,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let o = for_write(&mut tx, id, version, user).await?;
    check_open(&o)?;
    let stages = process_stages(&mut tx, o.process_id, o.stage_id).await?;
    let mut steps_of = std::collections::HashMap::new();
    for stage in &stages {
        let steps =
            crate::process::db::step_states_of(&mut tx, stage.id, "opportunity", id, |field| {
                o.is_filled(field)
            })
            .await?;
        steps_of.insert(stage.id, steps);
    }
    // A stage archived under the record is read-only: its steps no longer hold it back.
    let archived: bool = sqlx::query_scalar("SELECT archived FROM stages WHERE id = ?")
        .bind(o.stage_id)
        .fetch_one(&mut *tx)
        .await?;
    if archived {
        steps_of.insert(o.stage_id, Vec::new());
    }
    let target = match target {
        StageTarget::Step(direction) => {
            let steps = steps_of
                .get(&o.stage_id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            stage_after_move(&stages, o.stage_id, steps, direction)?
        }
        StageTarget::To(stage) => stage_after_jump(&stages, o.stage_id, stage, &steps_of)?,
    };
    if target == o.stage_id {
        return Ok(version);
    }
    let version = write_stage(&mut tx, &o, &stages, target, user, &[]).await?;
    tx.commit().await?;
    Ok(version)
}

/// Switch process: the opportunity leaves its process where it stands (remembered) and
/// enters `process_id` where it stood there before, else at its first open stage; a stage
/// change in both histories, probability and forecast from the new stage unless overridden.
/// Its ticked steps belong to their stages, so switching back finds them ticked. Returns the
/// new version.
pub async fn switch_process(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    process_id: i64,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let version = switch_process_in(&mut tx, id, version, process_id, user).await?;
    tx.commit().await?;
    Ok(version)
}

/// `switch_process` inside the caller's transaction.
pub async fn switch_process_in(
    conn: &mut SqliteConnection,
    id: i64,
    version: i64,
    process_id: i64,
    user: &User,
) -> Result<i64, AppError> {
    let o = for_write(&mut *conn, id, version, user).await?;
    check_open(&o)?;
    if process_id == o.process_id {
        return Ok(version);
    }
    let names: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM processes WHERE id IN (?, ?)")
            .bind(o.process_id)
            .bind(process_id)
            .fetch_all(&mut *conn)
            .await?;
    let name = |id: i64| {
        names
            .iter()
            .find(|(p, _)| *p == id)
            .map(|(_, name)| name.clone())
    };
    if name(process_id).is_none() {
        return Err(AppError::field(
            "process",
            "Choose one of the sales processes.",
        ));
    }
    let resumed: Option<i64> = sqlx::query_scalar(
        "SELECT p.stage_id FROM opportunity_process_positions p JOIN stages s ON s.id = p.stage_id \
         WHERE p.opportunity_id = ? AND p.process_id = ? AND s.archived = 0",
    )
    .bind(id)
    .bind(process_id)
    .fetch_optional(&mut *conn)
    .await?;
    let first = process_stages(&mut *conn, process_id, 0).await?;
    let target = resumed
        .or_else(|| first.first().map(|stage| stage.id))
        .ok_or_else(|| AppError::field("process", "That process has no open stage."))?;
    sqlx::query(
        "INSERT INTO opportunity_process_positions (opportunity_id, process_id, stage_id) \
         VALUES (?, ?, ?) ON CONFLICT (opportunity_id, process_id) DO UPDATE SET stage_id = excluded.stage_id",
    )
    .bind(id)
    .bind(o.process_id)
    .bind(o.stage_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE opportunities SET process_id = ? WHERE id = ?")
        .bind(process_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let mut stages = process_stages(&mut *conn, o.process_id, o.stage_id).await?;
    stages.extend(first);
    let note = [FieldChange {
        field: "process",
        old: name(o.process_id),
        new: name(process_id),
    }];
    let version = write_stage(&mut *conn, &o, &stages, target, user, &note).await?;
    Ok(version)
}

/// An import's stage (and its undo's): the stage the source system has the deal at, a
/// stage of its process, taken without the step gate, which is the user's rule for moving
/// a deal on, not a check on where another system says it is. `note` goes in the history.
pub async fn set_stage_in(
    conn: &mut SqliteConnection,
    id: i64,
    version: i64,
    target: i64,
    user: &User,
    note: &[FieldChange],
) -> Result<i64, AppError> {
    let o = for_write(&mut *conn, id, version, user).await?;
    check_open(&o)?;
    if target == o.stage_id {
        return Ok(version);
    }
    let stages = process_stages(&mut *conn, o.process_id, o.stage_id).await?;
    if !stages.iter().any(|stage| stage.id == target) {
        return Err(AppError::field(
            "stage",
            "That stage is not in this opportunity's sales process.",
        ));
    }
    write_stage(conn, &o, &stages, target, user, note).await
}

/// The one write of a stage move: probability and forecast from the new stage unless
/// overridden, the stage history row, and the record's history. Returns the new version.
async fn write_stage(
    conn: &mut SqliteConnection,
    o: &StoredOpportunity,
    stages: &[StageInfo],
    target: i64,
    user: &User,
    note: &[FieldChange],
) -> Result<i64, AppError> {
    let forecast = o
        .forecast()
        .at_stage(stage_defaults(&mut *conn, target).await?);
    let at = now();
    write_forecast(&mut *conn, o, &forecast, user, &at).await?;
    sqlx::query("UPDATE opportunities SET stage_id = ? WHERE id = ?")
        .bind(target)
        .bind(o.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO stage_history (record_type, record_id, from_stage_id, to_stage_id, changed_by, changed_at) \
         VALUES ('opportunity', ?, ?, ?, ?, ?)",
    )
    .bind(o.id)
    .bind(o.stage_id)
    .bind(target)
    .bind(user.id)
    .bind(&at)
    .execute(&mut *conn)
    .await?;
    let name = |stage: i64| {
        stages
            .iter()
            .find(|s| s.id == stage)
            .map(|s| s.name.clone())
    };
    let mut changes = vec![FieldChange {
        field: "stage",
        old: name(o.stage_id),
        new: name(target),
    }];
    changes.extend(history::diff(
        &forecast_values(&o.forecast()),
        &forecast_values(&forecast),
    ));
    changes.extend_from_slice(note);
    record_change(conn, o.id, o.version, &changes, user, &at).await
}

/// Ticks or unticks a checkbox step of the opportunity's active stage (no version bump).
pub async fn set_step(
    pool: &SqlitePool,
    id: i64,
    step_id: i64,
    done: bool,
    user: &User,
) -> Result<(), AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let o = load(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("This opportunity".into()))?;
    check_can_edit(user, o.owner_id)?;
    check_open(&o)?;
    crate::process::db::tick(
        &mut tx,
        "opportunity",
        id,
        o.stage_id,
        o.version,
        step_id,
        done,
        user.id,
        &now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn close_changes(
    o: &StoredOpportunity,
    status: OpportunityStatus,
    details: Vec<(&'static str, Option<String>)>,
) -> Vec<FieldChange> {
    let mut changes = vec![FieldChange {
        field: "status",
        old: Some(o.status.label().into()),
        new: Some(status.label().into()),
    }];
    changes.extend(
        details
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .map(|(field, new)| FieldChange {
                field,
                old: None,
                new,
            }),
    );
    changes
}

pub async fn close_won(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    input: &super::rules::CloseWonInput,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let o = for_write(&mut tx, id, version, user).await?;
    check_open(&o)?;
    let today = chrono::Utc::now().date_naive();
    let won: CloseWon = super::rules::validate_close_won(
        input,
        o.fields.estimated_revenue_minor,
        o.currency(),
        today,
    )?;
    let at = now();
    sqlx::query(
        "UPDATE opportunities SET status = 'won', status_reason = 'won', \
         open_probability = probability, open_forecast_category = forecast_category, probability = 100, \
         forecast_category = 'won', actual_revenue_minor = ?, actual_close_date = ?, \
         lost_reason_id = NULL, close_competitor_id = NULL, close_description = NULL, closed_at = ?, \
         modified_by = ?, modified_at = ?, version = version + 1 WHERE id = ? AND version = ?",
    )
    .bind(won.actual_revenue_minor)
    .bind(won.actual_close_date.to_string())
    .bind(&at)
    .bind(user.id)
    .bind(&at)
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await
    .map(history::db::changed_one_row)??;
    let changes = close_changes(
        &o,
        OpportunityStatus::Won,
        vec![
            (
                "actual_revenue",
                Some(Money::from_minor(won.actual_revenue_minor, o.currency()).to_string()),
            ),
            ("actual_close_date", Some(won.actual_close_date.to_string())),
        ],
    );
    commit_change(tx, id, version, &changes, user, &at).await
}

pub async fn close_lost(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    input: &super::rules::CloseLostInput,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let o = for_write(&mut tx, id, version, user).await?;
    check_open(&o)?;
    let reasons: Vec<super::rules::LostReason> =
        sqlx::query_as("SELECT id, code, label FROM lost_reasons WHERE active = 1")
            .fetch_all(&mut *tx)
            .await?;
    let today = chrono::Utc::now().date_naive();
    let lost: CloseLost = super::rules::validate_close_lost(input, &reasons, today)?;
    let competitor: Option<String> = match lost.competitor_id {
        None => None,
        Some(competitor) => Some(
            sqlx::query_scalar("SELECT name FROM competitors WHERE id = ? AND active = 1")
                .bind(competitor)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    AppError::field("competitor", "Choose a competitor from the list.")
                })?,
        ),
    };
    let at = now();
    sqlx::query(
        "UPDATE opportunities SET status = 'lost', status_reason = 'lost', \
         open_probability = probability, open_forecast_category = forecast_category, probability = 0, \
         forecast_category = 'lost', actual_revenue_minor = NULL, actual_close_date = ?, \
         lost_reason_id = ?, close_competitor_id = ?, close_description = ?, closed_at = ?, \
         modified_by = ?, modified_at = ?, version = version + 1 WHERE id = ? AND version = ?",
    )
    .bind(lost.actual_close_date.to_string())
    .bind(lost.reason_id)
    .bind(lost.competitor_id)
    .bind(&lost.description)
    .bind(&at)
    .bind(user.id)
    .bind(&at)
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await
    .map(history::db::changed_one_row)??;
    let reason = reasons
        .iter()
        .find(|r| r.id == lost.reason_id)
        .map(|r| r.label.clone());
    let changes = close_changes(
        &o,
        OpportunityStatus::Lost,
        vec![
            ("lost_reason", reason),
            ("competitor", competitor),
            ("close_description", lost.description.clone()),
            (
                "actual_close_date",
                Some(lost.actual_close_date.to_string()),
            ),
        ],
    );
    commit_change(tx, id, version, &changes, user, &at).await
}

/// Reopen: Open · In Progress at the stage it closed in, forecast from that stage again
/// unless overridden; the close details are cleared.
pub async fn reopen(
    pool: &SqlitePool,
    id: i64,
    version: i64,
    user: &User,
) -> Result<i64, AppError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let o = for_write(&mut tx, id, version, user).await?;
    if o.status == OpportunityStatus::Open {
        return Err(AppError::Conflict {
            message: "This opportunity is already open.".into(),
            changed_fields: vec![],
        });
    }
    let defaults = stage_defaults(&mut tx, o.stage_id).await?;
    // Back at its stage: the stage's defaults, except the values the user had set by hand
    // before closing.
    let before_close = Forecast {
        probability: o
            .open_probability
            .map_or(defaults.probability, |p| p.clamp(0, 100) as u8),
        category: o.open_forecast_category.unwrap_or(defaults.forecast),
        ..o.forecast()
    };
    let forecast = before_close.at_stage(defaults);
    let at = now();
    write_forecast(&mut tx, &o, &forecast, user, &at).await?;
    sqlx::query(
        "UPDATE opportunities SET status = 'open', status_reason = 'in_progress', \
         actual_revenue_minor = NULL, actual_close_date = NULL, lost_reason_id = NULL, \
         close_competitor_id = NULL, close_description = NULL, closed_at = NULL WHERE id = ?",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let changes = close_changes(&o, OpportunityStatus::Open, vec![]);
    commit_change(tx, id, version, &changes, user, &at).await
}

/// Appends the board filters on the columns `owner`, `process` and `date` (a close date).
/// Rows counted per stage pass "" for `process`: the stages are the process's own.
fn push_board_filters(
    sql: &mut sqlx::QueryBuilder<'_, sqlx::Sqlite>,
    query: &super::board::BoardQuery,
    owner: &str,
    process: &str,
    date: &str,
) {
    if let Some(id) = query.owner {
        sql.push(format!(" AND {owner} = ")).push_bind(id);
    }
    if let (Some(id), false) = (query.process, process.is_empty()) {
        sql.push(format!(" AND {process} = ")).push_bind(id);
    }
    if let Some(from) = &query.close_from {
        sql.push(format!(" AND {date} >= ")).push_bind(from.clone());
    }
    if let Some(to) = &query.close_to {
        sql.push(format!(" AND {date} <= ")).push_bind(to.clone());
    }
}

/// The customer's name: the account's, else the contact's (needs the joins `a` and `c`).
const CUSTOMER_NAME: &str =
    "COALESCE(a.name, TRIM(COALESCE(c.first_name || ' ', '') || c.last_name))";

/// The open opportunity stages of `process` (None: the default process), in order.
pub(crate) async fn opportunity_stages(
    pool: &SqlitePool,
    process: Option<i64>,
) -> Result<Vec<StageInfo>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, s.name FROM stages s JOIN processes p ON p.id = s.process_id \
         WHERE (p.id = ? OR (? IS NULL AND p.is_default = 1)) AND s.entity = 'opportunity' \
         AND s.archived = 0 ORDER BY s.position",
    )
    .bind(process)
    .bind(process)
    .fetch_all(pool)
    .await
}

const CARD_COLUMNS: &str = "SELECT o.id, o.version, o.topic, CUSTOMER AS customer, \
    REVENUE AS revenue_minor, DATE AS close_date, u.name AS owner_name, STALLED AS stalled \
    FROM opportunities o JOIN users u ON u.id = o.owner_id \
    LEFT JOIN accounts a ON a.id = o.account_id LEFT JOIN contacts c ON c.id = o.contact_id";

/// The board: SQL aggregates per column (never loading the records) and a page of cards.
pub async fn board(
    pool: &SqlitePool,
    query: &super::board::BoardQuery,
) -> Result<super::board::Board, sqlx::Error> {
    use super::board::{BoardCard, BoardColumn, ColumnKind, weighted_minor};
    // Without a chosen process the board shows the default one, Won and Lost included.
    let query = &super::board::BoardQuery {
        process: Some(match query.process {
            Some(id) => id,
            None => {
                sqlx::query_scalar("SELECT id FROM processes WHERE is_default = 1")
                    .fetch_one(pool)
                    .await?
            }
        }),
        ..query.clone()
    };
    let stages = opportunity_stages(pool, query.process).await?;
    // Without a date range the open totals come from the monthly figures the triggers keep
    // (migration 0005: a few hundred rows); a day range needs the opportunities' index.
    let mut totals = if query.close_from.is_none() && query.close_to.is_none() {
        let mut totals = sqlx::QueryBuilder::new(
            "SELECT stage_id, SUM(count), SUM(revenue_minor), SUM(weighted_x100) \
             FROM opportunity_monthly WHERE status = 'open'",
        );
        push_board_filters(&mut totals, query, "owner_id", "", "");
        totals
    } else {
        let mut totals = sqlx::QueryBuilder::new(
            "SELECT o.stage_id, COUNT(*), COALESCE(SUM(o.estimated_revenue_minor), 0), \
             COALESCE(SUM(o.estimated_revenue_minor * o.probability), 0) \
             FROM opportunities o WHERE o.status = 'open'",
        );
        push_board_filters(
            &mut totals,
            query,
            "o.owner_id",
            "",
            "o.estimated_close_date",
        );
        totals
    };
    totals.push(" GROUP BY stage_id");
    // Without a date range the closed columns cover the last CLOSED_DAYS days (the board
    // is about now).
    let closed = super::board::BoardQuery {
        close_from: query.close_from.clone().or_else(|| {
            (query.close_to.is_none()).then(|| {
                (chrono::Utc::now().date_naive() - chrono::Days::new(super::board::CLOSED_DAYS))
                    .to_string()
            })
        }),
        ..query.clone()
    };
    // The three aggregates scan different indexes: run them side by side.
    let (open, won_totals, lost_totals) = tokio::try_join!(
        totals
            .build_query_as::<(i64, i64, i64, i64)>()
            .fetch_all(pool),
        closed_totals(pool, "won", &closed),
        closed_totals(pool, "lost", &closed),
    )?;
    let mut columns = Vec::new();
    for stage in &stages {
        let (count, total, weighted) = open
            .iter()
            .find(|(id, ..)| *id == stage.id)
            .map_or((0, 0, 0), |(_, count, total, weighted)| {
                (*count, *total, *weighted)
            });
        let mut cards = sqlx::QueryBuilder::new(
            CARD_COLUMNS
                .replace("CUSTOMER", CUSTOMER_NAME)
                .replace("REVENUE", "o.estimated_revenue_minor")
                .replace("DATE", "o.estimated_close_date")
                .replace("STALLED", &format!("(1{STALLED}) IS 1")),
        );
        cards
            .push(" WHERE o.status = 'open' AND o.stage_id = ")
            .push_bind(stage.id);
        push_board_filters(
            &mut cards,
            query,
            "o.owner_id",
            "",
            "o.estimated_close_date",
        );
        cards
            .push(" ORDER BY o.estimated_close_date NULLS LAST, o.id LIMIT ")
            .push_bind(query.card_limit());
        columns.push(BoardColumn {
            kind: ColumnKind::Stage(stage.id),
            name: stage.name.clone(),
            count,
            total_minor: total,
            weighted_minor: weighted_minor(weighted),
            cards: cards.build_query_as::<BoardCard>().fetch_all(pool).await?,
        });
    }
    // Won counts what was won (actual revenue, all of it weighted); Lost what was estimated.
    let query = &closed;
    for (kind, status, revenue, name, (count, total)) in [
        (
            ColumnKind::Won,
            "won",
            "o.actual_revenue_minor",
            "Won",
            won_totals,
        ),
        (
            ColumnKind::Lost,
            "lost",
            "o.estimated_revenue_minor",
            "Lost",
            lost_totals,
        ),
    ] {
        let mut cards = sqlx::QueryBuilder::new(
            CARD_COLUMNS
                .replace("CUSTOMER", CUSTOMER_NAME)
                .replace("REVENUE", revenue)
                .replace("DATE", "o.actual_close_date")
                .replace("STALLED", "0"),
        );
        cards.push(" WHERE o.status = ").push_bind(status);
        push_board_filters(
            &mut cards,
            query,
            "o.owner_id",
            "o.process_id",
            "o.actual_close_date",
        );
        cards
            .push(" ORDER BY o.actual_close_date DESC, o.id DESC LIMIT ")
            .push_bind(query.card_limit());
        columns.push(BoardColumn {
            kind,
            name: name.into(),
            count,
            total_minor: total,
            weighted_minor: if kind == ColumnKind::Won { total } else { 0 },
            cards: cards.build_query_as::<BoardCard>().fetch_all(pool).await?,
        });
    }
    Ok(super::board::Board { columns })
}

/// Count and revenue of the opportunities closed with `status` that match the filters, from
/// the per-day totals (migrations 0004 and 0019) rather than the opportunities themselves.
async fn closed_totals(
    pool: &SqlitePool,
    status: &str,
    query: &super::board::BoardQuery,
) -> Result<(i64, i64), sqlx::Error> {
    let mut totals = sqlx::QueryBuilder::new(
        "SELECT COALESCE(SUM(count), 0), COALESCE(SUM(revenue_minor), 0) FROM closed_daily \
         WHERE status = ",
    );
    totals.push_bind(status.to_string());
    push_board_filters(&mut totals, query, "owner_id", "process_id", "day");
    totals.build_query_as().fetch_one(pool).await
}

/// The close date and revenue columns of a view: open views show estimates; Won the actual
/// figures; Lost what the deal was estimated at.
fn view_columns(query: &OpportunityQuery) -> (&'static str, &'static str) {
    match query.view.status() {
        Some(OpportunityStatus::Open) => ("o.estimated_close_date", "o.estimated_revenue_minor"),
        Some(OpportunityStatus::Won) => ("o.actual_close_date", "o.actual_revenue_minor"),
        Some(OpportunityStatus::Lost) => ("o.actual_close_date", "o.estimated_revenue_minor"),
        None => (
            "COALESCE(o.actual_close_date, o.estimated_close_date)",
            "CASE o.status WHEN 'won' THEN o.actual_revenue_minor ELSE o.estimated_revenue_minor END",
        ),
    }
}

/// Whether `o` has sat in its stage longer than the stage's threshold (none: never). Stored
/// times are RFC 3339, compared as text to the same form.
pub(crate) const STALLED: &str = " AND o.stage_entered_at < (SELECT strftime('%Y-%m-%dT%H:%M:%S', 'now', \
    '-' || st.stalled_days || ' days') FROM stages st WHERE st.id = o.stage_id)";

/// Whether `o` ever entered a stage (bound next), from the stage history's stage index.
const ENTERED: &str = " AND o.id IN (SELECT record_id FROM stage_history \
    WHERE record_type = 'opportunity' AND to_stage_id = ";

/// Whether `o` went on from a stage (bound next) it entered: was won, or entered a later
/// open stage of the same process afterwards — as the dashboard's stage conversion counts.
const WENT_ON: &str = " AND (o.status = 'won' OR EXISTS (SELECT 1 FROM stage_history h \
    JOIN stages here ON here.id = h.to_stage_id \
    JOIN stage_history later ON later.record_type = 'opportunity' AND later.record_id = h.record_id \
        AND later.changed_at > h.changed_at \
    JOIN stages there ON there.id = later.to_stage_id AND there.process_id = here.process_id \
        AND there.position > here.position AND there.archived = 0 AND here.archived = 0 \
    WHERE h.record_type = 'opportunity' AND h.record_id = o.id AND h.to_stage_id = ";

/// The tables a view's rows read.
const VIEW_JOINS: &str = " FROM opportunities o JOIN users u ON u.id = o.owner_id \
    JOIN stages s ON s.id = o.stage_id \
    LEFT JOIN accounts a ON a.id = o.account_id LEFT JOIN contacts c ON c.id = o.contact_id";

/// The view's status, search and filters.
fn push_view_filters(
    sql: &mut sqlx::QueryBuilder<'static, sqlx::Sqlite>,
    query: &OpportunityQuery,
    user_id: i64,
) {
    let (date, _) = view_columns(query);
    match query.view.status() {
        Some(status) => sql.push(" WHERE o.status = ").push_bind(status),
        None => sql.push(" WHERE 1 = 1"),
    };
    if query.view == OpportunityView::MyOpen {
        sql.push(" AND o.owner_id = ").push_bind(user_id);
    }
    if let Some(search) = &query.search {
        // The topic, or the customer's name (the account's, else the contact's). The
        // matching accounts and contacts are found once, not joined for every row.
        // Names are compared in their normalized form, read from the name indexes.
        let name = crate::types::normalize::normalize_name(search).unwrap_or_default();
        sql.push(" AND (instr(lower(o.topic), ")
            .push_bind(search.to_lowercase())
            .push(") > 0 OR o.account_id IN (SELECT id FROM accounts WHERE instr(name_normalized, ")
            .push_bind(name.clone())
            .push(
                ") > 0) OR (o.account_id IS NULL AND o.contact_id IN (SELECT id FROM contacts \
                   WHERE instr(lower(COALESCE(first_name || ' ', '')) || last_name_normalized, ",
            )
            .push_bind(name)
            .push(") > 0)))");
    }
    if let Some(stage) = query.stage {
        sql.push(" AND o.stage_id = ").push_bind(stage);
    }
    if query.stalled == Some(true) {
        sql.push(STALLED);
    }
    if let Some(stage) = query.entered {
        sql.push(ENTERED).push_bind(stage).push(")");
        if query.went_on == Some(true) {
            sql.push(WENT_ON).push_bind(stage).push("))");
        }
    }
    if let Some(process) = query.process {
        sql.push(" AND o.stage_id IN (SELECT id FROM stages WHERE process_id = ")
            .push_bind(process)
            .push(")");
    }
    if let Some(owner) = query.owner {
        sql.push(" AND o.owner_id = ").push_bind(owner);
    }
    if let Some(from) = &query.close_from {
        sql.push(format!(" AND {date} >= ")).push_bind(from.clone());
    }
    if let Some(to) = &query.close_to {
        sql.push(format!(" AND {date} <= ")).push_bind(to.clone());
    }
    if let Some(rating) = query.rating {
        sql.push(" AND o.rating = ").push_bind(rating);
    }
    if let Some(forecast) = query.forecast {
        sql.push(" AND o.forecast_category = ").push_bind(forecast);
    }
    if let Some(reason) = query.lost_reason {
        sql.push(" AND o.lost_reason_id = ").push_bind(reason);
    }
}

/// The view's sort, then the id (so equal values keep one order); the direction.
fn push_view_order(sql: &mut sqlx::QueryBuilder<'static, sqlx::Sqlite>, query: &OpportunityQuery) {
    let (date, revenue) = view_columns(query);
    let sort = match query.sort {
        OpportunitySort::CloseDate => date,
        OpportunitySort::Topic => "o.topic COLLATE NOCASE",
        OpportunitySort::Customer => "customer COLLATE NOCASE",
        OpportunitySort::Stage => "s.position",
        OpportunitySort::Revenue => revenue,
        OpportunitySort::Probability => "o.probability",
        OpportunitySort::Rating => {
            "CASE o.rating WHEN 'hot' THEN 1 WHEN 'warm' THEN 2 WHEN 'cold' THEN 3 END"
        }
        OpportunitySort::Owner => "u.name",
    };
    let direction = if query.is_descending() { "DESC" } else { "ASC" };
    sql.push(format!(
        " ORDER BY {sort} {direction} NULLS LAST, o.id {direction}"
    ));
}

/// An opportunity as its export writes it.
#[derive(Debug, sqlx::FromRow)]
pub struct ExportedOpportunity {
    pub id: i64,
    pub version: i64,
    pub topic: String,
    pub account_name: Option<String>,
    pub contact_name: Option<String>,
    pub estimated_revenue_minor: Option<i64>,
    pub estimated_close_date: Option<String>,
    pub stage_name: String,
    pub probability: i64,
    pub forecast_category: ForecastCategory,
    pub status: OpportunityStatus,
    pub actual_revenue_minor: Option<i64>,
    pub actual_close_date: Option<String>,
    pub lost_reason: Option<String>,
    pub rating: Option<crate::lead::Rating>,
    pub lead_source: Option<crate::lead::LeadSource>,
    pub description: Option<String>,
    pub owner_email: String,
    pub created_at: String,
}

/// Every opportunity of the list's view, search and filters, in its sort order (no pages),
/// as a stream the export writes out row by row.
pub fn export_query(
    query: &OpportunityQuery,
    user_id: i64,
) -> sqlx::QueryBuilder<'static, sqlx::Sqlite> {
    let mut sql = sqlx::QueryBuilder::new(format!(
        "SELECT o.id, o.version, o.topic, a.name AS account_name, \
         TRIM(COALESCE(c.first_name || ' ', '') || c.last_name) AS contact_name, \
         {CUSTOMER_NAME} AS customer, o.estimated_revenue_minor, o.estimated_close_date, \
         s.name AS stage_name, o.probability, o.forecast_category, o.status, \
         o.actual_revenue_minor, o.actual_close_date, \
         (SELECT label FROM lost_reasons r WHERE r.id = o.lost_reason_id) AS lost_reason, \
         o.rating, o.lead_source, o.description, u.email AS owner_email, o.created_at{VIEW_JOINS}"
    ));
    push_view_filters(&mut sql, query, user_id);
    push_view_order(&mut sql, query);
    sql
}

/// One page of an opportunity view. Every signed-in user sees every opportunity.
pub async fn list(
    pool: &SqlitePool,
    query: &OpportunityQuery,
    user_id: i64,
) -> Result<OpportunityPage, sqlx::Error> {
    let (date, revenue) = view_columns(query);
    // All mixes statuses: a closed deal's "stage" is how it closed.
    let stage = match query.view.status() {
        Some(_) => "s.name",
        None => "CASE o.status WHEN 'won' THEN 'Won' WHEN 'lost' THEN 'Lost' ELSE s.name END",
    };
    let mut count = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM opportunities o");
    push_view_filters(&mut count, query, user_id);
    let mut page = sqlx::QueryBuilder::new(format!(
        "SELECT o.id, o.topic, {CUSTOMER_NAME} AS customer, {stage} AS stage_name, \
         {revenue} AS revenue_minor, o.probability, {date} AS close_date, o.rating, \
         u.name AS owner_name{VIEW_JOINS}"
    ));
    push_view_filters(&mut page, query, user_id);
    push_view_order(&mut page, query);
    page.push(" LIMIT ")
        .push_bind(OPPORTUNITY_PAGE_SIZE)
        .push(" OFFSET ")
        .push_bind(crate::ui::list::page_and_offset(query.page, OPPORTUNITY_PAGE_SIZE).1);
    let (total, rows, stages, lost_reasons) = tokio::try_join!(
        count.build_query_scalar::<i64>().fetch_one(pool),
        page.build_query_as::<OpportunityRow>().fetch_all(pool),
        opportunity_stages(pool, query.process),
        sqlx::query_as("SELECT id, label AS name FROM lost_reasons ORDER BY is_system DESC, label")
            .fetch_all(pool),
    )?;
    Ok(OpportunityPage {
        rows,
        total,
        page: crate::ui::list::page_and_offset(query.page, OPPORTUNITY_PAGE_SIZE).0,
        page_size: OPPORTUNITY_PAGE_SIZE,
        stages,
        lost_reasons,
    })
}
