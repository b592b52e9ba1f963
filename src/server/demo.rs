//! Demo mode and generated data. One deterministic generator (seeded) fills both the demo
//! data set on a first start and benchmark-sized data sets on request.

use crate::auth::{Role, api::DEMO_PASSWORD, password};
use crate::types::normalize::{normalize_name, phone_digits};
use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// Name, email and role of each demo user.
pub const DEMO_USERS: [(&str, &str, Role); 3] = [
    ("Ada Admin", "admin@example.com", Role::Admin),
    ("Morgan Manager", "manager@example.com", Role::Manager),
    ("Riley Rep", "rep@example.com", Role::Rep),
];

const DEMO_SETTING: &str = "demo_mode";
pub const DEMO_SEED: u64 = 20_261_123;

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

impl Counts {
    pub const DEMO: Counts = Counts {
        accounts: 72,
        contacts: 180,
        leads: 340,
        opportunities: 150,
        activities: 700,
        open_percent: 50,
    };
}

pub async fn is_demo(pool: &SqlitePool) -> Result<bool, sqlx::Error> {
    Ok(super::db::setting(pool, DEMO_SETTING).await?.as_deref() == Some("1"))
}

/// On a database without users, creates the demo users and data (when demo mode is on).
/// Returns whether it seeded.
pub async fn seed_if_empty(pool: &SqlitePool, demo: bool) -> Result<bool, sqlx::Error> {
    if !demo || crate::auth::db::count_users(pool).await? > 0 {
        return Ok(false);
    }
    let hashes: Vec<String> = DEMO_USERS
        .iter()
        .map(|_| password::hash(DEMO_PASSWORD))
        .collect();
    let mut tx = pool.begin().await?;
    for ((name, email, role), hash) in DEMO_USERS.iter().zip(&hashes) {
        crate::auth::db::insert_user(&mut *tx, name, email, *role, hash).await?;
    }
    super::db::set_setting(&mut *tx, DEMO_SETTING, "1").await?;
    tx.commit().await?;
    generate(pool, Counts::DEMO, DEMO_SEED, Utc::now().date_naive()).await?;
    Ok(true)
}

/// Creates the first admin of an empty (non-demo) installation, or another admin later.
pub async fn create_admin(
    pool: &SqlitePool,
    name: &str,
    email: &str,
    password_text: &str,
) -> Result<i64, crate::error::AppError> {
    let new_user = crate::auth::rules::validate_new_user(name, email, password_text)?;
    let hash = password::hash(&new_user.password);
    Ok(crate::auth::db::insert_user(
        pool,
        &new_user.name,
        new_user.email.as_str(),
        Role::Admin,
        &hash,
    )
    .await?)
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
    columns: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
}

impl TableWriter {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        TableWriter {
            table,
            columns,
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
    forecast: String,
}

/// What `generate` wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub accounts: usize,
    pub contacts: usize,
    pub leads: usize,
    pub opportunities: usize,
    pub activities: usize,
}

