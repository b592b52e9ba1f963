//! A realistic load on a running Leadflow server, all on 127.0.0.1: N signed-in users, each
//! with its own session, doing 80% reads (lead list, search, a lead record, the board, the
//! dashboard) and 20% writes (create a lead, log an activity, edit a lead with the right
//! version, move a card), with a pause between a user's requests. Prints requests/s,
//! p50/p95/p99 per kind and the error count; then recounts every write in the database.
//!
//! cargo run --release --features ssr --example load -- --address http://127.0.0.1:3400 \
//!     --database bench.db --users 200 --seconds 60 --pause-ms 1000

use clap::Parser;
use rand::{Rng, SeedableRng};
use reqwest::{Client, StatusCode};
use sqlx::SqlitePool;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:3400")]
    address: String,
    /// The server's database file (for the users, their records and the recount).
    #[arg(long)]
    database: String,
    #[arg(long, default_value_t = 200)]
    users: usize,
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Mean pause between one user's requests; 0 saturates the server.
    #[arg(long, default_value_t = 1000)]
    pause_ms: u64,
    /// Distinguishes the records of this run from earlier ones on the same database.
    #[arg(long, default_value = "load")]
    run: String,
}

const PASSWORD: &str = "load-test-password";

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    LeadList,
    Search,
    LeadRecord,
    Board,
    Dashboard,
    CreateLead,
    LogActivity,
    EditLead,
    MoveCard,
}

impl Kind {
    /// The mix: each read 16%, each write 5%.
    fn pick(rng: &mut impl Rng) -> Kind {
        match rng.gen_range(0..100) {
            0..16 => Kind::LeadList,
            16..32 => Kind::Search,
            32..48 => Kind::LeadRecord,
            48..64 => Kind::Board,
            64..80 => Kind::Dashboard,
            80..85 => Kind::CreateLead,
            85..90 => Kind::LogActivity,
            90..95 => Kind::EditLead,
            _ => Kind::MoveCard,
        }
    }
}

/// One simulated user: a session and the records it writes to.
struct LoadUser {
    client: Client,
    index: usize,
    lead: (i64, i64),
    opportunity: (i64, i64),
    /// The stage the card is in (2 Develop, 3 Propose).
    stage: i64,
}

