use crate::common::TestApp;
use leadflow::lead::{LeadPage, LeadStatus};
use reqwest::{Client, StatusCode};

/// Calls the lead list with URL-style parameters (`view`, `q`, `sort`, …).
pub async fn list(app: &TestApp, client: &Client, params: &[(&str, &str)]) -> LeadPage {
    let url: std::collections::BTreeMap<_, _> = params.iter().copied().collect();
    let query: leadflow::lead::LeadQuery =
        leadflow::url_state::read(&serde_qs::to_string(&url).unwrap());
    let response = app
        .call_with(client, "/api/leads/list", "query", &query)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn my_open_leads_are_the_callers_open_leads() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let page = list(&app, &rep, &[("view", "my-open")]).await;
    let expected = count(
        &app,
        "SELECT COUNT(*) FROM leads l JOIN users u ON u.id = l.owner_id WHERE l.status = 'open' AND u.email = 'rep@example.com'",
    )
    .await;
    assert!(expected > 0);
    assert_eq!(page.total, expected);
    assert_eq!(page.rows.len() as i64, expected.min(25));
    assert!(page.rows.iter().all(|r| r.owner_name == "Riley Rep"));
    assert!(
        page.rows
            .iter()
            .all(|r| r.status_reason.status() == LeadStatus::Open)
    );
    // Newest first by default.
    assert!(
        page.rows
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at)
    );
}

#[tokio::test]
async fn all_open_and_closed_views_split_the_leads() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let open = list(&app, &manager, &[("view", "all-open")]).await;
    let closed = list(&app, &manager, &[("view", "closed")]).await;
    assert_eq!(
        open.total + closed.total,
        count(&app, "SELECT COUNT(*) FROM leads").await
    );
    assert_eq!(
        closed.total,
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE status IN ('qualified', 'disqualified')"
        )
        .await
    );
    assert!(
        closed
            .rows
            .iter()
            .all(|r| r.status_reason.status() != LeadStatus::Open)
    );
    let disqualified = list(
        &app,
        &manager,
        &[("view", "closed"), ("reason", "cannot_contact")],
    )
    .await;
    assert_eq!(
        disqualified.total,
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE status_reason = 'cannot_contact'"
        )
        .await
    );
}

#[tokio::test]
async fn search_matches_name_company_or_email_case_insensitively() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let company: String = sqlx::query_scalar(
        "SELECT company_name FROM leads WHERE status = 'open' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let term = company.split_whitespace().nth(1).unwrap().to_uppercase();
    let page = list(&app, &rep, &[("view", "all-open"), ("q", &term)]).await;
    assert!(page.total > 0);
    let lower = term.to_lowercase();
    for row in &page.rows {
        let haystack = format!(
            "{} {} {}",
            row.full_name(),
            row.company_name.clone().unwrap_or_default(),
            row.email.clone().unwrap_or_default()
        )
        .to_lowercase();
        assert!(
            haystack.contains(&lower),
            "{haystack} does not contain {lower}"
        );
    }
    // Wildcards are literal: nobody's name contains "%".
    assert_eq!(
        list(&app, &rep, &[("view", "all-open"), ("q", "%")])
            .await
            .total,
        0
    );
}

#[tokio::test]
async fn filters_sorting_and_paging() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let hot_web = list(
        &app,
        &rep,
        &[("view", "all-open"), ("source", "web"), ("rating", "hot")],
    )
    .await;
    assert_eq!(
        hot_web.total,
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE status = 'open' AND lead_source = 'web' AND rating = 'hot'"
        )
        .await
    );

    let by_topic = list(
        &app,
        &rep,
        &[("view", "all-open"), ("sort", "topic"), ("dir", "asc")],
    )
    .await;
    let topics: Vec<String> = by_topic
        .rows
        .iter()
        .map(|r| r.topic.to_lowercase())
        .collect();
    let mut sorted = topics.clone();
    sorted.sort();
    assert_eq!(topics, sorted);

    let first = list(&app, &rep, &[("view", "all-open")]).await;
    let second = list(&app, &rep, &[("view", "all-open"), ("page", "2")]).await;
    assert_eq!(first.total, second.total);
    assert!(first.page_count() >= 2);
    assert_eq!(second.page, 2);
    let first_ids: Vec<i64> = first.rows.iter().map(|r| r.id).collect();
    assert!(second.rows.iter().all(|r| !first_ids.contains(&r.id)));
    // Past the last page: an empty page, not an error.
    let beyond = list(&app, &rep, &[("view", "all-open"), ("page", "9999")]).await;
    assert!(beyond.rows.is_empty());
}

