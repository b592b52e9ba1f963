//! Web-to-lead: forms made by admins, posted by a website's visitors without signing in.

use crate::common::{Options, TestApp};
use leadflow::lead::{LeadPage, LeadQuery, LeadSource};
use reqwest::{Client, StatusCode};
use std::time::Duration;

const SHOP: &str = "https://shop.example";

async fn user_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = ?")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// A form asking first name, last name (required), email (required) and company, made by
/// the admin with the given extra settings; its id and public key.
async fn make_form(
    app: &TestApp,
    admin: &Client,
    name: &str,
    settings: &[(&str, &str)],
) -> (i64, String) {
    let mut form: Vec<(String, String)> = vec![
        ("version".into(), "0".into()),
        ("form[name]".into(), name.into()),
        ("form[allowed_origins]".into(), SHOP.into()),
    ];
    for (i, (field, required)) in [
        ("first_name", false),
        ("last_name", true),
        ("email", true),
        ("company_name", false),
    ]
    .iter()
    .enumerate()
    {
        form.push((format!("form[fields][{i}][field]"), field.to_string()));
        form.push((format!("form[fields][{i}][label]"), String::new()));
        form.push((format!("form[fields][{i}][required]"), required.to_string()));
    }
    form.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = app.call(admin, "/api/web-forms/save", &pairs).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    let id: i64 = response.json().await.unwrap();
    let key = sqlx::query_scalar("SELECT public_key FROM web_forms WHERE id = ?")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (id, key)
}

async fn round_robin_form(
    app: &TestApp,
    admin: &Client,
    settings: &[(&str, &str)],
) -> (i64, String) {
    let rep = user_id(app, "rep@example.com").await.to_string();
    let manager = user_id(app, "manager@example.com").await.to_string();
    let mut all: Vec<(&str, &str)> = vec![
        ("form[owner_rule]", "round_robin"),
        ("form[reps][0]", &rep),
        ("form[reps][1]", &manager),
        ("form[min_fill_seconds]", "0"),
    ];
    all.extend_from_slice(settings);
    make_form(app, admin, "Contact us", &all).await
}

