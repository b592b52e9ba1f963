//! Marketing lists and bulk actions, against the demo data. Expected counts come from SQL
//! written here, never from the code under test.

use crate::common::{TestApp, error_of};
use leadflow::error::AppError;
use leadflow::lead::{LeadPage, LeadQuery};
use leadflow::lists::{BulkProgress, BulkReport, BulkState, ListDetail};
use reqwest::{Client, StatusCode};
use std::time::Duration;

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

async fn ok<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|_| panic!("unexpected body {body}"))
}

/// Adds every lead the lead list's `query` shows into a new static list `name`.
async fn add_matching(app: &TestApp, client: &Client, name: &str, query: &str) -> BulkReport {
    ok(app
        .call(
            client,
            "/api/lists/add",
            &[
                ("new_list", name),
                ("member_type", "lead"),
                ("selection[matching]", query),
                ("from", "list_view"),
            ],
        )
        .await)
    .await
}

async fn detail(app: &TestApp, client: &Client, id: i64) -> ListDetail {
    ok(app
        .call(client, "/api/lists/get", &[("id", &id.to_string())])
        .await)
    .await
}

/// A bulk call's form: `base`, then the chosen rows as the list view sends them.
fn with_chosen(base: &[(&str, String)], chosen: &[(i64, i64)]) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = base
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    for (i, (id, version)) in chosen.iter().enumerate() {
        form.push((format!("selection[ids][{i}]"), id.to_string()));
        form.push((format!("selection[versions][{i}]"), version.to_string()));
    }
    form
}

/// Starts a bulk action and follows its progress until it stops; every progress seen.
async fn bulk_progress(
    app: &TestApp,
    client: &Client,
    form: &[(String, String)],
) -> Vec<BulkProgress> {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let started: BulkProgress = ok(app.call(client, "/api/lists/bulk", &pairs).await).await;
    let job_id = started.job_id.to_string();
    let mut seen = vec![started];
    tokio::time::timeout(Duration::from_secs(60), async {
        while seen.last().unwrap().state == BulkState::Running {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let progress = app
                .call(client, "/api/lists/bulk-progress", &[("job_id", &job_id)])
                .await;
            seen.push(ok(progress).await);
        }
    })
    .await
    .expect("the bulk action finished within a minute");
    seen
}

/// A bulk action's report once it has finished.
async fn bulk(app: &TestApp, client: &Client, form: &[(String, String)]) -> BulkReport {
    let last = bulk_progress(app, client, form).await.pop().unwrap();
    assert_eq!(last.state, BulkState::Finished);
    last.report
}

#[tokio::test]
async fn select_all_matching_adds_every_matching_lead_once_with_where_it_came_from() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let expected = scalar(
        &app,
        "SELECT COUNT(*) FROM leads WHERE status = 'open' AND rating = 'cold'",
    )
    .await;
    assert!(expected > 25, "more than one page: {expected}");
    let matching = "view=all-open&rating=cold";
    let report = add_matching(&app, &manager, "Cold leads", matching).await;
    assert_eq!((report.changed, report.unchanged), (expected, 0));
    let list = report.list_id.unwrap();

    // Adding them again does nothing.
    let again: BulkReport = ok(app
        .call(
            &manager,
            "/api/lists/add",
            &[
                ("id", &list.to_string()),
                ("member_type", "lead"),
                ("selection[matching]", matching),
                ("from", "list_view"),
            ],
        )
        .await)
    .await;
    assert_eq!((again.changed, again.unchanged), (0, expected));

    let (added_by, added_from): (String, String) = sqlx::query_as(
        "SELECT DISTINCT u.email, m.added_from FROM marketing_list_members m \
         JOIN users u ON u.id = m.added_by WHERE m.list_id = ?",
    )
    .bind(list)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (added_by.as_str(), added_from.as_str()),
        ("manager@example.com", "List view")
    );
    let shown = detail(&app, &manager, list).await;
    assert_eq!(shown.members, expected);
    let emailable = scalar(
        &app,
        "SELECT COUNT(*) FROM leads WHERE status = 'open' AND rating = 'cold' \
         AND email IS NOT NULL AND do_not_email = 0",
    )
    .await;
    assert_eq!(shown.emailable, emailable);

    // The members view is the lead list with `list=`: every member, whatever the view.
    let page: LeadPage = ok(app
        .call_with(
            &manager,
            "/api/leads/list",
            "query",
            &LeadQuery {
                list: Some(list),
                ..LeadQuery::default()
            },
        )
        .await)
    .await;
    assert_eq!(page.total, expected);
}

