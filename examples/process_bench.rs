//! Saving a process version that archives the stage holding the most open opportunities
//! and moves them to the next stage (each through the opportunity's stage write: stage
//! history, record history, forecast), timed on a generated database.
//!
//! cargo run --release --features ssr --example process_bench -- --database bench.db

use clap::Parser;
use leadflow::auth::User;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    database: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let pool = leadflow::server::db::connect(&format!("sqlite://{}", args.database)).await?;
    let admin: User = sqlx::query_as(
        "SELECT id, email, name, role, active, version FROM users WHERE role = 'admin' \
         AND active = 1 ORDER BY id LIMIT 1",
    )
    .fetch_one(&pool)
    .await?;
    let process: i64 = sqlx::query_scalar("SELECT id FROM processes WHERE is_default = 1")
        .fetch_one(&pool)
        .await?;
    let mut draft = leadflow::process::db::load_draft(&mut *pool.acquire().await?, process).await?;
    let open: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT stage_id, COUNT(*) FROM opportunities WHERE status = 'open' \
         AND process_id = ? GROUP BY stage_id ORDER BY COUNT(*) DESC",
    )
    .bind(process)
    .fetch_all(&pool)
    .await?;
    let (from, moved) = open.first().copied().ok_or("no open opportunities")?;
    let to = draft
        .stages
        .iter()
        .filter_map(|stage| stage.id)
        .find(|id| *id != from && open.iter().any(|(stage, _)| stage == id))
        .ok_or("no second stage")?;
    let stage = draft
        .stages
        .iter_mut()
        .find(|stage| stage.id == Some(from))
        .ok_or("no such stage")?;
    stage.archived = true;
    stage.move_open_to = Some(to);
    let name = stage.name.clone();
    let started = Instant::now();
    let version = leadflow::process::db::save(&pool, &draft, &admin).await?;
    let took = started.elapsed().as_secs_f64();
    println!(
        "process version {version}: archived {name}, moved {moved} open opportunities in {took:.1} s \
         ({:.0}/s)",
        moved as f64 / took
    );
    Ok(())
}
