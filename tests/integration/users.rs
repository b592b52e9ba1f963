use crate::common::{TestApp, error_of};
use leadflow::auth::{Role, User};
use leadflow::error::AppError;
use reqwest::StatusCode;

async fn users(app: &TestApp, client: &reqwest::Client) -> Vec<User> {
    app.call(client, "/api/users/list", &[])
        .await
        .json()
        .await
        .unwrap()
}

/// Asks the server to create a sales rep.
pub async fn create_rep(
    app: &TestApp,
    admin: &reqwest::Client,
    name: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.call(
        admin,
        "/api/users/create",
        &[
            ("name", name),
            ("email", email),
            ("role", "rep"),
            ("password", password),
        ],
    )
    .await
}

fn find<'a>(list: &'a [User], email: &str) -> &'a User {
    list.iter().find(|u| u.email == email).unwrap()
}

#[tokio::test]
async fn admin_creates_a_user_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let response = create_rep(
        &app,
        &admin,
        "Sam Seller",
        "sam@example.com",
        "sam's password",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let created: User = response.json().await.unwrap();
    assert_eq!(created.role, Role::Rep);
    assert!(find(&users(&app, &admin).await, "sam@example.com").active);
    let sam = app.client();
    assert_eq!(
        app.login(&sam, "sam@example.com", "sam's password")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn invalid_and_duplicate_users_get_field_errors() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let response = create_rep(&app, &admin, " ", "sam@", "short").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let AppError::Validation(fields) = error_of(response).await else {
        panic!("expected field errors");
    };
    assert_eq!(
        fields.keys().map(String::as_str).collect::<Vec<_>>(),
        ["email", "name", "password"]
    );

    // The same email in another case is still the same person.
    let response = create_rep(&app, &admin, "Rep Two", "REP@example.com", "long enough pw").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(response).await.field_message("email").is_some());
    assert_eq!(users(&app, &admin).await.len(), 3);
}

#[tokio::test]
async fn changing_a_role_takes_effect_and_stale_versions_conflict() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let other_admin_view = users(&app, &admin).await;
    let rep = find(&other_admin_view, "rep@example.com").clone();
    let promote = [
        ("id", rep.id.to_string()),
        ("role", "manager".to_string()),
        ("active", "true".to_string()),
        ("version", rep.version.to_string()),
    ];
    let form: Vec<(&str, &str)> = promote.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        app.call(&admin, "/api/users/update", &form).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        find(&users(&app, &admin).await, "rep@example.com").role,
        Role::Manager
    );
    // A second save based on the old version is refused, not silently applied.
    let response = app.call(&admin, "/api/users/update", &form).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(matches!(
        error_of(response).await,
        AppError::Conflict { .. }
    ));
}

#[tokio::test]
async fn deactivated_users_lose_their_session_and_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let rep_client = app.signed_in("rep@example.com").await;
    let rep = find(&users(&app, &admin).await, "rep@example.com").clone();
    let version = rep.version.to_string();
    let id = rep.id.to_string();
    let response = app
        .call(
            &admin,
            "/api/users/update",
            &[
                ("id", &id),
                ("role", "rep"),
                ("active", "false"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.call(&rep_client, "/api/auth/me", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let response = app
        .login(
            &app.client(),
            "rep@example.com",
            crate::common::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_admin_cannot_demote_or_deactivate_themselves() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let me = find(&users(&app, &admin).await, "admin@example.com").clone();
    let (id, version) = (me.id.to_string(), me.version.to_string());
    for (role, active) in [("rep", "true"), ("admin", "false")] {
        let response = app
            .call(
                &admin,
                "/api/users/update",
                &[
                    ("id", &id),
                    ("role", role),
                    ("active", active),
                    ("version", &version),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error_of(response).await.field_message("role").is_some());
    }
}

#[tokio::test]
async fn a_password_reset_ends_sessions_and_replaces_the_password() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let rep_client = app.signed_in("rep@example.com").await;
    let rep = find(&users(&app, &admin).await, "rep@example.com").clone();
    let id = rep.id.to_string();
    let response = app
        .call(
            &admin,
            "/api/users/reset-password",
            &[("id", &id), ("password", "short")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .call(
            &admin,
            "/api/users/reset-password",
            &[("id", &id), ("password", "a brand new password")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.call(&rep_client, "/api/auth/me", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let fresh = app.client();
    assert_eq!(
        app.login(&fresh, "rep@example.com", crate::common::DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&fresh, "rep@example.com", "a brand new password")
            .await
            .status(),
        StatusCode::OK
    );
    let response = app
        .call(
            &admin,
            "/api/users/reset-password",
            &[("id", "9999"), ("password", "a brand new password")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
