//! The lead record flows over HTTP: the full form, duplicate warnings, edits with version
//! checks and history, ownership, Qualify (one transaction), Disqualify and Reactivate.

use crate::common::{TestApp, error_of};
use crate::leads::{count, list};
use leadflow::activity::{RecordType, TimelineEntry};
use leadflow::duplicates::SaveOutcome;
use leadflow::duplicates::{MatchReason, RecordKind};
use leadflow::error::AppError;
use leadflow::lead::qualify::{Link, QualifyPreview};
use leadflow::lead::{LeadDetail, LeadStatus, LeadStatusReason};
use leadflow::opportunity::OpportunitySummary;
use reqwest::{Client, StatusCode};

const BOOTH_LEAD: &[(&str, &str)] = &[
    ("lead[topic]", "50 espresso machines"),
    ("lead[first_name]", "Ann"),
    ("lead[last_name]", "Quorvik"),
    ("lead[job_title]", "Head of facilities"),
    ("lead[company_name]", "Fjord Robotics"),
    ("lead[email]", "ann@fjord-robotics.example"),
    ("lead[business_phone]", "+47 22 33 44 55"),
    ("lead[city]", "Oslo"),
    ("lead[lead_source]", "trade_show"),
    ("lead[rating]", "hot"),
    ("lead[budget_amount]", "20,000"),
    ("lead[budget_status]", "can_buy"),
    ("lead[purchase_timeframe]", "this_quarter"),
    ("lead[purchase_process]", "committee"),
    ("lead[decision_maker_identified]", "yes"),
    ("lead[need]", "must_have"),
    (
        "lead[description]",
        "Met at the booth; wants a trial in March.",
    ),
];

async fn create(
    app: &TestApp,
    client: &Client,
    fields: &[(&str, &str)],
) -> Result<SaveOutcome, AppError> {
    let response = app.call(client, "/api/leads/create", fields).await;
    if response.status() == StatusCode::OK {
        Ok(response.json().await.unwrap())
    } else {
        Err(error_of(response).await)
    }
}

/// Creates a lead (past any duplicate warning) and returns its id.
async fn create_saved(app: &TestApp, client: &Client, fields: &[(&str, &str)]) -> i64 {
    let mut form = fields.to_vec();
    form.push(("save_anyway", "true"));
    match create(app, client, &form).await {
        Ok(SaveOutcome::Saved { id, version: 1 }) => id,
        other => panic!("expected a saved lead, got {other:?}"),
    }
}

