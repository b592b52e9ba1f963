//! The Leadflow server binary: `leadflow` (or `leadflow serve`) runs the app; other
//! subcommands administer the database.

use clap::{Parser, Subcommand};
use leadflow::server::{AppState, Config, db, demo, generate, router};

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
    let pool = db::connect(&config.database_url).await?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let started = std::time::Instant::now();
            if demo::seed_if_empty(&pool, config.demo).await? {
                tracing::info!("empty database: created demo users and data");
            }
            let addr = config.site_addr;
            let state = AppState::new(pool, config);
            router::spawn_session_cleanup(&state);
            let app = router::build(state);
            let listener = router::listen(addr).await?;
            tracing::info!(
                "Leadflow listening on http://{addr} (ready {} ms after start)",
                started.elapsed().as_millis()
            );
            axum::serve(listener, app)
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
            let id = demo::create_admin(&pool, &name, &email, &password)
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
            generate::generate(&pool, counts, seed, chrono::Utc::now().date_naive()).await?;
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
