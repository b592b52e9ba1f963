//! The data generator: deterministic (seeded) accounts, contacts, leads, opportunities with
//! stage history, and activities, in one transaction. Every record goes through its form's
//! validation and its kind's one INSERT (the same as the forms and Qualify, history
//! included); only the stage history, past stage moves, is written in multi-row batches. It
//! fills the demo data set and benchmark-sized data sets alike.

use crate::account::{AccountInput, validate_account};
use crate::activity::db::NewActivity;
use crate::activity::rules::validate_activity;
use crate::activity::{ActivityInput, RecordType};
use crate::contact::{ContactInput, validate_contact};
use crate::directory::DirectoryKind;
use crate::error::AppError;
use crate::history::{Authorship, FieldChange};
use crate::lead::LeadStatus;
use crate::lead::rules::{LeadInput, validate_lead};
use crate::opportunity::OpportunityStatus;
use crate::opportunity::rules::{OpportunityInput, validate_opportunity};
use crate::types::Currency;
use chrono::{Duration, NaiveDate, NaiveTime};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// How many records to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub accounts: usize,
    pub contacts: usize,
    pub leads: usize,
    pub opportunities: usize,
    pub activities: usize,
    /// Share of opportunities still open, in percent; the rest split 60/40 won/lost.
    pub open_percent: u32,
}

const FIRST_NAMES: &[&str] = &[
    "Ann", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kira",
    "Liam", "Maya", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera",
    "Wen", "Yusuf", "Zoe",
];
const LAST_NAMES: &[&str] = &[
    "Anders", "Brooks", "Chen", "Diaz", "Eriksen", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
    "Kowalski", "Lopez", "Moreau", "Novak", "Okafor", "Patel", "Quist", "Rossi", "Schmidt",
    "Tanaka", "Ueda", "Varga", "Walsh", "Yilmaz", "Zhang",
];
const COMPANY_FIRST: &[&str] = &[
    "Blue", "Northern", "Summit", "Bright", "Silver", "Green", "Iron", "Coastal", "Prime", "Atlas",
    "Cedar", "Vertex",
];
const COMPANY_SECOND: &[&str] = &[
    "Logistics",
    "Foods",
    "Health",
    "Energy",
    "Robotics",
    "Textiles",
    "Analytics",
    "Builders",
    "Pharma",
    "Retail",
    "Labs",
    "Motors",
];
const COMPANY_SUFFIX: &[&str] = &["Inc.", "GmbH", "Ltd", "LLC", "Group", "Co."];
const INDUSTRIES: &[&str] = &[
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Financial Services",
    "Technology",
    "Logistics",
    "Energy",
    "Education",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Seattle", "WA", "United States"),
    ("Austin", "TX", "United States"),
    ("Toronto", "ON", "Canada"),
    ("London", "", "United Kingdom"),
    ("Berlin", "", "Germany"),
    ("Lyon", "", "France"),
    ("Madrid", "", "Spain"),
    ("Sydney", "NSW", "Australia"),
];
const JOB_TITLES: &[&str] = &[
    "Purchasing Manager",
    "CTO",
    "Head of Operations",
    "IT Director",
    "CFO",
    "Office Manager",
    "VP Sales",
    "Procurement Lead",
];
const TOPICS: &[&str] = &[
    "CRM seats for the sales team",
    "Fleet tracking rollout",
    "Warehouse automation",
    "Annual support renewal",
    "Data platform pilot",
    "Office expansion",
    "Security audit",
    "Training program",
    "Cloud migration",
    "Point-of-sale upgrade",
    "Field service app",
    "Customer portal",
];
const COMPETITORS: &[&str] = &[
    "Contoso",
    "Fabrikam",
    "Northwind Traders",
    "Tailspin",
    "Litware",
];
const CALL_OUTCOMES: &[&str] = &["Reached", "Left voicemail", "No answer", "Call back later"];

/// One value bound into a generated row.
enum Cell {
    Int(i64),
    Text(String),
    Null,
}

fn opt_int(value: Option<i64>) -> Cell {
    value.map(Cell::Int).unwrap_or(Cell::Null)
}

