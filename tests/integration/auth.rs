use crate::common::{DEMO_PASSWORD, Options, TestApp, error_of};
use leadflow::auth::User;
use leadflow::error::AppError;
use reqwest::StatusCode;
use std::collections::BTreeSet;

/// Every server function with arguments it would accept; the test below checks that this
/// list covers every registered server function, so a new one cannot skip the check.
const GUARDED_CALLS: &[(&str, &[(&str, &str)])] = &[
    (
        "/api/leads/create",
        &[("lead[topic]", "Booth visit"), ("lead[last_name]", "Lee")],
    ),
    ("/api/leads/get", &[("id", "1")]),
    (
        "/api/leads/sync",
        &[
            ("capture_key", "0b6c1f9e-4d1a-4c2b-9a57-3e8f1d2c4b5a"),
            ("lead[topic]", "Booth visit"),
            ("lead[last_name]", "Lee"),
        ],
    ),
    (
        "/api/leads/update",
        &[
            ("id", "1"),
            ("version", "1"),
            ("lead[topic]", "Booth visit"),
            ("lead[last_name]", "Lee"),
        ],
    ),
    (
        "/api/leads/step",
        &[("id", "1"), ("step_id", "1"), ("done", "true")],
    ),
    ("/api/leads/qualify-preview", &[("id", "1")]),
    (
        "/api/leads/qualify",
        &[
            ("id", "1"),
            ("version", "1"),
            ("account", "new"),
            ("contact", "new"),
        ],
    ),
    (
        "/api/leads/disqualify",
        &[("id", "1"), ("version", "1"), ("reason", "lost")],
    ),
    ("/api/leads/reactivate", &[("id", "1"), ("version", "1")]),
    ("/api/opportunities/get", &[("id", "1")]),
    (
        "/api/opportunities/update",
        &[
            ("id", "1"),
            ("version", "1"),
            ("opportunity[topic]", "Deal"),
        ],
    ),
    (
        "/api/opportunities/move",
        &[("id", "1"), ("version", "1"), ("direction", "next")],
    ),
    (
        "/api/opportunities/step",
        &[("id", "1"), ("step_id", "10"), ("done", "true")],
    ),
    (
        "/api/opportunities/close-won",
        &[("id", "1"), ("version", "1")],
    ),
    (
        "/api/opportunities/close-lost",
        &[("id", "1"), ("version", "1"), ("close[reason]", "canceled")],
    ),
    (
        "/api/opportunities/reopen",
        &[("id", "1"), ("version", "1")],
    ),
    ("/api/pipeline/board", &[]),
    ("/api/dashboard", &[]),
    ("/api/settings/list", &[]),
    (
        "/api/settings/add",
        &[("kind", "Competitors"), ("name", "Initech")],
    ),
    (
        "/api/settings/set-active",
        &[("kind", "Competitors"), ("id", "1"), ("active", "false")],
    ),
    (
        "/api/opportunities/stakeholder",
        &[("id", "1"), ("contact_id", "1"), ("role", "champion")],
    ),
    (
        "/api/opportunities/competitor",
        &[("id", "1"), ("competitor_id", "1"), ("present", "true")],
    ),
    (
        "/api/customers/search",
        &[("kind", "account"), ("search", "Contoso")],
    ),
    (
        "/api/opportunities/list",
        &[
            ("query[view]", "all-open"),
            ("query[sort]", "close-date"),
            ("query[descending]", "false"),
            ("query[page]", "1"),
        ],
    ),
    ("/api/users/directory", &[]),
    (
        "/api/leads/list",
        &[
            ("query[view]", "all-open"),
            ("query[sort]", "created"),
            ("query[descending]", "true"),
            ("query[page]", "1"),
        ],
    ),
    ("/api/accounts/get", &[("id", "1")]),
    ("/api/accounts/create", &[("account[name]", "Initech")]),
    (
        "/api/accounts/update",
        &[("id", "1"), ("version", "1"), ("account[name]", "Initech")],
    ),
    ("/api/contacts/get", &[("id", "1")]),
    ("/api/contacts/create", &[("contact[last_name]", "Lee")]),
    (
        "/api/contacts/update",
        &[("id", "1"), ("version", "1"), ("contact[last_name]", "Lee")],
    ),
    (
        "/api/directory/list",
        &[
            ("kind", "accounts"),
            ("query[view]", "active"),
            ("query[sort]", "name"),
            ("query[descending]", "false"),
            ("query[page]", "1"),
        ],
    ),
    (
        "/api/directory/set-active",
        &[
            ("kind", "accounts"),
            ("id", "1"),
            ("version", "1"),
            ("active", "false"),
        ],
    ),
    (
        "/api/activities/log",
        &[
            ("regarding", "account"),
            ("record_id", "1"),
            ("activity[kind]", "note"),
            ("activity[subject]", "Hello"),
        ],
    ),
    (
        "/api/activities/timeline",
        &[
            ("regarding", "account"),
            ("record_id", "1"),
            ("limit", "25"),
        ],
    ),
    ("/api/activities/mine", &[]),
    ("/api/activities/list", &[("query[view]", "all")]),
    (
        "/api/activities/done",
        &[("id", "1"), ("version", "1"), ("done", "true")],
    ),
    ("/api/auth/me", &[]),
    ("/api/users/list", &[]),
    (
        "/api/users/create",
        &[
            ("name", "Eve"),
            ("email", "eve@example.com"),
            ("role", "admin"),
            ("password", "a long password"),
        ],
    ),
    (
        "/api/users/update",
        &[
            ("id", "1"),
            ("role", "rep"),
            ("active", "false"),
            ("version", "1"),
        ],
    ),
    (
        "/api/users/reset-password",
        &[("id", "1"), ("password", "a long password")],
    ),
    (
        "/api/records/assign",
        &[
            ("kind", "lead"),
            ("id", "1"),
            ("version", "1"),
            ("owner", "1"),
        ],
    ),
    ("/api/import/history", &[]),
    ("/api/import/running", &[]),
    ("/api/import/job", &[("id", "1")]),
    (
        "/api/import/dry-run",
        &[("id", "1"), ("duplicates", "skip"), ("default_owner", "1")],
    ),
    ("/api/import/run", &[("id", "1")]),
    ("/api/import/progress", &[("id", "1")]),
    ("/api/import/undo", &[("id", "1")]),
    ("/api/web-forms/list", &[]),
    ("/api/web-forms/get", &[("id", "1")]),
    (
        "/api/web-forms/save",
        &[
            ("version", "0"),
            ("form[name]", "Contact us"),
            ("form[fields][0][field]", "last_name"),
            ("form[fields][0][label]", "Last name"),
            ("form[fields][0][required]", "true"),
            ("form[owner_rule]", "user"),
            ("form[owner_id]", "1"),
        ],
    ),
    ("/api/web-forms/pause", &[("id", "1"), ("paused", "true")]),
    ("/api/web-forms/submissions", &[("page", "1")]),
    ("/api/web-forms/release", &[("id", "1")]),
    ("/api/web-forms/delete-submission", &[("id", "1")]),
    ("/api/web-forms/unread", &[]),
    ("/api/web-forms/options", &[]),
    ("/api/lists/all", &[]),
    ("/api/lists/get", &[("id", "1")]),
    (
        "/api/lists/create",
        &[("list[name]", "Spring"), ("list[member_type]", "lead")],
    ),
    (
        "/api/lists/update",
        &[
            ("id", "1"),
            ("version", "1"),
            ("list[name]", "Renamed"),
            ("list[member_type]", "lead"),
        ],
    ),
    ("/api/lists/delete", &[("id", "1")]),
    (
        "/api/lists/add",
        &[
            ("id", "1"),
            ("member_type", "lead"),
            ("selection[ids][0]", "1"),
            ("selection[versions][0]", "1"),
            ("from", "list_view"),
        ],
    ),
    (
        "/api/lists/remove",
        &[
            ("id", "1"),
            ("member_type", "lead"),
            ("selection[ids][0]", "1"),
            ("selection[versions][0]", "1"),
        ],
    ),
    ("/api/lists/copy", &[("id", "1"), ("from", "2")]),
    ("/api/lists/suppress", &[("id", "1"), ("other", "2")]),
    (
        "/api/lists/copy-to-static",
        &[("id", "1"), ("name", "Frozen")],
    ),
    (
        "/api/lists/bulk",
        &[
            ("member_type", "lead"),
            ("selection[ids][0]", "1"),
            ("selection[versions][0]", "1"),
            ("verb", "disqualify"),
            ("reason", "lost"),
        ],
    ),
    ("/api/lists/bulk-progress", &[("job_id", "1")]),
    ("/api/processes/all", &[]),
    ("/api/processes/create", &[("name", "Renewal")]),
    ("/api/processes/choices", &[]),
    ("/api/processes/make-default", &[("id", "1")]),
    ("/api/scoring/editor", &[]),
    (
        "/api/scoring/save-draft",
        &[("draft[grade_a]", "50"), ("revision", "1")],
    ),
    ("/api/scoring/backtest", &[("draft[grade_a]", "50")]),
    ("/api/scoring/backtest-progress", &[("id", "1")]),
    ("/api/scoring/publish", &[("revision", "1")]),
    ("/api/scoring/progress", &[]),
    (
        "/api/opportunities/switch-process",
        &[("id", "1"), ("version", "1"), ("process_id", "2")],
    ),
    ("/api/processes/editor", &[("id", "1")]),
    (
        "/api/processes/save",
        &[
            ("draft[id]", "1"),
            ("draft[name]", "Lead to Opportunity Sales Process"),
            ("draft[version]", "1"),
        ],
    ),
    (
        "/api/records/set-consent",
        &[
            ("member_type", "lead"),
            ("id", "1"),
            ("version", "1"),
            ("consent[do_not_email]", "true"),
        ],
    ),
];
/// Reachable without signing in, by design.
const PUBLIC_CALLS: &[&str] = &[
    "/api/auth/login",
    "/api/auth/demo-credentials",
    "/api/auth/logout",
];
/// Every guarded call falls in exactly one of the lists below, each with its 403 test; the
/// completeness test fails when a new server function is not placed in one.
const ADMIN_ONLY: &[&str] = &[
    "/api/processes/all",
    "/api/processes/create",
    "/api/processes/editor",
    "/api/processes/make-default",
    "/api/processes/save",
    "/api/scoring/editor",
    "/api/scoring/save-draft",
    "/api/scoring/backtest",
    "/api/scoring/backtest-progress",
    "/api/scoring/publish",
    "/api/scoring/progress",
    "/api/users/list",
    "/api/users/create",
    "/api/users/update",
    "/api/users/reset-password",
    "/api/settings/list",
    "/api/settings/add",
    "/api/settings/set-active",
    "/api/web-forms/list",
    "/api/web-forms/get",
    "/api/web-forms/save",
    "/api/web-forms/pause",
    "/api/web-forms/submissions",
    "/api/web-forms/release",
    "/api/web-forms/delete-submission",
];
/// Managers and admins only (reps get 403 whatever the record).
const MANAGER_ONLY: &[&str] = &["/api/records/assign"];
/// Reps may call these only on records they own: the call's `id` is replaced by a record
/// of the table (matching the condition) that another user owns, and `version` by its
/// version.
const OWNER_ONLY: &[(&str, &str)] = &[
    ("/api/leads/update", "leads WHERE status = 'open'"),
    ("/api/leads/step", "leads WHERE status = 'open'"),
    ("/api/leads/qualify-preview", "leads WHERE status = 'open'"),
    ("/api/leads/qualify", "leads WHERE status = 'open'"),
    ("/api/leads/disqualify", "leads WHERE status = 'open'"),
    (
        "/api/leads/reactivate",
        "leads WHERE status = 'disqualified'",
    ),
    (
        "/api/opportunities/update",
        "opportunities WHERE status = 'open'",
    ),
    (
        "/api/opportunities/move",
        "opportunities WHERE status = 'open'",
    ),
    (
        "/api/opportunities/switch-process",
        "opportunities WHERE status = 'open'",
    ),
    (
        "/api/opportunities/step",
        "opportunities WHERE status = 'open'",
    ),
    (
        "/api/opportunities/close-won",
        "opportunities WHERE status = 'open'",
    ),
    (
        "/api/opportunities/close-lost",
        "opportunities WHERE status = 'open'",
    ),
    (
        "/api/opportunities/reopen",
        "opportunities WHERE status = 'won'",
    ),
    (
        "/api/opportunities/stakeholder",
        "opportunities WHERE status = 'open'",
    ),
    (
        "/api/opportunities/competitor",
        "opportunities WHERE status = 'open'",
    ),
    ("/api/accounts/update", "accounts WHERE active = 1"),
    ("/api/contacts/update", "contacts WHERE active = 1"),
    ("/api/directory/set-active", "accounts WHERE active = 1"),
    ("/api/activities/done", "activities WHERE kind = 'task'"),
    ("/api/lists/update", "marketing_lists WHERE kind = 'static'"),
    ("/api/lists/delete", "marketing_lists WHERE kind = 'static'"),
    ("/api/lists/add", "marketing_lists WHERE kind = 'static'"),
    ("/api/lists/remove", "marketing_lists WHERE kind = 'static'"),
    ("/api/lists/copy", "marketing_lists WHERE kind = 'static'"),
    (
        "/api/lists/suppress",
        "marketing_lists WHERE kind = 'static'",
    ),
    ("/api/records/set-consent", "leads WHERE status = 'open'"),
];
/// An import job's importer, managers and admins only: a rep calling these on a manager's
/// job gets 403.
const IMPORTER_ONLY: &[&str] = &[
    "/api/import/job",
    "/api/import/dry-run",
    "/api/import/run",
    "/api/import/progress",
    "/api/import/undo",
];
/// Any signed-in user, by design: reads, and capturing leads, accounts, contacts and
/// activities (PRODUCT.md roles).
const ANY_SIGNED_IN: &[&str] = &[
    "/api/leads/create",
    "/api/leads/sync",
    "/api/leads/get",
    "/api/leads/list",
    "/api/opportunities/get",
    "/api/opportunities/list",
    "/api/pipeline/board",
    "/api/dashboard",
    "/api/customers/search",
    "/api/users/directory",
    "/api/accounts/get",
    "/api/accounts/create",
    "/api/contacts/get",
    "/api/contacts/create",
    "/api/directory/list",
    "/api/activities/log",
    "/api/activities/timeline",
    "/api/activities/mine",
    "/api/activities/list",
    "/api/auth/me",
    "/api/import/history",
    "/api/import/running",
    "/api/web-forms/unread",
    "/api/web-forms/options",
    "/api/lists/all",
    "/api/lists/get",
    "/api/lists/create",
    "/api/lists/copy-to-static",
    "/api/lists/bulk",
    // Only its starter's: tested in lists.rs (403 for anyone else).
    "/api/lists/bulk-progress",
    "/api/processes/choices",
];

