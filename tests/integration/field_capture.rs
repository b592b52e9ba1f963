//! Field mode: the outbox's idempotent sync, card photos, and the built site's files.

use crate::common::{TestApp, error_of};
use base64::Engine;
use leadflow::error::AppError;
use leadflow::lead::SyncedLead;
use reqwest::{Client, StatusCode};

const KEY: &str = "7f1d0c2e-5b6a-4e39-8c41-2d9e6f0a1b3c";

async fn sync(
    app: &TestApp,
    client: &Client,
    key: &str,
    last_name: &str,
    photo: &str,
) -> reqwest::Response {
    sync_with_email(
        app,
        client,
        key,
        last_name,
        "mia.lund@harbour.example",
        photo,
    )
    .await
}

async fn sync_with_email(
    app: &TestApp,
    client: &Client,
    key: &str,
    last_name: &str,
    email: &str,
    photo: &str,
) -> reqwest::Response {
    app.call(
        client,
        "/api/leads/sync",
        &[
            ("capture_key", key),
            ("lead[topic]", "Met at the booth"),
            ("lead[last_name]", last_name),
            ("lead[company_name]", "Harbour Freight"),
            ("lead[email]", email),
            ("card_photo", photo),
        ],
    )
    .await
}

async fn leads_named(app: &TestApp, last_name: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM leads WHERE last_name = ?")
        .bind(last_name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn jpeg_data_url() -> String {
    let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1];
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    )
}

#[tokio::test]
async fn the_same_key_twice_returns_the_same_lead() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let first = sync(&app, &rep, KEY, "Lund", "").await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: SyncedLead = first.json().await.unwrap();
    let again: SyncedLead = sync(&app, &rep, KEY, "Lund", "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(leads_named(&app, "Lund").await, 1);
    let owner: String = sqlx::query_scalar(
        "SELECT u.email FROM leads l JOIN users u ON u.id = l.owner_id WHERE l.id = ?",
    )
    .bind(first.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(owner, "rep@example.com");
}

#[tokio::test]
async fn the_same_key_with_another_body_is_a_conflict() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    assert_eq!(
        sync(&app, &rep, KEY, "Lund", "").await.status(),
        StatusCode::OK
    );
    let other = sync(&app, &rep, KEY, "Lundqvist", "").await;
    assert_eq!(other.status(), StatusCode::CONFLICT);
    assert!(matches!(error_of(other).await, AppError::Conflict { .. }));
    assert_eq!(leads_named(&app, "Lundqvist").await, 0);
    // Another user's key space is their own: the same key makes their own lead.
    let manager = app.signed_in("manager@example.com").await;
    assert_eq!(
        sync(&app, &manager, KEY, "Lund", "").await.status(),
        StatusCode::OK
    );
    assert_eq!(leads_named(&app, "Lund").await, 2);
}

#[tokio::test]
async fn concurrent_posts_with_one_key_make_one_lead() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let posts = (0..8).map(|_| sync(&app, &rep, KEY, "Concurrent", ""));
    let responses = futures::future::join_all(posts).await;
    let mut ids = Vec::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK);
        ids.push(response.json::<SyncedLead>().await.unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every post answered with the same lead");
    assert_eq!(leads_named(&app, "Concurrent").await, 1);
}

#[tokio::test]
async fn a_synced_lead_that_looks_like_another_is_saved_and_names_it() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let first: SyncedLead = sync(&app, &rep, KEY, "Lund", "")
        .await
        .json()
        .await
        .unwrap();
    assert!(first.possible_duplicates.is_empty());
    let second: SyncedLead = sync(
        &app,
        &rep,
        "a2c4e6f8-0000-4000-8000-000000000002",
        "Lund",
        "",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_ne!(second.id, first.id, "saved, never merged");
    let named: Vec<i64> = second.possible_duplicates.iter().map(|m| m.id).collect();
    assert_eq!(named, vec![first.id]);
}

