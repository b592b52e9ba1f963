use crate::common::TestApp;
use chrono::{Duration, NaiveDate, Utc};
use leadflow::server::generate::{Counts, generate};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn the_demo_data_set_is_large_and_varied_enough() {
    let app = TestApp::spawn().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 3);
    assert!(count(&app, "SELECT COUNT(*) FROM leads").await >= 300);
    assert!(count(&app, "SELECT COUNT(*) FROM accounts").await >= 60);
    assert!(count(&app, "SELECT COUNT(*) FROM contacts").await >= 150);
    assert!(count(&app, "SELECT COUNT(*) FROM opportunities").await >= 120);
    assert!(count(&app, "SELECT COUNT(*) FROM activities").await > 0);
    // Leads over every source, rating and status.
    assert_eq!(
        count(&app, "SELECT COUNT(DISTINCT lead_source) FROM leads").await,
        10
    );
    assert_eq!(
        count(&app, "SELECT COUNT(DISTINCT rating) FROM leads").await,
        3
    );
    assert_eq!(
        count(&app, "SELECT COUNT(DISTINCT status) FROM leads").await,
        3
    );
    // Open opportunities in every stage of the default process, closing within the next six
    // months, and a few in the second process.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(DISTINCT stage_id) FROM opportunities WHERE status = 'open' \
             AND process_id = 1"
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM opportunities o JOIN processes p ON p.id = o.process_id \
             WHERE o.status = 'open' AND p.name = 'Partner deal'"
        )
        .await,
        8
    );
    let today = Utc::now().date_naive();
    let in_six_months = (today + Duration::days(184)).to_string();
    let open_outside: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM opportunities WHERE status = 'open' AND (estimated_close_date < ? OR estimated_close_date > ?)",
    )
    .bind(today.to_string())
    .bind(&in_six_months)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(open_outside, 0);
    // Won and lost over the last twelve months.
    let year_ago = (today - Duration::days(366)).to_string();
    for status in ["won", "lost"] {
        let (closed, months): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COUNT(DISTINCT substr(actual_close_date, 1, 7)) FROM opportunities WHERE status = ? AND actual_close_date >= ?",
        )
        .bind(status)
        .bind(&year_ago)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert!(closed >= 15, "{status}: {closed}");
        assert!(months >= 8, "{status} spread over only {months} months");
    }
    // Qualified leads are linked both ways to what they became.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads l JOIN opportunities o ON o.id = l.qualified_opportunity_id \
             WHERE l.status = 'qualified' AND o.originating_lead_id <> l.id"
        )
        .await,
        0
    );
    assert!(count(&app, "SELECT COUNT(*) FROM leads WHERE status = 'qualified' AND qualified_opportunity_id IS NOT NULL").await > 0);
    // Every opportunity has stage history ending at its current stage.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM opportunities o WHERE o.stage_id <> (SELECT h.to_stage_id FROM stage_history h \
             WHERE h.record_type = 'opportunity' AND h.record_id = o.id ORDER BY h.changed_at DESC, h.id DESC LIMIT 1)"
        )
        .await,
        0
    );
    let violations: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(violations.is_empty(), "{violations:?}");
}

/// A digest of generated rows that does not depend on timestamps taken at run time.
async fn digest(app: &TestApp) -> (String, String) {
    sqlx::query_as(
        "SELECT (SELECT group_concat(topic || email || status || lead_source, ',') FROM (SELECT * FROM leads ORDER BY id)), \
                (SELECT group_concat(topic || estimated_revenue_minor || status || stage_id, ',') FROM (SELECT * FROM opportunities ORDER BY id))",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn generation_is_deterministic_for_a_seed() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let counts = Counts {
        accounts: 20,
        contacts: 50,
        leads: 200,
        opportunities: 100,
        activities: 50,
        open_percent: 10,
    };
    let first = TestApp::spawn_empty().await;
    let second = TestApp::spawn_empty().await;
    for app in [&first, &second] {
        leadflow::server::demo::create_admin(
            &app.pool,
            "Owner",
            "owner@example.com",
            "owner password",
        )
        .await
        .unwrap();
        generate(&app.pool, counts, 99, today).await.unwrap();
    }
    assert_eq!(digest(&first).await, digest(&second).await);
    let open = count(
        &first,
        "SELECT COUNT(*) FROM opportunities WHERE status = 'open'",
    )
    .await;
    assert!((3..=20).contains(&open), "about 10% open, got {open}");
}

#[tokio::test]
async fn an_interrupted_demo_seed_leaves_no_users_behind() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("seed.db").display());
    let pool = leadflow::server::db::connect(&url).await.unwrap();
    // The last part of the seed fails, as a crash or a full disk would stop it.
    sqlx::query(
        "CREATE TRIGGER fail_seed BEFORE INSERT ON activities BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert!(
        leadflow::server::demo::seed_if_empty(&pool, true)
            .await
            .is_err()
    );
    for table in [
        "users",
        "leads",
        "accounts",
        "opportunities",
        "app_settings",
    ] {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 0, "{table}");
    }
    // The next start seeds it whole.
    sqlx::query("DROP TRIGGER fail_seed")
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        leadflow::server::demo::seed_if_empty(&pool, true)
            .await
            .unwrap()
    );
}

/// The generator writes through each record kind's one write path: every generated record
/// has the "created" history entry the forms write, closed opportunities look exactly as
/// Close as Won / Close as Lost leave them, and appointments are stored as the form stores
/// them (UTC, minutes).
#[tokio::test]
async fn generated_records_are_written_as_the_forms_write_them() {
    let app = TestApp::spawn().await;
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let counts = Counts {
        accounts: 40,
        contacts: 80,
        leads: 120,
        opportunities: 150,
        activities: 300,
        open_percent: 40,
    };
    generate(&app.pool, counts, 11, today).await.unwrap();
    for (table, kind) in [
        ("accounts", "account"),
        ("contacts", "contact"),
        ("leads", "lead"),
        ("opportunities", "opportunity"),
    ] {
        let without_created = count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM {table} r WHERE NOT EXISTS (SELECT 1 FROM record_history h \
                 WHERE h.record_type = '{kind}' AND h.record_id = r.id AND h.field = 'created' AND h.version = 1)"
            ),
        )
        .await;
        assert_eq!(without_created, 0, "{table} without their created entry");
    }
    // As close_won / close_lost write them: the status as reason, the open figures kept.
    let misshapen = count(
        &app,
        "SELECT COUNT(*) FROM opportunities WHERE status <> 'open' AND (status_reason <> status \
         OR open_probability IS NULL OR open_forecast_category IS NULL \
         OR probability <> CASE status WHEN 'won' THEN 100 ELSE 0 END \
         OR forecast_category <> status OR closed_at IS NULL)",
    )
    .await;
    assert_eq!(misshapen, 0);
    assert!(
        count(
            &app,
            "SELECT COUNT(*) FROM opportunities WHERE status = 'lost'"
        )
        .await
            > 0
    );
    let odd_appointments = count(
        &app,
        "SELECT COUNT(*) FROM activities WHERE kind = 'appointment' AND \
         (length(starts_at) <> 16 OR length(ends_at) <> 16 OR ends_at < starts_at)",
    )
    .await;
    assert_eq!(odd_appointments, 0);
    assert!(
        count(
            &app,
            "SELECT COUNT(*) FROM activities WHERE kind = 'appointment'"
        )
        .await
            > 0
    );
    // Everything a form would refuse is refused for the generator too: no lead without a
    // last name and company, no contact without a last name.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE last_name IS NULL AND company_name IS NULL"
        )
        .await,
        0
    );
}