#[tokio::test]
async fn a_rep_makes_lists_of_their_own_but_only_managers_bulk_assign() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let report = add_matching(&app, &rep, "My calls", "view=my-open").await;
    let mine = scalar(
        &app,
        "SELECT COUNT(*) FROM leads WHERE status = 'open' AND owner_id = \
         (SELECT id FROM users WHERE email = 'rep@example.com')",
    )
    .await;
    assert_eq!(report.changed, mine);

    let assign = [
        ("member_type", "lead"),
        ("selection[matching]", "view=my-open"),
        ("verb", "assign"),
        ("owner_id", "1"),
    ];
    let response = app.call(&rep, "/api/lists/bulk", &assign).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_of(response).await, AppError::Forbidden);

    // A manager gives three of the rep's leads to the admin, with history.
    let manager = app.signed_in("manager@example.com").await;
    let leads: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, version FROM leads WHERE status = 'open' AND owner_id = \
         (SELECT id FROM users WHERE email = 'rep@example.com') ORDER BY id LIMIT 3",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let admin = scalar(
        &app,
        "SELECT id FROM users WHERE email = 'admin@example.com'",
    )
    .await;
    let form = with_chosen(
        &[
            ("member_type", "lead".into()),
            ("verb", "assign".into()),
            ("owner_id", admin.to_string()),
        ],
        &leads,
    );
    let report = bulk(&app, &manager, &form).await;
    assert_eq!((report.changed, report.skipped.len()), (3, 0));
    for (id, _) in leads {
        let (owner, history): (i64, i64) = sqlx::query_as(
            "SELECT owner_id, (SELECT COUNT(*) FROM record_history WHERE record_type = 'lead' \
             AND record_id = leads.id AND field = 'owner') FROM leads WHERE id = ?",
        )
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!((owner, history), (admin, 1));
    }
}

#[tokio::test]
async fn a_reps_bulk_disqualify_skips_leads_they_do_not_own_or_that_changed_and_says_why() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let own: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, version FROM leads WHERE status = 'open' AND owner_id = \
         (SELECT id FROM users WHERE email = 'rep@example.com') ORDER BY id LIMIT 3",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let others: (i64, i64) = sqlx::query_as(
        "SELECT id, version FROM leads WHERE status = 'open' AND owner_id <> \
         (SELECT id FROM users WHERE email = 'rep@example.com') ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // The third of the rep's leads is shown at an old version: someone saved it since.
    let chosen = [own[0], own[1], (own[2].0, own[2].1 - 1), others];
    let form = with_chosen(
        &[
            ("member_type", "lead".into()),
            ("verb", "disqualify".into()),
            ("reason", "cannot_contact".into()),
        ],
        &chosen,
    );
    let report = bulk(&app, &rep, &form).await;
    assert_eq!(report.changed, 2);
    let skipped: Vec<(i64, &str)> = report
        .skipped
        .iter()
        .map(|s| (s.id, s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (own[2].0, "its version changed: someone edited it meanwhile"),
            (others.0, "not allowed: it is not yours"),
        ]
    );
    for (id, status) in [
        (own[0].0, "disqualified"),
        (own[1].0, "disqualified"),
        (own[2].0, "open"),
        (others.0, "open"),
    ] {
        let stored: String = sqlx::query_scalar("SELECT status FROM leads WHERE id = ?")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(stored, status, "lead {id}");
    }
}