#[tokio::test]
async fn a_refused_capture_says_which_field_and_keeps_nothing() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let response = sync_with_email(&app, &rep, KEY, "Bad", "not-an-email", "").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(response).await.field_message("email").is_some());
    // The key was not used up: the fixed lead syncs with it.
    let fixed = sync_with_email(&app, &rep, KEY, "Bad", "bad@example.com", "").await;
    assert_eq!(fixed.status(), StatusCode::OK);
    let bad_key = sync(&app, &rep, "short", "Lund", "").await;
    assert_eq!(bad_key.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_card_photo_is_kept_and_served_only_to_signed_in_users() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let synced: SyncedLead = sync(&app, &rep, KEY, "Photo", &jpeg_data_url())
        .await
        .json()
        .await
        .unwrap();
    let url = format!("{}/api/leads/{}/photo", app.address, synced.id);
    let photo = rep.get(&url).send().await.unwrap();
    assert_eq!(photo.status(), StatusCode::OK);
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    assert_eq!(photo.headers()["x-content-type-options"], "nosniff");
    assert_eq!(&photo.bytes().await.unwrap()[..3], &[0xFF, 0xD8, 0xFF]);
    let stranger = app.client().get(&url).send().await.unwrap();
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
    let detail = app
        .call(&rep, "/api/leads/get", &[("id", &synced.id.to_string())])
        .await;
    let detail: leadflow::lead::LeadDetail = detail.json().await.unwrap();
    assert!(detail.has_photo);
    let none = rep
        .get(format!("{}/api/leads/1/photo", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_quick_create_form_keeps_the_photo_taken_online() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let photo = jpeg_data_url();
    let response = app
        .call(
            &rep,
            "/api/leads/create",
            &[
                ("lead[topic]", "Booth"),
                ("lead[last_name]", "Online"),
                ("card_photo", &photo),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let stored: (String, Vec<u8>) = sqlx::query_as(
        "SELECT p.content_type, p.bytes FROM lead_photos p \
         JOIN leads l ON l.id = p.lead_id WHERE l.last_name = 'Online'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored.0, "image/jpeg");
    assert_eq!(&stored.1[..3], &[0xFF, 0xD8, 0xFF]);
}

#[tokio::test]
async fn hostile_photos_are_refused_before_anything_is_saved() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let svg = format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode("<svg onload=alert(1)>")
    );
    let mut huge = vec![0xFF, 0xD8, 0xFF];
    huge.resize(1024 * 1024 + 10, 0);
    let huge = format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(huge)
    );
    for photo in [svg.as_str(), huge.as_str(), "javascript:alert(1)"] {
        let response = sync(&app, &rep, KEY, "Hostile", photo).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            error_of(response)
                .await
                .field_message("card_photo")
                .is_some()
        );
    }
    assert_eq!(leads_named(&app, "Hostile").await, 0);
    // The quick-create form takes the same photo field, with the same checks.
    let response = app
        .call(
            &rep,
            "/api/leads/create",
            &[
                ("lead[topic]", "Booth"),
                ("lead[last_name]", "Hostile"),
                ("card_photo", &svg),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_service_worker_and_outbox_script_are_served_with_their_cache_rules() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let worker = client
        .get(format!("{}/sw.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(worker.status(), StatusCode::OK);
    assert_eq!(worker.headers()["cache-control"], "no-cache");
    let worker = worker.text().await.unwrap();
    let script = worker
        .split('"')
        .find(|part| part.starts_with("/offline/outbox."))
        .expect("the worker precaches the outbox script")
        .to_string();
    let outbox = client
        .get(format!("{}{script}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(outbox.status(), StatusCode::OK);
    assert_eq!(
        outbox.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let page = app.page(&client, "/login").await.text().await.unwrap();
    assert!(page.contains(&script), "the page loads the outbox script");
    assert!(page.contains(r#"<link rel="manifest" href="/manifest.webmanifest""#));
    let stale = client
        .get(format!("{}/offline/outbox.0000.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);
}

/// The page is readable from the server's HTML before any WASM: nothing in the `<head>`
/// preloads it (the shell's own script fetches it after the first paint), and the login
/// page arrives whole, its demo accounts in place rather than streamed in after the card.
#[tokio::test]
async fn a_page_is_sent_whole_and_loads_its_wasm_only_from_the_hydration_script() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let page = app.page(&client, "/login").await.text().await.unwrap();
    let head = &page[..page.find("</head>").expect("the page has a head")];
    assert!(!head.contains("preload"), "no preload in the head: {head}");
    assert!(head.contains(r#"import("/pkg/leadflow.js")"#));
    assert!(head.contains(r#"module_or_path: "/pkg/leadflow.wasm""#));
    assert!(head.contains(r#"getEntriesByName("first-contentful-paint")"#));

    let main = &page[..page.find("</main>").expect("the login page has a main")];
    assert!(
        main.contains("Demo accounts"),
        "the demo accounts are in the card"
    );
    for email in [
        "admin@example.com",
        "manager@example.com",
        "rep@example.com",
    ] {
        assert!(main.contains(email), "{email} is in the card");
    }
    assert!(
        !page.contains("<template"),
        "nothing is streamed in out of order"
    );
}
