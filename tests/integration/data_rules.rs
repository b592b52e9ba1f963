//! The data rules a review found broken: each test failed before its fix.

use crate::common::{TestApp, error_of};
use crate::opportunities::{act, new_opportunity};
use reqwest::{Client, StatusCode};

async fn scalar(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn history_rows(app: &TestApp, record_type: &str, id: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM record_history WHERE record_type = ? AND record_id = ?",
    )
    .bind(record_type)
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn new_lead(app: &TestApp, rep: &Client, last_name: &str, company: &str) -> i64 {
    let response = app
        .call(
            rep,
            "/api/leads/create",
            &[
                ("lead[topic]", "Data rules"),
                ("lead[last_name]", last_name),
                ("lead[company_name]", company),
                ("save_anyway", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let leadflow::duplicates::SaveOutcome::Saved { id, .. } = response.json().await.unwrap() else {
        panic!("lead not saved");
    };
    id
}

/// A contact of one account and another account: (contact, its account, the other).
async fn contact_and_two_accounts(app: &TestApp) -> (i64, i64, i64) {
    let (contact, account): (i64, i64) = sqlx::query_as(
        "SELECT c.id, c.account_id FROM contacts c JOIN accounts a ON a.id = c.account_id \
         WHERE c.active = 1 AND a.active = 1 ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let other: i64 =
        sqlx::query_scalar("SELECT id FROM accounts WHERE active = 1 AND id <> ? LIMIT 1")
            .bind(account)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    (contact, account, other)
}

#[tokio::test]
async fn qualify_linking_a_contact_uses_that_contacts_account() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let (contact, account, other) = contact_and_two_accounts(&app).await;
    let contact_code = contact.to_string();
    for wrong in ["new".to_string(), other.to_string()] {
        let id = new_lead(&app, &rep, "Linker", "Some Other Company").await;
        let response = app
            .call(
                &rep,
                "/api/leads/qualify",
                &[
                    ("id", &id.to_string()),
                    ("version", "1"),
                    ("account", &wrong),
                    ("contact", &contact_code),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{wrong}"
        );
        assert!(error_of(response).await.field_message("account").is_some());
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM opportunities WHERE originating_lead_id = ?",
                id
            )
            .await,
            0
        );
    }
    // "No account" with that contact: the opportunity gets the contact's account.
    let id = new_lead(&app, &rep, "Linker", "Some Other Company").await;
    let response = app
        .call(
            &rep,
            "/api/leads/qualify",
            &[
                ("id", &id.to_string()),
                ("version", "1"),
                ("account", "none"),
                ("contact", &contact_code),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let opportunity: i64 = response.json().await.unwrap();
    assert_eq!(
        scalar(
            &app,
            "SELECT account_id FROM opportunities WHERE id = ?",
            opportunity
        )
        .await,
        account
    );
}

#[tokio::test]
async fn the_opportunity_form_refuses_a_contact_of_another_account() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    let (contact, account, other) = contact_and_two_accounts(&app).await;
    let (contact, account, other) = (contact.to_string(), account.to_string(), other.to_string());
    let form = |account: &str| {
        vec![
            (
                "opportunity[topic]".to_string(),
                "Espresso fleet".to_string(),
            ),
            ("opportunity[account_id]".to_string(), account.to_string()),
            ("opportunity[contact_id]".to_string(), contact.clone()),
            ("opportunity[with_customer]".to_string(), "true".to_string()),
        ]
    };
    let send = |form: Vec<(String, String)>| {
        let mut full = vec![
            ("id".to_string(), id.to_string()),
            ("version".to_string(), "1".to_string()),
        ];
        full.extend(form);
        rep.post(format!("{}/api/opportunities/update", app.address))
            .form(&full)
            .send()
    };
    let response = send(form(&other)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_of(response)
            .await
            .field_message("contact_id")
            .is_some()
    );
    let response = send(form(&account)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_inactive_competitor_cannot_be_added_but_can_be_removed() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    let competitor: i64 = sqlx::query_scalar("SELECT id FROM competitors ORDER BY id LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let competitor = competitor.to_string();
    let set = |present: &'static str| {
        let competitor = competitor.clone();
        let rep = rep.clone();
        let app = &app;
        async move {
            app.call(
                &rep,
                "/api/opportunities/competitor",
                &[
                    ("id", &id.to_string()),
                    ("competitor_id", &competitor),
                    ("present", present),
                ],
            )
            .await
        }
    };
    assert_eq!(set("true").await.status(), StatusCode::OK);
    sqlx::query("UPDATE competitors SET active = 0")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(set("false").await.status(), StatusCode::OK);
    let response = set("true").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_of(response)
            .await
            .field_message("competitor_id")
            .is_some()
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM opportunity_competitors WHERE opportunity_id = ?",
            id
        )
        .await,
        0
    );
}

#[tokio::test]
async fn an_inactive_lost_reason_cannot_be_picked() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    sqlx::query("UPDATE lost_reasons SET active = 0 WHERE code = 'canceled'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, error) = act(
        &app,
        &rep,
        "/api/opportunities/close-lost",
        id,
        1,
        &[("close[reason]", "canceled")],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("reason").is_some());
}

#[tokio::test]
async fn changes_that_change_nothing_write_no_history() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    let contact: i64 = sqlx::query_scalar("SELECT id FROM contacts WHERE active = 1 LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let before = history_rows(&app, "opportunity", id).await;
    // Removing a contact who is not a stakeholder.
    let response = app
        .call(
            &rep,
            "/api/opportunities/stakeholder",
            &[
                ("id", &id.to_string()),
                ("contact_id", &contact.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(history_rows(&app, "opportunity", id).await, before);
    // Ticking a step twice records it once.
    let step: i64 = sqlx::query_scalar(
        "SELECT s.id FROM steps s JOIN opportunities o ON o.stage_id = s.stage_id \
         WHERE o.id = ? AND s.kind = 'checkbox' LIMIT 1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    for _ in 0..2 {
        let response = app
            .call(
                &rep,
                "/api/opportunities/step",
                &[
                    ("id", &id.to_string()),
                    ("step_id", &step.to_string()),
                    ("done", "true"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(history_rows(&app, "opportunity", id).await, before + 1);
}

#[tokio::test]
async fn page_numbers_too_large_or_negative_are_clamped() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    for page in ["9223372036854775807", "-9223372036854775808", "0"] {
        for (path, view) in [
            ("/api/leads/list", "all-open"),
            ("/api/opportunities/list", "all-open"),
        ] {
            let response = app
                .call(
                    &rep,
                    path,
                    &[
                        ("query[view]", view),
                        (
                            "query[sort]",
                            if path.contains("leads") {
                                "created"
                            } else {
                                "close-date"
                            },
                        ),
                        ("query[descending]", "false"),
                        ("query[page]", page),
                    ],
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK, "{path} page {page}");
        }
        let response = app
            .call(
                &rep,
                "/api/directory/list",
                &[
                    ("kind", "accounts"),
                    ("query[view]", "active"),
                    ("query[sort]", "name"),
                    ("query[descending]", "false"),
                    ("query[page]", page),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "directory page {page}");
        let html = app.page(&rep, &format!("/leads?page={page}")).await;
        assert_eq!(html.status(), StatusCode::OK, "/leads?page={page}");
    }
}
