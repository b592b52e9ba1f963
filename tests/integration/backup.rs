use crate::common::TestApp;
use leadflow::server::{backup, db};
use reqwest::StatusCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

async fn count(pool: &sqlx::SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// The tables whose rows a restore must bring back.
const TABLES: [&str; 6] = [
    "users",
    "leads",
    "record_history",
    "accounts",
    "opportunities",
    "lead_monthly",
];

#[tokio::test]
async fn a_backup_taken_during_writes_restores_every_committed_row() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let stop = Arc::new(AtomicBool::new(false));
    let created = Arc::new(AtomicI64::new(0));
    let writer = {
        let (stop, created) = (stop.clone(), created.clone());
        let address = app.address.clone();
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let response = rep
                    .post(format!("{address}/api/leads/create"))
                    .form(&[
                        ("lead[topic]", format!("Backup load {i}")),
                        ("lead[last_name]", format!("Writer{i}")),
                        ("save_anyway", "on".into()),
                    ])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                created.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    // Let some writes land, then back up while they keep coming.
    while created.load(Ordering::SeqCst) < 20 {
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let committed_before = count(
        &app.pool,
        "SELECT COUNT(*) FROM leads WHERE topic LIKE 'Backup load %'",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let bytes = backup::backup(&app.pool, &copy).await.unwrap();
    assert!(bytes > 0);
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    // A second backup to the same file is refused rather than overwriting it.
    assert!(backup::backup(&app.pool, &copy).await.is_err());

    // Restore the copy as another installation's database.
    let database = dir.path().join("restored.db");
    backup::restore(&database, &copy).await.unwrap();
    let restored = db::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    let copied = db::connect(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    for table in TABLES {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        assert_eq!(
            count(&restored, &sql).await,
            count(&copied, &sql).await,
            "{table}"
        );
    }
    let restored_leads = count(
        &restored,
        "SELECT COUNT(*) FROM leads WHERE topic LIKE 'Backup load %'",
    )
    .await;
    assert!(
        restored_leads >= committed_before,
        "{restored_leads} < {committed_before}"
    );
    // A consistent snapshot: every lead in it has its "created" history row, and the
    // monthly totals match the leads.
    assert_eq!(
        count(
            &restored,
            "SELECT COUNT(*) FROM leads l WHERE l.topic LIKE 'Backup load %' AND NOT EXISTS \
             (SELECT 1 FROM record_history h WHERE h.record_type = 'lead' AND h.record_id = l.id)"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &restored,
            "SELECT COALESCE(SUM(count), 0) FROM lead_monthly"
        )
        .await,
        count(&restored, "SELECT COUNT(*) FROM leads").await
    );
    // Every row of the live database that was committed before the backup is back.
    let live_ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM leads WHERE topic LIKE 'Backup load %' ORDER BY id LIMIT ?",
    )
    .bind(committed_before)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let restored_ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM leads WHERE topic LIKE 'Backup load %' ORDER BY id LIMIT ?",
    )
    .bind(committed_before)
    .fetch_all(&restored)
    .await
    .unwrap();
    assert_eq!(live_ids, restored_ids);
}

#[tokio::test]
async fn restore_refuses_a_database_in_use_and_a_file_that_is_not_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("crm.db");
    let url = format!("sqlite://{}", database.display());
    let pool = db::connect(&url).await.unwrap();
    let copy = dir.path().join("copy.db");
    backup::backup(&pool, &copy).await.unwrap();

    let running = backup::lock_instance(&database).unwrap();
    let error = backup::restore(&database, &copy).await.unwrap_err();
    assert!(
        error.contains("in use by a running Leadflow server"),
        "{error}"
    );
    drop(running);

    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all, just some bytes").unwrap();
    let error = backup::restore(&database, &junk).await.unwrap_err();
    assert!(error.contains("is not a Leadflow backup"), "{error}");
    let error = backup::restore(&database, &dir.path().join("missing.db"))
        .await
        .unwrap_err();
    assert!(error.contains("no such file"), "{error}");
    // The database is untouched by the refusals.
    assert!(count(&pool, "SELECT COUNT(*) FROM _sqlx_migrations").await > 0);
}
