//! Marketing list figures on a running Leadflow server over HTTP (127.0.0.1), as a manager:
//! adding every lead a view matches (about 100,000) to a new static list, copying it and
//! subtracting it (set operations), the count and first page of a dynamic list (p50/p95
//! over repeated calls), and a bulk assignment of 10,000 leads. The database file is read
//! only to choose a view of the wanted size and the leads to assign.
//!
//! cargo run --release --features ssr --example list_bench -- --address http://127.0.0.1:3400 \
//!     --database bench.db --runs 200

use clap::Parser;
use leadflow::lists::{BulkProgress, BulkReport, BulkState, ListDetail};
use reqwest::Client;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:3400")]
    address: String,
    #[arg(long)]
    database: String,
    /// Calls per measured read.
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// Leads the bulk assignment gives to another owner.
    #[arg(long, default_value_t = 10_000)]
    assign: usize,
}

struct Bench {
    client: Client,
    address: String,
}

impl Bench {
    async fn call<T: serde::de::DeserializeOwned>(&self, path: &str, form: &[(&str, String)]) -> T {
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .form(form)
            .send()
            .await
            .expect("request");
        let status = response.status();
        let body = response.text().await.expect("body");
        assert!(status.is_success(), "{path}: {status} {body}");
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path}: {body}"))
    }

    async fn timed<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, String)],
    ) -> (T, Duration) {
        let started = Instant::now();
        let value = self.call(path, form).await;
        (value, started.elapsed())
    }
}

