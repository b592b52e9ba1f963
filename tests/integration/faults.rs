//! Crashes: the real server binary killed with SIGKILL while Qualify, Close as Won and a
//! board move are in flight, round after round. After every restart no record is half
//! written, every write that was answered 200 is there, and the trigger-kept totals match the
//! rows.

use crate::opportunities::closed_daily_matches_the_rows;
use rand::{Rng, SeedableRng};
use reqwest::{Client, StatusCode};
use sqlx::SqlitePool;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Rounds of start, load, kill -9; `LEADFLOW_FAULT_ROUNDS` sets more.
fn rounds() -> usize {
    std::env::var("LEADFLOW_FAULT_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the server binary on `database` and waits (bounded) until it answers.
#[expect(
    clippy::zombie_processes,
    reason = "the caller kills the returned server and waits for it"
)]
async fn start(database: &str, port: u16, client: &Client) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadflow"))
        .env("DATABASE_URL", format!("sqlite://{database}"))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", "target/site")
        .env("LEADFLOW_DEMO", "true")
        .env("LEADFLOW_SIGNINS_PER_MINUTE", "100000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server binary");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let answered = client
            .get(format!("http://127.0.0.1:{port}/login"))
            .send()
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK);
        if answered {
            return child;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not start");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn one(pool: &SqlitePool, sql: &str) -> Option<(i64, i64)> {
    sqlx::query_as(sql).fetch_optional(pool).await.unwrap()
}

