//! The opportunity list over HTTP: each view, filter and sort against an independent count
//! over the rows of the demo data.

use crate::common::TestApp;
use crate::leads::count;
use leadflow::opportunity::list::{OpportunityPage, OpportunityQuery};
use reqwest::{Client, StatusCode};

/// Calls the opportunity list with URL-style parameters (`view`, `q`, `stage`, …).
async fn list(app: &TestApp, client: &Client, params: &[(&str, &str)]) -> OpportunityPage {
    let url: std::collections::BTreeMap<_, _> = params.iter().copied().collect();
    let query: OpportunityQuery = leadflow::url_state::read(&serde_qs::to_string(&url).unwrap());
    let response = app
        .call_with(client, "/api/opportunities/list", "query", &query)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = ?")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn each_view_counts_what_it_holds_and_pages_through_it() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let rep_id = user_id(&app, "rep@example.com").await;

    let mine = list(&app, &rep, &[]).await;
    let expected = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM opportunities WHERE status = 'open' AND owner_id = {rep_id}"
        ),
    )
    .await;
    assert!(expected > 0, "the demo data gives the rep open deals");
    assert_eq!(mine.total, expected);
    assert_eq!(
        mine.stages
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["Develop", "Propose", "Close"]
    );

    for (view, status) in [("all-open", "open"), ("won", "won"), ("lost", "lost")] {
        let page = list(&app, &rep, &[("view", view)]).await;
        let expected = count(
            &app,
            &format!("SELECT COUNT(*) FROM opportunities WHERE status = '{status}'"),
        )
        .await;
        assert!(expected > 0, "{view}: the demo data has some");
        assert_eq!(page.total, expected, "{view}");
        assert_eq!(page.rows.len() as i64, expected.min(25), "{view}");
        // Open views: the next close first; closed views: the latest close first.
        let dates: Vec<&str> = page
            .rows
            .iter()
            .filter_map(|r| r.close_date.as_deref())
            .collect();
        let mut sorted = dates.clone();
        sorted.sort();
        if status != "open" {
            sorted.reverse();
        }
        assert_eq!(dates, sorted, "{view}");
    }

    // Page 2 continues where page 1 stopped, without repeats.
    let all = count(
        &app,
        "SELECT COUNT(*) FROM opportunities WHERE status = 'open'",
    )
    .await;
    assert!(all > 25, "the demo data fills two pages");
    let first = list(&app, &rep, &[("view", "all-open")]).await;
    let second = list(&app, &rep, &[("view", "all-open"), ("page", "2")]).await;
    assert_eq!(second.total, all);
    assert_eq!(second.rows.len() as i64, (all - 25).min(25));
    assert!(
        second
            .rows
            .iter()
            .all(|r| first.rows.iter().all(|f| f.id != r.id))
    );
}

#[tokio::test]
async fn filters_and_search_match_an_independent_count() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let rep_id = user_id(&app, "rep@example.com").await;
    let develop: i64 = count(&app, "SELECT id FROM stages WHERE name = 'Develop'").await;

    let cases: Vec<(Vec<(&str, String)>, String)> = vec![
        (
            vec![("stage", develop.to_string())],
            format!("status = 'open' AND stage_id = {develop}"),
        ),
        (
            vec![("owner", rep_id.to_string())],
            format!("status = 'open' AND owner_id = {rep_id}"),
        ),
        (
            vec![("rating", "hot".into())],
            "status = 'open' AND rating = 'hot'".into(),
        ),
        (
            vec![("from", "2026-01-01".into()), ("to", "2026-12-31".into())],
            "status = 'open' AND estimated_close_date BETWEEN '2026-01-01' AND '2026-12-31'".into(),
        ),
    ];
    for (params, condition) in cases {
        let mut with_view = vec![("view", "all-open")];
        with_view.extend(params.iter().map(|(k, v)| (*k, v.as_str())));
        let page = list(&app, &manager, &with_view).await;
        let expected = count(
            &app,
            &format!("SELECT COUNT(*) FROM opportunities WHERE {condition}"),
        )
        .await;
        assert_eq!(page.total, expected, "{condition}");
    }

    // Won filters by the actual close date and shows the actual revenue.
    let won = list(
        &app,
        &manager,
        &[
            ("view", "won"),
            ("from", "2026-01-01"),
            ("to", "2026-12-31"),
        ],
    )
    .await;
    let expected = count(
        &app,
        "SELECT COUNT(*) FROM opportunities WHERE status = 'won' \
         AND actual_close_date BETWEEN '2026-01-01' AND '2026-12-31'",
    )
    .await;
    assert_eq!(won.total, expected);
    if let Some(row) = won.rows.first() {
        let actual: Option<i64> =
            sqlx::query_scalar("SELECT actual_revenue_minor FROM opportunities WHERE id = ?")
                .bind(row.id)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(row.revenue_minor, actual);
    }

    // Search: the topic, or the customer's name; LIKE wildcards match only themselves.
    let (topic, account): (String, String) = sqlx::query_as(
        "SELECT o.topic, a.name FROM opportunities o JOIN accounts a ON a.id = o.account_id \
         WHERE o.status = 'open' LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let by_topic = list(&app, &manager, &[("view", "all-open"), ("q", &topic)]).await;
    assert!(by_topic.rows.iter().any(|r| r.topic == topic));
    let by_customer = list(&app, &manager, &[("view", "all-open"), ("q", &account)]).await;
    let expected = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM opportunities o LEFT JOIN accounts a ON a.id = o.account_id \
             WHERE o.status = 'open' AND (instr(lower(o.topic), lower('{0}')) > 0 \
             OR instr(lower(a.name), lower('{0}')) > 0)",
            account.replace('\'', "''")
        ),
    )
    .await;
    assert!(by_customer.total >= 1);
    assert_eq!(by_customer.total, expected);
    let wildcard = list(&app, &manager, &[("view", "all-open"), ("q", "%_%")]).await;
    assert_eq!(wildcard.total, 0);
}

#[tokio::test]
async fn sorting_by_revenue_orders_the_rows() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    for dir in ["asc", "desc"] {
        let page = list(
            &app,
            &rep,
            &[("view", "all-open"), ("sort", "revenue"), ("dir", dir)],
        )
        .await;
        let revenue: Vec<i64> = page.rows.iter().filter_map(|r| r.revenue_minor).collect();
        let mut sorted = revenue.clone();
        sorted.sort();
        if dir == "desc" {
            sorted.reverse();
        }
        assert!(revenue.len() > 1);
        assert_eq!(revenue, sorted, "{dir}");
    }
}