fn percentiles(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let at = |p: f64| {
        let index = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[index].as_secs_f64() * 1000.0
    };
    format!(
        "n {}   p50 {:.2}ms   p95 {:.2}ms   p99 {:.2}ms",
        samples.len(),
        at(0.50),
        at(0.95),
        at(0.99)
    )
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", args.database))
        .await
        .expect("the database");
    let client = Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let bench = Bench {
        client,
        address: args.address.clone(),
    };
    let signed_in = bench
        .client
        .post(format!("{}/api/auth/login", args.address))
        .form(&[
            ("email", "manager@example.com"),
            ("password", "leadflow-demo"),
        ])
        .send()
        .await
        .expect("sign-in");
    assert!(signed_in.status().is_success() || signed_in.status().is_redirection());
    let leads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leads")
        .fetch_one(&pool)
        .await
        .unwrap();
    let run = chrono::Utc::now().format("%H%M%S").to_string();

    // The rating whose open leads number closest to 100,000.
    let (rating, matching): (String, i64) = sqlx::query_as(
        "SELECT rating, COUNT(*) FROM leads WHERE status = 'open' AND rating IS NOT NULL \
         GROUP BY rating ORDER BY abs(COUNT(*) - 100000) LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let query = format!("view=all-open&rating={rating}");
    println!("-- {leads} leads; the view \"{query}\" matches {matching}");
    let (added, took): (BulkReport, _) = bench
        .timed(
            "/api/lists/add",
            &[
                ("new_list", format!("Bench {rating} {run}")),
                ("member_type", "lead".into()),
                ("selection[matching]", query.clone()),
                ("from", "list_view".into()),
            ],
        )
        .await;
    let list = added.list_id.expect("a list");
    println!(
        "add all matching to a new static list: {} added in {:.0} ms",
        added.changed,
        took.as_secs_f64() * 1000.0
    );
    let (again, took): (BulkReport, _) = bench
        .timed(
            "/api/lists/add",
            &[
                ("id", list.to_string()),
                ("member_type", "lead".into()),
                ("selection[matching]", query.clone()),
                ("from", "list_view".into()),
            ],
        )
        .await;
    println!(
        "the same again (all already members): {} added, {} already there, {:.0} ms",
        again.changed,
        again.unchanged,
        took.as_secs_f64() * 1000.0
    );
    let (copy, took): (i64, _) = bench
        .timed(
            "/api/lists/copy-to-static",
            &[
                ("id", list.to_string()),
                ("name", format!("Bench copy {run}")),
            ],
        )
        .await;
    println!(
        "copy it into a new static list: {:.0} ms",
        took.as_secs_f64() * 1000.0
    );
    let (removed, took): (i64, _) = bench
        .timed(
            "/api/lists/suppress",
            &[("id", copy.to_string()), ("other", list.to_string())],
        )
        .await;
    println!(
        "remove one list's members from the other: {removed} removed in {:.0} ms",
        took.as_secs_f64() * 1000.0
    );

    // A dynamic list: its page's counts, and its members' first page.
    let dynamic: i64 = bench
        .call(
            "/api/lists/create",
            &[
                ("list[name]", format!("Bench dynamic {run}")),
                ("list[member_type]", "lead".into()),
                ("list[kind]", "dynamic".into()),
                ("list[query]", query.clone()),
            ],
        )
        .await;
    let mut counts = Vec::new();
    let mut members = 0;
    for _ in 0..args.runs {
        let (detail, took): (ListDetail, _) = bench
            .timed("/api/lists/get", &[("id", dynamic.to_string())])
            .await;
        members = detail.members;
        counts.push(took);
    }
    println!(
        "dynamic list page (count and emailable count of {members} members): {}",
        percentiles(counts)
    );
    let mut pages = Vec::new();
    for _ in 0..args.runs {
        let (_, took): (serde_json::Value, _) = bench
            .timed(
                "/api/leads/list",
                &[
                    ("query[view]", "all-open".into()),
                    ("query[rating]", rating.clone()),
                    ("query[page]", "1".into()),
                ],
            )
            .await;
        pages.push(took);
    }
    println!("dynamic list members, first page: {}", percentiles(pages));

    // Bulk assignment: a static list of open leads, all given to the rep.
    let chosen: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, version FROM leads WHERE status = 'open' ORDER BY id DESC LIMIT ?",
    )
    .bind(args.assign as i64)
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut target = None;
    for batch in chosen.chunks(leadflow::lists::MAX_CHOSEN) {
        let mut form: Vec<(&str, String)> =
            vec![("member_type", "lead".into()), ("from", "list_view".into())];
        match target {
            Some(id) => form.push(("id", i64::to_string(&id))),
            None => form.push(("new_list", format!("Bench assign {run}"))),
        }
        let keys: Vec<(String, String)> = batch
            .iter()
            .enumerate()
            .flat_map(|(i, (id, version))| {
                [
                    (format!("selection[ids][{i}]"), id.to_string()),
                    (format!("selection[versions][{i}]"), version.to_string()),
                ]
            })
            .collect();
        form.extend(keys.iter().map(|(k, v)| (k.as_str(), v.clone())));
        let report: BulkReport = bench.call("/api/lists/add", &form).await;
        target = report.list_id;
    }
    let target = target.expect("a list");
    let rep: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'rep@example.com'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let started = Instant::now();
    let mut progress: BulkProgress = bench
        .call(
            "/api/lists/bulk",
            &[
                ("member_type", "lead".into()),
                ("selection[matching]", format!("list={target}")),
                ("verb", "assign".into()),
                ("owner_id", rep.to_string()),
            ],
        )
        .await;
    // The action runs in the background: follow its progress as the page does.
    let mut polls = 0;
    while progress.state == BulkState::Running {
        tokio::time::sleep(Duration::from_millis(100)).await;
        progress = bench
            .call(
                "/api/lists/bulk-progress",
                &[("job_id", progress.job_id.to_string())],
            )
            .await;
        polls += 1;
    }
    let took = started.elapsed();
    let assigned = progress.report;
    println!("bulk assign progress polled {polls} times (every 100 ms)");
    println!(
        "bulk assign {} leads: {} changed, {} already so, {} skipped in {:.1} s ({:.0} leads/s)",
        chosen.len(),
        assigned.changed,
        assigned.unchanged,
        assigned.skipped.len(),
        took.as_secs_f64(),
        chosen.len() as f64 / took.as_secs_f64()
    );
}