#[tokio::test]
async fn short_and_odd_search_terms_work_and_the_index_follows_edits() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let short = list(&app, &rep, &[("view", "all-open"), ("q", "ch")]).await;
    assert_eq!(
        short.total,
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE status = 'open' AND instr(lower(concat_ws(' ', first_name, last_name, company_name, email)), 'ch') > 0"
        )
        .await
    );
    assert!(short.total > 0);
    // Quotes cannot break the search syntax.
    assert_eq!(
        list(&app, &rep, &[("view", "all-open"), ("q", "\"Blue")])
            .await
            .total,
        0
    );

    let id: i64 =
        sqlx::query_scalar("SELECT id FROM leads WHERE status = 'open' ORDER BY id LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    sqlx::query("UPDATE leads SET company_name = 'Zyxwv Quantum Ltd' WHERE id = ?")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let found = list(&app, &rep, &[("view", "all-open"), ("q", "xwv quant")]).await;
    assert_eq!(found.rows.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
}

#[tokio::test]
async fn quick_create_validates_and_the_lead_lands_in_my_open_leads() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let response = app
        .call(
            &rep,
            "/api/leads/create",
            &[
                ("lead[topic]", " "),
                ("lead[email]", "ann@"),
                ("lead[business_phone]", "12"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let leadflow::error::AppError::Validation(fields) = crate::common::error_of(response).await
    else {
        panic!("expected field errors");
    };
    assert_eq!(
        fields.keys().map(String::as_str).collect::<Vec<_>>(),
        ["business_phone", "email", "last_name", "topic"]
    );
    let before = count(&app, "SELECT COUNT(*) FROM leads").await;

    let response = app
        .call(
            &rep,
            "/api/leads/create",
            &[
                ("lead[topic]", "Booth 14 visitor"),
                ("lead[first_name]", "Ann"),
                ("lead[last_name]", "Quorvik"),
                ("lead[company_name]", "Fjord  Robotics"),
                ("lead[email]", "Ann@Fjord.example"),
                ("lead[business_phone]", "+47 22 33 44 55"),
                ("lead[lead_source]", "trade_show"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let leadflow::duplicates::SaveOutcome::Saved { id, version: 1 } =
        response.json().await.unwrap()
    else {
        panic!("expected the lead to be saved");
    };
    assert_eq!(count(&app, "SELECT COUNT(*) FROM leads").await, before + 1);
    let stored: (String, String, String, String, String, String) = sqlx::query_as(
        "SELECT l.status, l.status_reason, s.name, l.company_normalized, l.email_normalized, l.business_phone_digits \
         FROM leads l JOIN stages s ON s.id = l.stage_id WHERE l.id = ?",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        stored,
        (
            "open".into(),
            "new".into(),
            "Qualify".into(),
            "fjord robotics".into(),
            "ann@fjord.example".into(),
            "4722334455".into()
        )
    );
    let mine = list(&app, &rep, &[("view", "my-open"), ("q", "quorvik")]).await;
    assert_eq!(mine.rows.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    assert_eq!(mine.rows[0].owner_name, "Riley Rep");
}

#[tokio::test]
async fn the_owner_filter_keeps_one_owners_leads() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let rep_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'rep@example.com'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let rep_id_text = rep_id.to_string();
    let page = list(
        &app,
        &manager,
        &[("view", "all-open"), ("owner", &rep_id_text)],
    )
    .await;
    let expected = count(
        &app,
        &format!("SELECT COUNT(*) FROM leads WHERE status = 'open' AND owner_id = {rep_id}"),
    )
    .await;
    assert!(expected > 0);
    assert_eq!(page.total, expected);
    assert!(page.rows.iter().all(|r| r.owner_name == "Riley Rep"));
    // Any signed-in user may read the owner list the filter offers.
    let rep = app.signed_in("rep@example.com").await;
    let response = app.call(&rep, "/api/users/directory", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let users: Vec<leadflow::auth::UserOption> = response.json().await.unwrap();
    assert_eq!(users.len(), 3);
}

#[tokio::test]
async fn a_search_with_many_matches_pages_like_one_with_few() {
    use leadflow::server::generate::{Counts, generate};
    let app = TestApp::spawn().await;
    let counts = Counts {
        accounts: 0,
        contacts: 0,
        leads: 4_000,
        opportunities: 0,
        activities: 0,
        open_percent: 50,
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    generate(&app.pool, counts, 7, today).await.unwrap();
    let manager = app.signed_in("manager@example.com").await;
    // "lead.example" is in every generated email: far more matches than a page, so the
    // page walks the created-at index; "zz" is too short for trigrams and scans.
    for (term, sort, dir) in [
        ("lead.example", "created", "desc"),
        ("lead.example", "created", "asc"),
        ("lead.example", "topic", "asc"),
    ] {
        let pattern = format!("%{term}%");
        let expected_total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM leads WHERE status = 'open' AND \
             (lower(email) LIKE ?1 OR lower(company_name) LIKE ?1 OR lower(first_name || ' ' || last_name) LIKE ?1)",
        )
        .bind(&pattern)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert!(expected_total > 500, "{expected_total}");
        for page_number in ["1", "3"] {
            let page = list(
                &app,
                &manager,
                &[
                    ("view", "all-open"),
                    ("q", term),
                    ("sort", sort),
                    ("dir", dir),
                    ("page", page_number),
                ],
            )
            .await;
            assert_eq!(page.total, expected_total);
            let order = match sort {
                "created" => "created_at",
                _ => "topic COLLATE NOCASE",
            };
            let offset = (page_number.parse::<i64>().unwrap() - 1) * 25;
            let expected: Vec<i64> = sqlx::query_scalar(&format!(
                "SELECT id FROM leads WHERE status = 'open' AND lower(email) LIKE ?1 \
                 ORDER BY {order} {dir} NULLS LAST, id {dir} LIMIT 25 OFFSET {offset}"
            ))
            .bind(&pattern)
            .fetch_all(&app.pool)
            .await
            .unwrap();
            assert_eq!(
                page.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
                expected,
                "{term} {sort} {dir} page {page_number}"
            );
        }
    }
}

/// The owner list is cached in the server; any change to who is listed, by any path (here
/// raw SQL, as an admin script would), shows on the next read.
#[tokio::test]
async fn the_owner_list_follows_every_change_to_the_users() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let names = || async {
        let response = app.call(&rep, "/api/users/directory", &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let users: Vec<leadflow::auth::UserOption> = response.json().await.unwrap();
        users.into_iter().map(|u| u.name).collect::<Vec<_>>()
    };
    let expected = || async {
        sqlx::query_scalar::<_, String>("SELECT name FROM users WHERE active = 1 ORDER BY name")
            .fetch_all(&app.pool)
            .await
            .unwrap()
    };
    assert_eq!(names().await, expected().await);
    let changes = [
        "INSERT INTO users (email, name, password_hash, role, created_at, modified_at) \
         VALUES ('new@example.com', 'Avery New', 'x', 'rep', '2026-01-01', '2026-01-01')",
        "UPDATE users SET name = 'Zed Renamed' WHERE email = 'new@example.com'",
        "UPDATE users SET active = 0 WHERE email = 'manager@example.com'",
        "DELETE FROM users WHERE email = 'new@example.com'",
    ];
    for sql in changes {
        sqlx::query(sql).execute(&app.pool).await.unwrap();
        assert_eq!(names().await, expected().await, "after {sql}");
    }
    assert!(!names().await.contains(&"Morgan Manager".to_string()));
}
