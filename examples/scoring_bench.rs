//! Lead scoring on a generated database: rescoring every open lead (as after a publish),
//! the cost a score adds to a lead save (rescoring one lead in its transaction), the lead
//! list sorted by score, and a backtest over every closed lead.
//!
//! cargo run --release --features ssr --example scoring_bench -- --database bench.db

use clap::Parser;
use leadflow::lead::{LeadQuery, LeadSort, LeadView};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    database: String,
    #[arg(long, default_value_t = 300)]
    runs: usize,
}

fn percentiles(mut times: Vec<Duration>) -> String {
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
    format!(
        "p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.95),
        at(1.0)
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let pool = leadflow::server::db::connect(&format!("sqlite://{}", args.database)).await?;
    let (leads, open): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(status = 'open'), 0) FROM leads")
            .fetch_one(&pool)
            .await?;
    println!("{leads} leads, {open} open");

    // As a publish does: a new version (the same rules), so every open lead is rewritten;
    // then as the daily run does on a day nothing changed.
    sqlx::query(
        "INSERT INTO scoring_versions (version, rules, published_at) SELECT version + 1, rules, \
         published_at FROM scoring_versions ORDER BY version DESC LIMIT 1",
    )
    .execute(&pool)
    .await?;
    for run in ["after a publish", "daily, nothing changed"] {
        let started = Instant::now();
        let scored = leadflow::scoring::db::recompute_all(&pool).await?;
        let took = started.elapsed().as_secs_f64();
        println!(
            "rescore every open lead, {run}: {scored} in {took:.1} s ({:.0}/s)",
            scored as f64 / took
        );
    }

    // What a lead save pays for its score: the rescore of that lead in its transaction.
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM leads WHERE status = 'open' ORDER BY random() LIMIT ?")
            .bind(args.runs as i64)
            .fetch_all(&pool)
            .await?;
    let mut times = Vec::with_capacity(ids.len());
    for id in &ids {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let started = Instant::now();
        leadflow::scoring::db::rescore(&mut tx, &[*id]).await?;
        times.push(started.elapsed());
        tx.commit().await?;
    }
    println!("score added to a lead save: {}", percentiles(times));

    let owner: i64 = sqlx::query_scalar("SELECT owner_id FROM leads WHERE status = 'open' LIMIT 1")
        .fetch_one(&pool)
        .await?;
    for (name, view) in [
        ("My open", LeadView::MyOpen),
        ("All open", LeadView::AllOpen),
    ] {
        let query = LeadQuery {
            view,
            ..LeadQuery::default()
        }
        .sorted_by(LeadSort::Score);
        let mut times = Vec::with_capacity(args.runs);
        for _ in 0..args.runs {
            let started = Instant::now();
            leadflow::lead::db::list_leads(&pool, &query, owner).await?;
            times.push(started.elapsed());
        }
        println!("{name} leads sorted by score: {}", percentiles(times));
    }
    let draft = leadflow::scoring::db::editor(&pool).await?.draft;
    let started = Instant::now();
    let backtest = leadflow::scoring::db::backtest(&pool, &draft, None).await?;
    let closed: i64 = backtest.draft.iter().map(|row| row.leads).sum();
    println!(
        "backtest of {closed} closed leads (draft and published): {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(peak) = status.lines().find(|line| line.starts_with("VmHWM")) {
        println!("peak memory: {}", peak.trim_start_matches("VmHWM:").trim());
    }
    Ok(())
}
