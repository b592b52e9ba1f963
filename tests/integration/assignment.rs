use crate::common::{TestApp, error_of};
use leadflow::error::AppError;
use reqwest::StatusCode;

async fn user_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = ?")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// An editable record of `table` owned by `owner`: its id and version.
async fn record_of(app: &TestApp, table: &str, editable: &str, owner: i64) -> (i64, i64) {
    sqlx::query_as(&format!(
        "SELECT id, version FROM {table} WHERE {editable} AND owner_id = ? ORDER BY id LIMIT 1"
    ))
    .bind(owner)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

const KINDS: [(&str, &str, &str); 4] = [
    ("lead", "leads", "status = 'open'"),
    ("opportunity", "opportunities", "status = 'open'"),
    ("account", "accounts", "active = 1"),
    ("contact", "contacts", "active = 1"),
];

#[tokio::test]
async fn managers_reassign_each_kind_of_record_and_the_history_says_so() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let rep_id = user_id(&app, "rep@example.com").await;
    let admin_id = user_id(&app, "admin@example.com").await;
    for (kind, table, editable) in KINDS {
        let (id, version) = record_of(&app, table, editable, rep_id).await;
        let response = app
            .call(
                &manager,
                "/api/records/assign",
                &[
                    ("kind", kind),
                    ("id", &id.to_string()),
                    ("version", &version.to_string()),
                    ("owner", &admin_id.to_string()),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{kind}");
        let new_version: i64 = response.json().await.unwrap();
        assert_eq!(new_version, version + 1, "{kind}");
        let (owner, stored_version): (i64, i64) = sqlx::query_as(&format!(
            "SELECT owner_id, version FROM {table} WHERE id = ?"
        ))
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!((owner, stored_version), (admin_id, version + 1), "{kind}");
        let history: (String, String, String, i64) = sqlx::query_as(
            "SELECT field, old_value, new_value, version FROM record_history \
             WHERE record_type = ? AND record_id = ? ORDER BY id DESC LIMIT 1",
        )
        .bind(kind)
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(
            history,
            (
                "owner".into(),
                "Riley Rep".into(),
                "Ada Admin".into(),
                version + 1
            ),
            "{kind}"
        );
        // The same screen saved again is stale now.
        let stale = app
            .call(
                &manager,
                "/api/records/assign",
                &[
                    ("kind", kind),
                    ("id", &id.to_string()),
                    ("version", &version.to_string()),
                    ("owner", &rep_id.to_string()),
                ],
            )
            .await;
        assert_eq!(stale.status(), StatusCode::CONFLICT, "{kind}");
    }
}

#[tokio::test]
async fn reps_cannot_reassign_even_their_own_records() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let rep_id = user_id(&app, "rep@example.com").await;
    let manager_id = user_id(&app, "manager@example.com").await;
    for (kind, table, editable) in KINDS {
        let (id, version) = record_of(&app, table, editable, rep_id).await;
        let response = app
            .call(
                &rep,
                "/api/records/assign",
                &[
                    ("kind", kind),
                    ("id", &id.to_string()),
                    ("version", &version.to_string()),
                    ("owner", &manager_id.to_string()),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{kind}");
        let owner: i64 = sqlx::query_scalar(&format!("SELECT owner_id FROM {table} WHERE id = ?"))
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(owner, rep_id, "{kind}");
    }
}

#[tokio::test]
async fn reassigning_to_an_inactive_user_or_a_closed_record_is_refused() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let rep_id = user_id(&app, "rep@example.com").await;
    let admin_id = user_id(&app, "admin@example.com").await;
    sqlx::query("UPDATE users SET active = 0 WHERE id = ?")
        .bind(admin_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let (id, version) = record_of(&app, "leads", "status = 'open'", rep_id).await;
    let response = app
        .call(
            &manager,
            "/api/records/assign",
            &[
                ("kind", "lead"),
                ("id", &id.to_string()),
                ("version", &version.to_string()),
                ("owner", &admin_id.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(response).await.field_message("owner").is_some());

    let (closed, version) = record_of(&app, "opportunities", "status = 'won'", rep_id).await;
    let manager_id = user_id(&app, "manager@example.com").await;
    let response = app
        .call(
            &manager,
            "/api/records/assign",
            &[
                ("kind", "opportunity"),
                ("id", &closed.to_string()),
                ("version", &version.to_string()),
                ("owner", &manager_id.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(matches!(
        error_of(response).await,
        AppError::Conflict { .. }
    ));
}