/// Buffers rows for one table and writes them as multi-row INSERTs.
struct TableWriter {
    table: &'static str,
    columns: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

impl TableWriter {
    fn new(table: &'static str, columns: &[&'static str]) -> Self {
        TableWriter {
            table,
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Rows per statement, within SQLite's 32,766 bound-variable limit.
    fn batch_rows(&self) -> usize {
        30_000 / self.columns.len()
    }

    async fn push(
        &mut self,
        conn: &mut SqliteConnection,
        row: Vec<Cell>,
    ) -> Result<(), sqlx::Error> {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
        if self.rows.len() >= self.batch_rows() {
            self.flush(conn).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "INSERT INTO {} ({}) ",
            self.table,
            self.columns.join(", ")
        ));
        query.push_values(self.rows.drain(..), |mut values, row| {
            for cell in row {
                match cell {
                    Cell::Int(value) => values.push_bind(value),
                    Cell::Text(value) => values.push_bind(value),
                    Cell::Null => values.push_bind(None::<i64>),
                };
            }
        });
        query.build().execute(conn).await?;
        Ok(())
    }
}

async fn next_id(conn: &mut SqliteConnection, table: &str) -> Result<i64, sqlx::Error> {
    let max: i64 = sqlx::query_scalar(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
        .fetch_one(conn)
        .await?;
    Ok(max + 1)
}

fn timestamp(date: NaiveDate, rng: &mut ChaCha8Rng) -> String {
    let time =
        NaiveTime::from_hms_opt(rng.gen_range(8..18), rng.gen_range(0..60), 0).unwrap_or_default();
    date.and_time(time).and_utc().to_rfc3339()
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    items.choose(rng).expect("non-empty constant list")
}

/// A stage of the default process, as the generator needs it.
struct StageInfo {
    id: i64,
    probability: i64,
    forecast: crate::opportunity::ForecastCategory,
}

/// What every table's generator needs: the counts, the date, the owners, the default
/// process, and the first free id of each table (rows reference each other by id).
struct Setup {
    counts: Counts,
    today: NaiveDate,
    owners: Vec<i64>,
    process_id: i64,
    qualify_stage: StageInfo,
    opportunity_stages: Vec<StageInfo>,
    lost_reasons: Vec<(i64, String)>,
    competitors: Vec<i64>,
    account_base: i64,
    contact_base: i64,
    lead_base: i64,
    opportunity_base: i64,
}

impl Setup {
    async fn load(
        conn: &mut SqliteConnection,
        counts: Counts,
        today: NaiveDate,
    ) -> Result<Setup, sqlx::Error> {
        if counts.opportunities > 0 && counts.accounts == 0 {
            return Err(sqlx::Error::Protocol(
                "generating opportunities needs at least one account".into(),
            ));
        }
        let owners: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE active = 1 ORDER BY id")
                .fetch_all(&mut *conn)
                .await?;
        if owners.is_empty() {
            return Err(sqlx::Error::Protocol(
                "there are no active users to own generated records".into(),
            ));
        }
        let rows: Vec<(i64, i64, i64, crate::opportunity::ForecastCategory)> = sqlx::query_as(
            "SELECT s.process_id, s.id, s.default_probability, s.forecast_category FROM stages s \
             JOIN processes p ON p.id = s.process_id WHERE s.archived = 0 \
             AND (s.entity = 'lead' OR (p.is_default = 1 AND s.entity = 'opportunity')) \
             ORDER BY s.entity = 'opportunity', s.position",
        )
        .fetch_all(&mut *conn)
        .await?;
        // The lead's stage first, then the default process's (where qualified deals go).
        let process_id = rows.get(1).map(|r| r.0).unwrap_or(1);
        let mut stages = rows
            .into_iter()
            .map(|(_, id, probability, forecast)| StageInfo {
                id,
                probability,
                forecast,
            });
        let no_stages = || sqlx::Error::Protocol("the default process lacks stages".into());
        let qualify_stage = stages.next().ok_or_else(no_stages)?;
        let opportunity_stages: Vec<StageInfo> = stages.collect();
        if opportunity_stages.is_empty() {
            return Err(no_stages());
        }
        let lost_reasons =
            sqlx::query_as("SELECT id, code FROM lost_reasons WHERE active = 1 ORDER BY id")
                .fetch_all(&mut *conn)
                .await?;
        for name in COMPETITORS {
            sqlx::query("INSERT OR IGNORE INTO competitors (name) VALUES (?)")
                .bind(name)
                .execute(&mut *conn)
                .await?;
        }
        let competitors = sqlx::query_scalar("SELECT id FROM competitors ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
        Ok(Setup {
            counts,
            today,
            owners,
            process_id,
            qualify_stage,
            opportunity_stages,
            lost_reasons,
            competitors,
            account_base: next_id(conn, "accounts").await?,
            contact_base: next_id(conn, "contacts").await?,
            lead_base: next_id(conn, "leads").await?,
            opportunity_base: next_id(conn, "opportunities").await?,
        })
    }
}

/// A lead generated as qualified into opportunity k (its index in the list): the lead, the
/// customer account and contact, and the owner.
type QualifiedLead = (i64, Option<i64>, Option<i64>, i64);

/// Adds generated accounts, contacts, leads, opportunities (with stage history) and
/// activities, owned by the existing active users, in one transaction. The same seed,
/// counts, users and `today` give the same data.
pub async fn generate(
    pool: &SqlitePool,
    counts: Counts,
    seed: u64,
    today: NaiveDate,
) -> Result<(), sqlx::Error> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // A connection of its own: the bulk-load settings below must not reach the shared pool.
    let mut connection = pool.acquire().await?;
    // Index pages of a million-row load must stay in memory rather than churn through the WAL.
    sqlx::query("PRAGMA cache_size = -1000000")
        .execute(&mut *connection)
        .await?;
    let result = async {
        let mut tx = sqlx::Connection::begin(&mut *connection).await?;
        fill(&mut tx, counts, &mut rng, today).await?;
        tx.commit().await
    }
    .await;
    sqlx::query("PRAGMA cache_size = -32000")
        .execute(&mut *connection)
        .await?;
    result
}

/// The tables the generator fills; their indexes are rebuilt once after the load, which is
/// several times faster than updating them row by row.
const GENERATED_TABLES: [&str; 7] = [
    "record_history",
    "accounts",
    "contacts",
    "leads",
    "opportunities",
    "stage_history",
    "activities",
];

/// Writes the generated records through `conn`, inside the caller's transaction.
pub async fn fill(
    conn: &mut SqliteConnection,
    counts: Counts,
    rng: &mut ChaCha8Rng,
    today: NaiveDate,
) -> Result<(), sqlx::Error> {
    let setup = Setup::load(conn, counts, today).await?;
    let started = std::time::Instant::now();
    let progress = |phase: &str| {
        tracing::info!(
            "generate: {phase} ({:.1} s)",
            started.elapsed().as_secs_f64()
        )
    };
    let indexes = drop_indexes(conn).await?;
    let account_names = insert_accounts(conn, &setup, rng).await?;
    let contact_accounts = insert_contacts(conn, &setup, rng).await?;
    progress("accounts and contacts written");
    let qualified = insert_leads(conn, &setup, rng, &account_names, &contact_accounts).await?;
    progress("leads written");
    insert_opportunities(conn, &setup, rng, &qualified, &contact_accounts).await?;
    progress("opportunities and stage history written");
    for sql in &indexes {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    progress("indexes rebuilt");
    link_qualified(conn, &setup).await?;
    insert_activities(conn, &setup, rng).await?;
    progress("links and activities written");
    Ok(())
}

/// Drops the secondary indexes of the generated tables; returns the statements that
/// recreate them (all within the caller's transaction, so a failure restores them).
async fn drop_indexes(conn: &mut SqliteConnection) -> Result<Vec<String>, sqlx::Error> {
    let tables = GENERATED_TABLES.map(|t| format!("'{t}'")).join(", ");
    let indexes: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({tables})"
    ))
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX \"{name}\""))
            .execute(&mut *conn)
            .await?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}

