//! Activities over HTTP: logging each kind with its validation, the timeline with system
//! events and the account roll-up, My activities and marking tasks done.

use crate::common::{TestApp, error_of};
use crate::opportunities::{act, new_opportunity};
use leadflow::activity::rules::event_text;
use leadflow::activity::{
    ActivityKind, ActivityPage, MyActivities, RecordType, TimelineEntry, TimelinePage,
};
use leadflow::error::AppError;
use reqwest::{Client, StatusCode};

pub async fn timeline(app: &TestApp, client: &Client, regarding: &str, id: i64) -> TimelinePage {
    let response = app
        .call(
            client,
            "/api/activities/timeline",
            &[
                ("regarding", regarding),
                ("record_id", &id.to_string()),
                ("limit", "25"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Logs an activity; the form fields are `activity[…]`.
pub async fn log(
    app: &TestApp,
    client: &Client,
    regarding: &str,
    id: i64,
    fields: &[(&str, &str)],
) -> Result<i64, (StatusCode, AppError)> {
    let id = id.to_string();
    let mut form = vec![("regarding", regarding), ("record_id", id.as_str())];
    form.extend_from_slice(fields);
    let response = app.call(client, "/api/activities/log", &form).await;
    match response.status() {
        StatusCode::OK => Ok(response.json().await.unwrap()),
        status => Err((status, error_of(response).await)),
    }
}

fn subjects(page: &TimelinePage) -> Vec<&str> {
    page.entries
        .iter()
        .filter_map(|entry| match entry {
            TimelineEntry::Activity(a) => Some(a.subject.as_str()),
            TimelineEntry::Event(_) => None,
        })
        .collect()
}

fn events(page: &TimelinePage) -> Vec<String> {
    page.entries
        .iter()
        .filter_map(|entry| match entry {
            TimelineEntry::Event(e) => Some(event_text(e)),
            TimelineEntry::Activity(_) => None,
        })
        .collect()
}

#[tokio::test]
async fn each_kind_is_validated_and_bad_calls_are_refused() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let account: i64 = sqlx::query_scalar("SELECT id FROM accounts ORDER BY id LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("activity[kind]", "note")], "subject"),
        (
            &[
                ("activity[kind]", "phone_call"),
                ("activity[subject]", "Call"),
            ],
            "direction",
        ),
        (
            &[
                ("activity[kind]", "task"),
                ("activity[subject]", "Quote"),
                ("activity[due_date]", "next week"),
            ],
            "due_date",
        ),
        (
            &[
                ("activity[kind]", "appointment"),
                ("activity[subject]", "Demo"),
                ("activity[starts_at]", "2026-11-23T10:00"),
                ("activity[ends_at]", "2026-11-23T09:00"),
            ],
            "ends_at",
        ),
    ];
    for (fields, field) in cases {
        let (status, error) = log(&app, &rep, "account", account, fields)
            .await
            .unwrap_err();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(error.field_message(field).is_some(), "{field}: {error:?}");
    }
    let note = [("activity[kind]", "note"), ("activity[subject]", "Hello")];
    let (status, _) = log(&app, &rep, "account", 999_999, &note)
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = log(&app, &app.client(), "account", account, &note)
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let response = app
        .call(
            &app.client(),
            "/api/activities/timeline",
            &[
                ("regarding", "account"),
                ("record_id", &account.to_string()),
                ("limit", "5"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = app.call(&app.client(), "/api/activities/mine", &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // Nothing was stored by the refused calls.
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM activities WHERE subject IN ('Call', 'Quote', 'Demo', 'Hello')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn an_account_timeline_rolls_up_its_contacts_and_opportunities() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let opportunity = new_opportunity(&app, &rep).await;
    let (account, contact): (i64, i64) =
        sqlx::query_as("SELECT account_id, contact_id FROM opportunities WHERE id = ?")
            .bind(opportunity)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let note = |subject: &'static str| [("activity[kind]", "note"), ("activity[subject]", subject)];
    log(&app, &rep, "account", account, &note("On the account"))
        .await
        .unwrap();
    let call = [
        ("activity[kind]", "phone_call"),
        ("activity[subject]", "Called Ann"),
        ("activity[direction]", "inbound"),
        ("activity[outcome]", "Wants a demo"),
    ];
    log(&app, &rep, "contact", contact, &call).await.unwrap();
    log(&app, &rep, "opportunity", opportunity, &note("On the deal"))
        .await
        .unwrap();
    // Another account's activity stays off this timeline.
    let other: i64 =
        sqlx::query_scalar("SELECT id FROM accounts WHERE id <> ? ORDER BY id LIMIT 1")
            .bind(account)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    log(&app, &rep, "account", other, &note("Elsewhere"))
        .await
        .unwrap();

    let rolled_up = timeline(&app, &rep, "account", account).await;
    assert_eq!(
        subjects(&rolled_up),
        ["On the deal", "Called Ann", "On the account"]
    );
    let TimelineEntry::Activity(call) = rolled_up
        .entries
        .iter()
        .find(|e| matches!(e, TimelineEntry::Activity(a) if a.subject == "Called Ann"))
        .unwrap()
    else {
        unreachable!()
    };
    assert_eq!(
        (call.regarding_type, call.regarding_id),
        (RecordType::Contact, contact)
    );
    assert_eq!(call.regarding_name, "Quorvik");
    assert_eq!(call.details(), ["Inbound call", "Outcome: Wants a demo"]);
    assert_eq!(
        subjects(&timeline(&app, &rep, "contact", contact).await),
        ["Called Ann"]
    );
    // The account itself was created by Qualify: that is its first event.
    assert_eq!(
        events(&rolled_up),
        ["Created by qualifying the lead \"Espresso fleet\""]
    );
}

#[tokio::test]
async fn an_opportunity_timeline_shows_its_closes_and_reopens() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    let won = [
        ("close[actual_revenue]", "1000"),
        ("close[actual_close_date]", "2026-11-20"),
    ];
    let version = act(&app, &rep, "/api/opportunities/close-won", id, 1, &won)
        .await
        .unwrap();
    act(&app, &rep, "/api/opportunities/reopen", id, version, &[])
        .await
        .unwrap();
    let page = timeline(&app, &rep, "opportunity", id).await;
    assert_eq!(
        events(&page),
        [
            "Reopened",
            "Closed as won",
            "Created by qualifying the lead \"Espresso fleet\""
        ]
    );
    assert!(!page.more);
}

#[tokio::test]
async fn long_timelines_page_and_say_there_is_more() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let contact: i64 = sqlx::query_scalar("SELECT id FROM contacts ORDER BY id LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM activities WHERE contact_id = ?")
        .bind(contact)
        .execute(&app.pool)
        .await
        .unwrap();
    for n in 0..30 {
        let subject = format!("Note {n:02}");
        log(
            &app,
            &rep,
            "contact",
            contact,
            &[("activity[kind]", "note"), ("activity[subject]", &subject)],
        )
        .await
        .unwrap();
    }
    let page = timeline(&app, &rep, "contact", contact).await;
    assert_eq!(page.entries.len(), 25);
    assert!(page.more);
    assert_eq!(subjects(&page)[0], "Note 29");
}

async fn mine(app: &TestApp, client: &Client) -> MyActivities {
    let response = app.call(client, "/api/activities/mine", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Logs a task due on `due` on the lead; returns its id.
async fn task(
    app: &TestApp,
    client: &Client,
    lead: i64,
    subject: &str,
    due: chrono::NaiveDate,
) -> i64 {
    let due = due.to_string();
    let fields = [
        ("activity[kind]", "task"),
        ("activity[subject]", subject),
        ("activity[due_date]", due.as_str()),
    ];
    log(app, client, "lead", lead, &fields).await.unwrap()
}

/// Marks a task done as `client`; returns the status.
async fn done(app: &TestApp, client: &Client, id: i64, version: i64) -> StatusCode {
    let (id, version) = (id.to_string(), version.to_string());
    app.call(
        client,
        "/api/activities/done",
        &[("id", &id), ("version", &version), ("done", "true")],
    )
    .await
    .status()
}

#[tokio::test]
async fn my_activities_lists_open_tasks_overdue_first_and_todays_appointments() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let response = crate::users::create_rep(
        &app,
        &admin,
        "Sam Seller",
        "sam@example.com",
        "sam's password 1",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let sam = app.client();
    assert_eq!(
        app.login(&sam, "sam@example.com", "sam's password 1")
            .await
            .status(),
        StatusCode::OK
    );
    let rep = app.signed_in("rep@example.com").await;
    let manager = app.signed_in("manager@example.com").await;
    let lead: i64 = sqlx::query_scalar("SELECT id FROM leads ORDER BY id LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive();
    let later = task(
        &app,
        &sam,
        lead,
        "Send the contract",
        today + chrono::Days::new(3),
    )
    .await;
    let overdue = task(&app, &sam, lead, "Call back", today - chrono::Days::new(2)).await;
    let starts = format!("{today}T09:00");
    let ends = format!("{today}T10:00");
    let appointment = [
        ("activity[kind]", "appointment"),
        ("activity[subject]", "Site visit"),
        ("activity[starts_at]", starts.as_str()),
        ("activity[ends_at]", ends.as_str()),
        ("activity[location]", "Harbour office"),
    ];
    let visit = log(&app, &sam, "lead", lead, &appointment).await.unwrap();

    let listed = mine(&app, &sam).await;
    let tasks: Vec<&str> = listed.tasks.iter().map(|t| t.subject.as_str()).collect();
    assert_eq!(tasks, ["Call back", "Send the contract"]);
    assert_eq!(listed.appointments.len(), 1);
    assert_eq!(listed.appointments[0].id, visit);
    // Each user sees only their own.
    assert!(
        mine(&app, &rep)
            .await
            .tasks
            .iter()
            .all(|t| t.subject != "Call back")
    );

    // Another rep may not; an appointment is not a task; a stale version conflicts.
    assert_eq!(done(&app, &rep, overdue, 1).await, StatusCode::FORBIDDEN);
    assert_eq!(
        done(&app, &sam, visit, 1).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(done(&app, &sam, overdue, 1).await, StatusCode::OK);
    assert_eq!(done(&app, &sam, overdue, 1).await, StatusCode::CONFLICT);
    // A manager may complete anyone's task.
    assert_eq!(done(&app, &manager, later, 1).await, StatusCode::OK);
    assert!(mine(&app, &sam).await.tasks.is_empty());
    let history: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT field, new_value FROM record_history WHERE record_type = 'activity' AND record_id = ?",
    )
    .bind(overdue)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(history, [("done".to_string(), Some("Done".to_string()))]);
}

async fn activity_list(app: &TestApp, client: &Client, form: &[(&str, &str)]) -> ActivityPage {
    let response = app.call(client, "/api/activities/list", form).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The activity list's views, type filter, search, sort and pages match what the database
/// holds, counted by queries of their own.
#[tokio::test]
async fn the_activity_list_filters_sorts_and_pages_every_activity() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("manager@example.com").await;
    let count = |sql: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let all = activity_list(&app, &client, &[("query[view]", "all")]).await;
    assert_eq!(all.total, count("SELECT COUNT(*) FROM activities").await);
    assert!(all.total > 25, "the demo data fills more than a page");
    let newest: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM activities ORDER BY created_at DESC, id DESC LIMIT 25")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(all.rows.iter().map(|a| a.id).collect::<Vec<_>>(), newest);
    let second = activity_list(
        &app,
        &client,
        &[
            ("query[view]", "all"),
            ("query[sort]", "subject"),
            ("query[page]", "2"),
        ],
    )
    .await;
    let by_subject: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM activities ORDER BY lower(subject), id LIMIT 25 OFFSET 25",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        second.rows.iter().map(|a| a.id).collect::<Vec<_>>(),
        by_subject
    );

    let mine = activity_list(&app, &client, &[("query[view]", "mine")]).await;
    assert_eq!(
        mine.total,
        count(
            "SELECT COUNT(*) FROM activities WHERE owner_id = (SELECT id FROM users WHERE email = 'manager@example.com')"
        )
        .await
    );
    let open_tasks = activity_list(&app, &client, &[("query[view]", "open-tasks")]).await;
    assert_eq!(
        open_tasks.total,
        count("SELECT COUNT(*) FROM activities WHERE kind = 'task' AND done = 0").await
    );
    let calls = activity_list(
        &app,
        &client,
        &[("query[view]", "all"), ("query[type]", "phone_call")],
    )
    .await;
    assert_eq!(
        calls.total,
        count("SELECT COUNT(*) FROM activities WHERE kind = 'phone_call'").await
    );
    assert!(calls.rows.iter().all(|a| a.kind == ActivityKind::PhoneCall));

    log(
        &app,
        &client,
        "contact",
        1,
        &[
            ("activity[kind]", "note"),
            ("activity[subject]", "Zebra-striped follow-up"),
        ],
    )
    .await
    .unwrap();
    let found = activity_list(
        &app,
        &client,
        &[("query[view]", "all"), ("query[search]", "ZEBRA-striped")],
    )
    .await;
    assert_eq!(found.total, 1);
    assert_eq!(found.rows[0].regarding_type, RecordType::Contact);
    assert_eq!(found.rows[0].regarding_id, 1);
}
