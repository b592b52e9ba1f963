use leadflow::error::AppError;
use leadflow::server::{AppState, Config, db, demo, router};
use reqwest::{Client, Response, StatusCode};
use sqlx::SqlitePool;
use std::time::Duration;
use tempfile::TempDir;

pub const DEMO_PASSWORD: &str = leadflow::auth::api::DEMO_PASSWORD;

pub struct TestApp {
    pub address: String,
    pub pool: SqlitePool,
    pub state: AppState,
    _dir: TempDir,
}

pub struct Options {
    pub demo: bool,
    pub secure_cookies: bool,
    pub session_idle: Duration,
    pub signins_per_minute: u32,
    pub web_form_posts_per_minute: u32,
    pub web_form_submissions_per_minute: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            demo: true,
            secure_cookies: false,
            session_idle: Duration::from_secs(3600),
            signins_per_minute: 30,
            web_form_posts_per_minute: 1000,
            web_form_submissions_per_minute: 1000,
        }
    }
}

impl TestApp {
    /// A server on a fresh database filled with the demo data.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Options::default()).await
    }

    /// A server on a fresh, empty database (demo mode off).
    pub async fn spawn_empty() -> TestApp {
        Self::spawn_with(Options {
            demo: false,
            ..Options::default()
        })
        .await
    }

    pub async fn spawn_with(options: Options) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = format!("sqlite://{}", dir.path().join("test.db").display());
        let config = Config {
            database_url: database_url.clone(),
            site_addr: "127.0.0.1:0".parse().unwrap(),
            site_root: "target/site".into(),
            demo: options.demo,
            secure_cookies: options.secure_cookies,
            session_idle: options.session_idle,
            trusted_proxies: Vec::new(),
            signins_per_minute: options.signins_per_minute,
            web_form_posts_per_minute: options.web_form_posts_per_minute,
            web_form_submissions_per_minute: options.web_form_submissions_per_minute,
        };
        let pool = db::connect(&database_url).await.expect("database");
        demo::seed_if_empty(&pool, config.demo).await.expect("seed");
        let state = AppState::new(pool.clone(), config);
        let app = router::build(state.clone());
        let listener = router::listen("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let address = format!(
            "http://{}",
            axum::serve::Listener::local_addr(&listener).unwrap()
        );
        tokio::spawn(async move {
            axum::serve(listener, router::with_client_addresses(app))
                .await
                .unwrap()
        });
        TestApp {
            address,
            pool,
            state,
            _dir: dir,
        }
    }

    /// A client that keeps cookies and does not follow redirects (tests look at them).
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            // A stalled response fails its test instead of stalling the whole run.
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap()
    }

    /// Calls a server function the way the browser does (form-encoded POST).
    pub async fn call(&self, client: &Client, path: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(format!("{}{path}", self.address))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Calls a server function with a structured argument, encoded as the browser encodes it
    /// (`name[field]=value`, absent options left out).
    pub async fn call_with(
        &self,
        client: &Client,
        path: &str,
        name: &str,
        argument: &impl serde::Serialize,
    ) -> Response {
        let body = serde_qs::to_string(&std::collections::BTreeMap::from([(name, argument)]))
            .expect("encodable argument");
        client
            .post(format!("{}{path}", self.address))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn login(&self, client: &Client, email: &str, password: &str) -> Response {
        self.call(
            client,
            "/api/auth/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// A client signed in as `email` with the demo password.
    pub async fn signed_in(&self, email: &str) -> Client {
        let client = self.client();
        let response = self.login(&client, email, DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "sign-in as {email}");
        client
    }

    pub async fn page(&self, client: &Client, path: &str) -> Response {
        client
            .get(format!("{}{path}", self.address))
            .header("Accept", "text/html")
            .send()
            .await
            .expect("request")
    }
}

/// Reads a server function's error body.
pub async fn error_of(response: Response) -> AppError {
    let body = response.text().await.unwrap();
    serde_json::from_str(&body).unwrap_or_else(|_| panic!("not an AppError: {body}"))
}
