use crate::common::TestApp;
use reqwest::StatusCode;

const SHELL_PAGES: &[&str] = &[
    "/leads",
    "/leads/1",
    "/opportunities",
    "/pipeline",
    "/accounts",
    "/contacts",
    "/activities/all",
    "/dashboard",
    "/users",
    "/settings",
];

#[tokio::test]
async fn signed_out_visitors_are_sent_to_the_login_page() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in SHELL_PAGES {
        let response = app.page(&client, path).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{path}");
        assert_eq!(response.headers().get("location").unwrap(), "/login");
        let body = response.text().await.unwrap();
        assert!(!body.contains("Riley Rep"), "{path} leaked data");
    }
}

#[tokio::test]
async fn the_login_page_shows_the_demo_credentials() {
    let app = TestApp::spawn().await;
    let response = app.page(&app.client(), "/login").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    assert!(body.contains("<label for=\"login-email\">Email</label>"));
    for expected in [
        "admin@example.com",
        "manager@example.com",
        "rep@example.com",
        "leadflow-demo",
    ] {
        assert!(body.contains(expected), "missing {expected}");
    }
    let empty = TestApp::spawn_empty().await;
    let body = empty
        .page(&empty.client(), "/login")
        .await
        .text()
        .await
        .unwrap();
    assert!(!body.contains("leadflow-demo"));
}

#[tokio::test]
async fn signed_in_users_get_the_shell_with_navigation() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("rep@example.com").await;
    for path in SHELL_PAGES
        .iter()
        .filter(|p| !["/users", "/settings"].contains(*p))
    {
        let response = app.page(&client, path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body = response.text().await.unwrap();
        for link in [
            "Leads",
            "Opportunities",
            "Pipeline",
            "Accounts",
            "Contacts",
            "Dashboard",
        ] {
            assert!(
                // The Leads link may carry the unread web leads badge after its name.
                body.contains(&format!(">{link}<")),
                "{path}: no {link} link"
            );
        }
        assert!(body.contains("Riley Rep"));
        // Reps do not see user administration or settings.
        assert!(!body.contains(">Users</a>") && !body.contains(">Settings</a>"));
    }
    let admin = app.signed_in("admin@example.com").await;
    let body = app.page(&admin, "/users").await.text().await.unwrap();
    assert!(body.contains(">Users</a>") && body.contains(">Settings</a>"));
    assert!(body.contains("Add a user"));
}

#[tokio::test]
async fn unknown_addresses_get_a_404_page() {
    let app = TestApp::spawn().await;
    let response = app.page(&app.client(), "/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("Page not found"));
}