#[derive(Default)]
struct Tally {
    millis: BTreeMap<Kind, Vec<f64>>,
    errors: BTreeMap<Kind, usize>,
    landed: BTreeMap<Kind, i64>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let pool = SqlitePool::connect(&format!("sqlite://{}", args.database)).await?;
    let users = setup(&args, &pool).await?;
    let lead_ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM leads ORDER BY random() LIMIT 1000")
            .fetch_all(&pool)
            .await?;
    let lead_ids = Arc::new(lead_ids);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mut user in users {
        let (tally, lead_ids, address, run) = (
            tally.clone(),
            lead_ids.clone(),
            args.address.clone(),
            args.run.clone(),
        );
        let pause = args.pause_ms;
        tasks.push(tokio::spawn(async move {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(user.index as u64);
            // Spread the users' first requests over one pause.
            if pause > 0 {
                tokio::time::sleep(Duration::from_millis(rng.gen_range(0..pause))).await;
            }
            let mut sequence = 0;
            while Instant::now() < deadline {
                sequence += 1;
                let kind = Kind::pick(&mut rng);
                let request_started = Instant::now();
                let ok = one_request(
                    &mut user, kind, &address, &run, sequence, &lead_ids, &mut rng,
                )
                .await;
                let millis = request_started.elapsed().as_secs_f64() * 1000.0;
                {
                    let mut tally = tally.lock().await;
                    tally.millis.entry(kind).or_default().push(millis);
                    if ok {
                        *tally.landed.entry(kind).or_default() += 1;
                    } else {
                        *tally.errors.entry(kind).or_default() += 1;
                    }
                }
                if pause > 0 {
                    let jitter = rng.gen_range(pause / 2..=pause * 3 / 2);
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                }
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let tally = tally.lock().await;
    report(&tally, elapsed, args.users, args.pause_ms);
    recount(&pool, &args, &tally).await?;
    Ok(())
}

/// Creates the load users (reps, one password hash for all), signs each in, and gives each
/// a lead of its own and an open opportunity at Develop whose required steps are filled.
async fn setup(
    args: &Args,
    pool: &SqlitePool,
) -> Result<Vec<LoadUser>, Box<dyn std::error::Error>> {
    let hash = leadflow::auth::password::hash(PASSWORD);
    let now = chrono::Utc::now().to_rfc3339();
    let opportunities: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM opportunities WHERE status = 'open' ORDER BY id LIMIT ?",
    )
    .bind(args.users as i64)
    .fetch_all(pool)
    .await?;
    if opportunities.len() < args.users {
        return Err("the database needs an open opportunity per load user".into());
    }
    let mut users = Vec::new();
    for (index, &opportunity) in opportunities.iter().enumerate() {
        let email = format!("{}-{index}@load.example.com", args.run);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, password_hash, role, created_at, modified_at) \
             VALUES (?, ?, ?, 'rep', ?, ?) ON CONFLICT (email) DO UPDATE SET active = 1 RETURNING id",
        )
        .bind(&email)
        .bind(format!("Load user {index}"))
        .bind(&hash)
        .bind(&now)
        .bind(&now)
        .fetch_one(pool)
        .await?;
        sqlx::query(
            "UPDATE opportunities SET owner_id = ?, stage_id = 2, customer_need = 'Load', \
             proposed_solution = 'Load', version = version + 1 WHERE id = ?",
        )
        .bind(id)
        .bind(opportunity)
        .execute(pool)
        .await?;
        let version: i64 = sqlx::query_scalar("SELECT version FROM opportunities WHERE id = ?")
            .bind(opportunity)
            .fetch_one(pool)
            .await?;
        let client = Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(30))
            .build()?;
        let response = client
            .post(format!("{}/api/auth/login", args.address))
            .form(&[("email", email.as_str()), ("password", PASSWORD)])
            .send()
            .await?;
        if !response.status().is_success() && response.status() != StatusCode::FOUND {
            return Err(format!("sign-in of {email}: {}", response.status()).into());
        }
        let lead =
            create_lead(&client, &args.address, &format!("{} {index} own", args.run)).await?;
        users.push(LoadUser {
            client,
            index,
            lead: (lead, 1),
            opportunity: (opportunity, version),
            stage: 2,
        });
    }
    Ok(users)
}

async fn create_lead(client: &Client, address: &str, topic: &str) -> Result<i64, String> {
    let response = client
        .post(format!("{address}/api/leads/create"))
        .form(&[
            ("lead[topic]", topic),
            ("lead[last_name]", "Loadtest"),
            ("save_anyway", "true"),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status() != StatusCode::OK {
        return Err(format!("create lead: {}", response.status()));
    }
    match response.json().await.map_err(|e| e.to_string())? {
        leadflow::duplicates::SaveOutcome::Saved { id, .. } => Ok(id),
        other => Err(format!("create lead: {other:?}")),
    }
}

/// One request of `kind`; whether it succeeded.
async fn one_request(
    user: &mut LoadUser,
    kind: Kind,
    address: &str,
    run: &str,
    sequence: usize,
    lead_ids: &[i64],
    rng: &mut impl Rng,
) -> bool {
    let client = &user.client;
    let get = |path: String| {
        client
            .get(format!("{address}{path}"))
            .header("Accept", "text/html")
            .send()
    };
    let post = |path: &str, form: Vec<(String, String)>| {
        client.post(format!("{address}{path}")).form(&form).send()
    };
    let pair = |k: &str, v: String| (k.to_string(), v);
    let result = match kind {
        Kind::LeadList => get("/leads?view=all-open".into()).await,
        Kind::Search => {
            let term = ["tanaka", "smith", "fleet", "garcia", "coffee"][rng.gen_range(0..5)];
            post(
                "/api/leads/list",
                vec![
                    pair("query[view]", "all-open".into()),
                    pair("query[sort]", "created".into()),
                    pair("query[descending]", "true".into()),
                    pair("query[page]", "1".into()),
                    pair("query[search]", term.into()),
                ],
            )
            .await
        }
        Kind::LeadRecord => {
            get(format!(
                "/leads/{}",
                lead_ids[rng.gen_range(0..lead_ids.len())]
            ))
            .await
        }
        Kind::Board => get("/pipeline".into()).await,
        Kind::Dashboard => get("/dashboard".into()).await,
        Kind::CreateLead => {
            return create_lead(
                client,
                address,
                &format!("{run} {} new {sequence}", user.index),
            )
            .await
            .is_ok();
        }
        Kind::LogActivity => {
            post(
                "/api/activities/log",
                vec![
                    pair("regarding", "lead".into()),
                    pair("record_id", user.lead.0.to_string()),
                    pair("activity[kind]", "note".into()),
                    pair("activity[subject]", format!("{run} note {sequence}")),
                ],
            )
            .await
        }
        Kind::EditLead => {
            let response = post(
                "/api/leads/update",
                vec![
                    pair("id", user.lead.0.to_string()),
                    pair("version", user.lead.1.to_string()),
                    pair("lead[topic]", format!("{run} {} own", user.index)),
                    pair("lead[last_name]", "Loadtest".into()),
                    pair("lead[description]", format!("edit {sequence}")),
                    pair("save_anyway", "true".into()),
                ],
            )
            .await;
            return match response {
                Ok(response) if response.status() == StatusCode::OK => {
                    match response.json::<leadflow::duplicates::SaveOutcome>().await {
                        Ok(leadflow::duplicates::SaveOutcome::Saved { version, .. }) => {
                            user.lead.1 = version;
                            true
                        }
                        _ => false,
                    }
                }
                _ => false,
            };
        }
        Kind::MoveCard => {
            let to = if user.stage == 2 { 3 } else { 2 };
            let response = post(
                "/api/opportunities/move",
                vec![
                    pair("id", user.opportunity.0.to_string()),
                    pair("version", user.opportunity.1.to_string()),
                    pair("direction", to.to_string()),
                ],
            )
            .await;
            return match response {
                Ok(response) if response.status() == StatusCode::OK => {
                    match response.json::<i64>().await {
                        Ok(version) => {
                            user.opportunity.1 = version;
                            user.stage = to;
                            true
                        }
                        Err(_) => false,
                    }
                }
                _ => false,
            };
        }
    };
    match result {
        Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
        Err(_) => false,
    }
}

fn percentile(sorted: &[f64], share: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn report(tally: &Tally, elapsed: f64, users: usize, pause_ms: u64) {
    let total: usize = tally.millis.values().map(Vec::len).sum();
    let errors: usize = tally.errors.values().sum();
    println!(
        "{users} users, pause {pause_ms} ms: {total} requests in {elapsed:.1} s = {:.0} requests/s, {errors} errors",
        total as f64 / elapsed
    );
    for (kind, millis) in &tally.millis {
        let mut sorted = millis.clone();
        sorted.sort_by(f64::total_cmp);
        println!(
            "  {:<12} n {:>6}   p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms   errors {}",
            format!("{kind:?}"),
            sorted.len(),
            percentile(&sorted, 0.50),
            percentile(&sorted, 0.95),
            percentile(&sorted, 0.99),
            tally.errors.get(kind).copied().unwrap_or(0)
        );
    }
}

/// Every write that answered success is in the database exactly once.
async fn recount(pool: &SqlitePool, args: &Args, tally: &Tally) -> Result<(), sqlx::Error> {
    let landed = |kind| tally.landed.get(&kind).copied().unwrap_or(0);
    let created: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM leads WHERE topic LIKE ? || ' % new %'")
            .bind(&args.run)
            .fetch_one(pool)
            .await?;
    let notes: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM activities WHERE subject LIKE ? || ' note %'")
            .bind(&args.run)
            .fetch_one(pool)
            .await?;
    // Each own lead starts at version 1; each edit adds one.
    let edits: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(version - 1), 0) FROM leads WHERE topic LIKE ? || ' % own'",
    )
    .bind(&args.run)
    .fetch_one(pool)
    .await?;
    let moves: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM stage_history h JOIN opportunities o ON o.id = h.record_id \
         JOIN users u ON u.id = o.owner_id WHERE h.record_type = 'opportunity' \
         AND u.email LIKE ? || '-%@load.example.com' AND h.changed_by = u.id",
    )
    .bind(&args.run)
    .fetch_one(pool)
    .await?;
    let rows = [
        ("leads created", landed(Kind::CreateLead), created),
        ("activities logged", landed(Kind::LogActivity), notes),
        ("lead edits", landed(Kind::EditLead), edits),
        ("card moves", landed(Kind::MoveCard), moves),
    ];
    let exact = rows.iter().all(|(_, answered, stored)| answered == stored);
    for (what, answered, stored) in rows {
        println!("  recount {what:<18} answered ok {answered:>6}   in the database {stored:>6}");
    }
    println!(
        "  recount: {}",
        if exact {
            "every write landed exactly once"
        } else {
            "MISMATCH"
        }
    );
    Ok(())
}
