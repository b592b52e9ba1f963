//! The data generator: deterministic (seeded) accounts, contacts, leads, opportunities with
//! stage history, and activities, written with multi-row INSERTs in one transaction. It
//! fills the demo data set and benchmark-sized data sets alike.

use crate::types::normalize::{normalize_name, phone_digits};
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

fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}

fn opt_text(value: Option<impl Into<String>>) -> Cell {
    value.map(text).unwrap_or(Cell::Null)
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

/// Who owns, created and last modified a record, and when: the last columns of every
/// editable table's rows.
const AUDIT_COLUMNS: [&str; 5] = [
    "owner_id",
    "created_by",
    "created_at",
    "modified_by",
    "modified_at",
];

impl TableWriter {
    fn new(table: &'static str, columns: &[&'static str]) -> Self {
        TableWriter {
            table,
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// A writer whose rows end with the audit columns (see `push_audited`).
    fn audited(table: &'static str, columns: &[&'static str]) -> Self {
        let mut writer = TableWriter::new(table, columns);
        writer.columns.extend(AUDIT_COLUMNS);
        writer
    }

    /// Pushes a row of an audited table: the owner created it at `created` and last
    /// modified it at `modified`.
    async fn push_audited(
        &mut self,
        conn: &mut SqliteConnection,
        mut row: Vec<Cell>,
        owner: i64,
        created: &str,
        modified: &str,
    ) -> Result<(), sqlx::Error> {
        row.extend([
            Cell::Int(owner),
            Cell::Int(owner),
            text(created),
            Cell::Int(owner),
            text(modified),
        ]);
        self.push(conn, row).await
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
    forecast: String,
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
        let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(
            "SELECT s.process_id, s.id, s.default_probability, s.forecast_category FROM stages s \
             JOIN processes p ON p.id = s.process_id WHERE p.is_default = 1 ORDER BY s.position",
        )
        .fetch_all(&mut *conn)
        .await?;
        let process_id = rows.first().map(|r| r.0).unwrap_or(1);
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
const GENERATED_TABLES: [&str; 6] = [
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

/// Returns the account names, by index.
async fn insert_accounts(
    conn: &mut SqliteConnection,
    setup: &Setup,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<String>, sqlx::Error> {
    let mut accounts = TableWriter::audited(
        "accounts",
        &[
            "id",
            "name",
            "name_normalized",
            "website",
            "phone",
            "phone_digits",
            "email",
            "email_normalized",
            "industry",
            "city",
            "state_province",
            "country",
            "employees",
            "annual_revenue_minor",
        ],
    );
    let combos = COMPANY_FIRST.len() * COMPANY_SECOND.len() * COMPANY_SUFFIX.len();
    let mut account_names = Vec::with_capacity(setup.counts.accounts);
    for index in 0..setup.counts.accounts {
        let id = setup.account_base + index as i64;
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
        let phone = format!("+1 206 555 {:04}", index % 10_000);
        let (city, state, country) = *pick(rng, CITIES);
        let owner = *pick(rng, &setup.owners);
        let created = timestamp(setup.today - Duration::days(rng.gen_range(200..720)), rng);
        let email = format!("info{index}@{domain}");
        account_names.push(name.clone());
        accounts
            .push_audited(
                conn,
                vec![
                    Cell::Int(id),
                    text(&name),
                    opt_text(normalize_name(&name)),
                    text(format!("https://{domain}")),
                    text(&phone),
                    opt_text(phone_digits(&phone)),
                    text(&email),
                    text(email.to_lowercase()),
                    text(*pick(rng, INDUSTRIES)),
                    text(city),
                    text(state),
                    text(country),
                    Cell::Int(rng.gen_range(5..5_000)),
                    Cell::Int(rng.gen_range(5..500) * 10_000_000),
                ],
                owner,
                &created,
                &created,
            )
            .await?;
    }
    accounts.flush(conn).await?;

    Ok(account_names)
}

/// Returns each contact's account, by index.
async fn insert_contacts(
    conn: &mut SqliteConnection,
    setup: &Setup,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<Option<i64>>, sqlx::Error> {
    let mut contacts = TableWriter::audited(
        "contacts",
        &[
            "id",
            "first_name",
            "last_name",
            "last_name_normalized",
            "job_title",
            "account_id",
            "email",
            "email_normalized",
            "business_phone",
            "business_phone_digits",
            "city",
            "country",
        ],
    );
    let mut contact_accounts: Vec<Option<i64>> = Vec::with_capacity(setup.counts.contacts);
    for index in 0..setup.counts.contacts {
        let id = setup.contact_base + index as i64;
        let first = *pick(rng, FIRST_NAMES);
        let last = *pick(rng, LAST_NAMES);
        let account = (setup.counts.accounts > 0 && rng.gen_bool(0.9))
            .then(|| setup.account_base + rng.gen_range(0..setup.counts.accounts) as i64);
        contact_accounts.push(account);
        let email = format!(
            "{}.{}{}@mail.example",
            first.to_lowercase(),
            last.to_lowercase(),
            id
        );
        let phone = format!("+1 425 {:03} {:04}", 200 + id % 700, id % 10_000);
        let (city, _, country) = *pick(rng, CITIES);
        let owner = *pick(rng, &setup.owners);
        let created = timestamp(setup.today - Duration::days(rng.gen_range(30..540)), rng);
        contacts
            .push_audited(
                conn,
                vec![
                    Cell::Int(id),
                    text(first),
                    text(last),
                    opt_text(normalize_name(last)),
                    text(*pick(rng, JOB_TITLES)),
                    opt_int(account),
                    text(&email),
                    text(email.to_lowercase()),
                    text(&phone),
                    opt_text(phone_digits(&phone)),
                    text(city),
                    text(country),
                ],
                owner,
                &created,
                &created,
            )
            .await?;
    }
    contacts.flush(conn).await?;

    Ok(contact_accounts)
}

/// About 55% open, 20% qualified (each linked to a generated opportunity), 25% disqualified.
/// Returns the qualified ones, in the order of the opportunities they became.
async fn insert_leads(
    conn: &mut SqliteConnection,
    setup: &Setup,
    rng: &mut ChaCha8Rng,
    account_names: &[String],
    contact_accounts: &[Option<i64>],
) -> Result<Vec<QualifiedLead>, sqlx::Error> {
    let mut leads = TableWriter::audited(
        "leads",
        &[
            "id",
            "topic",
            "first_name",
            "last_name",
            "last_name_normalized",
            "job_title",
            "company_name",
            "company_normalized",
            "email",
            "email_normalized",
            "business_phone",
            "business_phone_digits",
            "city",
            "country",
            "description",
            "lead_source",
            "rating",
            "budget_amount_minor",
            "budget_status",
            "purchase_timeframe",
            "purchase_process",
            "decision_maker_identified",
            "need",
            "status",
            "status_reason",
            "process_id",
            "stage_id",
            "qualified_account_id",
            "qualified_contact_id",
            "qualified_opportunity_id",
            "qualified_at",
            "closed_at",
        ],
    );
    // For opportunity k < qualified.len(): (originating lead, account, contact, owner).
    let mut qualified: Vec<(i64, Option<i64>, Option<i64>, i64)> = Vec::new();
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
        let email = format!(
            "{}.{}.l{}@lead.example",
            first.to_lowercase(),
            last.to_lowercase(),
            id
        );
        let phone = format!("+44 20 7946 {:04}", id % 10_000);
        let (city, _, country) = *pick(rng, CITIES);
        let owner = *pick(rng, &setup.owners);
        let created_day = setup.today - Duration::days(rng.gen_range(0..365));
        let created = timestamp(created_day, rng);
        let roll: u32 = rng.gen_range(0..100);
        let can_qualify = qualified.len() < setup.counts.opportunities;
        let (status, reason) = match roll {
            0..=54 => (
                "open",
                if rng.gen_bool(0.5) {
                    "new"
                } else {
                    "contacted"
                },
            ),
            55..=74 if can_qualify => ("qualified", "qualified"),
            _ => (
                "disqualified",
                *pick(
                    rng,
                    &["lost", "cannot_contact", "no_longer_interested", "canceled"],
                ),
            ),
        };
        let closed_at = (status != "open").then(|| {
            let days_open = rng
                .gen_range(1..60)
                .min((setup.today - created_day).num_days().max(1));
            timestamp(created_day + Duration::days(days_open), rng)
        });
        // The link to the opportunity is set once the opportunity exists (`link_qualified`).
        let (q_account, q_contact) = if status == "qualified" {
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
        let row = vec![
            Cell::Int(id),
            text(*pick(rng, TOPICS)),
            text(first),
            text(last),
            opt_text(normalize_name(last)),
            text(*pick(rng, JOB_TITLES)),
            text(&company),
            opt_text(normalize_name(&company)),
            text(&email),
            text(email.to_lowercase()),
            text(&phone),
            opt_text(phone_digits(&phone)),
            text(city),
            text(country),
            opt_text(
                detailed.then_some("Met at the spring trade show; wants a demo for the team."),
            ),
            text(pick(rng, sources).code()),
            text(pick(rng, ratings).code()),
            opt_int(detailed.then(|| rng.gen_range(5..300) * 100_000)),
            opt_text(detailed.then(|| pick(rng, crate::lead::BudgetStatus::ALL).code())),
            opt_text(detailed.then(|| pick(rng, crate::lead::PurchaseTimeframe::ALL).code())),
            opt_text(detailed.then(|| pick(rng, crate::lead::PurchaseProcess::ALL).code())),
            opt_int(detailed.then(|| i64::from(rng.gen_bool(0.5)))),
            opt_text(detailed.then(|| pick(rng, crate::lead::Need::ALL).code())),
            text(status),
            text(reason),
            Cell::Int(setup.process_id),
            Cell::Int(setup.qualify_stage.id),
            opt_int(q_account),
            opt_int(q_contact),
            Cell::Null,
            opt_text(if status == "qualified" {
                closed_at.clone()
            } else {
                None
            }),
            opt_text(closed_at),
        ];
        leads
            .push_audited(conn, row, owner, &created, &created)
            .await?;
    }
    leads.flush(conn).await?;

    Ok(qualified)
}

/// Opportunities over every stage, open, won and lost, each with its stage history.
async fn insert_opportunities(
    conn: &mut SqliteConnection,
    setup: &Setup,
    rng: &mut ChaCha8Rng,
    qualified: &[QualifiedLead],
    contact_accounts: &[Option<i64>],
) -> Result<(), sqlx::Error> {
    let mut opportunities = TableWriter::audited(
        "opportunities",
        &[
            "id",
            "topic",
            "account_id",
            "contact_id",
            "originating_lead_id",
            "estimated_revenue_minor",
            "estimated_close_date",
            "probability",
            "rating",
            "customer_need",
            "proposed_solution",
            "process_id",
            "stage_id",
            "forecast_category",
            "status",
            "status_reason",
            "actual_revenue_minor",
            "actual_close_date",
            "lost_reason_id",
            "close_competitor_id",
            "closed_at",
        ],
    );
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
    let ratings = crate::lead::Rating::ALL;
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
        let estimate = rng.gen_range(10..2_500) * 10_000;
        let stage_index = rng.gen_range(0..setup.opportunity_stages.len());
        let roll = rng.gen_range(0.0..1.0);
        let status = if roll < open_share {
            "open"
        } else if roll < open_share + (1.0 - open_share) * 0.6 {
            "won"
        } else {
            "lost"
        };
        let stage_index = if status == "won" {
            setup.opportunity_stages.len() - 1
        } else {
            stage_index
        };
        let stage = &setup.opportunity_stages[stage_index];
        let (close_date, created_day) = if status == "open" {
            let close = setup.today + Duration::days(rng.gen_range(0..183));
            (close, setup.today - Duration::days(rng.gen_range(3..150)))
        } else {
            let close = setup.today - Duration::days(rng.gen_range(1..365));
            (close, close - Duration::days(rng.gen_range(10..120)))
        };
        let created = timestamp(created_day, rng);
        let closed = (status != "open").then(|| timestamp(close_date, rng));
        let (probability, forecast, reason, lost_reason, competitor) = match status {
            "open" => (
                stage.probability,
                stage.forecast.clone(),
                "in_progress".to_string(),
                None,
                None,
            ),
            "won" => (100, "won".into(), "won".into(), None, None),
            _ => {
                let (reason_id, code) = pick(rng, &setup.lost_reasons).clone();
                let competitor = (code == "out_sold").then(|| *pick(rng, &setup.competitors));
                (0, "lost".into(), code, Some(reason_id), competitor)
            }
        };
        let actual_revenue = (status == "won").then(|| estimate / 100 * rng.gen_range(85..=110));
        let far_enough = stage_index >= 1 || status != "open";
        opportunities
            .push_audited(
                conn,
                vec![
                    Cell::Int(id),
                    text(*pick(rng, TOPICS)),
                    opt_int(account),
                    opt_int(contact),
                    opt_int((lead != 0).then_some(lead)),
                    Cell::Int(estimate),
                    text(close_date.to_string()),
                    Cell::Int(probability),
                    text(pick(rng, ratings).code()),
                    opt_text(
                        far_enough.then_some("Replace spreadsheets with one shared pipeline."),
                    ),
                    opt_text(far_enough.then_some("Leadflow with onboarding for two teams.")),
                    Cell::Int(setup.process_id),
                    Cell::Int(stage.id),
                    text(forecast),
                    text(status),
                    text(reason),
                    opt_int(actual_revenue),
                    opt_text((status != "open").then(|| close_date.to_string())),
                    opt_int(lost_reason),
                    opt_int(competitor),
                    opt_text(closed.clone()),
                ],
                owner,
                &created,
                closed.as_deref().unwrap_or(&created),
            )
            .await?;
        // From Qualify (when it came from a lead) or nothing, through each stage reached.
        let mut from = (lead != 0).then_some(setup.qualify_stage.id);
        for (step, reached) in setup.opportunity_stages[..=stage_index].iter().enumerate() {
            let changed = timestamp(created_day + Duration::days(step as i64 * 7), rng);
            stage_history
                .push(
                    conn,
                    vec![
                        text("opportunity"),
                        Cell::Int(id),
                        opt_int(from),
                        Cell::Int(reached.id),
                        Cell::Int(owner),
                        text(changed),
                    ],
                )
                .await?;
            from = Some(reached.id);
        }
    }
    opportunities.flush(conn).await?;
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

/// Notes, calls, tasks and appointments on random leads, opportunities, accounts and contacts.
async fn insert_activities(
    conn: &mut SqliteConnection,
    setup: &Setup,
    rng: &mut ChaCha8Rng,
) -> Result<(), sqlx::Error> {
    let mut activities = TableWriter::audited(
        "activities",
        &[
            "kind",
            "subject",
            "body",
            "lead_id",
            "opportunity_id",
            "account_id",
            "contact_id",
            "direction",
            "outcome",
            "due_date",
            "done",
            "starts_at",
            "ends_at",
            "location",
        ],
    );
    let targets = [
        (setup.counts.leads, setup.lead_base),
        (setup.counts.opportunities, setup.opportunity_base),
        (setup.counts.accounts, setup.account_base),
        (setup.counts.contacts, setup.contact_base),
    ];
    if targets.iter().any(|(count, _)| *count > 0) {
        for _ in 0..setup.counts.activities {
            let mut slot = rng.gen_range(0..4);
            while targets[slot].0 == 0 {
                slot = (slot + 1) % 4;
            }
            let (count, base) = targets[slot];
            let regarding = base + rng.gen_range(0..count) as i64;
            let mut regarding_cells: Vec<Cell> = (0..4).map(|_| Cell::Null).collect();
            regarding_cells[slot] = Cell::Int(regarding);
            let owner = *pick(rng, &setup.owners);
            let day = setup.today + Duration::days(rng.gen_range(-90..14));
            let created_day = day.min(setup.today);
            let created = timestamp(created_day, rng);
            let kind = *pick(rng, &["note", "phone_call", "task", "appointment"]);
            let mut row = vec![text(kind)];
            let (subject, body) = match kind {
                "note" => ("Note", Some("Prefers email; budget review in March.")),
                "phone_call" => (
                    "Discovery call",
                    Some("Talked through current process and pain points."),
                ),
                "task" => ("Send pricing sheet", None),
                _ => (
                    "On-site demo",
                    Some("Bring the tablet with the pipeline board."),
                ),
            };
            row.push(text(subject));
            row.push(opt_text(body));
            row.extend(regarding_cells);
            let is_call = kind == "phone_call";
            row.push(opt_text(is_call.then(|| {
                if rng.gen_bool(0.7) {
                    "outbound"
                } else {
                    "inbound"
                }
            })));
            row.push(opt_text(is_call.then(|| *pick(rng, CALL_OUTCOMES))));
            row.push(opt_text((kind == "task").then(|| day.to_string())));
            row.push(Cell::Int(i64::from(
                kind == "task" && day < setup.today && rng.gen_bool(0.6),
            )));
            let starts = (kind == "appointment").then(|| timestamp(day, rng));
            let ends = starts.as_ref().map(|s| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|t| (t + Duration::hours(1)).to_rfc3339())
                    .unwrap_or_else(|_| s.clone())
            });
            row.push(opt_text(starts));
            row.push(opt_text(ends));
            row.push(opt_text(
                (kind == "appointment").then_some("Customer office"),
            ));
            activities
                .push_audited(conn, row, owner, &created, &created)
                .await?;
        }
        activities.flush(conn).await?;
    }
    Ok(())
}