async fn count(pool: &SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Nothing half-written: qualified leads have their opportunity, what Qualify created belongs
/// to a qualified lead, and the database is sound.
async fn assert_consistent(pool: &SqlitePool) {
    assert_eq!(
        count(
            pool,
            "SELECT COUNT(*) FROM leads l WHERE l.status = 'qualified' AND NOT EXISTS \
             (SELECT 1 FROM opportunities o WHERE o.id = l.qualified_opportunity_id \
              AND o.originating_lead_id = l.id)"
        )
        .await,
        0,
        "a qualified lead without its opportunity"
    );
    assert_eq!(
        count(
            pool,
            "SELECT COUNT(*) FROM record_history h WHERE h.record_type IN ('account', 'contact', 'opportunity') \
             AND h.field = 'created' AND h.new_value LIKE 'Created by qualifying%' AND NOT EXISTS \
             (SELECT 1 FROM leads l WHERE l.status = 'qualified' AND \
              h.record_id = CASE h.record_type WHEN 'account' THEN l.qualified_account_id \
              WHEN 'contact' THEN l.qualified_contact_id ELSE l.qualified_opportunity_id END)"
        )
        .await,
        0,
        "a record Qualify created for a lead that is not qualified"
    );
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    closed_daily_matches_the_rows(pool).await;
}

#[tokio::test]
async fn kill_9_during_qualify_close_and_board_moves_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("faults.db").display().to_string();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let probe = Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut pool: Option<SqlitePool> = None;
    let mut answered = [0usize; 3];
    for round in 0..rounds() {
        let mut server = start(&database, port, &probe).await;
        let pool = match &pool {
            Some(pool) => pool.clone(),
            None => pool
                .insert(
                    SqlitePool::connect(&format!("sqlite://{database}"))
                        .await
                        .unwrap(),
                )
                .clone(),
        };
        assert_consistent(&pool).await;
        let client = Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let signed_in = client
            .post(format!("{base}/api/auth/login"))
            .form(&[
                ("email", "manager@example.com"),
                ("password", crate::common::DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert!(signed_in.status().is_success() || signed_in.status().is_redirection());
        let Some(lead) = one(&pool, "SELECT id, version FROM leads WHERE status = 'open' AND company_name IS NOT NULL AND last_name IS NOT NULL ORDER BY random() LIMIT 1").await else {
            break;
        };
        let won = one(
            &pool,
            "SELECT id, version FROM opportunities WHERE status = 'open' ORDER BY random() LIMIT 1",
        )
        .await
        .unwrap();
        let moved = one(&pool, &format!("SELECT id, version FROM opportunities WHERE status = 'open' AND stage_id > 2 AND id <> {} ORDER BY random() LIMIT 1", won.0)).await;
        let form = |pairs: &[(&str, String)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<Vec<_>>()
        };
        let post = |path: &'static str, body: Vec<(String, String)>| {
            let request = client.post(format!("{base}{path}")).form(&body).send();
            async move { request.await.is_ok_and(|r| r.status() == StatusCode::OK) }
        };
        let qualify = post(
            "/api/leads/qualify",
            form(&[
                ("id", lead.0.to_string()),
                ("version", lead.1.to_string()),
                ("account", "new".into()),
                ("contact", "new".into()),
            ]),
        );
        let close = post(
            "/api/opportunities/close-won",
            form(&[("id", won.0.to_string()), ("version", won.1.to_string())]),
        );
        let board = post(
            "/api/opportunities/move",
            form(&[
                ("id", moved.map_or(0, |m| m.0).to_string()),
                ("version", moved.map_or(0, |m| m.1).to_string()),
                ("direction", "2".into()),
            ]),
        );
        // Kill the server somewhere between before the first write and after the last.
        let kill_after = Duration::from_millis(rng.gen_range(0..40));
        let killer = async {
            tokio::time::sleep(kill_after).await;
            server.kill().unwrap();
        };
        let ((qualified, closed, board_moved), ()) =
            tokio::join!(async { tokio::join!(qualify, close, board) }, killer);
        server.wait().unwrap();
        // What was answered 200 was committed and survives the crash.
        let lead_status: String = sqlx::query_scalar("SELECT status FROM leads WHERE id = ?")
            .bind(lead.0)
            .fetch_one(&pool)
            .await
            .unwrap();
        let won_status: String =
            sqlx::query_scalar("SELECT status FROM opportunities WHERE id = ?")
                .bind(won.0)
                .fetch_one(&pool)
                .await
                .unwrap();
        if qualified {
            answered[0] += 1;
            assert_eq!(lead_status, "qualified", "round {round}");
        }
        if closed {
            answered[1] += 1;
            assert_eq!(won_status, "won", "round {round}");
        }
        if let (true, Some((id, _))) = (board_moved, moved) {
            answered[2] += 1;
            let stage: i64 = sqlx::query_scalar("SELECT stage_id FROM opportunities WHERE id = ?")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(stage, 2, "round {round}");
        }
    }
    let pool = pool.expect("at least one round");
    assert_consistent(&pool).await;
    // Some rounds let writes finish and some cut them off: both paths were taken.
    println!(
        "answered before the kill: qualify {}, close {}, move {} of {} rounds",
        answered[0],
        answered[1],
        answered[2],
        rounds()
    );
    assert!(
        answered.iter().any(|n| *n > 0),
        "no write ever finished before the kill"
    );
}

/// Applies `pragma` to every connection of the pool (each connection has its own settings).
async fn on_every_connection(app: &crate::common::TestApp, pragma: &str) {
    let mut connections = Vec::new();
    for _ in 0..app.pool.options().get_max_connections() {
        let mut connection = app.pool.acquire().await.unwrap();
        sqlx::query(pragma).execute(&mut *connection).await.unwrap();
        connections.push(connection);
    }
}

#[tokio::test]
async fn a_full_or_read_only_database_gets_a_clear_503_and_reads_still_work() {
    for pragma in ["PRAGMA query_only = ON", "max_page_count"] {
        let app = crate::common::TestApp::spawn().await;
        let rep = app.signed_in("rep@example.com").await;
        if pragma.contains("max_page_count") {
            // Full: no page may be added beyond what the file holds now.
            let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
                .fetch_one(&app.pool)
                .await
                .unwrap();
            on_every_connection(&app, &format!("PRAGMA max_page_count = {pages}")).await;
        } else {
            on_every_connection(&app, pragma).await;
        }
        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leads")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        // Enough leads to need a new page, each answered with the same clear message.
        let mut refused = 0;
        for i in 0..200 {
            let response = app
                .call(
                    &rep,
                    "/api/leads/create",
                    &[
                        ("lead[topic]", &format!("Disk {i} {}", "x".repeat(400))),
                        ("lead[last_name]", "Full"),
                        ("lead[description]", &"y".repeat(4000)),
                        ("save_anyway", "true"),
                    ],
                )
                .await;
            match response.status() {
                StatusCode::OK => {}
                status => {
                    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{pragma}");
                    assert_eq!(
                        crate::common::error_of(response).await,
                        leadflow::error::AppError::StorageUnavailable,
                        "{pragma}"
                    );
                    refused += 1;
                    break;
                }
            }
        }
        assert_eq!(refused, 1, "{pragma}: no write was refused");
        // Reads go on: the lead list renders.
        let page = app.page(&rep, "/leads").await;
        assert_eq!(page.status(), StatusCode::OK, "{pragma}");
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leads")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert!(after >= before, "{pragma}");
    }
}