/// A generated record the write path refused: a bug in the generator, reported as such.
fn refused(error: AppError) -> sqlx::Error {
    sqlx::Error::Protocol(format!(
        "the write path refused a generated record: {error:?}"
    ))
}

/// Generated rows reference each other by the ids `Setup` predicted; the write path must
/// hand out exactly those, from `next` on.
fn check_ids(ids: &[i64], next: &mut i64) -> Result<(), sqlx::Error> {
    for id in ids {
        if id != next {
            return Err(sqlx::Error::Protocol(format!(
                "a generated record got id {id}, not the {next} its references assume"
            )));
        }
        *next += 1;
    }
    Ok(())
}

/// Records per call of a write path's `insert_many` (each call writes them in statements of
/// a few hundred rows).
const BATCH: usize = 2_000;

/// The owner created the record at `at`.
fn by_owner(owner_id: i64, at: String) -> Authorship {
    Authorship {
        owner_id,
        by: owner_id,
        at,
        import_job: None,
    }
}

/// Returns the account names, by index. Each account goes through the New account form's
/// validation and the accounts' one INSERT.
async fn insert_accounts(
    conn: &mut SqliteConnection,
    setup: &Setup,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<String>, sqlx::Error> {
    let created = crate::directory::db::created(DirectoryKind::Accounts);
    let mut next = setup.account_base;
    let mut batch: Vec<(crate::account::AccountFields, Authorship)> = Vec::with_capacity(BATCH);
    let combos = COMPANY_FIRST.len() * COMPANY_SECOND.len() * COMPANY_SUFFIX.len();
    let mut account_names = Vec::with_capacity(setup.counts.accounts);
    for index in 0..setup.counts.accounts {
        let first = COMPANY_FIRST[index % COMPANY_FIRST.len()];
        let second = COMPANY_SECOND[(index / COMPANY_FIRST.len()) % COMPANY_SECOND.len()];
        let suffix = COMPANY_SUFFIX
            [(index / (COMPANY_FIRST.len() * COMPANY_SECOND.len())) % COMPANY_SUFFIX.len()];
        let name = if index < combos {
            format!("{first} {second} {suffix}")
        } else {
            format!("{first} {second} {} {suffix}", index / combos + 1)
        };
        let domain = format!(
            "{}.example",
            name.split_whitespace()
                .take(2)
                .collect::<String>()
                .to_lowercase()
        );
        let (city, state, country) = *pick(rng, CITIES);
        let owner = *pick(rng, &setup.owners);
        let at = timestamp(setup.today - Duration::days(rng.gen_range(200..720)), rng);
        let input = AccountInput {
            name: name.clone(),
            website: format!("https://{domain}"),
            phone: format!("+1 206 555 {:04}", index % 10_000),
            email: format!("info{index}@{domain}"),
            industry: pick(rng, INDUSTRIES).to_string(),
            city: city.into(),
            state_province: state.into(),
            country: country.into(),
            employees: rng.gen_range(5..5_000).to_string(),
            // Whole dollars: 50,000 to 5,000,000.
            annual_revenue: (rng.gen_range(5..500) * 100_000).to_string(),
            ..Default::default()
        };
        let fields = validate_account(&input, None).map_err(refused)?;
        batch.push((fields, by_owner(owner, at)));
        account_names.push(name);
        if batch.len() == BATCH || index + 1 == setup.counts.accounts {
            let records: Vec<_> = batch.iter().map(|(fields, who)| (fields, who)).collect();
            let ids = crate::account::db::insert_many(conn, &records, &created)
                .await
                .map_err(refused)?;
            check_ids(&ids, &mut next)?;
            batch.clear();
        }
    }
    Ok(account_names)
}

/// Returns each contact's account, by index. Each contact goes through the New contact
/// form's validation and the contacts' one INSERT.
async fn insert_contacts(
    conn: &mut SqliteConnection,
    setup: &Setup,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<Option<i64>>, sqlx::Error> {
    let created = crate::directory::db::created(DirectoryKind::Contacts);
    let mut next = setup.contact_base;
    let mut batch: Vec<(crate::contact::ContactFields, Authorship)> = Vec::with_capacity(BATCH);
    let mut contact_accounts: Vec<Option<i64>> = Vec::with_capacity(setup.counts.contacts);
    for index in 0..setup.counts.contacts {
        let id = setup.contact_base + index as i64;
        let first = *pick(rng, FIRST_NAMES);
        let last = *pick(rng, LAST_NAMES);
        let account = (setup.counts.accounts > 0 && rng.gen_bool(0.9))
            .then(|| setup.account_base + rng.gen_range(0..setup.counts.accounts) as i64);
        contact_accounts.push(account);
        let (city, _, country) = *pick(rng, CITIES);
        let owner = *pick(rng, &setup.owners);
        let at = timestamp(setup.today - Duration::days(rng.gen_range(30..540)), rng);
        let input = ContactInput {
            first_name: first.into(),
            last_name: last.into(),
            job_title: pick(rng, JOB_TITLES).to_string(),
            account_id: account.map(|id| id.to_string()).unwrap_or_default(),
            email: format!(
                "{}.{}{id}@mail.example",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            business_phone: format!("+1 425 {:03} {:04}", 200 + id % 700, id % 10_000),
            city: city.into(),
            country: country.into(),
            ..Default::default()
        };
        let fields = validate_contact(&input).map_err(refused)?;
        batch.push((fields, by_owner(owner, at)));
        if batch.len() == BATCH || index + 1 == setup.counts.contacts {
            let records: Vec<_> = batch
                .iter()
                .map(|(fields, who)| (fields, None, who))
                .collect();
            let ids = crate::contact::db::insert_many(conn, &records, &created)
                .await
                .map_err(refused)?;
            check_ids(&ids, &mut next)?;
            batch.clear();
        }
    }
    Ok(contact_accounts)
}

/// About 55% open, 20% qualified (each linked to a generated opportunity), 25% disqualified.
/// Returns the qualified ones, in the order of the opportunities they became. Each lead goes
/// through the lead form's validation and the leads' one INSERT.
async fn insert_leads(
    conn: &mut SqliteConnection,
    setup: &Setup,
    rng: &mut ChaCha8Rng,
    account_names: &[String],
    contact_accounts: &[Option<i64>],
) -> Result<Vec<QualifiedLead>, sqlx::Error> {
    use crate::lead::{LeadStatusReason as Reason, NewLeadState};
    // For opportunity k < qualified.len(): (originating lead, account, contact, owner).
    let mut qualified: Vec<(i64, Option<i64>, Option<i64>, i64)> = Vec::new();
    let mut next = setup.lead_base;
    let mut batch: Vec<(crate::lead::rules::LeadFields, NewLeadState, Authorship)> =
        Vec::with_capacity(BATCH);
    let sources = crate::lead::LeadSource::ALL;
    let ratings = crate::lead::Rating::ALL;
    for index in 0..setup.counts.leads {
        let id = setup.lead_base + index as i64;
        let first = *pick(rng, FIRST_NAMES);
        let last = *pick(rng, LAST_NAMES);
        let company = if setup.counts.accounts > 0 && rng.gen_bool(0.3) {
            // Some leads come from companies that are already accounts.
            account_names[rng.gen_range(0..setup.counts.accounts)].clone()
        } else {
            format!(
                "{} {} {}",
                pick(rng, COMPANY_FIRST),
                pick(rng, LAST_NAMES),
                pick(rng, COMPANY_SUFFIX)
            )
        };
        let (city, _, country) = *pick(rng, CITIES);
        let owner = *pick(rng, &setup.owners);
        let created_day = setup.today - Duration::days(rng.gen_range(0..365));
        let created = timestamp(created_day, rng);
        let roll: u32 = rng.gen_range(0..100);
        let can_qualify = qualified.len() < setup.counts.opportunities;
        let reason = match roll {
            0..=54 => {
                if rng.gen_bool(0.5) {
                    Reason::New
                } else {
                    Reason::Contacted
                }
            }
            55..=74 if can_qualify => Reason::Qualified,
            _ => *pick(
                rng,
                &[
                    Reason::Lost,
                    Reason::CannotContact,
                    Reason::NoLongerInterested,
                    Reason::Canceled,
                ],
            ),
        };
        let status = reason.status();
        let closed_at = (status != LeadStatus::Open).then(|| {
            let days_open = rng
                .gen_range(1..60)
                .min((setup.today - created_day).num_days().max(1));
            timestamp(created_day + Duration::days(days_open), rng)
        });
        // The link to the opportunity is set once the opportunity exists (`link_qualified`).
        let (qualified_account_id, qualified_contact_id) = if status == LeadStatus::Qualified {
            let contact = (setup.counts.contacts > 0)
                .then(|| setup.contact_base + rng.gen_range(0..setup.counts.contacts) as i64);
            let account = contact
                .and_then(|c| contact_accounts[(c - setup.contact_base) as usize])
                .or_else(|| {
                    (setup.counts.accounts > 0).then(|| {
                        setup.account_base + rng.gen_range(0..setup.counts.accounts) as i64
                    })
                });
            qualified.push((id, account, contact, owner));
            (account, contact)
        } else {
            (None, None)
        };
        let detailed = rng.gen_bool(0.6);
        let code = |value: Option<&'static str>| value.unwrap_or_default().to_string();
        let input = LeadInput {
            topic: pick(rng, TOPICS).to_string(),
            first_name: first.into(),
            last_name: last.into(),
            job_title: pick(rng, JOB_TITLES).to_string(),
            company_name: company,
            email: format!(
                "{}.{}.l{id}@lead.example",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            business_phone: format!("+44 20 7946 {:04}", id % 10_000),
            city: city.into(),
            country: country.into(),
            description: code(
                detailed.then_some("Met at the spring trade show; wants a demo for the team."),
            ),
            lead_source: pick(rng, sources).code().into(),
            // Qualified leads were rarely cold: lead scoring's backtest has a pattern to find.
            rating: match *pick(rng, ratings) {
                crate::lead::Rating::Cold if status == LeadStatus::Qualified => {
                    crate::lead::Rating::Hot
                }
                rating => rating,
            }
            .code()
            .into(),
            // Whole dollars: 5,000 to 300,000.
            budget_amount: if detailed {
                (rng.gen_range(5..300) * 1_000).to_string()
            } else {
                String::new()
            },
            budget_status: code(detailed.then(|| pick(rng, crate::lead::BudgetStatus::ALL).code())),
            purchase_timeframe: code(
                detailed.then(|| pick(rng, crate::lead::PurchaseTimeframe::ALL).code()),
            ),
            purchase_process: code(
                detailed.then(|| pick(rng, crate::lead::PurchaseProcess::ALL).code()),
            ),
            decision_maker_identified: code(
                detailed.then(|| if rng.gen_bool(0.5) { "yes" } else { "no" }),
            ),
            need: code(detailed.then(|| pick(rng, crate::lead::Need::ALL).code())),
            ..Default::default()
        };
        let fields = validate_lead(&input).map_err(refused)?;
        let state = NewLeadState {
            reason,
            closed_at,
            qualified_account_id,
            qualified_contact_id,
            qualified_opportunity_id: None,
            source: None,
        };
        batch.push((fields, state, by_owner(owner, created)));
        if batch.len() == BATCH || index + 1 == setup.counts.leads {
            let records: Vec<_> = batch
                .iter()
                .map(|(f, state, who)| (f, state, who))
                .collect();
            let ids = crate::lead::db::insert_many(conn, &records)
                .await
                .map_err(refused)?;
            check_ids(&ids, &mut next)?;
            batch.clear();
        }
    }
    Ok(qualified)
}

/// Opportunities over every stage, open, won and lost, each with its stage history. Each
/// goes through the opportunity form's validation and the opportunities' one INSERT.
async fn insert_opportunities(
    conn: &mut SqliteConnection,
    setup: &Setup,
    rng: &mut ChaCha8Rng,
    qualified: &[QualifiedLead],
    contact_accounts: &[Option<i64>],
) -> Result<(), sqlx::Error> {
    use crate::opportunity::{NewOpportunity, NewOpportunityOutcome as Outcome};
    let mut stage_history = TableWriter::new(
        "stage_history",
        &[
            "record_type",
            "record_id",
            "from_stage_id",
            "to_stage_id",
            "changed_by",
            "changed_at",
        ],
    );
    let created_entry = [FieldChange {
        field: "created",
        old: None,
        new: Some("Opportunity created".into()),
    }];
    let ratings = crate::lead::Rating::ALL;
    let mut next = setup.opportunity_base;
    let mut batch: Vec<(NewOpportunity, Authorship)> = Vec::with_capacity(BATCH);
    let open_share = f64::from(setup.counts.open_percent.min(100)) / 100.0;
    for index in 0..setup.counts.opportunities {
        let id = setup.opportunity_base + index as i64;
        let (lead, mut account, contact, owner) =
            qualified.get(index).copied().unwrap_or_else(|| {
                let contact = (setup.counts.contacts > 0 && rng.gen_bool(0.8))
                    .then(|| setup.contact_base + rng.gen_range(0..setup.counts.contacts) as i64);
                let account =
                    contact.and_then(|c| contact_accounts[(c - setup.contact_base) as usize]);
                (0, account, contact, *pick(rng, &setup.owners))
            });
        if account.is_none() && contact.is_none() {
            // An opportunity needs a customer: fall back to an account (or one generated now).
            account =
                Some(setup.account_base + rng.gen_range(0..setup.counts.accounts.max(1)) as i64);
        }
        // Whole dollars: 100 to 25,000.
        let estimate_dollars = rng.gen_range(10..2_500) * 100;
        let stage_index = rng.gen_range(0..setup.opportunity_stages.len());
        let roll = rng.gen_range(0.0..1.0);
        let status = if roll < open_share {
            OpportunityStatus::Open
        } else if roll < open_share + (1.0 - open_share) * 0.6 {
            OpportunityStatus::Won
        } else {
            OpportunityStatus::Lost
        };
        let stage_index = if status == OpportunityStatus::Won {
            setup.opportunity_stages.len() - 1
        } else {
            stage_index
        };
        let stage = &setup.opportunity_stages[stage_index];
        let (close_date, created_day) = if status == OpportunityStatus::Open {
            let close = setup.today + Duration::days(rng.gen_range(0..183));
            (close, setup.today - Duration::days(rng.gen_range(3..150)))
        } else {
            let close = setup.today - Duration::days(rng.gen_range(1..365));
            (close, close - Duration::days(rng.gen_range(10..120)))
        };
        let created = timestamp(created_day, rng);
        let outcome = match status {
            OpportunityStatus::Open => Outcome::Open,
            OpportunityStatus::Won => Outcome::Won {
                actual_revenue_minor: estimate_dollars * rng.gen_range(85..=110),
                actual_close_date: close_date.to_string(),
                closed_at: timestamp(close_date, rng),
            },
            OpportunityStatus::Lost => {
                let (reason_id, code) = pick(rng, &setup.lost_reasons).clone();
                Outcome::Lost {
                    lost_reason_id: reason_id,
                    competitor_id: (code == "out_sold").then(|| *pick(rng, &setup.competitors)),
                    actual_close_date: close_date.to_string(),
                    closed_at: timestamp(close_date, rng),
                }
            }
        };
        let far_enough = stage_index >= 1 || status != OpportunityStatus::Open;
        let text = |value: &str| {
            if far_enough {
                value.to_string()
            } else {
                String::new()
            }
        };
        let input = OpportunityInput {
            topic: pick(rng, TOPICS).to_string(),
            estimated_revenue: estimate_dollars.to_string(),
            estimated_close_date: close_date.to_string(),
            rating: pick(rng, ratings).code().into(),
            customer_need: text("Replace spreadsheets with one shared pipeline."),
            proposed_solution: text("Leadflow with onboarding for two teams."),
            ..Default::default()
        };
        let valid = validate_opportunity(&input, Currency::USD).map_err(refused)?;
        let new = NewOpportunity {
            fields: valid.fields,
            account_id: account,
            contact_id: contact,
            originating_lead_id: (lead != 0).then_some(lead),
            lead_source: None,
            decision_maker_identified: None,
            process_id: setup.process_id,
            stage_id: stage.id,
            probability: stage.probability,
            forecast_category: stage.forecast,
            outcome,
        };
        batch.push((new, by_owner(owner, created)));
        if batch.len() == BATCH || index + 1 == setup.counts.opportunities {
            let records: Vec<_> = batch.iter().map(|(new, who)| (new, who)).collect();
            let ids = crate::opportunity::db::insert_many(conn, &records, &created_entry)
                .await
                .map_err(refused)?;
            check_ids(&ids, &mut next)?;
            batch.clear();
        }
        // From Qualify (when it came from a lead) or nothing, through each stage reached.
        let mut from = (lead != 0).then_some(setup.qualify_stage.id);
        for (step, reached) in setup.opportunity_stages[..=stage_index].iter().enumerate() {
            let changed = timestamp(created_day + Duration::days(step as i64 * 7), rng);
            stage_history
                .push(
                    conn,
                    vec![
                        Cell::Text("opportunity".into()),
                        Cell::Int(id),
                        opt_int(from),
                        Cell::Int(reached.id),
                        Cell::Int(owner),
                        Cell::Text(changed),
                    ],
                )
                .await?;
            from = Some(reached.id);
        }
    }
    stage_history.flush(conn).await?;
    Ok(())
}

/// Qualified leads point at the opportunity they became, and the contacts they created
/// point back at them.
async fn link_qualified(conn: &mut SqliteConnection, setup: &Setup) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE leads SET qualified_opportunity_id = (SELECT o.id FROM opportunities o WHERE o.originating_lead_id = leads.id) \
         WHERE id >= ? AND status = 'qualified'",
    )
    .bind(setup.lead_base)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE contacts SET originating_lead_id = (SELECT MIN(l.id) FROM leads l WHERE l.qualified_contact_id = contacts.id) \
         WHERE id >= ? AND originating_lead_id IS NULL AND id IN (SELECT qualified_contact_id FROM leads WHERE id >= ?)",
    )
    .bind(setup.contact_base)
    .bind(setup.lead_base)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Notes, calls, tasks and appointments on random leads, opportunities, accounts and
/// contacts, each through the activity form's validation and the activities' one INSERT.
async fn insert_activities(
    conn: &mut SqliteConnection,
    setup: &Setup,
    rng: &mut ChaCha8Rng,
) -> Result<(), sqlx::Error> {
    let targets = [
        (RecordType::Lead, setup.counts.leads, setup.lead_base),
        (
            RecordType::Opportunity,
            setup.counts.opportunities,
            setup.opportunity_base,
        ),
        (
            RecordType::Account,
            setup.counts.accounts,
            setup.account_base,
        ),
        (
            RecordType::Contact,
            setup.counts.contacts,
            setup.contact_base,
        ),
    ];
    if targets.iter().all(|(_, count, _)| *count == 0) {
        return Ok(());
    }
    let mut batch = Vec::with_capacity(BATCH);
    for index in 0..setup.counts.activities {
        let mut slot = rng.gen_range(0..4);
        while targets[slot].1 == 0 {
            slot = (slot + 1) % 4;
        }
        let (regarding, count, base) = targets[slot];
        let record_id = base + rng.gen_range(0..count) as i64;
        let owner = *pick(rng, &setup.owners);
        let day = setup.today + Duration::days(rng.gen_range(-90..14));
        let created = timestamp(day.min(setup.today), rng);
        let kind = *pick(rng, &["note", "phone_call", "task", "appointment"]);
        let (subject, body) = match kind {
            "note" => ("Note", "Prefers email; budget review in March."),
            "phone_call" => (
                "Discovery call",
                "Talked through current process and pain points.",
            ),
            "task" => ("Send pricing sheet", ""),
            _ => ("On-site demo", "Bring the tablet with the pipeline board."),
        };
        let mut input = ActivityInput {
            kind: kind.into(),
            subject: subject.into(),
            body: body.into(),
            ..Default::default()
        };
        match kind {
            "phone_call" => {
                input.direction = if rng.gen_bool(0.7) {
                    "outbound"
                } else {
                    "inbound"
                }
                .into();
                input.outcome = pick(rng, CALL_OUTCOMES).to_string();
            }
            "task" => input.due_date = day.to_string(),
            "appointment" => {
                let starts = day
                    .and_hms_opt(rng.gen_range(8..18), rng.gen_range(0..4) * 15, 0)
                    .unwrap_or_default();
                let format = |at: chrono::NaiveDateTime| at.format("%Y-%m-%dT%H:%M").to_string();
                input.starts_at = format(starts);
                input.ends_at = format(starts + Duration::hours(1));
                input.location = "Customer office".into();
            }
            _ => {}
        }
        let done = kind == "task" && day < setup.today && rng.gen_bool(0.6);
        let activity = validate_activity(&input).map_err(refused)?;
        batch.push((
            regarding,
            record_id,
            activity,
            done,
            by_owner(owner, created),
        ));
        if batch.len() == BATCH || index + 1 == setup.counts.activities {
            let records: Vec<_> = batch
                .iter()
                .map(|(regarding, record_id, activity, done, who)| NewActivity {
                    regarding: *regarding,
                    record_id: *record_id,
                    activity,
                    done: *done,
                    who,
                })
                .collect();
            crate::activity::db::insert_many(conn, &records)
                .await
                .map_err(refused)?;
            batch.clear();
        }
    }
    Ok(())
}
