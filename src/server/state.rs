use crate::auth::rules::LoginThrottle;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
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
    /// `LEADFLOW_TRUSTED_PROXIES`: comma-separated addresses of reverse proxies whose
    /// `X-Forwarded-For` names the client. Default: none (the TCP peer is the client).
    pub trusted_proxies: Vec<IpAddr>,
    /// `LEADFLOW_SIGNINS_PER_MINUTE`: sign-in attempts one client address may make per
    /// minute (a burst of this many, then one every 60/n seconds). Default: 30.
    pub signins_per_minute: u32,
    /// `LEADFLOW_WEB_FORM_POSTS_PER_MINUTE`: web form posts one client address may make per
    /// minute; more are refused (429). Default: 20.
    pub web_form_posts_per_minute: u32,
    /// `LEADFLOW_WEB_FORM_SUBMISSIONS_PER_MINUTE`: submissions one web form takes per minute;
    /// more wait in its queue. Default: 300.
    pub web_form_submissions_per_minute: u32,
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
        let trusted_proxies = var("LEADFLOW_TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .map(|entry| entry.trim().parse::<IpAddr>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("LEADFLOW_TRUSTED_PROXIES: {e}"))
            })
            .transpose()?
            .unwrap_or_default();
        let per_minute = |key: &str, default: u32| {
            var(key)
                .map(|n| match n.parse::<u32>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(format!("{key} must be a positive number, not {n:?}")),
                })
                .transpose()
                .map(|n| n.unwrap_or(default))
        };
        let signins_per_minute = per_minute("LEADFLOW_SIGNINS_PER_MINUTE", 30)?;
        let web_form_posts_per_minute = per_minute("LEADFLOW_WEB_FORM_POSTS_PER_MINUTE", 20)?;
        let web_form_submissions_per_minute =
            per_minute("LEADFLOW_WEB_FORM_SUBMISSIONS_PER_MINUTE", 300)?;
        Ok(Config {
            trusted_proxies,
            signins_per_minute,
            web_form_posts_per_minute,
            web_form_submissions_per_minute,
            database_url: var("DATABASE_URL").unwrap_or_else(|| "sqlite://leadflow.db".into()),
            site_addr,
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            demo: flag("LEADFLOW_DEMO", true)?,
            secure_cookies: flag("LEADFLOW_SECURE_COOKIES", false)?,
            session_idle: Duration::from_secs(session_hours * 3600),
        })
    }

    /// `hashed`: the build named its files by content (see `offline::assets`).
    pub fn leptos_options(&self, hashed: bool) -> LeptosOptions {
        LeptosOptions::builder()
            .hash_files(hashed)
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
    /// Sign-in attempts per client address (GCRA, from `governor`).
    pub signin_limiter: Arc<governor::DefaultKeyedRateLimiter<IpAddr>>,
    /// Password verifications running at once: Argon2 takes ~50 ms of a core and 19 MiB
    /// each, so more than the cores at a time only queues work and memory.
    pub password_checks: Arc<tokio::sync::Semaphore>,
    pub user_directory: Arc<crate::auth::db::DirectoryCache>,
    /// The built site's file names, the service worker and the outbox script.
    pub assets: Arc<crate::offline::assets::SiteAssets>,
    /// Web forms' rate limits and signing key.
    pub web_forms: Arc<crate::webform::public::WebFormGuards>,
}

impl AppState {
    pub fn new(pool: SqlitePool, config: Config) -> Self {
        let per_minute = NonZeroU32::new(config.signins_per_minute).unwrap_or(NonZeroU32::MIN);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let assets = crate::offline::assets::SiteAssets::load(&config.site_root);
        AppState {
            signin_limiter: Arc::new(governor::RateLimiter::keyed(governor::Quota::per_minute(
                per_minute,
            ))),
            password_checks: Arc::new(tokio::sync::Semaphore::new(cores)),
            user_directory: Arc::default(),
            web_forms: Arc::new(crate::webform::public::WebFormGuards::new(
                config.web_form_posts_per_minute,
                config.web_form_submissions_per_minute,
            )),
            pool,
            leptos_options: config.leptos_options(assets.hashed),
            assets: Arc::new(assets),
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
