//! Admin settings over HTTP: lost reasons and competitors are added, deactivated and
//! reactivated by admins only, and Close as Lost offers exactly the active reasons.

use crate::common::{TestApp, error_of};
use leadflow::error::AppError;
use leadflow::settings::{Entry, Settings};
use reqwest::{Client, StatusCode};

async fn post(
    app: &TestApp,
    client: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> Result<reqwest::Response, (StatusCode, AppError)> {
    let response = app.call(client, path, form).await;
    match response.status() {
        StatusCode::OK => Ok(response),
        status => Err((status, error_of(response).await)),
    }
}

async fn settings(app: &TestApp, admin: &Client) -> Settings {
    post(app, admin, "/api/settings/list", &[])
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The lost reasons the opportunity page offers.
async fn offered(app: &TestApp, rep: &Client, id: i64) -> Vec<String> {
    let summary: leadflow::opportunity::OpportunitySummary = post(
        app,
        rep,
        "/api/opportunities/get",
        &[("id", &id.to_string())],
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    summary.lost_reasons.into_iter().map(|r| r.label).collect()
}

fn find<'a>(entries: &'a [Entry], name: &str) -> &'a Entry {
    entries.iter().find(|e| e.name == name).unwrap()
}

#[tokio::test]
async fn admins_add_and_deactivate_lost_reasons_and_close_as_lost_offers_them() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let add = |kind: &'static str, name: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            post(
                app,
                &admin,
                "/api/settings/add",
                &[("kind", kind), ("name", name)],
            )
            .await
        }
    };
    add("LostReasons", "  Budget   cut ").await.unwrap();
    let listed = settings(&app, &admin).await;
    let reason = find(&listed.lost_reasons, "Budget cut").clone();
    assert!(reason.active && !reason.is_system);
    assert!(find(&listed.lost_reasons, "Out-Sold").is_system);

    // The same name again (any case), or nothing: field errors.
    for name in ["budget CUT", "   "] {
        let (status, error) = add("LostReasons", name).await.unwrap_err();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(error.field_message("name").is_some());
    }
    add("Competitors", "Initech").await.unwrap();
    let (status, error) = add("Competitors", "INITECH").await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.field_message("name").as_deref(),
        Some("\"INITECH\" is already on the list.")
    );

    // Close as Lost offers the new reason, and accepts it.
    let rep = app.signed_in("rep@example.com").await;
    let (id, version): (i64, i64) = sqlx::query_as(
        "SELECT o.id, o.version FROM opportunities o JOIN users u ON u.id = o.owner_id \
         WHERE u.email = 'rep@example.com' AND o.status = 'open' LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        offered(&app, &rep, id)
            .await
            .contains(&"Budget cut".to_string())
    );

    // Deactivated: no longer offered, and refused when sent anyway.
    let reason_id = reason.id.to_string();
    post(
        &app,
        &admin,
        "/api/settings/set-active",
        &[
            ("kind", "LostReasons"),
            ("id", &reason_id),
            ("active", "false"),
        ],
    )
    .await
    .unwrap();
    assert!(
        !offered(&app, &rep, id)
            .await
            .contains(&"Budget cut".to_string())
    );
    let code: String = sqlx::query_scalar("SELECT code FROM lost_reasons WHERE id = ?")
        .bind(reason.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (status, _) = post(
        &app,
        &rep,
        "/api/opportunities/close-lost",
        &[
            ("id", &id.to_string()),
            ("version", &version.to_string()),
            ("close[reason]", &code),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Built-in reasons stay; reps and managers cannot change the lists.
    let out_sold = find(&listed.lost_reasons, "Out-Sold").id.to_string();
    let (status, _) = post(
        &app,
        &admin,
        "/api/settings/set-active",
        &[
            ("kind", "LostReasons"),
            ("id", &out_sold),
            ("active", "false"),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
    let manager = app.signed_in("manager@example.com").await;
    for client in [&rep, &manager] {
        let (status, _) = post(
            &app,
            client,
            "/api/settings/add",
            &[("kind", "Competitors"), ("name", "Umbrella")],
        )
        .await
        .unwrap_err();
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}
