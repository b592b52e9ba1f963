//! The Leadflow server binary: `leadflow` (or `leadflow serve`) runs the app; other
//! subcommands administer the database.

use clap::{Parser, Subcommand};
use leadflow::server::{AppState, Config, backup, db, demo, generate, router};

#[derive(Parser)]
#[command(name = "leadflow", about = "Leadflow sales CRM server", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app (the default).
    Serve,
    /// Create an administrator (the first user of an installation started with LEADFLOW_DEMO=false).
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The password; prefer the LEADFLOW_ADMIN_PASSWORD variable to keep it out of shell history.
        #[arg(long, env = "LEADFLOW_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Add generated records for benchmarks (owned by the existing users).
    Generate {
        #[arg(long, default_value_t = 100_000)]
        leads: usize,
        #[arg(long, default_value_t = 1_000_000)]
        opportunities: usize,
        #[arg(long, default_value_t = 20_000)]
        accounts: usize,
        #[arg(long, default_value_t = 100_000)]
        contacts: usize,
        #[arg(long, default_value_t = 100_000)]
        activities: usize,
        /// Share of opportunities left open, in percent.
        #[arg(long, default_value_t = 10)]
        open_percent: u32,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Write a consistent copy of the database to FILE, while the server keeps running.
    Backup { file: std::path::PathBuf },
    /// Replace the database with the backup FILE (refused while a server uses the database).
    Restore { file: std::path::PathBuf },
    /// Import CSV files as one job, as the import page does (same mapping, duplicate rule
    /// and write path), as the user `--as` (default: the first admin). One file holds
    /// `--entity`; several say what they hold by their names (Account.csv, Contact.csv,
    /// Lead.csv, Opportunity.csv, Task.csv) and run in the order their references need.
    /// `--dry-run` writes nothing and prints the counts and the first problems by line and
    /// column.
    Import {
        /// leads, accounts, contacts, opportunities or activities.
        #[arg(long, default_value = "leads")]
        entity: String,
        #[arg(long)]
        dry_run: bool,
        /// The importing user's email.
        #[arg(long = "as")]
        user: Option<String>,
        /// skip, fill_blanks, overwrite or create.
        #[arg(long, default_value = "skip")]
        duplicates: String,
        /// A JSON object of column header → field name (null leaves a column out); columns
        /// it does not name keep the suggested field.
        #[arg(long)]
        mapping: Option<std::path::PathBuf>,
        /// How to read dates like 03/04/2025: month-first or day-first.
        #[arg(long)]
        date_order: Option<String>,
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Write a list view as CSV, exactly as its Export CSV link does: `--entity` leads,
    /// opportunities, accounts, contacts or activities; `--view` the list's query string as its address
    /// shows it (`view=won&sort=revenue&dir=desc`); as the user `--as` (default: the first
    /// admin); to `--output` (default: standard output).
    Export {
        #[arg(long)]
        entity: String,
        #[arg(long, default_value = "")]
        view: String,
        #[arg(long = "as")]
        user: Option<String>,
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Time each dashboard query on this database and print p50 / p95 in milliseconds.
    BenchDashboard {
        #[arg(long, default_value_t = 200)]
        runs: usize,
    },
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let config = Config::from_env()?;
    let database = backup::database_path(&config.database_url);
    let connect = || db::connect(&config.database_url);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Restore { file } => {
            let database = database.ok_or("DATABASE_URL must name a database file")?;
            backup::restore(&database, &file).await?;
            println!("Restored {} from {}.", database.display(), file.display());
        }
        Command::Import {
            entity,
            dry_run,
            user,
            duplicates,
            mapping,
            date_order,
            files,
        } => {
            let pool = connect().await?;
            let options = leadflow::import::cli::Options {
                entity: entity.parse()?,
                dry_run,
                user,
                duplicates: duplicates.parse()?,
                mapping,
                date_order: date_order
                    .as_deref()
                    .map(leadflow::import::cli::date_order)
                    .transpose()?,
            };
            leadflow::import::cli::import(&pool, &options, &files).await?;
        }
        Command::Export {
            entity,
            view,
            user,
            output,
        } => {
            let pool = connect().await?;
            let user = leadflow::import::cli::acting_user(&pool, user.as_deref()).await?;
            let export = match entity.as_str() {
                "leads" => leadflow::lead::export::lead_export(pool, user.id, &view),
                "opportunities" => {
                    leadflow::opportunity::export::opportunity_export(pool, user.id, &view)
                }
                "accounts" | "contacts" => leadflow::directory::export::directory_export(
                    pool,
                    entity.parse()?,
                    user.id,
                    &view,
                ),
                "activities" => leadflow::activity::export::activity_export(pool, user.id, &view),
                other => {
                    return Err(format!(
                        "--entity {other}: say leads, opportunities, accounts, contacts or activities"
                    )
                    .into());
                }
            };
            let rows = match &output {
                Some(path) => {
                    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
                    leadflow::export::to_writer(export, &mut file).await?
                }
                None => leadflow::export::to_writer(export, &mut std::io::stdout().lock()).await?,
            };
            if let Some(path) = output {
                println!("Wrote {rows} {entity} to {}.", path.display());
            }
        }
        Command::Backup { file } => {
            let bytes = backup::backup(&connect().await?, &file).await?;
            println!("Wrote {} ({bytes} bytes).", file.display());
        }
        Command::Serve => {
            let started = std::time::Instant::now();
            // Held while serving, so a restore cannot replace the database under a server.
            let _instance = database
                .as_deref()
                .map(backup::lock_instance)
                .transpose()
                .map_err(|error| {
                    format!("another Leadflow server is using the database ({error})")
                })?;
            let pool = connect().await?;
            if demo::seed_if_empty(&pool, config.demo).await? {
                tracing::info!("empty database: created demo users and data");
            }
            let resumed = leadflow::import::db::resume_all(&pool).await?;
            if resumed > 0 {
                tracing::info!("resumed {resumed} import(s) that were running");
            }
            let interrupted = leadflow::lists::db::interrupt_unfinished_bulk(&pool).await?;
            if interrupted > 0 {
                tracing::info!("{interrupted} bulk action(s) were stopped by the restart");
            }
            let interrupted = leadflow::scoring::db::interrupt_unfinished_backtests(&pool).await?;
            if interrupted > 0 {
                tracing::info!("{interrupted} scoring backtest(s) were stopped by the restart");
            }
            let addr = config.site_addr;
            let state = AppState::new(pool, config);
            router::spawn_session_cleanup(&state);
            leadflow::webform::public::spawn_queue_worker(&state);
            leadflow::dashboard::db::spawn_stage_flows(state.pool.clone());
            leadflow::scoring::db::spawn_daily(state.pool.clone());
            let app = router::build(state);
            let listener = router::listen(addr).await?;
            tracing::info!(
                "Leadflow listening on http://{addr} (ready {} ms after start)",
                started.elapsed().as_millis()
            );
            axum::serve(listener, router::with_client_addresses(app))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
        Command::CreateAdmin {
            email,
            name,
            password,
        } => {
            let id = demo::create_admin(&connect().await?, &name, &email, &password)
                .await
                .map_err(|error| match error {
                    leadflow::error::AppError::Validation(fields) => fields
                        .iter()
                        .map(|(field, message)| format!("{field}: {message}"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    other => other.to_string(),
                })?;
            println!("Created admin {email} (user id {id}).");
        }
        Command::BenchDashboard { runs } => bench_dashboard(&connect().await?, runs).await?,
        Command::Generate {
            leads,
            opportunities,
            accounts,
            contacts,
            activities,
            open_percent,
            seed,
        } => {
            let started = std::time::Instant::now();
            let counts = generate::Counts {
                accounts,
                contacts,
                leads,
                opportunities,
                activities,
                open_percent,
            };
            generate::generate(
                &connect().await?,
                counts,
                seed,
                chrono::Utc::now().date_naive(),
            )
            .await?;
            println!(
                "Generated {} accounts, {} contacts, {} leads, {} opportunities, {} activities in {:.1} s",
                counts.accounts,
                counts.contacts,
                counts.leads,
                counts.opportunities,
                counts.activities,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// Runs `query` `runs` times one after another; returns the p50 and p95 in milliseconds.
async fn percentiles<T, F>(runs: usize, query: impl Fn() -> F) -> Result<(f64, f64), sqlx::Error>
where
    F: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    let mut millis = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let started = std::time::Instant::now();
        query().await?;
        millis.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    millis.sort_by(f64::total_cmp);
    let at = |share: f64| millis[((millis.len() as f64 * share).ceil() as usize).max(1) - 1];
    Ok((at(0.50), at(0.95)))
}

/// Times each dashboard query for everyone, for one owner, and over a 24-month range, after
/// recomputing the stage figures once from the whole stage history (timed).
async fn bench_dashboard(
    pool: &sqlx::SqlitePool,
    runs: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    use leadflow::dashboard::{Month, Window, db as dashboard};
    let started = std::time::Instant::now();
    let rows = dashboard::recompute_stage_flows(pool).await?;
    println!(
        "stage figures recomputed from {rows} stage history rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let today = chrono::Utc::now().date_naive();
    let this = Month::of(today);
    let (from, to) = (this.plus(-23).code(), this.code());
    let owner: Option<i64> = sqlx::query_scalar("SELECT MIN(id) FROM users")
        .fetch_one(pool)
        .await?;
    let cases = [
        ("everyone", None, Window::resolve(None, None, today)?),
        ("one owner", owner, Window::resolve(None, None, today)?),
        (
            "everyone, 24 months",
            None,
            Window::resolve(Some(&from), Some(&to), today)?,
        ),
    ];
    for (case, owner, window) in &cases {
        let owner = *owner;
        let timings = [
            (
                "funnel",
                percentiles(runs, || dashboard::funnel(pool, owner, window, None)).await?,
            ),
            (
                "open pipeline",
                percentiles(runs, || dashboard::pipeline(pool, owner, window)).await?,
            ),
            (
                "won, lost, cycle",
                percentiles(runs, || dashboard::closed(pool, owner, window)).await?,
            ),
            (
                "lost reasons",
                percentiles(runs, || dashboard::lost_reasons(pool, owner, window)).await?,
            ),
            (
                "lead sources",
                percentiles(runs, || dashboard::sources(pool, owner, window)).await?,
            ),
            (
                "stages: time, conversion, stalled",
                percentiles(runs, || dashboard::stage_flows(pool, owner, None)).await?,
            ),
            (
                "all seven side by side",
                percentiles(runs, || dashboard::load(pool, owner, window.clone(), None)).await?,
            ),
        ];
        for (query, (p50, p95)) in timings {
            println!(
                "{:<38} p50 {p50:.2}ms   p95 {p95:.2}ms",
                format!("{case}: {query}")
            );
        }
    }
    Ok(())
}
