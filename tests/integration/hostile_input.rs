//! Hostile text in every field: stored as typed, rendered inert; oversized or control-laden
//! text is a field error, never a 500.

use crate::common::{TestApp, error_of};
use leadflow::duplicates::SaveOutcome;
use reqwest::StatusCode;

const PAYLOADS: [&str; 6] = [
    "<script>alert('x')</script>",
    "</title><script>alert('x')</script>",
    "</textarea><script>alert('x')</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(document.cookie)",
    "' onmouseover='alert(1)' data-x='",
];

/// The lead form's text fields.
const LEAD_TEXT_FIELDS: [&str; 12] = [
    "topic",
    "first_name",
    "last_name",
    "job_title",
    "company_name",
    "street",
    "city",
    "state_province",
    "postal_code",
    "country",
    "description",
    "business_phone",
];

/// No payload survives as markup: no script element, no injected attribute, no
/// `javascript:` link.
fn assert_inert(html: &str, context: &str) {
    // Escaped text ("&lt;img …") is inert; only real markup counts.
    for raw in [
        "<script>alert",
        "<img src=x",
        "\"><img",
        "href=\"javascript:",
        "=\"' onmouseover='alert",
    ] {
        if let Some(at) = html.find(raw) {
            let start = html.floor_char_boundary(at.saturating_sub(200));
            panic!(
                "{context}: found {raw:?} in …{}",
                &html[start..at + raw.len()]
            );
        }
    }
}

#[tokio::test]
async fn xss_payloads_in_every_lead_field_render_inert_on_every_page() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    for payload in PAYLOADS {
        let mut form: Vec<(String, String)> = LEAD_TEXT_FIELDS
            .iter()
            .map(|field| (format!("lead[{field}]"), format!("{field} {payload}")))
            .collect();
        form.push(("save_anyway".into(), "true".into()));
        let response = rep
            .post(format!("{}/api/leads/create", app.address))
            .form(&form)
            .send()
            .await
            .unwrap();
        // A phone of text is a field error; everything else is taken as typed.
        let body = response.text().await.unwrap();
        let error: Option<leadflow::error::AppError> = serde_json::from_str(&body).ok();
        assert!(
            error.is_some_and(|e| e.field_message("business_phone").is_some()),
            "{body}"
        );
        form.retain(|(name, _)| name != "lead[business_phone]");
        // A website must be a web address: `javascript:` and markup are refused.
        let mut with_website = form.clone();
        with_website.push(("lead[website]".into(), payload.into()));
        let response = rep
            .post(format!("{}/api/leads/create", app.address))
            .form(&with_website)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{payload}"
        );
        assert!(error_of(response).await.field_message("website").is_some());
        let response = rep
            .post(format!("{}/api/leads/create", app.address))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{payload}: {body}");
        let SaveOutcome::Saved { id, .. } = serde_json::from_str(&body).unwrap() else {
            panic!("not saved");
        };
        let stored: String = sqlx::query_scalar("SELECT description FROM leads WHERE id = ?")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(stored, format!("description {payload}"), "stored as typed");
        // An activity with the payload, so the timeline shows it too.
        let response = app
            .call(
                &rep,
                "/api/activities/log",
                &[
                    ("regarding", "lead"),
                    ("record_id", &id.to_string()),
                    ("activity[kind]", "note"),
                    ("activity[subject]", payload),
                    ("activity[body]", payload),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        for path in [
            format!("/leads/{id}"),
            "/leads?view=my-open".to_string(),
            "/leads?view=all-open&q=topic".to_string(),
        ] {
            let page = app.page(&rep, &path).await;
            assert_eq!(page.status(), StatusCode::OK, "{path}");
            assert_inert(&page.text().await.unwrap(), &path);
        }
        // The history and timeline as the record page's server functions return them are
        // data (JSON), drawn by the components as text.
        let qualified = app
            .call(
                &rep,
                "/api/leads/qualify",
                &[
                    ("id", &id.to_string()),
                    ("version", "1"),
                    ("account", "new"),
                    ("contact", "new"),
                ],
            )
            .await;
        assert_eq!(qualified.status(), StatusCode::OK, "{payload}");
        let opportunity: i64 = qualified.json().await.unwrap();
        for path in [
            format!("/opportunities/{opportunity}"),
            "/pipeline".to_string(),
            "/accounts".to_string(),
            "/contacts".to_string(),
            "/opportunities?view=my-open".to_string(),
        ] {
            let page = app.page(&rep, &path).await;
            assert_eq!(page.status(), StatusCode::OK, "{path}");
            assert_inert(&page.text().await.unwrap(), &path);
        }
    }
}

#[tokio::test]
async fn megabyte_strings_and_control_characters_are_field_errors() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let megabyte = "a".repeat(1_000_000);
    let cases: [(&str, &str, &str, &str); 6] = [
        ("/api/leads/create", "lead", "topic", megabyte.as_str()),
        (
            "/api/leads/create",
            "lead",
            "description",
            megabyte.as_str(),
        ),
        ("/api/leads/create", "lead", "last_name", "Lee\u{0}DROP"),
        ("/api/leads/create", "lead", "city", "Oslo\u{1b}[2J"),
        ("/api/accounts/create", "account", "name", megabyte.as_str()),
        ("/api/contacts/create", "contact", "last_name", "Lee\u{7}"),
    ];
    for (path, form, field, value) in cases {
        let mut body = vec![(format!("{form}[{field}]"), value.to_string())];
        if form == "lead" && field != "topic" {
            body.push(("lead[topic]".into(), "Hostile".into()));
        }
        if form == "lead" && field != "last_name" {
            body.push(("lead[last_name]".into(), "Hostile".into()));
        }
        let response = rep
            .post(format!("{}{path}", app.address))
            .form(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {field}"
        );
        assert!(
            error_of(response).await.field_message(field).is_some(),
            "{path} {field}"
        );
    }
    // An activity's body: a megabyte is refused, a long note is kept.
    let response = app
        .call(
            &rep,
            "/api/activities/log",
            &[
                ("regarding", "account"),
                ("record_id", "1"),
                ("activity[kind]", "note"),
                ("activity[subject]", "Long"),
                ("activity[body]", &megabyte),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A body over the cap is refused before it is read.
    let response = rep
        .post(format!("{}/api/leads/create", app.address))
        .form(&[(
            "lead[topic]",
            "a".repeat(leadflow::server::router::MAX_BODY_BYTES + 1),
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