#[test]
fn every_guarded_call_has_exactly_one_authorization_rule() {
    let mut placed: Vec<&str> = ADMIN_ONLY
        .iter()
        .chain(MANAGER_ONLY)
        .chain(IMPORTER_ONLY)
        .copied()
        .chain(OWNER_ONLY.iter().map(|(path, _)| *path))
        .chain(ANY_SIGNED_IN.iter().copied())
        .collect();
    placed.sort();
    let mut guarded: Vec<&str> = GUARDED_CALLS.iter().map(|(path, _)| *path).collect();
    guarded.sort();
    assert_eq!(placed, guarded);
}

fn form_of(path: &str) -> &'static [(&'static str, &'static str)] {
    GUARDED_CALLS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, form)| *form)
        .unwrap()
}

#[tokio::test]
async fn manager_functions_are_forbidden_to_reps() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("rep@example.com").await;
    for path in MANAGER_ONLY {
        let response = app.call(&client, path, form_of(path)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(error_of(response).await, AppError::Forbidden);
    }
}

#[tokio::test]
async fn import_functions_are_forbidden_to_a_rep_on_someone_elses_job() {
    let app = TestApp::spawn().await;
    let job: i64 = sqlx::query_scalar(
        "INSERT INTO import_jobs (user_id, entity, source_system, status, settings, uploaded_at) \
         SELECT id, 'leads', 'spreadsheet', 'uploaded', '{}', '2026-01-01T00:00:00Z' FROM users \
         WHERE email = 'manager@example.com' RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let job = job.to_string();
    let client = app.signed_in("rep@example.com").await;
    for path in IMPORTER_ONLY {
        let form: Vec<(&str, &str)> = form_of(path)
            .iter()
            .map(|(name, value)| (*name, if *name == "id" { job.as_str() } else { *value }))
            .collect();
        let response = app.call(&client, path, &form).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(error_of(response).await, AppError::Forbidden, "{path}");
    }
}

#[tokio::test]
async fn owner_functions_are_forbidden_to_a_rep_on_someone_elses_record() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("rep@example.com").await;
    let rep_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'rep@example.com'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for (path, records) in OWNER_ONLY {
        let (id, version): (i64, i64) = sqlx::query_as(&format!(
            "SELECT id, version FROM {records} AND owner_id <> ? ORDER BY id LIMIT 1"
        ))
        .bind(rep_id)
        .fetch_one(&app.pool)
        .await
        .unwrap_or_else(|_| panic!("no record of another owner for {path}"));
        let (id, version) = (id.to_string(), version.to_string());
        let form: Vec<(&str, &str)> = form_of(path)
            .iter()
            .map(|(name, value)| match *name {
                "id" => (*name, id.as_str()),
                "version" => (*name, version.as_str()),
                _ => (*name, *value),
            })
            .collect();
        let response = app.call(&client, path, &form).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(error_of(response).await, AppError::Forbidden, "{path}");
    }
}