async fn get(app: &TestApp, client: &Client, id: i64) -> LeadDetail {
    let response = app
        .call(client, "/api/leads/get", &[("id", &id.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Calls a lead action with `id` and `version` plus `extra` fields; returns the status and
/// the error (if any).
async fn act(
    app: &TestApp,
    client: &Client,
    path: &str,
    id: i64,
    version: i64,
    extra: &[(&str, &str)],
) -> (StatusCode, Option<AppError>) {
    let (id, version) = (id.to_string(), version.to_string());
    let mut form = vec![("id", id.as_str()), ("version", version.as_str())];
    form.extend_from_slice(extra);
    let response = app.call(client, path, &form).await;
    let status = response.status();
    if status == StatusCode::OK {
        (status, None)
    } else {
        (status, Some(error_of(response).await))
    }
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = ?")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_full_form_validates_every_field_and_stores_them_all() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let error = create(
        &app,
        &rep,
        &[
            ("lead[topic]", ""),
            ("lead[first_name]", "Ann"),
            ("lead[mobile_phone]", "abc"),
            ("lead[budget_amount]", "-20"),
            ("lead[need]", "a lot"),
        ],
    )
    .await
    .unwrap_err();
    let AppError::Validation(fields) = error else {
        panic!("expected field errors, got {error:?}");
    };
    assert_eq!(
        fields.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "budget_amount",
            "last_name",
            "mobile_phone",
            "need",
            "topic"
        ]
    );
    assert_eq!(fields["budget_amount"], "The budget cannot be negative.");

    let id = create_saved(&app, &rep, BOOTH_LEAD).await;
    let lead = get(&app, &rep, id).await;
    assert_eq!(lead.fields.job_title.as_deref(), Some("Head of facilities"));
    assert_eq!(lead.fields.budget_amount_minor, Some(2_000_000));
    assert_eq!(lead.fields.decision_maker_identified, Some(true));
    assert_eq!(lead.owner_name, "Riley Rep");
    assert_eq!((lead.status, lead.version), (LeadStatus::Open, 1));
    assert!(lead.can_edit && !lead.can_assign);
    // The Qualify stage bar: field-bound steps tick themselves from the values.
    assert_eq!(
        lead.progress.stages[lead.progress.active_index()].name,
        "Qualify"
    );
    let done: Vec<&str> = lead
        .progress
        .steps
        .iter()
        .filter(|s| s.done)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        done,
        [
            "Purchase timeframe",
            "Estimated budget",
            "Purchase process",
            "Identify decision maker",
            "Capture summary"
        ]
    );
    assert_eq!(lead.history.len(), 1);
    assert_eq!(lead.history[0].field, "created");
}

#[tokio::test]
async fn likely_duplicates_stop_the_save_until_the_user_saves_anyway() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let (contact_id, contact_email): (i64, String) = sqlx::query_as(
        "SELECT id, email FROM contacts WHERE email IS NOT NULL AND active = 1 ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let shouted = format!("  {}  ", contact_email.to_uppercase());
    let form = [
        ("lead[topic]", "Second visit"),
        ("lead[last_name]", "Someone"),
        ("lead[email]", shouted.as_str()),
    ];
    let before = count(&app, "SELECT COUNT(*) FROM leads").await;
    let Ok(SaveOutcome::Duplicates(matches)) = create(&app, &rep, &form).await else {
        panic!("expected a duplicate warning");
    };
    assert!(
        matches
            .iter()
            .any(|m| m.kind == RecordKind::Contact && m.id == contact_id),
        "{matches:?}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM leads").await, before);

    // A plus-tag is a different mailbox: no warning on email alone.
    let (local, domain) = contact_email.split_once('@').unwrap();
    let tagged = format!("{local}+expo@{domain}");
    let Ok(SaveOutcome::Saved { .. }) = create(
        &app,
        &rep,
        &[
            ("lead[topic]", "Tagged"),
            ("lead[last_name]", "Zyxwvut"),
            ("lead[email]", tagged.as_str()),
        ],
    )
    .await
    else {
        panic!("a plus-tagged email is not a duplicate");
    };

    // Same phone digits, written differently, match the lead just saved … and company +
    // last name match too.
    let first = create_saved(&app, &rep, BOOTH_LEAD).await;
    let Ok(SaveOutcome::Duplicates(matches)) = create(
        &app,
        &rep,
        &[
            ("lead[topic]", "Call back"),
            ("lead[last_name]", "QUORVIK"),
            ("lead[company_name]", " fjord  robotics "),
            ("lead[business_phone]", "(47) 2233-4455"),
        ],
    )
    .await
    else {
        panic!("expected a duplicate warning");
    };
    let found = matches
        .iter()
        .find(|m| m.id == first && m.kind == RecordKind::Lead)
        .unwrap();
    assert_eq!(found.reasons.len(), 2, "{found:?}");

    // A contact at an account of that company name, with that last name.
    let (contact_id, last_name, account): (i64, String, String) = sqlx::query_as(
        "SELECT c.id, c.last_name, a.name FROM contacts c JOIN accounts a ON a.id = c.account_id \
         WHERE c.active = 1 AND a.active = 1 ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let (company, last_name) = (account.to_uppercase(), last_name.to_lowercase());
    let Ok(SaveOutcome::Duplicates(matches)) = create(
        &app,
        &rep,
        &[
            ("lead[topic]", "Colleague"),
            ("lead[last_name]", last_name.as_str()),
            ("lead[company_name]", company.as_str()),
        ],
    )
    .await
    else {
        panic!("expected a duplicate warning");
    };
    let contact = matches
        .iter()
        .find(|m| m.kind == RecordKind::Contact && m.id == contact_id)
        .unwrap();
    assert_eq!(contact.reasons, [MatchReason::CompanyAndLastName]);

    // Save anyway saves.
    let mut anyway = form.to_vec();
    anyway.push(("save_anyway", "true"));
    assert!(matches!(
        create(&app, &rep, &anyway).await,
        Ok(SaveOutcome::Saved { .. })
    ));
}

#[tokio::test]
async fn a_stale_save_gets_a_conflict_naming_the_changed_fields() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let manager = app.signed_in("manager@example.com").await;
    let id = create_saved(&app, &rep, BOOTH_LEAD).await;

    let mut edit = BOOTH_LEAD.to_vec();
    edit.retain(|(k, _)| *k != "lead[city]" && *k != "lead[rating]");
    edit.extend([("lead[city]", "Bergen"), ("lead[rating]", "warm")]);
    let (status, _) = act(&app, &manager, "/api/leads/update", id, 1, &edit).await;
    assert_eq!(status, StatusCode::OK);

    // The rep saves a different change on the version they opened.
    let mut stale = BOOTH_LEAD.to_vec();
    stale.retain(|(k, _)| *k != "lead[topic]");
    stale.push(("lead[topic]", "60 espresso machines"));
    let (status, error) = act(&app, &rep, "/api/leads/update", id, 1, &stale).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let Some(AppError::Conflict {
        message,
        changed_fields,
    }) = error
    else {
        panic!("expected a conflict");
    };
    assert_eq!(changed_fields, ["City", "Rating"]);
    assert!(message.contains("Morgan Manager"), "{message}");

    let lead = get(&app, &rep, id).await;
    assert_eq!(lead.fields.topic, "50 espresso machines");
    assert_eq!(lead.fields.city.as_deref(), Some("Bergen"));
    assert_eq!(lead.version, 2);
    // History: readable labels and option names, who and what.
    let city = lead.history.iter().find(|h| h.field == "city").unwrap();
    assert_eq!(
        (
            city.old_value.as_deref(),
            city.new_value.as_deref(),
            city.changed_by.as_str()
        ),
        (Some("Oslo"), Some("Bergen"), "Morgan Manager")
    );
    let rating = lead.history.iter().find(|h| h.field == "rating").unwrap();
    assert_eq!(
        (rating.old_value.as_deref(), rating.new_value.as_deref()),
        (Some("Hot"), Some("Warm"))
    );

    // Saving on the current version works.
    let (status, _) = act(&app, &rep, "/api/leads/update", id, 2, &stale).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        get(&app, &rep, id).await.fields.topic,
        "60 espresso machines"
    );
}