#[tokio::test]
async fn a_dynamic_list_is_whoever_matches_now_and_copy_to_static_freezes_it() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let id: i64 = ok(app
        .call(
            &manager,
            "/api/lists/create",
            &[
                ("list[name]", "Cold seminar leads"),
                ("list[member_type]", "lead"),
                ("list[kind]", "dynamic"),
                (
                    "list[query]",
                    "/leads?view=all-open&rating=cold&source=seminar",
                ),
            ],
        )
        .await)
    .await;
    let count = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM leads WHERE status = 'open' AND rating = 'cold' \
                 AND lead_source = 'seminar'",
            )
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let before = count(&app).await;
    assert_eq!(detail(&app, &manager, id).await.members, before);

    // A lead met at a seminar turns cold, saved through its form: it is a member now.
    let (lead, version): (i64, i64) = sqlx::query_as(
        "SELECT id, version FROM leads WHERE status = 'open' AND (rating IS NULL OR rating <> 'cold') \
         ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let response = app
        .call(
            &manager,
            "/api/leads/update",
            &[
                ("id", &lead.to_string()),
                ("version", &version.to_string()),
                ("lead[topic]", "Moved"),
                ("lead[last_name]", "Almeida"),
                ("lead[lead_source]", "seminar"),
                ("lead[rating]", "cold"),
                ("save_anyway", "true"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    assert_eq!(count(&app).await, before + 1);
    assert_eq!(detail(&app, &manager, id).await.members, before + 1);

    // Frozen, the copy keeps these members when the lead changes again.
    let frozen: i64 = ok(app
        .call(
            &manager,
            "/api/lists/copy-to-static",
            &[("id", &id.to_string()), ("name", "Cold seminar leads, May")],
        )
        .await)
    .await;
    sqlx::query("UPDATE leads SET rating = 'hot' WHERE id = ?")
        .bind(lead)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(detail(&app, &manager, id).await.members, before);
    assert_eq!(detail(&app, &manager, frozen).await.members, before + 1);

    // Members cannot be added to a dynamic list.
    let response = app
        .call(
            &manager,
            "/api/lists/add",
            &[
                ("id", &id.to_string()),
                ("member_type", "lead"),
                ("selection[ids][0]", &lead.to_string()),
                ("selection[versions][0]", "0"),
                ("from", "record"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Fills a static list with the member ids `from..to` (set operations look at ids only).
async fn fill(app: &TestApp, list: i64, from: i64, to: i64) {
    sqlx::query(
        "WITH RECURSIVE n(id) AS (SELECT ? UNION ALL SELECT id + 1 FROM n WHERE id < ?) \
         INSERT INTO marketing_list_members (list_id, member_id, added_by, added_at, added_from) \
         SELECT ?, id, 1, '2026-01-01T00:00:00Z', 'Test' FROM n",
    )
    .bind(from)
    .bind(to - 1)
    .bind(list)
    .execute(&app.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn set_operations_on_lists_of_fifty_thousand_members_are_one_call_each() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let mut ids = Vec::new();
    for name in ["Fair A", "Fair B", "Unsubscribed"] {
        let id: i64 = ok(app
            .call(
                &admin,
                "/api/lists/create",
                &[("list[name]", name), ("list[member_type]", "contact")],
            )
            .await)
        .await;
        ids.push(id);
    }
    let (a, b, unsubscribed) = (ids[0], ids[1], ids[2]);
    fill(&app, a, 1_000_000, 1_050_000).await;
    fill(&app, b, 1_025_000, 1_075_000).await;
    fill(&app, unsubscribed, 1_040_000, 1_041_000).await;

    // A's 50,000 into B: the 25,000 B lacked are added, no duplicates.
    let added: i64 = ok(app
        .call(
            &admin,
            "/api/lists/copy",
            &[("id", &b.to_string()), ("from", &a.to_string())],
        )
        .await)
    .await;
    assert_eq!(added, 25_000);
    let members_of =
        |list: i64| format!("SELECT COUNT(*) FROM marketing_list_members WHERE list_id = {list}");
    assert_eq!(scalar(&app, &members_of(b)).await, 75_000);
    let distinct = scalar(
        &app,
        &format!(
            "SELECT COUNT(DISTINCT member_id) FROM marketing_list_members WHERE list_id = {b}"
        ),
    )
    .await;
    assert_eq!(distinct, 75_000);

    // The suppression list leaves B.
    let removed: i64 = ok(app
        .call(
            &admin,
            "/api/lists/suppress",
            &[("id", &b.to_string()), ("other", &unsubscribed.to_string())],
        )
        .await)
    .await;
    assert_eq!(removed, 1_000);
    assert_eq!(scalar(&app, &members_of(b)).await, 74_000);
    assert_eq!(scalar(&app, &members_of(a)).await, 50_000);

    // A list of leads is not a list of contacts.
    let leads = add_matching(&app, &admin, "Some leads", "view=all-open&rating=hot").await;
    let response = app
        .call(
            &admin,
            "/api/lists/copy",
            &[
                ("id", &b.to_string()),
                ("from", &leads.list_id.unwrap().to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_of(response).await.field_message("list").as_deref(),
        Some("Choose a list of leads: this one holds contacts.")
    );
}

#[tokio::test]
async fn consent_is_versioned_with_history_and_the_export_leaves_out_who_opted_out() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let report = add_matching(&app, &manager, "Newsletter", "view=all-open&source=web").await;
    let list = report.list_id.unwrap();
    let (lead, version): (i64, i64) = sqlx::query_as(
        "SELECT l.id, l.version FROM leads l JOIN marketing_list_members m ON m.member_id = l.id \
         WHERE m.list_id = ? AND l.email IS NOT NULL ORDER BY l.id LIMIT 1",
    )
    .bind(list)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let set = |version: i64| {
        vec![
            ("member_type".to_string(), "lead".to_string()),
            ("id".into(), lead.to_string()),
            ("version".into(), version.to_string()),
            ("consent[do_not_email]".into(), "true".into()),
        ]
    };
    let form = set(version);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let new_version: i64 = ok(app.call(&manager, "/api/records/set-consent", &pairs).await).await;
    assert_eq!(new_version, version + 1);
    // The same change on the old version is a conflict.
    let response = app.call(&manager, "/api/records/set-consent", &pairs).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let history: (String, String, String) = sqlx::query_as(
        "SELECT h.old_value, h.new_value, u.email FROM record_history h \
         JOIN users u ON u.id = h.changed_by \
         WHERE h.record_type = 'lead' AND h.record_id = ? AND h.field = 'do_not_email'",
    )
    .bind(lead)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        history,
        ("No".into(), "Yes".into(), "manager@example.com".into())
    );

    let emailable = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) FROM marketing_list_members m JOIN leads l ON l.id = m.member_id \
             WHERE m.list_id = {list} AND l.email IS NOT NULL AND l.do_not_email = 0"
        ),
    )
    .await;
    let shown = detail(&app, &manager, list).await;
    assert_eq!(shown.emailable, emailable);
    let rows = |url: String| {
        let manager = manager.clone();
        let address = app.address.clone();
        async move {
            let body = manager
                .get(format!("{address}{url}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let ids: Vec<i64> = body
                .lines()
                .skip(1)
                .filter_map(|line| line.split(',').next()?.parse().ok())
                .collect();
            ids
        }
    };
    let without = rows(shown.export_url(false)).await;
    assert_eq!(without.len() as i64, emailable);
    assert!(!without.contains(&lead));
    let with = rows(shown.export_url(true)).await;
    assert_eq!(with.len() as i64, shown.members);
    assert!(with.contains(&lead));

    // Export selected: only the chosen rows.
    let chosen = &with[..2];
    let selected = rows(format!(
        "/api/leads/export.csv?view=all-open&ids={}.{}",
        chosen[0], chosen[1]
    ))
    .await;
    let mut expected = chosen.to_vec();
    expected.sort();
    let mut got = selected.clone();
    got.sort();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn bad_list_input_gets_field_errors_not_500s() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    for (form, field) in [
        (
            vec![("list[name]", " "), ("list[member_type]", "lead")],
            "name",
        ),
        (
            vec![("list[name]", "People"), ("list[member_type]", "people")],
            "member_type",
        ),
        (
            vec![
                ("list[name]", "Trade show follow-up"),
                ("list[member_type]", "lead"),
            ],
            "name",
        ),
    ] {
        let response = app.call(&rep, "/api/lists/create", &form).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{form:?}"
        );
        assert!(
            error_of(response).await.field_message(field).is_some(),
            "{form:?}"
        );
    }
    let response = app
        .call(
            &rep,
            "/api/lists/add",
            &[
                ("id", "99999"),
                ("member_type", "lead"),
                ("selection[ids][0]", "1"),
                ("selection[versions][0]", "1"),
                ("from", "record"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .call(
            &rep,
            "/api/lists/add",
            &[
                ("new_list", "Uneven"),
                ("member_type", "lead"),
                ("selection[ids][0]", "1"),
                ("from", "record"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // A stale rename is a conflict.
    let id: i64 = ok(app
        .call(
            &rep,
            "/api/lists/create",
            &[("list[name]", "Mine"), ("list[member_type]", "lead")],
        )
        .await)
    .await;
    let rename = |version: &'static str| {
        [
            ("id".to_string(), id.to_string()),
            ("version".into(), version.into()),
            ("list[name]".into(), "Mine, renamed".into()),
            ("list[member_type]".into(), "lead".into()),
        ]
    };
    for (version, status) in [("1", StatusCode::OK), ("1", StatusCode::CONFLICT)] {
        let form = rename(version);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let response = app.call(&rep, "/api/lists/update", &pairs).await;
        assert_eq!(response.status(), status);
    }
}

#[tokio::test]
async fn bulk_deactivate_applies_the_open_opportunity_rule_to_each_contact() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let busy: (i64, i64) = sqlx::query_as(
        "SELECT c.id, c.version FROM contacts c WHERE c.active = 1 AND EXISTS \
         (SELECT 1 FROM opportunities o WHERE o.contact_id = c.id AND o.status = 'open') \
         ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let free: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT c.id, c.version FROM contacts c WHERE c.active = 1 AND NOT EXISTS \
         (SELECT 1 FROM opportunities o WHERE o.contact_id = c.id AND o.status = 'open') \
         ORDER BY c.id LIMIT 2",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let chosen = [free[0], busy, free[1]];
    let form = with_chosen(
        &[
            ("member_type", "contact".into()),
            ("verb", "deactivate".into()),
        ],
        &chosen,
    );
    let report = bulk(&app, &admin, &form).await;
    assert_eq!(report.changed, 2);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].id, busy.0);
    assert!(
        report.skipped[0]
            .reason
            .starts_with("read-only: This contact cannot be deactivated"),
        "{}",
        report.skipped[0].reason
    );
    let inactive = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) FROM contacts WHERE active = 0 AND id IN ({}, {}, {})",
            free[0].0, free[1].0, busy.0
        ),
    )
    .await;
    assert_eq!(inactive, 2);
    // Disqualify is for leads only.
    let response = app
        .call(
            &admin,
            "/api/lists/bulk",
            &[
                ("member_type", "contact"),
                ("selection[matching]", "view=active"),
                ("verb", "disqualify"),
                ("reason", "lost"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_lead_list_counts_the_members_qualified_since_they_were_added() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let report = add_matching(&app, &manager, "Cold to warm", "view=all-open&rating=cold").await;
    let list = report.list_id.unwrap();
    assert_eq!(
        detail(&app, &manager, list).await.qualified_since_added,
        Some(0)
    );
    let (lead, version): (i64, i64) = sqlx::query_as(
        "SELECT l.id, l.version FROM leads l JOIN marketing_list_members m ON m.member_id = l.id \
         WHERE m.list_id = ? ORDER BY l.id LIMIT 1",
    )
    .bind(list)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let response = app
        .call(
            &manager,
            "/api/leads/qualify",
            &[
                ("id", &lead.to_string()),
                ("version", &version.to_string()),
                ("account", "new"),
                ("contact", "new"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    let qualified = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) FROM marketing_list_members m JOIN leads l ON l.id = m.member_id \
             WHERE m.list_id = {list} AND l.status = 'qualified' AND l.closed_at >= m.added_at"
        ),
    )
    .await;
    assert_eq!(qualified, 1);
    assert_eq!(
        detail(&app, &manager, list).await.qualified_since_added,
        Some(1)
    );
}

#[tokio::test]
async fn a_bulk_action_runs_in_the_background_and_its_starter_follows_its_progress() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let admin = scalar(
        &app,
        "SELECT id FROM users WHERE email = 'admin@example.com'",
    )
    .await;
    let matching = scalar(
        &app,
        &format!("SELECT COUNT(*) FROM leads WHERE status = 'open' AND owner_id <> {admin}"),
    )
    .await;
    let form: Vec<(String, String)> = [
        ("member_type", "lead"),
        ("selection[matching]", "view=all-open"),
        ("verb", "assign"),
        ("owner_id", &admin.to_string()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let seen = bulk_progress(&app, &manager, &form).await;
    let open = scalar(&app, "SELECT COUNT(*) FROM leads WHERE status = 'open'").await;
    // Every progress counts the whole selection and never goes back.
    assert!(seen.iter().all(|progress| progress.total == open));
    assert!(seen.windows(2).all(|pair| pair[0].done <= pair[1].done));
    let last = seen.last().unwrap();
    assert_eq!((last.state, last.done), (BulkState::Finished, open));
    assert_eq!(last.report.changed, matching);
    assert_eq!(last.report.unchanged, open - matching);
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM leads WHERE status = 'open' AND owner_id <> {admin}"),
        )
        .await,
        0
    );

    // Its progress is the starter's: another user gets 403, a job that does not exist 404.
    let job_id = last.job_id.to_string();
    let rep = app.signed_in("rep@example.com").await;
    let response = app
        .call(&rep, "/api/lists/bulk-progress", &[("job_id", &job_id)])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app
        .call(
            &manager,
            "/api/lists/bulk-progress",
            &[("job_id", "999999")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bulk_action_refused_for_every_record_is_refused_before_it_starts() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    for (form, field) in [
        ([("verb", "assign"), ("owner_id", "999999")], "owner"),
        ([("verb", "disqualify"), ("reason", "qualified")], "reason"),
    ] {
        let mut form = form.to_vec();
        form.extend([
            ("member_type", "lead"),
            ("selection[matching]", "view=all-open"),
        ]);
        let response = app.call(&manager, "/api/lists/bulk", &form).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        match error_of(response).await {
            AppError::Validation(errors) => assert!(errors.contains_key(field), "{errors:?}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM bulk_jobs").await, 0);
}

#[tokio::test]
async fn a_restart_marks_a_running_bulk_action_interrupted_with_how_far_it_got() {
    let app = TestApp::spawn().await;
    let manager = scalar(
        &app,
        "SELECT id FROM users WHERE email = 'manager@example.com'",
    )
    .await;
    sqlx::query(
        "INSERT INTO bulk_jobs (user_id, member_type, total, done, changed, started_at) \
         VALUES (?, 'lead', 500, 120, 118, '2026-12-01T10:00:00Z')",
    )
    .bind(manager)
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        leadflow::lists::db::interrupt_unfinished_bulk(&app.pool)
            .await
            .unwrap(),
        1
    );
    let client = app.signed_in("manager@example.com").await;
    let job_id = scalar(&app, "SELECT MAX(id) FROM bulk_jobs")
        .await
        .to_string();
    let progress: BulkProgress = ok(app
        .call(&client, "/api/lists/bulk-progress", &[("job_id", &job_id)])
        .await)
    .await;
    assert_eq!(
        (progress.state, progress.done, progress.report.changed),
        (BulkState::Interrupted, 120, 118)
    );
    assert!(
        progress.text().contains("run it again"),
        "{}",
        progress.text()
    );
}

/// The record page's consent form sends only the ticked boxes: none ticked clears every flag.
#[tokio::test]
async fn consent_with_no_box_ticked_clears_every_flag() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let (lead, version): (i64, i64) =
        sqlx::query_as("SELECT id, version FROM leads WHERE status = 'open' ORDER BY id LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (lead, version) = (lead.to_string(), version.to_string());
    let ticked: i64 = ok(app
        .call(
            &manager,
            "/api/records/set-consent",
            &[
                ("member_type", "lead"),
                ("id", &lead),
                ("version", &version),
                ("consent[do_not_email]", "true"),
                ("consent[do_not_phone]", "true"),
                ("consent[do_not_mail]", "true"),
            ],
        )
        .await)
    .await;
    let flags =
        format!("SELECT do_not_email + do_not_phone + do_not_mail FROM leads WHERE id = {lead}");
    assert_eq!(scalar(&app, &flags).await, 3);
    let ticked = ticked.to_string();
    let cleared: i64 = ok(app
        .call(
            &manager,
            "/api/records/set-consent",
            &[("member_type", "lead"), ("id", &lead), ("version", &ticked)],
        )
        .await)
    .await;
    assert_eq!(
        cleared.to_string(),
        (ticked.parse::<i64>().unwrap() + 1).to_string()
    );
    assert_eq!(scalar(&app, &flags).await, 0);
}