#[tokio::test]
async fn the_call_list_covers_every_server_function() {
    let registered: BTreeSet<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    let listed: BTreeSet<&str> = GUARDED_CALLS
        .iter()
        .map(|(path, _)| *path)
        .chain(PUBLIC_CALLS.iter().copied())
        .collect();
    assert_eq!(registered, listed);
}

#[tokio::test]
async fn every_server_function_rejects_anonymous_callers_with_401() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for (path, form) in GUARDED_CALLS {
        let response = app.call(&client, path, form).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            error_of(response).await,
            AppError::Unauthenticated,
            "{path}"
        );
    }
    // Nothing was changed by those calls.
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE active = 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(users, 3);
}

#[tokio::test]
async fn admin_functions_are_forbidden_to_reps_and_managers() {
    let app = TestApp::spawn().await;
    for email in ["rep@example.com", "manager@example.com"] {
        let client = app.signed_in(email).await;
        for (path, form) in GUARDED_CALLS.iter().filter(|(p, _)| ADMIN_ONLY.contains(p)) {
            let response = app.call(&client, path, form).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{email} {path}");
            assert_eq!(error_of(response).await, AppError::Forbidden);
        }
    }
}

#[tokio::test]
async fn sign_in_sets_a_safe_session_cookie_and_me_returns_the_user() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let response = app.login(&client, "Rep@Example.com ", DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("session cookie")
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("leadflow_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert_eq!(response.headers().get("location").unwrap(), "/leads");
    // What `ui::enhance` reads to load the next page itself.
    assert!(response.headers().contains_key("serverfnredirect"));

    let me: User = app
        .call(&client, "/api/auth/me", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me.email, "rep@example.com");
    assert_eq!(me.role, leadflow::auth::Role::Rep);
}

/// The login form before the WASM has loaded is a plain form post: signed in, the browser
/// is sent on to the leads.
#[tokio::test]
async fn the_login_form_works_as_a_plain_form_post() {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .post(format!("{}/api/auth/login", app.address))
        .header("Accept", "text/html")
        .header("Referer", format!("{}/login", app.address))
        .form(&[("email", "rep@example.com"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers().get("location").unwrap(), "/leads");
    assert!(response.headers().contains_key("set-cookie"));
}

#[tokio::test]
async fn secure_cookies_when_configured_for_https() {
    let app = TestApp::spawn_with(Options {
        secure_cookies: true,
        ..Options::default()
    })
    .await;
    let response = app
        .login(&app.client(), "rep@example.com", DEMO_PASSWORD)
        .await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for (email, password) in [
        ("rep@example.com", "not the password"),
        ("nobody@example.com", DEMO_PASSWORD),
    ] {
        let response = app.login(&client, email, password).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().get("set-cookie").is_none());
        assert_eq!(error_of(response).await, AppError::InvalidCredentials);
    }
    let response = app.call(&client, "/api/auth/me", &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_failures_are_rate_limited_per_email() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for _ in 0..5 {
        let response = app
            .login(&client, "manager@example.com", "guess guess")
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now.
    let response = app
        .login(&client, "manager@example.com", DEMO_PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let AppError::RateLimited { retry_after_secs } = error_of(response).await else {
        panic!("expected RateLimited");
    };
    assert!(retry_after_secs > 0 && retry_after_secs <= 15 * 60);
    // Other users are not locked out.
    let response = app.login(&client, "rep@example.com", DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("rep@example.com").await;
    let response = app.call(&client, "/api/auth/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get("location").unwrap(), "/login");
    let response = app.call(&client, "/api/auth/me", &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_out_a_session_that_already_ended_lands_on_the_login_page() {
    let app = TestApp::spawn().await;
    let response = app.call(&app.client(), "/api/auth/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get("location").unwrap(), "/login");
}

#[tokio::test]
async fn a_stolen_cookie_is_useless_after_sign_out() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let response = app.login(&client, "rep@example.com", DEMO_PASSWORD).await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    app.call(&client, "/api/auth/logout", &[]).await;
    let replay = reqwest::Client::new()
        .post(format!("{}/api/auth/me", app.address))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn demo_credentials_show_only_in_demo_mode() {
    let demo = TestApp::spawn().await;
    let credentials: Vec<leadflow::auth::DemoCredential> = demo
        .call(&demo.client(), "/api/auth/demo-credentials", &[])
        .await
        .json()
        .await
        .unwrap();
    let emails: Vec<_> = credentials.iter().map(|c| c.email.as_str()).collect();
    assert_eq!(
        emails,
        [
            "admin@example.com",
            "manager@example.com",
            "rep@example.com"
        ]
    );
    assert!(credentials.iter().all(|c| c.password == DEMO_PASSWORD));

    let empty = TestApp::spawn_empty().await;
    let credentials: Vec<leadflow::auth::DemoCredential> = empty
        .call(&empty.client(), "/api/auth/demo-credentials", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(credentials.is_empty());
}

#[tokio::test]
async fn the_first_admin_of_an_empty_installation_can_sign_in() {
    let app = TestApp::spawn_empty().await;
    let client = app.client();
    assert_eq!(
        app.login(&client, "boss@example.com", "first admin pw")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let invalid = leadflow::server::demo::create_admin(&app.pool, "", "boss", "short").await;
    let Err(AppError::Validation(fields)) = invalid else {
        panic!("expected validation errors");
    };
    assert_eq!(fields.len(), 3);
    leadflow::server::demo::create_admin(&app.pool, "Boss", "boss@example.com", "first admin pw")
        .await
        .unwrap();
    assert_eq!(
        app.login(&client, "boss@example.com", "first admin pw")
            .await
            .status(),
        StatusCode::OK
    );
    let users = app.call(&client, "/api/users/list", &[]).await;
    assert_eq!(users.status(), StatusCode::OK);
}

#[tokio::test]
async fn sessions_expire_after_the_idle_time() {
    let app = TestApp::spawn_with(Options {
        session_idle: std::time::Duration::from_secs(1),
        ..Options::default()
    })
    .await;
    let client = app.signed_in("rep@example.com").await;
    assert_eq!(
        app.call(&client, "/api/auth/me", &[]).await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        app.call(&client, "/api/auth/me", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn parallel_wrong_passwords_for_one_email_get_only_the_allowed_checks() {
    let app = TestApp::spawn_with(Options {
        signins_per_minute: 1000,
        ..Options::default()
    })
    .await;
    let attempts = (0..30).map(|_| {
        let client = app.client();
        let app = &app;
        async move {
            app.login(&client, "manager@example.com", "guess guess")
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 25), "{statuses:?}");
}

#[tokio::test]
async fn sign_ins_are_limited_per_client_address_with_retry_after() {
    let app = TestApp::spawn_with(Options {
        signins_per_minute: 3,
        ..Options::default()
    })
    .await;
    let client = app.client();
    // Different emails each time: the per-email throttle never trips, the address limit does.
    for i in 0..3 {
        let response = app
            .login(&client, &format!("nobody{i}@example.com"), "guess guess")
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let response = app.login(&client, "rep@example.com", DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // One attempt comes back every 20 s at 3 a minute.
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    assert!(matches!(
        error_of(response).await,
        AppError::RateLimited { retry_after_secs } if retry_after_secs == retry_after
    ));
}

#[tokio::test]
async fn malformed_arguments_are_400_with_a_plain_message_and_401_comes_first() {
    let app = TestApp::spawn().await;
    let anonymous = app.client();
    let rep = app.signed_in("rep@example.com").await;
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("/api/leads/list", &[]),
        // A list query's values are read as leniently as the URL it comes from (an unknown
        // view is the default view), but its shape must be a query.
        ("/api/leads/list", &[("query[page][deep]", "1")]),
        ("/api/leads/list", &[("query", "%%%")]),
        ("/api/leads/get", &[("id", "not a number")]),
        ("/api/leads/get", &[]),
        (
            "/api/opportunities/get",
            &[("id", "99999999999999999999999")],
        ),
    ];
    for (path, form) in cases {
        let response = app.call(&anonymous, path, form).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{path} {form:?}"
        );
        let response = app.call(&rep, path, form).await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{path} {form:?}"
        );
        let body = response.text().await.unwrap();
        let error: AppError = serde_json::from_str(&body).expect(&body);
        let AppError::BadRequest(message) = error else {
            panic!("{path}: {body}");
        };
        assert!(
            !message.contains("serde") && !message.contains("deserializ"),
            "{message}"
        );
    }
    // A body that is not even form encoding.
    let response = rep
        .post(format!("{}/api/leads/get", app.address))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sign_in_answers_503_with_retry_after_while_every_password_check_is_busy() {
    let app = TestApp::spawn().await;
    let checks = &app.state.password_checks;
    let all = checks.available_permits() as u32;
    let busy = checks.acquire_many(all).await.unwrap();
    let response = app
        .login(&app.client(), "rep@example.com", DEMO_PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    assert!(matches!(error_of(response).await, AppError::Busy { .. }));
    drop(busy);
    let response = app
        .login(&app.client(), "rep@example.com", DEMO_PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_sign_in_limiter_forgets_addresses_it_no_longer_limits() {
    // One attempt back every 10 µs: an address checked once is soon as good as new.
    let app = TestApp::spawn_with(Options {
        signins_per_minute: 6_000_000,
        ..Options::default()
    })
    .await;
    let limiter = &app.state.signin_limiter;
    for i in 0..10_001u32 {
        assert!(
            limiter
                .check_key(&std::net::IpAddr::from(i.to_be_bytes()))
                .is_ok()
        );
    }
    assert!(limiter.len() > 10_000);
    let response = app
        .login(&app.client(), "rep@example.com", DEMO_PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(limiter.len() < 5_000, "{} addresses kept", limiter.len());
}