#[tokio::test]
async fn reps_change_their_own_leads_and_managers_reassign() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let manager = app.signed_in("manager@example.com").await;
    let managers_lead = create_saved(&app, &manager, BOOTH_LEAD).await;
    let reps_lead = create_saved(&app, &rep, BOOTH_LEAD).await;
    let rep_id = user_id(&app, "rep@example.com").await.to_string();
    let manager_id = user_id(&app, "manager@example.com").await.to_string();

    // Reading is open to everyone; changing is not.
    assert!(!get(&app, &rep, managers_lead).await.can_edit);
    for (path, extra) in [
        ("/api/leads/update", BOOTH_LEAD.to_vec()),
        ("/api/leads/disqualify", vec![("reason", "lost")]),
        (
            "/api/leads/qualify",
            vec![("account", "new"), ("contact", "new")],
        ),
    ] {
        let (status, _) = act(&app, &rep, path, managers_lead, 1, &extra).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let response = app
        .call(
            &rep,
            "/api/leads/qualify-preview",
            &[("id", &managers_lead.to_string())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // A rep cannot hand their lead to someone else, nor create one for them.
    let mut reassign = BOOTH_LEAD.to_vec();
    reassign.push(("owner", &manager_id));
    let (status, error) = act(&app, &rep, "/api/leads/update", reps_lead, 1, &reassign).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.unwrap().field_message("owner").is_some());
    let mut for_someone = BOOTH_LEAD.to_vec();
    for_someone.push(("owner", &manager_id));
    assert!(
        create(&app, &rep, &for_someone)
            .await
            .unwrap_err()
            .field_message("owner")
            .is_some()
    );

    // A manager edits and reassigns any lead; the history names the owners.
    let mut to_rep = BOOTH_LEAD.to_vec();
    to_rep.push(("owner", &rep_id));
    let (status, _) = act(
        &app,
        &manager,
        "/api/leads/update",
        managers_lead,
        1,
        &to_rep,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let lead = get(&app, &rep, managers_lead).await;
    assert_eq!(lead.owner_name, "Riley Rep");
    assert!(lead.can_edit);
    let owner = lead.history.iter().find(|h| h.field == "owner").unwrap();
    assert_eq!(
        (owner.old_value.as_deref(), owner.new_value.as_deref()),
        (Some("Morgan Manager"), Some("Riley Rep"))
    );
}

async fn preview(app: &TestApp, client: &Client, id: i64) -> QualifyPreview {
    let response = app
        .call(
            client,
            "/api/leads/qualify-preview",
            &[("id", &id.to_string())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn qualify(
    app: &TestApp,
    client: &Client,
    id: i64,
    version: i64,
    account: Link,
    contact: Link,
) -> Result<i64, (StatusCode, AppError)> {
    let (id, version) = (id.to_string(), version.to_string());
    let (account, contact) = (account.code(), contact.code());
    let response = app
        .call(
            client,
            "/api/leads/qualify",
            &[
                ("id", &id),
                ("version", &version),
                ("account", &account),
                ("contact", &contact),
            ],
        )
        .await;
    match response.status() {
        StatusCode::OK => Ok(response.json().await.unwrap()),
        status => Err((status, error_of(response).await)),
    }
}

#[tokio::test]
async fn qualify_creates_account_contact_and_opportunity_and_closes_the_lead() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = create_saved(&app, &rep, BOOTH_LEAD).await;
    let rep_id = user_id(&app, "rep@example.com").await;
    let existing_account_step: i64 =
        sqlx::query_scalar("SELECT id FROM steps WHERE name = 'Existing account?'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (status, _) = act(
        &app,
        &rep,
        "/api/leads/step",
        id,
        1,
        &[
            ("step_id", &existing_account_step.to_string()),
            ("done", "true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    sqlx::query(
        "INSERT INTO activities (kind, subject, lead_id, owner_id, created_by, created_at, modified_by, modified_at) \
         VALUES ('phone_call', 'Intro call from the booth', ?, ?, ?, '2026-11-20T10:00:00Z', ?, '2026-11-20T10:00:00Z')",
    )
    .bind(id)
    .bind(rep_id)
    .bind(rep_id)
    .bind(rep_id)
    .execute(&app.pool)
    .await
    .unwrap();

    let plan = preview(&app, &rep, id).await;
    assert_eq!(plan.new_account_name.as_deref(), Some("Fjord Robotics"));
    assert_eq!(plan.new_contact_name.as_deref(), Some("Ann Quorvik"));
    assert_eq!(
        (plan.default_account, plan.default_contact),
        (Link::New, Link::New)
    );
    let carried: Vec<&str> = plan.carry_over.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        carried,
        [
            "Topic",
            "Budget amount",
            "Purchase timeframe",
            "Purchase process",
            "Need",
            "Description",
            "Lead source",
            "Rating",
            "Decision maker identified",
            "Owner"
        ]
    );

    let opportunity_id = qualify(&app, &rep, id, plan.version, Link::New, Link::New)
        .await
        .unwrap();
    let lead = get(&app, &rep, id).await;
    assert_eq!(
        (lead.status, lead.status_reason),
        (LeadStatus::Qualified, LeadStatusReason::Qualified)
    );
    assert_eq!(lead.opportunity.as_ref().unwrap().id, opportunity_id);
    assert_eq!(lead.account.as_ref().unwrap().name, "Fjord Robotics");
    assert_eq!(lead.contact.as_ref().unwrap().name, "Ann Quorvik");
    assert!(
        lead.history
            .iter()
            .any(|h| h.field == "status" && h.new_value.as_deref() == Some("Qualified"))
    );

    // The other direction: contact and opportunity point back at the lead.
    let (contact_lead, contact_account): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT originating_lead_id, account_id FROM contacts WHERE id = ?")
            .bind(lead.contact.as_ref().unwrap().id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(contact_lead, Some(id));
    assert_eq!(contact_account, Some(lead.account.as_ref().unwrap().id));

    let response = app
        .call(
            &rep,
            "/api/opportunities/get",
            &[("id", &opportunity_id.to_string())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let opportunity: OpportunitySummary = response.json().await.unwrap();
    assert_eq!(opportunity.fields.topic, "50 espresso machines");
    assert_eq!(opportunity.originating_lead.as_ref().unwrap().id, id);
    assert_eq!(
        opportunity.progress.stages[opportunity.progress.active_index()].name,
        "Develop"
    );
    assert_eq!(opportunity.forecast.probability, 25);
    assert_eq!(opportunity.fields.budget_amount_minor, Some(2_000_000));
    assert_eq!(opportunity.decision_maker_identified, Some(true));
    assert_eq!(opportunity.owner_name, "Riley Rep");
    // The lead's activities show on the opportunity's timeline, marked as on the lead.
    let timeline = super::activities::timeline(&app, &rep, "opportunity", opportunity_id).await;
    assert!(timeline.entries.iter().any(|entry| matches!(entry,
        TimelineEntry::Activity(a) if a.subject == "Intro call from the booth"
            && a.regarding_type == RecordType::Lead && a.regarding_id == id)));
    let stage_moves: Vec<(Option<String>, String)> = sqlx::query_as(
        "SELECT f.name, t.name FROM stage_history h LEFT JOIN stages f ON f.id = h.from_stage_id \
         JOIN stages t ON t.id = h.to_stage_id WHERE h.record_type = 'opportunity' AND h.record_id = ?",
    )
    .bind(opportunity_id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(stage_moves, [(Some("Qualify".into()), "Develop".into())]);
    let ticked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM step_completions WHERE record_type = 'opportunity' AND record_id = ?",
    )
    .bind(opportunity_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(ticked, 1);

    // Read-only now: no edit, no second qualify, no disqualify, no reactivate.
    let (status, _) = act(
        &app,
        &rep,
        "/api/leads/update",
        id,
        lead.version,
        BOOTH_LEAD,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let again = qualify(&app, &rep, id, lead.version, Link::New, Link::New).await;
    assert_eq!(again.unwrap_err().0, StatusCode::CONFLICT);
    let (status, error) = act(
        &app,
        &rep,
        "/api/leads/disqualify",
        id,
        lead.version,
        &[("reason", "lost")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        error
            .unwrap()
            .to_string()
            .contains("cannot be disqualified")
    );
    let (status, _) = act(&app, &rep, "/api/leads/reactivate", id, lead.version, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn qualify_links_an_existing_account_picked_from_the_matches() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let (account_id, account_name): (i64, String) =
        sqlx::query_as("SELECT id, name FROM accounts WHERE active = 1 ORDER BY id LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let company = account_name.to_lowercase();
    let id = create_saved(
        &app,
        &rep,
        &[
            ("lead[topic]", "Expansion"),
            ("lead[company_name]", company.as_str()),
        ],
    )
    .await;
    let plan = preview(&app, &rep, id).await;
    assert_eq!(plan.account_matches[0].id, account_id);
    assert_eq!(plan.default_account, Link::Existing(account_id));
    // No last name: no contact can be made from this lead.
    assert_eq!(
        (plan.new_contact_name, plan.default_contact),
        (None, Link::None)
    );

    let accounts = count(&app, "SELECT COUNT(*) FROM accounts").await;
    let contacts = count(&app, "SELECT COUNT(*) FROM contacts").await;
    let opportunity = qualify(&app, &rep, id, 1, Link::Existing(account_id), Link::None)
        .await
        .unwrap();
    assert_eq!(count(&app, "SELECT COUNT(*) FROM accounts").await, accounts);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM contacts").await, contacts);
    let linked: (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT account_id, contact_id FROM opportunities WHERE id = ?")
            .bind(opportunity)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(linked, (Some(account_id), None));
}

#[tokio::test]
async fn impossible_qualify_choices_are_field_errors() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = create_saved(
        &app,
        &rep,
        &[("lead[topic]", "Solo"), ("lead[last_name]", "Quiet")],
    )
    .await;
    let (status, error) = qualify(&app, &rep, id, 1, Link::None, Link::None)
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("account").unwrap().contains("customer"));
    let (_, error) = qualify(&app, &rep, id, 1, Link::New, Link::New)
        .await
        .unwrap_err();
    assert!(
        error
            .field_message("account")
            .unwrap()
            .contains("no company name")
    );
    let (_, error) = qualify(&app, &rep, id, 1, Link::None, Link::Existing(999_999))
        .await
        .unwrap_err();
    assert!(error.field_message("contact").is_some());
    assert_eq!(get(&app, &rep, id).await.status, LeadStatus::Open);
}

#[tokio::test]
async fn a_failure_half_way_through_qualify_leaves_nothing_behind() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = create_saved(&app, &rep, BOOTH_LEAD).await;
    // The account and contact are written before the opportunity; make that last insert fail.
    sqlx::query(
        "CREATE TRIGGER fail_opportunity BEFORE INSERT ON opportunities \
         BEGIN SELECT RAISE(ABORT, 'forced failure'); END",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let tables = [
        "accounts",
        "contacts",
        "opportunities",
        "stage_history",
        "record_history",
        "step_completions",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(count(&app, &format!("SELECT COUNT(*) FROM {table}")).await);
    }
    let (status, error) = qualify(&app, &rep, id, 1, Link::New, Link::New)
        .await
        .unwrap_err();
    assert_eq!(
        (status, error),
        (StatusCode::INTERNAL_SERVER_ERROR, AppError::Internal)
    );
    for (table, expected) in tables.iter().zip(before) {
        assert_eq!(
            count(&app, &format!("SELECT COUNT(*) FROM {table}")).await,
            expected,
            "{table}"
        );
    }
    let lead = get(&app, &rep, id).await;
    assert_eq!(
        (lead.status, lead.version, lead.opportunity),
        (LeadStatus::Open, 1, None)
    );

    crate::dashboard::assert_monthly_totals_match(&app.pool).await;

    sqlx::query("DROP TRIGGER fail_opportunity")
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(
        qualify(&app, &rep, id, 1, Link::New, Link::New)
            .await
            .is_ok()
    );
    crate::dashboard::assert_monthly_totals_match(&app.pool).await;
}

#[tokio::test]
async fn two_people_qualifying_at_once_make_one_opportunity() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let manager = app.signed_in("manager@example.com").await;
    let id = create_saved(&app, &rep, BOOTH_LEAD).await;
    let (first, second) = tokio::join!(
        qualify(&app, &rep, id, 1, Link::New, Link::New),
        qualify(&app, &manager, id, 1, Link::New, Link::New),
    );
    let outcomes = [first.is_ok(), second.is_ok()];
    assert_eq!(
        outcomes.iter().filter(|ok| **ok).count(),
        1,
        "{first:?} {second:?}"
    );
    let failure = first.err().or(second.err()).unwrap();
    assert_eq!(failure.0, StatusCode::CONFLICT);
    let opportunities: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM opportunities WHERE originating_lead_id = ?")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(opportunities, 1);
}

#[tokio::test]
async fn disqualify_needs_a_reason_and_reactivate_reopens() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = create_saved(&app, &rep, BOOTH_LEAD).await;
    for reason in ["", "contacted", "bored"] {
        let (status, error) = act(
            &app,
            &rep,
            "/api/leads/disqualify",
            id,
            1,
            &[("reason", reason)],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reason:?}");
        assert!(error.unwrap().field_message("reason").is_some());
    }
    let (status, _) = act(
        &app,
        &rep,
        "/api/leads/disqualify",
        id,
        1,
        &[("reason", "cannot_contact")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let lead = get(&app, &rep, id).await;
    assert_eq!(
        (lead.status, lead.status_reason, lead.version),
        (LeadStatus::Disqualified, LeadStatusReason::CannotContact, 2)
    );
    let open = list(&app, &rep, &[("view", "all-open"), ("q", "quorvik")]).await;
    assert_eq!(open.total, 0);
    let closed = list(&app, &rep, &[("view", "closed"), ("q", "quorvik")]).await;
    assert_eq!(closed.rows.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    // Closed means read-only.
    let (status, _) = act(&app, &rep, "/api/leads/update", id, 2, BOOTH_LEAD).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A stale reactivate is refused; the current one reopens the lead.
    let (status, _) = act(&app, &rep, "/api/leads/reactivate", id, 1, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = act(&app, &rep, "/api/leads/reactivate", id, 2, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let lead = get(&app, &rep, id).await;
    assert_eq!(
        (lead.status, lead.status_reason),
        (LeadStatus::Open, LeadStatusReason::New)
    );
    let reopened = list(&app, &rep, &[("view", "my-open"), ("q", "quorvik")]).await;
    assert_eq!(reopened.total, 1);
    let statuses: Vec<_> = lead
        .history
        .iter()
        .filter(|h| h.field == "status")
        .map(|h| h.new_value.clone().unwrap())
        .collect();
    assert_eq!(statuses, ["Open", "Disqualified"]);
    crate::dashboard::assert_monthly_totals_match(&app.pool).await;
}

#[tokio::test]
async fn only_checkbox_steps_are_ticked_by_hand() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let manager = app.signed_in("manager@example.com").await;
    let id = create_saved(
        &app,
        &rep,
        &[("lead[topic]", "Steps"), ("lead[last_name]", "Stepper")],
    )
    .await;
    let step = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM steps WHERE name = ?")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
                .to_string()
        }
    };
    let contact_step = step("Existing contact?").await;
    let field_step = step("Purchase timeframe").await;
    let develop_step = step("Identify stakeholders").await;
    let (status, _) = act(
        &app,
        &rep,
        "/api/leads/step",
        id,
        1,
        &[("step_id", &contact_step), ("done", "true")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let lead = get(&app, &rep, id).await;
    assert!(
        lead.progress
            .steps
            .iter()
            .any(|s| s.name == "Existing contact?" && s.done)
    );
    assert!(
        lead.history.iter().any(
            |h| h.field == "step" && h.new_value.as_deref() == Some("Ticked Existing contact?")
        )
    );
    for other in [&field_step, &develop_step] {
        let (status, _) = act(
            &app,
            &rep,
            "/api/leads/step",
            id,
            1,
            &[("step_id", other), ("done", "true")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let managers_lead = create_saved(
        &app,
        &manager,
        &[("lead[topic]", "Mine"), ("lead[last_name]", "Boss")],
    )
    .await;
    let (status, _) = act(
        &app,
        &rep,
        "/api/leads/step",
        managers_lead,
        1,
        &[("step_id", &contact_step), ("done", "true")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = act(
        &app,
        &rep,
        "/api/leads/step",
        id,
        1,
        &[("step_id", &contact_step), ("done", "false")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        get(&app, &rep, id)
            .await
            .progress
            .steps
            .iter()
            .all(|s| !s.done)
    );
}

#[tokio::test]
async fn the_lead_and_opportunity_pages_render_and_unknown_ids_are_404() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = create_saved(&app, &rep, BOOTH_LEAD).await;
    let page = app.page(&rep, &format!("/leads/{id}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("50 espresso machines") && html.contains("Qualify"));
    let response = app.call(&rep, "/api/leads/get", &[("id", "999999")]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .call(&rep, "/api/opportunities/get", &[("id", "999999")])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_versioned_update_that_changes_no_row_is_a_conflict_and_writes_no_history() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = create_saved(&app, &rep, BOOTH_LEAD).await;
    // Something outside this request keeps the row from changing between the version check
    // and the UPDATE (here a trigger; in life another writer).
    sqlx::query(
        "CREATE TRIGGER hold_status BEFORE UPDATE OF status ON leads BEGIN SELECT RAISE(IGNORE); END",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let history_before: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM record_history WHERE record_type = 'lead' AND record_id = ?",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let (status, error) = act(
        &app,
        &rep,
        "/api/leads/disqualify",
        id,
        1,
        &[("reason", "cannot_contact")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(matches!(
        error,
        Some(leadflow::error::AppError::Conflict { .. })
    ));
    let history_after: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM record_history WHERE record_type = 'lead' AND record_id = ?",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(history_after, history_before);
    assert_eq!(get(&app, &rep, id).await.status, LeadStatus::Open);
}