/// A visitor's browser: no cookies kept, no redirects followed.
fn visitor() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The hosted page's signed token.
async fn fresh_token(app: &TestApp, key: &str) -> String {
    let html = visitor()
        .get(format!("{}/f/{key}", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    token_in(&html)
}

fn token_in(html: &str) -> String {
    let at = html.find("name=\"_token\"").expect("a token field");
    let rest = &html[at..];
    let value = rest.find("value=\"").expect("a token value") + 7;
    rest[value..value + rest[value..].find('"').unwrap()].to_string()
}

async fn post(app: &TestApp, key: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    visitor()
        .post(format!("{}/f/{key}", app.address))
        .header("Origin", SHOP)
        .form(fields)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

async fn lead_by_email(app: &TestApp, email: &str) -> Option<(i64, i64, Option<String>, String)> {
    sqlx::query_as("SELECT id, owner_id, lead_source, topic FROM leads WHERE email = ?")
        .bind(email)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn submissions_create_leads_round_robin_with_the_forms_source_and_their_origin() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let (form_id, key) = round_robin_form(&app, &admin, &[("form[campaign]", "Spring fair")]).await;
    let rep = user_id(&app, "rep@example.com").await;
    let manager = user_id(&app, "manager@example.com").await;
    let mut owners = Vec::new();
    for n in 0..3 {
        let token = fresh_token(&app, &key).await;
        let email = format!("visitor{n}@buyer.example");
        let response = post(
            &app,
            &key,
            &[
                ("_token", &token),
                ("first_name", "Vera"),
                ("last_name", "Okafor"),
                ("email", &email),
                // Not the browser's to decide: ignored.
                ("owner_id", "1"),
                ("lead_source", "partner"),
                ("status", "qualified"),
                (
                    "_page",
                    "https://shop.example/pricing?utm_source=newsletter",
                ),
                ("_referrer", "https://search.example/?q=crm"),
                ("utm_source", "newsletter"),
                ("utm_medium", "email"),
                ("utm_campaign", "spring"),
                ("utm_term", "crm"),
                ("utm_content", "banner"),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.text().await.unwrap().contains("Thank you"));
        let (id, owner, source, topic) = lead_by_email(&app, &email).await.expect("a lead");
        assert_eq!(source.as_deref(), Some(LeadSource::Web.code()));
        assert_eq!(topic, "Contact us (Spring fair)");
        let status: String = sqlx::query_scalar("SELECT status FROM leads WHERE id = ?")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(status, "open");
        owners.push(owner);
        let origin: (i64, String, String, String, String, String, String, String) = sqlx::query_as(
            "SELECT form_id, page_url, referrer, utm_source, utm_medium, utm_campaign, utm_term, utm_content \
             FROM lead_web_origins WHERE lead_id = ?",
        )
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(
            origin,
            (
                form_id,
                "https://shop.example/pricing?utm_source=newsletter".into(),
                "https://search.example/?q=crm".into(),
                "newsletter".into(),
                "email".into(),
                "spring".into(),
                "crm".into(),
                "banner".into()
            )
        );
        // The owner's follow-up, due the next working day.
        let due: String = sqlx::query_scalar(
            "SELECT due_date FROM activities WHERE lead_id = ? AND kind = 'task' AND owner_id = ? AND done = 0",
        )
        .bind(id)
        .bind(owner)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        let today = chrono::Utc::now().date_naive();
        let mut expected = today + chrono::Duration::days(1);
        while matches!(
            chrono::Datelike::weekday(&expected),
            chrono::Weekday::Sat | chrono::Weekday::Sun
        ) {
            expected += chrono::Duration::days(1);
        }
        assert_eq!(due, expected.to_string());
    }
    assert_eq!(owners, [rep, manager, rep]);

    // A deactivated rep is skipped.
    sqlx::query("UPDATE users SET active = 0 WHERE id = ?")
        .bind(manager)
        .execute(&app.pool)
        .await
        .unwrap();
    let token = fresh_token(&app, &key).await;
    post(
        &app,
        &key,
        &[
            ("_token", &token),
            ("last_name", "Ng"),
            ("email", "ng@buyer.example"),
        ],
    )
    .await;
    assert_eq!(
        lead_by_email(&app, "ng@buyer.example").await.unwrap().1,
        rep
    );

    // The rep's badge counts the four unread web leads; opening one reads it.
    let rep_client = app.signed_in("rep@example.com").await;
    let unread = |client: Client| {
        let app = &app;
        async move {
            app.call(&client, "/api/web-forms/unread", &[])
                .await
                .json::<i64>()
                .await
                .unwrap()
        }
    };
    assert_eq!(unread(rep_client.clone()).await, 3);
    let first = lead_by_email(&app, "visitor0@buyer.example")
        .await
        .unwrap()
        .0;
    let detail: leadflow::lead::LeadDetail = app
        .call(&rep_client, "/api/leads/get", &[("id", &first.to_string())])
        .await
        .json()
        .await
        .unwrap();
    let web = detail.web.expect("the lead's origin");
    assert_eq!(web.form.name, "Contact us");
    assert_eq!(web.origin.utm_campaign.as_deref(), Some("spring"));
    assert_eq!(unread(rep_client.clone()).await, 2);

    // The lead list filters by form and UTM; the dashboard breaks Web down by UTM source.
    let query = LeadQuery {
        view: leadflow::lead::LeadView::AllOpen,
        form: Some(form_id),
        utm_source: Some("NEWSLETTER".into()),
        ..LeadQuery::default()
    };
    let page: LeadPage = app
        .call_with(&admin, "/api/leads/list", "query", &query)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    let dashboard = crate::dashboard::dashboard(&app, &admin, &Default::default()).await;
    let newsletter = dashboard
        .web_sources
        .iter()
        .find(|row| row.utm_source.as_deref() == Some("newsletter"))
        .expect("a newsletter row");
    assert_eq!(newsletter.counts.open, 3);
    let no_utm = dashboard
        .web_sources
        .iter()
        .find(|row| row.utm_source.is_none())
        .expect("a row without UTM");
    assert_eq!(no_utm.counts.total(), 1);
}

#[tokio::test]
async fn a_double_click_a_retry_or_a_replay_creates_one_lead() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let (_, key) = round_robin_form(&app, &admin, &[]).await;
    let token = fresh_token(&app, &key).await;
    let fields = [
        ("_token", token.as_str()),
        ("last_name", "Twice"),
        ("email", "twice@buyer.example"),
    ];
    let (a, b) = tokio::join!(post(&app, &key, &fields), post(&app, &key, &fields));
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    let replay = post(&app, &key, &fields).await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM leads WHERE last_name = 'Twice'").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM web_submissions WHERE outcome = 'created'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_known_person_gets_an_activity_and_a_task_instead_of_a_second_lead() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let (form_id, key) = round_robin_form(&app, &admin, &[]).await;
    let (lead_id, owner, email): (i64, i64, String) = sqlx::query_as(
        "SELECT id, owner_id, email FROM leads WHERE status = 'open' AND email IS NOT NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let leads_before = count(&app, "SELECT COUNT(*) FROM leads").await;
    let token = fresh_token(&app, &key).await;
    let shouted = email.to_uppercase();
    let response = post(
        &app,
        &key,
        &[
            ("_token", &token),
            ("last_name", "Again"),
            ("email", &shouted),
            ("company_name", "Known Co"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM leads").await,
        leads_before
    );
    let (subject, body, by): (String, String, i64) = sqlx::query_as(
        "SELECT subject, body, owner_id FROM activities WHERE lead_id = ? AND kind = 'note' ORDER BY id DESC LIMIT 1",
    )
    .bind(lead_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(subject, "Web form submission: Contact us");
    for line in [
        "Last name: Again",
        &format!("Email: {shouted}"),
        "Company: Known Co",
    ] {
        assert!(body.contains(line), "{body}");
    }
    assert_eq!(by, owner);
    let tasks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activities WHERE lead_id = ? AND kind = 'task' AND owner_id = ? AND subject LIKE 'Follow up: web form submission%'")
        .bind(lead_id)
        .bind(owner)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(tasks, 1);
    let log: leadflow::webform::SubmissionLog = app
        .call(
            &admin,
            "/api/web-forms/submissions",
            &[("form_id", &form_id.to_string()), ("page", "1")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        log.rows[0].outcome,
        leadflow::webform::SubmissionOutcome::Matched
    );
    assert_eq!(
        log.rows[0].record.as_ref().map(|(_, href)| href.clone()),
        Some(format!("/leads/{lead_id}"))
    );
}

#[tokio::test]
async fn suspected_spam_is_quarantined_then_released_or_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let (_, key) = round_robin_form(&app, &admin, &[]).await;
    let token = fresh_token(&app, &key).await;
    post(
        &app,
        &key,
        &[
            ("_token", &token),
            ("last_name", "Bot"),
            ("email", "bot@spam.example"),
            ("hp_url", "http://spam.example"),
        ],
    )
    .await;
    // A form that must take a minute to fill, sent at once.
    let (_, slow_key) = make_form(
        &app,
        &admin,
        "Slow form",
        &[
            ("form[owner_rule]", "user"),
            ("form[owner_id]", "1"),
            ("form[min_fill_seconds]", "60"),
        ],
    )
    .await;
    let slow_token = fresh_token(&app, &slow_key).await;
    let response = post(
        &app,
        &slow_key,
        &[
            ("_token", &slow_token),
            ("last_name", "Quick"),
            ("email", "quick@buyer.example"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "a bot learns nothing");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE last_name IN ('Bot', 'Quick')"
        )
        .await,
        0
    );
    let waiting: leadflow::webform::SubmissionLog = app
        .call(&admin, "/api/web-forms/submissions", &[("page", "1")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(waiting.total, 2);
    let reasons: Vec<String> = waiting
        .rows
        .iter()
        .filter_map(|row| row.reason.clone())
        .collect();
    assert!(reasons[0].contains("faster than a person"), "{reasons:?}");
    assert!(reasons[1].contains("hidden field"), "{reasons:?}");
    assert!(
        waiting.rows[0]
            .values
            .contains(&("Last name".to_string(), "Quick".to_string()))
    );
    let quick = waiting.rows[0].id.to_string();
    let bot = waiting.rows[1].id.to_string();

    let released = app
        .call(&admin, "/api/web-forms/release", &[("id", &quick)])
        .await;
    assert_eq!(released.status(), StatusCode::OK);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM leads WHERE last_name = 'Quick'").await,
        1
    );
    let again = app
        .call(&admin, "/api/web-forms/release", &[("id", &quick)])
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let deleted = app
        .call(&admin, "/api/web-forms/delete-submission", &[("id", &bot)])
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let kept: (String, Option<String>) =
        sqlx::query_as("SELECT outcome, fields FROM web_submissions WHERE id = ?")
            .bind(&bot)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(kept, ("deleted".into(), None));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM leads WHERE last_name = 'Bot'").await,
        0
    );
}

#[tokio::test]
async fn bad_input_shows_field_errors_keeps_what_was_typed_and_is_inert() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let (form_id, key) = round_robin_form(
        &app,
        &admin,
        &[
            ("form[consent_text]", "I agree to be contacted"),
            ("form[fields][4][field]", "description"),
            ("form[fields][4][label]", "Message"),
            ("form[fields][4][required]", "false"),
        ],
    )
    .await;
    let token = fresh_token(&app, &key).await;
    let payload = "<script>alert(1)</script>";
    let breakout = format!("</textarea>{payload}");
    let response = post(
        &app,
        &key,
        &[
            ("_token", &token),
            ("first_name", payload),
            ("email", "not an email"),
            ("description", &breakout),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        policy.contains("default-src 'none'")
            && policy.contains(&format!("frame-ancestors 'self' {SHOP}")),
        "{policy}"
    );
    let html = response.text().await.unwrap();
    assert!(!html.contains(payload), "the payload is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        html.contains("&lt;/textarea&gt;"),
        "the message stays inside its box"
    );
    assert!(html.contains("value=\"not an email\""));
    assert!(html.contains("Enter your last name."));
    assert!(html.contains("Tick the box to agree before sending."));
    assert!(html.contains("aria-invalid=\"true\""));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE email = 'not an email'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM web_submissions WHERE outcome = 'rejected'"
        )
        .await,
        1
    );
    // Fixed and sent again with the same rendered form: one lead.
    let fixed = post(
        &app,
        &key,
        &[
            ("_token", &token),
            ("first_name", payload),
            ("last_name", "Fixed"),
            ("email", "fixed@buyer.example"),
            ("consent", "yes"),
            ("description", &breakout),
        ],
    )
    .await;
    assert_eq!(fixed.status(), StatusCode::OK);
    let (id, ..) = lead_by_email(&app, "fixed@buyer.example")
        .await
        .expect("the lead");
    // Shown inert on the app's own pages too.
    let page = app
        .page(&admin, &format!("/leads/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(payload));
    // The editor's snippet holds the form's own textarea: shown as text, not as markup.
    let editor = app
        .page(&admin, &format!("/settings/forms/{form_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(editor.contains("&lt;textarea id=\"leadflow-description\""));
    assert!(!editor.contains("<textarea id=\"leadflow-description\""));
}

#[tokio::test]
async fn hostile_requests_get_clear_answers_and_are_logged() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let (form_id, key) = round_robin_form(&app, &admin, &[]).await;
    let client = visitor();

    let unknown = client
        .get(format!("{}/f/no-such-form", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("This form does not exist")
    );
    let unknown_post = post(&app, "no-such-form", &[("last_name", "X")]).await;
    assert_eq!(unknown_post.status(), StatusCode::NOT_FOUND);

    let token = fresh_token(&app, &key).await;
    let evil = client
        .post(format!("{}/f/{key}", app.address))
        .header("Origin", "https://evil.example")
        .form(&[
            ("_token", token.as_str()),
            ("last_name", "Evil"),
            ("email", "evil@evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);

    let huge = "x".repeat(10 * 1024 * 1024);
    let big = client
        .post(format!("{}/f/{key}", app.address))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("last_name={huge}"))
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A copy of the form without its script: asked to confirm, nothing typed lost.
    let no_token = post(
        &app,
        &key,
        &[("last_name", "Plain"), ("email", "plain@buyer.example")],
    )
    .await;
    assert_eq!(no_token.status(), StatusCode::OK);
    let html = no_token.text().await.unwrap();
    assert!(html.contains("press Send again") && html.contains("value=\"Plain\""));
    let confirmed = post(
        &app,
        &key,
        &[
            ("_token", &token_in(&html)),
            ("last_name", "Plain"),
            ("email", "plain@buyer.example"),
        ],
    )
    .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert!(lead_by_email(&app, "plain@buyer.example").await.is_some());
    // A token of another form does not count.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM leads WHERE last_name = 'Evil'").await,
        0
    );

    let pause = app
        .call(
            &admin,
            "/api/web-forms/pause",
            &[("id", &form_id.to_string()), ("paused", "true")],
        )
        .await;
    assert_eq!(pause.status(), StatusCode::OK);
    let paused = client
        .get(format!("{}/f/{key}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(paused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        paused
            .text()
            .await
            .unwrap()
            .contains("not taking submissions")
    );
    let paused_post = post(
        &app,
        &key,
        &[
            ("_token", &token),
            ("last_name", "Late"),
            ("email", "late@buyer.example"),
        ],
    )
    .await;
    assert_eq!(paused_post.status(), StatusCode::SERVICE_UNAVAILABLE);

    let rejected: Vec<String> = sqlx::query_scalar(
        "SELECT reason FROM web_submissions WHERE outcome = 'rejected' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(rejected.len(), 4, "{rejected:?}");
    assert!(rejected[0].contains("not allowed"));
    assert!(rejected[1].contains("64 KB"));
    assert!(rejected[2].contains("without a valid form token"));
    assert!(rejected[3].contains("paused"));
}

#[tokio::test]
async fn the_token_endpoint_and_the_page_follow_the_allowed_origins() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let (_, key) = round_robin_form(&app, &admin, &[]).await;
    let client = visitor();
    let allowed = client
        .get(format!("{}/f/{key}/token", app.address))
        .header("Origin", SHOP)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], SHOP);
    let other = client
        .get(format!("{}/f/{key}/token", app.address))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let page = client
        .get(format!(
            "{}/f/{key}?page=https%3A%2F%2Fshop.example%2Fa&utm_source=ads",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .ends_with(&format!("frame-ancestors 'self' {SHOP}"))
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"_page\" value=\"https://shop.example/a\""));
    assert!(html.contains("name=\"utm_source\" value=\"ads\""));
    let script = client
        .get(format!("{}/f/embed.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.text().await.unwrap().contains("data-leadflow-form"));
}

#[tokio::test]
async fn one_address_is_limited_and_a_busy_form_queues_instead_of_losing() {
    let app = TestApp::spawn_with(Options {
        web_form_posts_per_minute: 5,
        web_form_submissions_per_minute: 2,
        ..Options::default()
    })
    .await;
    let admin = app.signed_in("admin@example.com").await;
    let (_, key) = round_robin_form(&app, &admin, &[]).await;
    // Four people at once: two go through, two wait in the queue.
    for n in 0..4 {
        let token = fresh_token(&app, &key).await;
        let email = format!("burst{n}@buyer.example");
        let response = post(
            &app,
            &key,
            &[
                ("_token", &token),
                ("last_name", "Burst"),
                ("email", &email),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM leads WHERE last_name = 'Burst'").await,
        2
    );
    let queued = leadflow::webform::db::queued(&app.pool, 100).await.unwrap();
    assert_eq!(queued.len(), 2);
    for (id, _) in queued {
        leadflow::webform::db::process_queued(&app.pool, id)
            .await
            .unwrap();
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM leads WHERE last_name = 'Burst'").await,
        4
    );

    // 1,000 posts from one address in a minute: the fifth and later are refused (429).
    let token = fresh_token(&app, &key).await;
    let mut refused = 0;
    for _ in 0..1000 {
        let response = post(
            &app,
            &key,
            &[
                ("_token", &token),
                ("last_name", "Flood"),
                ("email", "flood@spam.example"),
            ],
        )
        .await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(response.headers()["retry-after"], "60");
            refused += 1;
        }
    }
    // The address already posted four times above.
    assert_eq!(refused, 999);
    // The one let through waits its turn: the form's two a minute are taken.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM web_submissions WHERE outcome = 'queued'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM leads WHERE last_name = 'Flood'").await,
        0
    );
}

#[tokio::test]
async fn form_settings_are_checked_and_a_stale_edit_is_a_conflict() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let bad = app
        .call(
            &admin,
            "/api/web-forms/save",
            &[
                ("version", "0"),
                ("form[name]", ""),
                ("form[fields][0][field]", "owner_id"),
                ("form[fields][0][label]", ""),
                ("form[fields][0][required]", "true"),
                ("form[owner_rule]", "user"),
                ("form[allowed_origins]", "not an origin"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = crate::common::error_of(bad).await;
    for field in ["name", "fields", "owner_id", "allowed_origins"] {
        assert!(error.field_message(field).is_some(), "{field}: {error:?}");
    }
    let inactive = user_id(&app, "rep@example.com").await;
    sqlx::query("UPDATE users SET active = 0 WHERE id = ?")
        .bind(inactive)
        .execute(&app.pool)
        .await
        .unwrap();
    let to_inactive = app
        .call(
            &admin,
            "/api/web-forms/save",
            &[
                ("version", "0"),
                ("form[name]", "Inactive owner"),
                ("form[fields][0][field]", "last_name"),
                ("form[fields][0][label]", ""),
                ("form[fields][0][required]", "true"),
                ("form[owner_rule]", "user"),
                ("form[owner_id]", &inactive.to_string()),
            ],
        )
        .await;
    assert!(
        crate::common::error_of(to_inactive)
            .await
            .field_message("owner_id")
            .is_some()
    );

    let (id, _) = make_form(
        &app,
        &admin,
        "Editable",
        &[("form[owner_rule]", "user"), ("form[owner_id]", "1")],
    )
    .await;
    let edit = |version: &'static str| {
        let id = id.to_string();
        let app = &app;
        let admin = admin.clone();
        async move {
            app.call(
                &admin,
                "/api/web-forms/save",
                &[
                    ("id", &id),
                    ("version", version),
                    ("form[name]", "Edited"),
                    ("form[fields][0][field]", "company_name"),
                    ("form[fields][0][label]", "Company"),
                    ("form[fields][0][required]", "true"),
                    ("form[owner_rule]", "user"),
                    ("form[owner_id]", "1"),
                ],
            )
            .await
            .status()
        }
    };
    assert_eq!(edit("1").await, StatusCode::OK);
    assert_eq!(edit("1").await, StatusCode::CONFLICT);
    let duplicate = app
        .call(
            &admin,
            "/api/web-forms/save",
            &[
                ("version", "0"),
                ("form[name]", "Edited"),
                ("form[fields][0][field]", "last_name"),
                ("form[fields][0][label]", ""),
                ("form[fields][0][required]", "true"),
                ("form[owner_rule]", "user"),
                ("form[owner_id]", "1"),
            ],
        )
        .await;
    assert!(
        crate::common::error_of(duplicate)
            .await
            .field_message("name")
            .is_some()
    );
}

#[tokio::test]
async fn a_form_puts_every_lead_it_creates_into_its_list() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let response = app
        .call(
            &admin,
            "/api/lists/create",
            &[
                ("list[name]", "Website enquiries"),
                ("list[member_type]", "lead"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let list: i64 = response.json().await.unwrap();
    let (_, key) = round_robin_form(&app, &admin, &[("form[list_id]", &list.to_string())]).await;
    let token = fresh_token(&app, &key).await;
    let response = post(
        &app,
        &key,
        &[
            ("_token", &token),
            ("last_name", "Okafor"),
            ("email", "listed@buyer.example"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (lead, ..) = lead_by_email(&app, "listed@buyer.example")
        .await
        .expect("a lead");
    let (member, from): (i64, String) = sqlx::query_as(
        "SELECT member_id, added_from FROM marketing_list_members WHERE list_id = ?",
    )
    .bind(list)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((member, from.as_str()), (lead, "Web form Contact us"));
}
