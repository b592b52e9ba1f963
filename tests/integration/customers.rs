//! Accounts and contacts over HTTP: create and edit with validation, duplicate warnings,
//! versions and history, roles, deactivation rules and the lists.

use crate::common::{TestApp, error_of};
use crate::opportunities::new_opportunity;
use leadflow::account::AccountSummary;
use leadflow::contact::ContactSummary;
use leadflow::directory::DirectoryPage;
use leadflow::duplicates::SaveOutcome;
use leadflow::duplicates::{MatchReason, RecordKind};
use leadflow::error::AppError;
use reqwest::{Client, StatusCode};

async fn save(
    app: &TestApp,
    client: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> Result<SaveOutcome, (StatusCode, AppError)> {
    let response = app.call(client, path, form).await;
    match response.status() {
        StatusCode::OK => Ok(response.json().await.unwrap()),
        status => Err((status, error_of(response).await)),
    }
}

fn saved_id(outcome: SaveOutcome) -> i64 {
    match outcome {
        SaveOutcome::Saved { id, .. } => id,
        SaveOutcome::Duplicates(matches) => panic!("stopped at duplicates: {matches:?}"),
    }
}

async fn account(app: &TestApp, client: &Client, id: i64) -> AccountSummary {
    let response = app
        .call(client, "/api/accounts/get", &[("id", &id.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn contact(app: &TestApp, client: &Client, id: i64) -> ContactSummary {
    let response = app
        .call(client, "/api/contacts/get", &[("id", &id.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn set_active(
    app: &TestApp,
    client: &Client,
    kind: &str,
    id: i64,
    version: i64,
    active: bool,
) -> Result<i64, (StatusCode, AppError)> {
    let response = app
        .call(
            client,
            "/api/directory/set-active",
            &[
                ("kind", kind),
                ("id", &id.to_string()),
                ("version", &version.to_string()),
                ("active", &active.to_string()),
            ],
        )
        .await;
    match response.status() {
        StatusCode::OK => Ok(response.json().await.unwrap()),
        status => Err((status, error_of(response).await)),
    }
}

#[tokio::test]
async fn accounts_are_validated_and_warn_about_duplicates() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let (status, error) = save(
        &app,
        &rep,
        "/api/accounts/create",
        &[
            ("account[name]", " "),
            ("account[employees]", "many"),
            ("account[email]", "x@"),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["name", "employees", "email"] {
        assert!(error.field_message(field).is_some(), "{field}");
    }
    let (status, _) = save(
        &app,
        &app.client(),
        "/api/accounts/create",
        &[("account[name]", "Anon")],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let form = [
        ("account[name]", "Fjord  Robotics"),
        ("account[email]", "info@fjord.example"),
        ("account[annual_revenue]", "2,500,000"),
    ];
    let id = saved_id(
        save(&app, &rep, "/api/accounts/create", &form)
            .await
            .unwrap(),
    );
    // The same name (case and spaces aside) stops a second save, naming the match.
    let again = [("account[name]", "fjord robotics")];
    let SaveOutcome::Duplicates(matches) = save(&app, &rep, "/api/accounts/create", &again)
        .await
        .unwrap()
    else {
        panic!("expected a duplicate warning");
    };
    assert_eq!((matches[0].kind, matches[0].id), (RecordKind::Account, id));
    assert_eq!(matches[0].reasons, [MatchReason::CompanyName]);
    let anyway = [("account[name]", "fjord robotics"), ("save_anyway", "true")];
    saved_id(
        save(&app, &rep, "/api/accounts/create", &anyway)
            .await
            .unwrap(),
    );

    let created = account(&app, &rep, id).await;
    assert_eq!(created.fields.annual_revenue_minor, Some(250_000_000));
    assert_eq!(
        created.history[0].new_value.as_deref(),
        Some("Account created")
    );
}

#[tokio::test]
async fn contacts_warn_about_a_matching_email_and_link_one_account() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let account_id = saved_id(
        save(
            &app,
            &rep,
            "/api/accounts/create",
            &[("account[name]", "Quay Logistics")],
        )
        .await
        .unwrap(),
    );
    let account_text = account_id.to_string();
    let form = [
        ("contact[first_name]", "Ann"),
        ("contact[last_name]", "Quorvik"),
        ("contact[email]", "ann@quay.example"),
        ("contact[account_id]", account_text.as_str()),
    ];
    let id = saved_id(
        save(&app, &rep, "/api/contacts/create", &form)
            .await
            .unwrap(),
    );
    let other = [
        ("contact[last_name]", "Someone"),
        ("contact[email]", " ANN@quay.example "),
    ];
    let SaveOutcome::Duplicates(matches) = save(&app, &rep, "/api/contacts/create", &other)
        .await
        .unwrap()
    else {
        panic!("expected a duplicate warning");
    };
    assert_eq!((matches[0].kind, matches[0].id), (RecordKind::Contact, id));
    assert_eq!(matches[0].reasons, [MatchReason::Email]);
    // A missing or inactive account is a field error.
    let (status, error) = save(
        &app,
        &rep,
        "/api/contacts/create",
        &[
            ("contact[last_name]", "Lee"),
            ("contact[account_id]", "999999"),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("account_id").is_some());

    let summary = account(&app, &rep, account_id).await;
    assert_eq!(summary.contacts.len(), 1);
    assert_eq!(summary.contacts[0].name, "Ann Quorvik");
    let person = contact(&app, &rep, id).await;
    assert_eq!(person.account.unwrap().name, "Quay Logistics");
}

/// Saves a new annual revenue on the account "Manager Co" edited at `version`.
async fn revenue(
    app: &TestApp,
    client: &Client,
    id: i64,
    version: i64,
    amount: &str,
) -> Result<SaveOutcome, (StatusCode, AppError)> {
    let (id, version) = (id.to_string(), version.to_string());
    let form = [
        ("id", id.as_str()),
        ("version", version.as_str()),
        ("account[name]", "Manager Co"),
        ("account[annual_revenue]", amount),
    ];
    save(app, client, "/api/accounts/update", &form).await
}

#[tokio::test]
async fn edits_check_owner_and_version_and_land_in_the_history() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let manager = app.signed_in("manager@example.com").await;
    let id = saved_id(
        save(
            &app,
            &manager,
            "/api/accounts/create",
            &[("account[name]", "Manager Co")],
        )
        .await
        .unwrap(),
    );
    let id_text = id.to_string();
    let (status, _) = revenue(&app, &rep, id, 1, "10").await.unwrap_err();
    assert_eq!(status, StatusCode::FORBIDDEN);
    revenue(&app, &manager, id, 1, "1,000").await.unwrap();
    let (status, error) = revenue(&app, &manager, id, 1, "2,000").await.unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error.to_string().contains("Annual revenue"), "{error}");

    let summary = account(&app, &manager, id).await;
    let change = summary
        .history
        .iter()
        .find(|h| h.field == "annual_revenue")
        .unwrap();
    assert_eq!(change.new_value.as_deref(), Some("USD 1,000.00"));
    assert_eq!(change.changed_by, "Morgan Manager");

    // A parent below the account itself would make a loop.
    let child = saved_id(
        save(
            &app,
            &manager,
            "/api/accounts/create",
            &[
                ("account[name]", "Child Co"),
                ("account[parent_account_id]", &id_text),
            ],
        )
        .await
        .unwrap(),
    );
    let child_text = child.to_string();
    let (status, error) = save(
        &app,
        &manager,
        "/api/accounts/update",
        &[
            ("id", &id_text),
            ("version", "2"),
            ("account[name]", "Manager Co"),
            ("account[parent_account_id]", &child_text),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("parent_account_id").is_some());
}

#[tokio::test]
async fn deactivation_is_blocked_by_open_opportunities_and_makes_the_record_read_only() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let opportunity = new_opportunity(&app, &rep).await;
    let (account_id, contact_id): (i64, i64) =
        sqlx::query_as("SELECT account_id, contact_id FROM opportunities WHERE id = ?")
            .bind(opportunity)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (status, error) = set_active(&app, &rep, "accounts", account_id, 1, false)
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error.to_string().contains("1 open opportunity"), "{error}");
    let (status, _) = set_active(&app, &rep, "contacts", contact_id, 1, false)
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
    let summary = account(&app, &rep, account_id).await;
    assert_eq!(summary.totals.open_count, 1);
    assert_eq!(summary.opportunities[0].id, opportunity);
    let person = contact(&app, &rep, contact_id).await;
    assert_eq!(person.opportunities[0].role.as_deref(), Some("Customer"));

    // Without open opportunities it deactivates, turns read-only, and reactivates.
    let free = saved_id(
        save(
            &app,
            &rep,
            "/api/accounts/create",
            &[("account[name]", "Idle Co")],
        )
        .await
        .unwrap(),
    );
    let manager = app.signed_in("manager@example.com").await;
    let other = saved_id(
        save(
            &app,
            &manager,
            "/api/accounts/create",
            &[("account[name]", "Not Yours")],
        )
        .await
        .unwrap(),
    );
    let (status, _) = set_active(&app, &rep, "accounts", other, 1, false)
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::FORBIDDEN);
    let version = set_active(&app, &rep, "accounts", free, 1, false)
        .await
        .unwrap();
    let version_text = version.to_string();
    let free_text = free.to_string();
    let (status, error) = save(
        &app,
        &rep,
        "/api/accounts/update",
        &[
            ("id", &free_text),
            ("version", &version_text),
            ("account[name]", "Idle Co 2"),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error.to_string().contains("inactive"), "{error}");
    // Inactive accounts leave the pickers and the duplicate checks.
    let outcome = save(
        &app,
        &rep,
        "/api/accounts/create",
        &[("account[name]", "idle co")],
    )
    .await
    .unwrap();
    assert!(matches!(outcome, SaveOutcome::Saved { .. }));
    set_active(&app, &rep, "accounts", free, version, true)
        .await
        .unwrap();
    let summary = account(&app, &rep, free).await;
    assert!(summary.active);
    let statuses: Vec<_> = summary
        .history
        .iter()
        .filter(|h| h.field == "active")
        .map(|h| h.new_value.clone().unwrap())
        .collect();
    assert_eq!(statuses, ["Active", "Inactive"]);
}

async fn list(app: &TestApp, client: &Client, form: &[(&str, &str)]) -> DirectoryPage {
    let response = app.call(client, "/api/directory/list", form).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_lists_search_page_and_split_active_mine_and_inactive() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let query =
        |kind: &'static str, view: &'static str, search: &'static str, page: &'static str| {
            vec![
                ("kind", kind),
                ("query[view]", view),
                ("query[search]", search),
                ("query[sort]", "name"),
                ("query[descending]", "false"),
                ("query[page]", page),
            ]
        };
    let all = list(&app, &rep, &query("accounts", "active", "", "1")).await;
    let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE active = 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(all.total, active);
    assert_eq!(all.rows.len() as i64, active.min(25));
    let mut names: Vec<String> = all.rows.iter().map(|r| r.name.to_lowercase()).collect();
    let sorted = {
        let mut copy = names.clone();
        copy.sort();
        copy
    };
    assert_eq!(names, sorted);
    names.clear();

    saved_id(
        save(
            &app,
            &rep,
            "/api/accounts/create",
            &[("account[name]", "Zyx Unique Traders")],
        )
        .await
        .unwrap(),
    );
    let found = list(&app, &rep, &query("accounts", "mine", "unique trad", "1")).await;
    assert_eq!(found.total, 1);
    assert_eq!(found.rows[0].name, "Zyx Unique Traders");
    assert_eq!(
        list(
            &app,
            &rep,
            &query("accounts", "inactive", "unique trad", "1")
        )
        .await
        .total,
        0
    );
    let contacts = list(&app, &rep, &query("contacts", "active", "", "2")).await;
    assert_eq!(contacts.page, 2);
    let unauthenticated = app
        .call(
            &app.client(),
            "/api/directory/list",
            &query("contacts", "active", "", "1"),
        )
        .await;
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_contact_edit_records_readable_history_and_moves_between_accounts() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let create_account = |name: &'static str| {
        let (app, rep) = (&app, &rep);
        async move {
            saved_id(
                save(app, rep, "/api/accounts/create", &[("account[name]", name)])
                    .await
                    .unwrap(),
            )
        }
    };
    let first = create_account("First Harbour").await.to_string();
    let second = create_account("Second Harbour").await.to_string();
    let id = saved_id(
        save(
            &app,
            &rep,
            "/api/contacts/create",
            &[
                ("contact[last_name]", "Berg"),
                ("contact[account_id]", &first),
            ],
        )
        .await
        .unwrap(),
    );
    let id_text = id.to_string();
    let edit = [
        ("id", id_text.as_str()),
        ("version", "1"),
        ("contact[last_name]", "Berg"),
        ("contact[job_title]", "Buyer"),
        ("contact[account_id]", second.as_str()),
    ];
    save(&app, &rep, "/api/contacts/update", &edit)
        .await
        .unwrap();
    let person = contact(&app, &rep, id).await;
    assert_eq!(person.account.unwrap().name, "Second Harbour");
    let changes: Vec<(String, Option<String>, Option<String>)> = person
        .history
        .iter()
        .filter(|h| h.field != "created")
        .map(|h| (h.field.clone(), h.old_value.clone(), h.new_value.clone()))
        .collect();
    assert_eq!(
        changes,
        [
            ("job_title".to_string(), None, Some("Buyer".to_string())),
            (
                "account".to_string(),
                Some("First Harbour".to_string()),
                Some("Second Harbour".to_string())
            ),
        ]
    );
    assert_eq!(leadflow::contact::contact_field_label("account"), "Account");
    // The same edit again, on the old version, is a conflict naming both fields.
    let (status, error) = save(&app, &rep, "/api/contacts/update", &edit)
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
    let AppError::Conflict { changed_fields, .. } = error else {
        panic!("expected a conflict");
    };
    assert_eq!(changed_fields, ["Job title", "Account"]);
}

/// The import's batched duplicate lookup finds, for each record, exactly what the forms'
/// lookup finds for it alone: over every demo lead's, contact's and account's keys, their
/// phones swapped, a company alone, and empty keys.
#[tokio::test]
async fn the_batched_duplicate_lookup_finds_what_one_lookup_finds() {
    use leadflow::duplicates::MatchKeys;
    use leadflow::duplicates::db::{find_duplicates, find_duplicates_of_many};
    let app = TestApp::spawn().await;
    let mut keys: Vec<MatchKeys> = sqlx::query_as(
        "SELECT email_normalized AS email, business_phone_digits AS business_phone, \
         mobile_phone_digits AS mobile_phone, company_normalized AS company, \
         last_name_normalized AS last_name FROM leads \
         UNION ALL SELECT c.email_normalized, c.business_phone_digits, c.mobile_phone_digits, \
         a.name_normalized, c.last_name_normalized FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id \
         UNION ALL SELECT email_normalized, phone_digits, NULL, name_normalized, NULL FROM accounts",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let variations: Vec<MatchKeys> = keys
        .iter()
        .map(|k| MatchKeys {
            email: None,
            business_phone: k.mobile_phone.clone(),
            mobile_phone: k.business_phone.clone(),
            company: k.company.clone(),
            last_name: None,
        })
        .collect();
    keys.extend(variations);
    keys.push(MatchKeys::default());
    assert!(keys.len() > 200, "{} records' keys", keys.len());
    let mut conn = app.pool.acquire().await.unwrap();
    let batched = find_duplicates_of_many(&mut conn, &keys).await.unwrap();
    assert_eq!(batched.len(), keys.len());
    let mut matched = 0;
    for (keys, batched) in keys.iter().zip(&batched) {
        let alone = find_duplicates(&mut conn, keys, None).await.unwrap();
        assert_eq!(batched, &alone, "{keys:?}");
        matched += usize::from(!alone.is_empty());
    }
    assert!(
        matched > 100,
        "most keys match their own record ({matched})"
    );
}
