use crate::common::TestApp;

#[tokio::test]
async fn the_database_runs_in_wal_mode_with_foreign_keys() {
    let app = TestApp::spawn_empty().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(foreign_keys, 1);
    let broken = sqlx::query(
        "INSERT INTO contacts (last_name, last_name_normalized, owner_id, created_by, created_at, modified_by, modified_at) \
         VALUES ('X', 'x', 999, 999, 'now', 999, 'now')",
    )
    .execute(&app.pool)
    .await;
    assert!(
        broken.is_err(),
        "a contact owned by a missing user was accepted"
    );
}

#[tokio::test]
async fn every_editable_record_has_a_version() {
    let app = TestApp::spawn_empty().await;
    for table in [
        "users",
        "accounts",
        "contacts",
        "leads",
        "opportunities",
        "activities",
        "processes",
        "stages",
        "steps",
        "marketing_lists",
    ] {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&app.pool)
                .await
                .unwrap();
        assert!(
            columns.iter().any(|c| c == "version"),
            "{table} has no version"
        );
    }
}

#[tokio::test]
async fn the_default_process_is_installed_in_order() {
    let app = TestApp::spawn_empty().await;
    let stages: Vec<(String, String, i64, String)> = sqlx::query_as(
        "SELECT s.name, s.entity, s.default_probability, s.forecast_category FROM stages s \
         JOIN processes p ON p.id = s.process_id WHERE p.is_default = 1 ORDER BY s.position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let names: Vec<&str> = stages.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, ["Qualify", "Develop", "Propose", "Close"]);
    assert_eq!(stages[0].1, "lead");
    assert_eq!(
        stages.iter().map(|s| s.2).collect::<Vec<_>>(),
        [10, 25, 50, 80]
    );
    let steps: Vec<(String, i64)> = sqlx::query_as(
        "SELECT st.name, COUNT(*) OVER (PARTITION BY st.stage_id) FROM steps st ORDER BY st.stage_id, st.position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(steps.len(), 7 + 4 + 4 + 5);
    assert_eq!(steps[0].0, "Existing contact?");
    assert_eq!(steps.last().unwrap().0, "File de-brief");
}

#[tokio::test]
async fn option_codes_outside_the_set_are_rejected_by_the_schema() {
    let app = TestApp::spawn().await;
    let result = sqlx::query("UPDATE leads SET rating = 'Hot' WHERE id = 1")
        .execute(&app.pool)
        .await;
    assert!(result.is_err(), "a label was stored where a code belongs");
    let result =
        sqlx::query("UPDATE leads SET status = 'open', status_reason = 'lost' WHERE id = 1")
            .execute(&app.pool)
            .await;
    assert!(
        result.is_err(),
        "an open lead with a disqualifying reason was accepted"
    );
}
