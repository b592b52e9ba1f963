use crate::auth::rules::LoginThrottle;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Configuration, read from the environment with defaults that run out of the box.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`, sqlx's convention. Default: `sqlite://leadflow.db` in the working directory.
    pub database_url: String,
    /// `LEPTOS_SITE_ADDR`. Default: 127.0.0.1:3000.
    pub site_addr: SocketAddr,
    /// `LEPTOS_SITE_ROOT`: where the built CSS/JS/WASM live. Default: target/site.
    pub site_root: String,
    /// `LEADFLOW_DEMO`: fill an empty database with demo data on first start. Default: on.
    pub demo: bool,
    /// `LEADFLOW_SECURE_COOKIES`: mark the session cookie Secure (set it behind https).
    pub secure_cookies: bool,
    /// `LEADFLOW_SESSION_HOURS`: a session ends after this much inactivity. Default: 12.
    pub session_idle: Duration,
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let var = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        let flag = |key: &str, default: bool| match var(key).as_deref() {
            None => Ok(default),
            Some("1" | "true" | "yes" | "on") => Ok(true),
            Some("0" | "false" | "no" | "off") => Ok(false),
            Some(other) => Err(format!("{key} must be true or false, not {other:?}")),
        };
        let site_addr = var("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| format!("LEPTOS_SITE_ADDR: {e}"))?;
        let session_hours: u64 = var("LEADFLOW_SESSION_HOURS")
            .map(|h| {
                h.parse()
                    .map_err(|e| format!("LEADFLOW_SESSION_HOURS: {e}"))
            })
            .transpose()?
            .unwrap_or(12);
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| "sqlite://leadflow.db".into()),
            site_addr,
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            demo: flag("LEADFLOW_DEMO", true)?,
            secure_cookies: flag("LEADFLOW_SECURE_COOKIES", false)?,
            session_idle: Duration::from_secs(session_hours * 3600),
        })
    }

    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("leadflow")
            .site_root(self.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(self.site_addr)
            .build()
    }
}

/// Everything a request handler or server function may need, provided as context.
#[derive(Clone)]
pub struct AppState {
    pub pool: SqlitePool,
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub login_throttle: Arc<Mutex<LoginThrottle>>,
}

impl AppState {
    pub fn new(pool: SqlitePool, config: Config) -> Self {
        AppState {
            pool,
            leptos_options: config.leptos_options(),
            config: Arc::new(config),
            // Five failures per email in fifteen minutes, then a wait.
            login_throttle: Arc::new(Mutex::new(LoginThrottle::new(
                5,
                Duration::from_secs(15 * 60),
            ))),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