/// Adds generated accounts, contacts, leads, opportunities (with stage history) and
/// activities, owned by the existing active users, in one transaction. The same seed,
/// counts, users and `today` give the same data.
pub async fn generate(
    pool: &SqlitePool,
    counts: Counts,
    seed: u64,
    today: NaiveDate,
) -> Result<Generated, sqlx::Error> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut tx = pool.begin().await?;
    let conn = &mut *tx;
    // Leads and opportunities point at each other: check the references at commit.
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *conn)
        .await?;

    let owners: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE active = 1 ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    if counts.opportunities > 0 && counts.accounts == 0 {
        return Err(sqlx::Error::Protocol(
            "generating opportunities needs at least one account".into(),
        ));
    }
    if owners.is_empty() {
        return Err(sqlx::Error::Protocol(
            "there are no active users to own generated records".into(),
        ));
    }
    let (process_id, stages): (i64, Vec<StageInfo>) = {
        let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(
            "SELECT s.process_id, s.id, s.default_probability, s.forecast_category FROM stages s \
             JOIN processes p ON p.id = s.process_id WHERE p.is_default = 1 ORDER BY s.position",
        )
        .fetch_all(&mut *conn)
        .await?;
        let process_id = rows.first().map(|r| r.0).unwrap_or(1);
        (
            process_id,
            rows.into_iter()
                .map(|(_, id, probability, forecast)| StageInfo {
                    id,
                    probability,
                    forecast,
                })
                .collect(),
        )
    };
    let (qualify_stage, opportunity_stages) = stages
        .split_first()
        .ok_or_else(|| sqlx::Error::Protocol("the default process has no stages".into()))?;
    let lost_reasons: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, code FROM lost_reasons WHERE active = 1 ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
    for name in COMPETITORS {
        sqlx::query("INSERT OR IGNORE INTO competitors (name) VALUES (?)")
            .bind(name)
            .execute(&mut *conn)
            .await?;
    }
    let competitors: Vec<i64> = sqlx::query_scalar("SELECT id FROM competitors ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;

    let account_base = next_id(conn, "accounts").await?;
    let contact_base = next_id(conn, "contacts").await?;
    let lead_base = next_id(conn, "leads").await?;
    let opportunity_base = next_id(conn, "opportunities").await?;

    // Accounts ------------------------------------------------------------------------
    let mut accounts = TableWriter::new(
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
            "owner_id",
            "created_by",
            "created_at",
            "modified_by",
            "modified_at",
        ],
    );
    let combos = COMPANY_FIRST.len() * COMPANY_SECOND.len() * COMPANY_SUFFIX.len();
    let mut account_names = Vec::with_capacity(counts.accounts);
    for index in 0..counts.accounts {
        let id = account_base + index as i64;
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
        let (city, state, country) = *pick(&mut rng, CITIES);
        let owner = *pick(&mut rng, &owners);
        let created = timestamp(today - Duration::days(rng.gen_range(200..720)), &mut rng);
        let email = format!("info{index}@{domain}");
        account_names.push(name.clone());
        accounts
            .push(
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
                    text(*pick(&mut rng, INDUSTRIES)),
                    text(city),
                    text(state),
                    text(country),
                    Cell::Int(rng.gen_range(5..5_000)),
                    Cell::Int(rng.gen_range(5..500) * 10_000_000),
                    Cell::Int(owner),
                    Cell::Int(owner),
                    text(created.clone()),
                    Cell::Int(owner),
                    text(created),
                ],
            )
            .await?;
    }
    accounts.flush(conn).await?;

    // Contacts ----------------------------------------------------------------------------
    let mut contacts = TableWriter::new(
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
            "owner_id",
            "created_by",
            "created_at",
            "modified_by",
            "modified_at",
        ],
    );
    let mut contact_account: Vec<Option<i64>> = Vec::with_capacity(counts.contacts);
    for index in 0..counts.contacts {
        let id = contact_base + index as i64;
        let first = *pick(&mut rng, FIRST_NAMES);
        let last = *pick(&mut rng, LAST_NAMES);
        let account = (counts.accounts > 0 && rng.gen_bool(0.9))
            .then(|| account_base + rng.gen_range(0..counts.accounts) as i64);
        contact_account.push(account);
        let email = format!(
            "{}.{}{}@mail.example",
            first.to_lowercase(),
            last.to_lowercase(),
            id
        );
        let phone = format!("+1 425 {:03} {:04}", 200 + id % 700, id % 10_000);
        let (city, _, country) = *pick(&mut rng, CITIES);
        let owner = *pick(&mut rng, &owners);
        let created = timestamp(today - Duration::days(rng.gen_range(30..540)), &mut rng);
        contacts
            .push(
                conn,
                vec![
                    Cell::Int(id),
                    text(first),
                    text(last),
                    opt_text(normalize_name(last)),
                    text(*pick(&mut rng, JOB_TITLES)),
                    opt_int(account),
                    text(&email),
                    text(email.to_lowercase()),
                    text(&phone),
                    opt_text(phone_digits(&phone)),
                    text(city),
                    text(country),
                    Cell::Int(owner),
                    Cell::Int(owner),
                    text(created.clone()),
                    Cell::Int(owner),
                    text(created),
                ],
            )
            .await?;
    }
    contacts.flush(conn).await?;

    // Leads: ~55% open, ~20% qualified (each linked to a generated opportunity), ~25% disqualified.
    let mut leads = TableWriter::new(
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
            "owner_id",
            "created_by",
            "created_at",
            "modified_by",
            "modified_at",
        ],
    );
    // For opportunity k < qualified.len(): (originating lead, account, contact, owner).
    let mut qualified: Vec<(i64, Option<i64>, Option<i64>, i64)> = Vec::new();
    let sources = crate::lead::LeadSource::ALL;
    let ratings = crate::lead::Rating::ALL;
    for index in 0..counts.leads {
        let id = lead_base + index as i64;
        let first = *pick(&mut rng, FIRST_NAMES);
        let last = *pick(&mut rng, LAST_NAMES);
        let company = if counts.accounts > 0 && rng.gen_bool(0.3) {
            // Some leads come from companies that are already accounts.
            account_names[rng.gen_range(0..counts.accounts)].clone()
        } else {
            format!(
                "{} {} {}",
                pick(&mut rng, COMPANY_FIRST),
                pick(&mut rng, LAST_NAMES),
                pick(&mut rng, COMPANY_SUFFIX)
            )
        };
        let email = format!(
            "{}.{}.l{}@lead.example",
            first.to_lowercase(),
            last.to_lowercase(),
            id
        );
        let phone = format!("+44 20 7946 {:04}", id % 10_000);
        let (city, _, country) = *pick(&mut rng, CITIES);
        let owner = *pick(&mut rng, &owners);
        let created_day = today - Duration::days(rng.gen_range(0..365));
        let created = timestamp(created_day, &mut rng);
        let roll: u32 = rng.gen_range(0..100);
        let can_qualify = qualified.len() < counts.opportunities;
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
                    &mut rng,
                    &["lost", "cannot_contact", "no_longer_interested", "canceled"],
                ),
            ),
        };
        let closed_at = (status != "open").then(|| {
            let days_open = rng
                .gen_range(1..60)
                .min((today - created_day).num_days().max(1));
            timestamp(created_day + Duration::days(days_open), &mut rng)
        });
        let (q_account, q_contact, q_opportunity) = if status == "qualified" {
            let contact = (counts.contacts > 0)
                .then(|| contact_base + rng.gen_range(0..counts.contacts) as i64);
            let account = contact
                .and_then(|c| contact_account[(c - contact_base) as usize])
                .or_else(|| {
                    (counts.accounts > 0)
                        .then(|| account_base + rng.gen_range(0..counts.accounts) as i64)
                });
            let opportunity = opportunity_base + qualified.len() as i64;
            qualified.push((id, account, contact, owner));
            (account, contact, Some(opportunity))
        } else {
            (None, None, None)
        };
        let detailed = rng.gen_bool(0.6);
        let row = vec![
            Cell::Int(id),
            text(*pick(&mut rng, TOPICS)),
            text(first),
            text(last),
            opt_text(normalize_name(last)),
            text(*pick(&mut rng, JOB_TITLES)),
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
            text(pick(&mut rng, sources).code()),
            text(pick(&mut rng, ratings).code()),
            opt_int(detailed.then(|| rng.gen_range(5..300) * 100_000)),
            opt_text(detailed.then(|| pick(&mut rng, crate::lead::BudgetStatus::ALL).code())),
            opt_text(detailed.then(|| pick(&mut rng, crate::lead::PurchaseTimeframe::ALL).code())),
            opt_text(detailed.then(|| pick(&mut rng, crate::lead::PurchaseProcess::ALL).code())),
            opt_int(detailed.then(|| i64::from(rng.gen_bool(0.5)))),
            opt_text(detailed.then(|| pick(&mut rng, crate::lead::Need::ALL).code())),
            text(status),
            text(reason),
            Cell::Int(process_id),
            Cell::Int(qualify_stage.id),
            opt_int(q_account),
            opt_int(q_contact),
            opt_int(q_opportunity),
            opt_text(if status == "qualified" {
                closed_at.clone()
            } else {
                None
            }),
            opt_text(closed_at),
            Cell::Int(owner),
            Cell::Int(owner),
            text(created.clone()),
            Cell::Int(owner),
            text(created),
        ];
        leads.push(conn, row).await?;
    }
    leads.flush(conn).await?;

    // Opportunities, with their stage history ------------------------------------------------
    let mut opportunities = TableWriter::new(
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
            "owner_id",
            "created_by",
            "created_at",
            "modified_by",
            "modified_at",
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
    let open_share = f64::from(counts.open_percent.min(100)) / 100.0;
    for index in 0..counts.opportunities {
        let id = opportunity_base + index as i64;
        let (lead, mut account, contact, owner) =
            qualified.get(index).copied().unwrap_or_else(|| {
                let contact = (counts.contacts > 0 && rng.gen_bool(0.8))
                    .then(|| contact_base + rng.gen_range(0..counts.contacts) as i64);
                let account = contact.and_then(|c| contact_account[(c - contact_base) as usize]);
                (0, account, contact, *pick(&mut rng, &owners))
            });
        if account.is_none() && contact.is_none() {
            // An opportunity needs a customer: fall back to an account (or one generated now).
            account = Some(account_base + rng.gen_range(0..counts.accounts.max(1)) as i64);
        }
        let estimate = rng.gen_range(10..2_500) * 10_000;
        let stage_index = rng.gen_range(0..opportunity_stages.len());
        let roll = rng.gen_range(0.0..1.0);
        let status = if roll < open_share {
            "open"
        } else if roll < open_share + (1.0 - open_share) * 0.6 {
            "won"
        } else {
            "lost"
        };
        let stage_index = if status == "won" {
            opportunity_stages.len() - 1
        } else {
            stage_index
        };
        let stage = &opportunity_stages[stage_index];
        let (close_date, created_day) = if status == "open" {
            let close = today + Duration::days(rng.gen_range(0..183));
            (close, today - Duration::days(rng.gen_range(3..150)))
        } else {
            let close = today - Duration::days(rng.gen_range(1..365));
            (close, close - Duration::days(rng.gen_range(10..120)))
        };
        let created = timestamp(created_day, &mut rng);
        let closed = (status != "open").then(|| timestamp(close_date, &mut rng));
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
                let (reason_id, code) = pick(&mut rng, &lost_reasons).clone();
                let competitor = (code == "out_sold").then(|| *pick(&mut rng, &competitors));
                (0, "lost".into(), code, Some(reason_id), competitor)
            }
        };
        let actual_revenue = (status == "won").then(|| estimate / 100 * rng.gen_range(85..=110));
        let far_enough = stage_index >= 1 || status != "open";
        opportunities
            .push(
                conn,
                vec![
                    Cell::Int(id),
                    text(*pick(&mut rng, TOPICS)),
                    opt_int(account),
                    opt_int(contact),
                    opt_int((lead != 0).then_some(lead)),
                    Cell::Int(estimate),
                    text(close_date.to_string()),
                    Cell::Int(probability),
                    text(pick(&mut rng, ratings).code()),
                    opt_text(
                        far_enough.then_some("Replace spreadsheets with one shared pipeline."),
                    ),
                    opt_text(far_enough.then_some("Leadflow with onboarding for two teams.")),
                    Cell::Int(process_id),
                    Cell::Int(stage.id),
                    text(forecast),
                    text(status),
                    text(reason),
                    opt_int(actual_revenue),
                    opt_text((status != "open").then(|| close_date.to_string())),
                    opt_int(lost_reason),
                    opt_int(competitor),
                    Cell::Int(owner),
                    Cell::Int(owner),
                    text(created.clone()),
                    Cell::Int(owner),
                    text(closed.clone().unwrap_or_else(|| created.clone())),
                    opt_text(closed),
                ],
            )
            .await?;
        // From Qualify (when it came from a lead) or nothing, through each stage reached.
        let mut from = (lead != 0).then_some(qualify_stage.id);
        for (step, reached) in opportunity_stages[..=stage_index].iter().enumerate() {
            let changed = timestamp(created_day + Duration::days(step as i64 * 7), &mut rng);
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

    // Contacts created by qualification point back at their lead.
    sqlx::query(
        "UPDATE contacts SET originating_lead_id = (SELECT MIN(l.id) FROM leads l WHERE l.qualified_contact_id = contacts.id) \
         WHERE id >= ? AND originating_lead_id IS NULL AND id IN (SELECT qualified_contact_id FROM leads WHERE id >= ?)",
    )
    .bind(contact_base)
    .bind(lead_base)
    .execute(&mut *conn)
    .await?;

    // Activities ------------------------------------------------------------------------------
    let mut activities = TableWriter::new(
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
            "owner_id",
            "created_by",
            "created_at",
            "modified_by",
            "modified_at",
        ],
    );
    let targets = [
        (counts.leads, lead_base),
        (counts.opportunities, opportunity_base),
        (counts.accounts, account_base),
        (counts.contacts, contact_base),
    ];
    if targets.iter().any(|(count, _)| *count > 0) {
        for _ in 0..counts.activities {
            let mut slot = rng.gen_range(0..4);
            while targets[slot].0 == 0 {
                slot = (slot + 1) % 4;
            }
            let (count, base) = targets[slot];
            let regarding = base + rng.gen_range(0..count) as i64;
            let mut regarding_cells: Vec<Cell> = (0..4).map(|_| Cell::Null).collect();
            regarding_cells[slot] = Cell::Int(regarding);
            let owner = *pick(&mut rng, &owners);
            let day = today + Duration::days(rng.gen_range(-90..14));
            let created_day = day.min(today);
            let created = timestamp(created_day, &mut rng);
            let kind = *pick(&mut rng, &["note", "phone_call", "task", "appointment"]);
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
            row.push(opt_text(is_call.then(|| *pick(&mut rng, CALL_OUTCOMES))));
            row.push(opt_text((kind == "task").then(|| day.to_string())));
            row.push(Cell::Int(i64::from(
                kind == "task" && day < today && rng.gen_bool(0.6),
            )));
            let starts = (kind == "appointment").then(|| timestamp(day, &mut rng));
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
            row.extend([
                Cell::Int(owner),
                Cell::Int(owner),
                text(created.clone()),
                Cell::Int(owner),
                text(created),
            ]);
            activities.push(conn, row).await?;
        }
        activities.flush(conn).await?;
    }
    tx.commit().await?;
    Ok(Generated {
        accounts: counts.accounts,
        contacts: counts.contacts,
        leads: counts.leads,
        opportunities: counts.opportunities,
        activities: counts.activities,
    })
}
