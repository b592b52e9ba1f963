//! Opportunities over HTTP: the form, stage moves with gating and history, probability and
//! forecast overrides, Close as Won / Lost, Reopen, roles and stale versions.

use crate::common::{TestApp, error_of};
use leadflow::error::AppError;
use leadflow::opportunity::board::{Board, BoardColumn, ColumnKind};
use leadflow::opportunity::{ForecastCategory, OpportunityStatus, OpportunitySummary};
use leadflow::types::RecordLink;
use reqwest::{Client, StatusCode};

/// A fresh open opportunity at Develop owned by the rep (qualified from a new lead).
pub async fn new_opportunity(app: &TestApp, rep: &Client) -> i64 {
    let response = app
        .call(
            rep,
            "/api/leads/create",
            &[
                ("lead[topic]", "Espresso fleet"),
                ("lead[last_name]", "Quorvik"),
                ("lead[company_name]", "Fjord Test Robotics"),
                ("save_anyway", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let leadflow::duplicates::SaveOutcome::Saved { id, .. } = response.json().await.unwrap() else {
        panic!("lead not saved");
    };
    let response = app
        .call(
            rep,
            "/api/leads/qualify",
            &[
                ("id", &id.to_string()),
                ("version", "1"),
                ("account", "new"),
                ("contact", "new"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn get(app: &TestApp, client: &Client, id: i64) -> OpportunitySummary {
    let response = app
        .call(client, "/api/opportunities/get", &[("id", &id.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

pub async fn act(
    app: &TestApp,
    client: &Client,
    path: &str,
    id: i64,
    version: i64,
    extra: &[(&str, &str)],
) -> Result<i64, (StatusCode, AppError)> {
    let (id, version) = (id.to_string(), version.to_string());
    let mut form = vec![("id", id.as_str()), ("version", version.as_str())];
    form.extend_from_slice(extra);
    let response = app.call(client, path, &form).await;
    match response.status() {
        StatusCode::OK => Ok(response.json().await.unwrap()),
        status => Err((status, error_of(response).await)),
    }
}

fn stage(summary: &OpportunitySummary) -> &str {
    &summary.progress.stages[summary.progress.active_index()].name
}

#[tokio::test]
async fn next_stage_is_gated_by_required_steps_and_recorded() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    let o = get(&app, &rep, id).await;
    assert_eq!((stage(&o), o.forecast.probability), ("Develop", 25));

    let (status, error) = act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        o.version,
        &[("direction", "next")],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error.to_string(),
        "Complete the required steps of Develop first: Customer need, Proposed solution."
    );
    let (status, _) = act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        o.version,
        &[("direction", "previous")],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);

    // Filling the field-bound required steps opens the gate.
    let version = act(
        &app,
        &rep,
        "/api/opportunities/update",
        id,
        o.version,
        &[
            ("opportunity[topic]", "Espresso fleet"),
            ("opportunity[customer_need]", "Coffee for 300 staff"),
            ("opportunity[proposed_solution]", "Ten machines, serviced"),
            ("opportunity[estimated_revenue]", "48,000"),
        ],
    )
    .await
    .unwrap();
    let version = act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        version,
        &[("direction", "next")],
    )
    .await
    .unwrap();
    let o = get(&app, &rep, id).await;
    assert_eq!(stage(&o), "Propose");
    assert_eq!(
        (o.forecast.probability, o.forecast.category),
        (50, ForecastCategory::BestCase)
    );
    assert!(o.history.iter().any(|h| h.field == "stage"
        && h.old_value.as_deref() == Some("Develop")
        && h.new_value.as_deref() == Some("Propose")));
    let moves: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM stage_history WHERE record_type = 'opportunity' AND record_id = ?",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(moves, 2, "Qualify → Develop, Develop → Propose");

    // Propose needs its checkbox steps ticked; previous is never gated.
    let (_, error) = act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        version,
        &[("direction", "next")],
    )
    .await
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("Develop proposal, Present proposal"),
        "{error}"
    );
    for name in ["Develop proposal", "Present proposal"] {
        let step: i64 = sqlx::query_scalar("SELECT id FROM steps WHERE name = ?")
            .bind(name)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let response = app
            .call(
                &rep,
                "/api/opportunities/step",
                &[
                    ("id", &id.to_string()),
                    ("step_id", &step.to_string()),
                    ("done", "true"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let version = act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        version,
        &[("direction", "next")],
    )
    .await
    .unwrap();
    let o = get(&app, &rep, id).await;
    assert_eq!((stage(&o), o.forecast.probability), ("Close", 80));
    assert_eq!(o.forecast.category, ForecastCategory::Committed);
    let (_, error) = act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        version,
        &[("direction", "next")],
    )
    .await
    .unwrap_err();
    assert!(
        error.to_string().contains("Complete final proposal"),
        "{error}"
    );
    act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        version,
        &[("direction", "previous")],
    )
    .await
    .unwrap();
    assert_eq!(stage(&get(&app, &rep, id).await), "Propose");
}

#[tokio::test]
async fn an_override_survives_stage_moves_until_cleared() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    let fields = [
        ("opportunity[topic]", "Espresso fleet"),
        ("opportunity[customer_need]", "Coffee"),
        ("opportunity[proposed_solution]", "Machines"),
    ];
    let mut overridden = fields.to_vec();
    overridden.extend([
        ("opportunity[probability]", "35"),
        ("opportunity[forecast_category]", "committed"),
    ]);
    let version = act(&app, &rep, "/api/opportunities/update", id, 1, &overridden)
        .await
        .unwrap();
    let version = act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        version,
        &[("direction", "next")],
    )
    .await
    .unwrap();
    let o = get(&app, &rep, id).await;
    assert_eq!(
        (
            o.forecast.probability,
            o.forecast.category,
            o.forecast.probability_overridden
        ),
        (35, ForecastCategory::Committed, true)
    );
    // Cleared: follows the stage (Propose: 50%, Best case) again.
    act(
        &app,
        &rep,
        "/api/opportunities/update",
        id,
        version,
        &fields,
    )
    .await
    .unwrap();
    let o = get(&app, &rep, id).await;
    assert_eq!(
        (
            o.forecast.probability,
            o.forecast.category,
            o.forecast.probability_overridden
        ),
        (50, ForecastCategory::BestCase, false)
    );
    let probability = o.history.iter().find(|h| h.field == "probability").unwrap();
    assert_eq!(probability.new_value.as_deref(), Some("50%"));
}

#[tokio::test]
async fn close_won_defaults_then_reopen_then_close_lost_out_sold() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    let version = act(
        &app,
        &rep,
        "/api/opportunities/update",
        id,
        1,
        &[
            ("opportunity[topic]", "Espresso fleet"),
            ("opportunity[estimated_revenue]", "48,000"),
        ],
    )
    .await
    .unwrap();
    let version = act(&app, &rep, "/api/opportunities/close-won", id, version, &[])
        .await
        .unwrap();
    let o = get(&app, &rep, id).await;
    assert_eq!(o.status, OpportunityStatus::Won);
    assert_eq!(o.forecast.category, ForecastCategory::Won);
    let close = o.close.clone().unwrap();
    assert_eq!(close.actual_revenue.as_deref(), Some("USD 48,000.00"));
    assert_eq!(close.actual_close_date.as_deref(), Some(o.today.as_str()));
    // Closed is read-only.
    let (status, _) = act(
        &app,
        &rep,
        "/api/opportunities/update",
        id,
        version,
        &[("opportunity[topic]", "x")],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);

    let version = act(&app, &rep, "/api/opportunities/reopen", id, version, &[])
        .await
        .unwrap();
    let o = get(&app, &rep, id).await;
    assert_eq!(
        (o.status, stage(&o), o.forecast.probability),
        (OpportunityStatus::Open, "Develop", 25)
    );
    assert!(o.close.is_none());

    // Lost: the reason is required, Out-Sold needs the competitor, Other a description.
    for (form, field) in [
        (vec![], "reason"),
        (vec![("close[reason]", "out_sold")], "competitor"),
        (vec![("close[reason]", "other")], "description"),
    ] {
        let (status, error) = act(
            &app,
            &rep,
            "/api/opportunities/close-lost",
            id,
            version,
            &form,
        )
        .await
        .unwrap_err();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error.field_message(field).is_some(), "{field}: {error:?}");
    }
    sqlx::query("INSERT INTO competitors (name) VALUES ('Brewtech')")
        .execute(&app.pool)
        .await
        .unwrap();
    let competitor: i64 = sqlx::query_scalar("SELECT id FROM competitors WHERE name = 'Brewtech'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let competitor = competitor.to_string();
    act(
        &app,
        &rep,
        "/api/opportunities/close-lost",
        id,
        version,
        &[
            ("close[reason]", "out_sold"),
            ("close[competitor]", &competitor),
        ],
    )
    .await
    .unwrap();
    let o = get(&app, &rep, id).await;
    assert_eq!(
        (o.status, o.forecast.category),
        (OpportunityStatus::Lost, ForecastCategory::Lost)
    );
    let close = o.close.unwrap();
    assert_eq!(
        (close.lost_reason.as_deref(), close.competitor.as_deref()),
        (Some("Out-Sold"), Some("Brewtech"))
    );
    let statuses: Vec<_> = o
        .history
        .iter()
        .filter(|h| h.field == "status")
        .map(|h| h.new_value.clone().unwrap())
        .collect();
    assert_eq!(statuses, ["Lost", "Open", "Won"]);
}

#[tokio::test]
async fn other_reps_cannot_change_it_and_stale_versions_conflict() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let manager = app.signed_in("manager@example.com").await;
    let admin = app.signed_in("admin@example.com").await;
    let id = new_opportunity(&app, &manager).await;
    assert!(!get(&app, &rep, id).await.can_edit);
    for (path, extra) in [
        (
            "/api/opportunities/update",
            vec![("opportunity[topic]", "Mine now")],
        ),
        ("/api/opportunities/move", vec![("direction", "next")]),
        ("/api/opportunities/close-won", vec![]),
        (
            "/api/opportunities/close-lost",
            vec![("close[reason]", "canceled")],
        ),
    ] {
        let (status, _) = act(&app, &rep, path, id, 1, &extra).await.unwrap_err();
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    // The admin edits; the manager's save on version 1 is then stale.
    act(
        &app,
        &admin,
        "/api/opportunities/update",
        id,
        1,
        &[
            ("opportunity[topic]", "Espresso fleet"),
            ("opportunity[need]", "must_have"),
        ],
    )
    .await
    .unwrap();
    let (status, error) = act(&app, &manager, "/api/opportunities/close-won", id, 1, &[])
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
    let AppError::Conflict { changed_fields, .. } = error else {
        panic!()
    };
    assert_eq!(changed_fields, ["Need"]);
    let (status, error) = act(
        &app,
        &manager,
        "/api/opportunities/update",
        id,
        2,
        &[("opportunity[estimated_close_date]", "31/01/2027")],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error.field_message("topic").is_some()
            && error.field_message("estimated_close_date").is_some()
    );
}

/// Stage name, status, estimated revenue, probability, actual revenue, actual close date.
type BoardRow = (
    String,
    String,
    Option<i64>,
    i64,
    Option<i64>,
    Option<String>,
);

async fn board(app: &TestApp, client: &Client, form: &[(&str, &str)]) -> Board {
    let response = app.call(client, "/api/pipeline/board", form).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn column<'b>(board: &'b Board, name: &str) -> &'b BoardColumn {
    board.columns.iter().find(|c| c.name == name).unwrap()
}

#[tokio::test]
async fn board_totals_match_the_rows_and_a_move_updates_them() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let everything = board(&app, &manager, &[]).await;
    let names: Vec<&str> = everything.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Develop", "Propose", "Close", "Won", "Lost"]);
    // Every figure against an independent computation over the rows.
    let rows: Vec<BoardRow> = sqlx::query_as(
        "SELECT s.name, o.status, o.estimated_revenue_minor, o.probability, o.actual_revenue_minor, \
         o.actual_close_date FROM opportunities o JOIN stages s ON s.id = o.stage_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let cutoff = (chrono::Utc::now().date_naive() - chrono::Days::new(90)).to_string();
    assert!(
        everything.columns[3].count > 0,
        "the demo data has recent wins"
    );
    for column in &everything.columns {
        let matching: Vec<_> = rows
            .iter()
            .filter(|(stage, status, .., closed)| match column.name.as_str() {
                // Without a date range the closed columns cover the last 90 days.
                "Won" | "Lost" => {
                    *status == column.name.to_lowercase()
                        && closed
                            .as_deref()
                            .is_some_and(|date| date >= cutoff.as_str())
                }
                name => status == "open" && stage == name,
            })
            .collect();
        assert_eq!(column.count, matching.len() as i64, "{}", column.name);
        let total: i64 = matching
            .iter()
            .map(|(_, _, estimated, _, actual, _)| {
                if column.name == "Won" {
                    actual.unwrap_or(0)
                } else {
                    estimated.unwrap_or(0)
                }
            })
            .sum();
        assert_eq!(column.total_minor, total, "{}", column.name);
        if column.kind != ColumnKind::Won && column.kind != ColumnKind::Lost {
            let weighted: i64 = matching
                .iter()
                .map(|(_, _, estimated, probability, ..)| estimated.unwrap_or(0) * probability)
                .sum();
            assert_eq!(
                column.weighted_minor,
                leadflow::opportunity::board::weighted_minor(weighted)
            );
        }
        assert!(column.cards.len() as i64 <= column.count.min(20));
    }

    // Owner filter: only the rep's.
    let rep_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'rep@example.com'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let reps = board(&app, &manager, &[("query[owner]", &rep_id.to_string())]).await;
    // The board shows the default process's stages.
    let expected: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM opportunities WHERE status = 'open' AND owner_id = ? \
         AND process_id = 1",
    )
    .bind(rep_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let open_count: i64 = reps.columns.iter().take(3).map(|c| c.count).sum();
    assert_eq!(open_count, expected);

    // A jump forward is gated by every stage it leaves; a move back is not.
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    let before = board(&app, &manager, &[]).await;
    let close_stage = match column(&before, "Close").kind {
        ColumnKind::Stage(stage) => stage,
        _ => unreachable!(),
    };
    let (status, error) = act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        1,
        &[("direction", &close_stage.to_string())],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error.to_string().contains("Develop first"), "{error}");
    let version = act(
        &app,
        &rep,
        "/api/opportunities/update",
        id,
        1,
        &[
            ("opportunity[topic]", "Espresso fleet"),
            ("opportunity[customer_need]", "Coffee"),
            ("opportunity[proposed_solution]", "Machines"),
            ("opportunity[estimated_revenue]", "1,000"),
        ],
    )
    .await
    .unwrap();
    let propose_stage = match column(&before, "Propose").kind {
        ColumnKind::Stage(stage) => stage,
        _ => unreachable!(),
    };
    let (_, error) = act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        version,
        &[("direction", &close_stage.to_string())],
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("Propose first"), "{error}");
    act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        version,
        &[("direction", &propose_stage.to_string())],
    )
    .await
    .unwrap();
    let after = board(&app, &manager, &[]).await;
    assert_eq!(
        column(&after, "Develop").count,
        column(&before, "Develop").count - 1
    );
    assert_eq!(
        column(&after, "Propose").count,
        column(&before, "Propose").count + 1
    );
    assert_eq!(
        column(&after, "Propose").weighted_minor - column(&before, "Propose").weighted_minor,
        50_000
    );
}

async fn search(app: &TestApp, client: &Client, kind: &str, text: &str) -> Vec<RecordLink> {
    let response = app
        .call(
            client,
            "/api/customers/search",
            &[("kind", kind), ("search", text)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_customer_is_picked_by_search_and_must_be_an_active_record() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    let o = get(&app, &rep, id).await;
    let (account, contact) = (o.account.clone().unwrap(), o.contact.clone().unwrap());

    // The pickers find records by part of the name; contacts show their account.
    let found = search(&app, &rep, "account", "test robot").await;
    assert!(found.contains(&account), "{found:?}");
    let found = search(&app, &rep, "contact", "quorv").await;
    assert!(
        found
            .iter()
            .any(|c| c.id == contact.id && c.name == "Quorvik (Fjord Test Robotics)"),
        "{found:?}"
    );
    assert!(search(&app, &rep, "account", "f").await.is_empty());

    // Another account, no contact: saved and recorded.
    let other: (i64, String) = sqlx::query_as(
        "SELECT id, name FROM accounts WHERE active = 1 AND id <> ? ORDER BY id LIMIT 1",
    )
    .bind(account.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let other_id = other.0.to_string();
    let version = act(
        &app,
        &rep,
        "/api/opportunities/update",
        id,
        o.version,
        &[
            ("opportunity[topic]", "Espresso fleet"),
            ("opportunity[with_customer]", "true"),
            ("opportunity[account_id]", &other_id),
            ("opportunity[contact_id]", ""),
        ],
    )
    .await
    .unwrap();
    let o = get(&app, &rep, id).await;
    assert_eq!(o.account.as_ref().map(|a| a.id), Some(other.0));
    assert_eq!(o.contact, None);
    let change = |field: &str| {
        o.history
            .iter()
            .find(|h| h.field == field)
            .map(|h| (h.old_value.clone(), h.new_value.clone()))
    };
    assert_eq!(
        change("account"),
        Some((Some(account.name.clone()), Some(other.1.clone())))
    );
    assert_eq!(change("contact"), Some((Some(contact.name.clone()), None)));

    // Neither, an unknown contact, an inactive account: field errors, nothing saved.
    sqlx::query("UPDATE accounts SET active = 0 WHERE id = ?")
        .bind(account.id)
        .execute(&app.pool)
        .await
        .unwrap();
    let account_id = account.id.to_string();
    for (account_field, contact_field, field) in [
        ("", "", "account_id"),
        ("", "999999", "contact_id"),
        (account_id.as_str(), "", "account_id"),
    ] {
        let (status, error) = act(
            &app,
            &rep,
            "/api/opportunities/update",
            id,
            version,
            &[
                ("opportunity[topic]", "Espresso fleet"),
                ("opportunity[with_customer]", "true"),
                ("opportunity[account_id]", account_field),
                ("opportunity[contact_id]", contact_field),
            ],
        )
        .await
        .unwrap_err();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(error.field_message(field).is_some(), "{field}: {error:?}");
    }
    assert_eq!(get(&app, &rep, id).await.version, version);
}

#[tokio::test]
async fn stakeholders_and_competitors_are_added_changed_removed_and_recorded() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    let contact = get(&app, &rep, id).await.contact.unwrap();
    let (id_text, contact_text) = (id.to_string(), contact.id.to_string());
    let stakeholder = |role: &'static str| {
        [
            ("id", id_text.clone()),
            ("contact_id", contact_text.clone()),
            ("role", role.to_string()),
        ]
    };
    let call = |client: &Client, path: &'static str, form: Vec<(&'static str, String)>| {
        let app = &app;
        let client = client.clone();
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = app.call(&client, path, &pairs).await;
            match response.status() {
                StatusCode::OK => Ok(()),
                status => Err((status, error_of(response).await)),
            }
        }
    };
    let path = "/api/opportunities/stakeholder";
    call(&rep, path, stakeholder("champion").to_vec())
        .await
        .unwrap();
    call(&rep, path, stakeholder("decision_maker").to_vec())
        .await
        .unwrap();
    let o = get(&app, &rep, id).await;
    assert_eq!(o.parties.stakeholders.len(), 1);
    assert_eq!(o.parties.stakeholders[0].role.label(), "Decision Maker");

    // Bad role, unknown contact: field errors.
    let (status, error) = call(&rep, path, stakeholder("boss").to_vec())
        .await
        .unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("role").is_some());
    let unknown = vec![
        ("id", id_text.clone()),
        ("contact_id", "999999".to_string()),
        ("role", "champion".to_string()),
    ];
    let (status, error) = call(&rep, path, unknown).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("contact_id").is_some());

    // Competitors: add, add again (no duplicate), remove.
    let competitor: (i64, String) =
        sqlx::query_as("SELECT id, name FROM competitors ORDER BY id LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let competitor_form = |present: &str| {
        vec![
            ("id", id_text.clone()),
            ("competitor_id", competitor.0.to_string()),
            ("present", present.to_string()),
        ]
    };
    let path = "/api/opportunities/competitor";
    call(&rep, path, competitor_form("true")).await.unwrap();
    call(&rep, path, competitor_form("true")).await.unwrap();
    let o = get(&app, &rep, id).await;
    assert_eq!(o.parties.competitors.len(), 1);
    assert_eq!(o.parties.competitors[0].name, competitor.1);

    // A rep cannot change someone else's opportunity.
    let manager = app.signed_in("manager@example.com").await;
    let managers = new_opportunity(&app, &manager).await.to_string();
    let form = vec![
        ("id", managers),
        ("competitor_id", competitor.0.to_string()),
        ("present", "true".to_string()),
    ];
    let (status, _) = call(&rep, path, form).await.unwrap_err();
    assert_eq!(status, StatusCode::FORBIDDEN);

    call(&rep, path, competitor_form("false")).await.unwrap();
    call(
        &rep,
        "/api/opportunities/stakeholder",
        stakeholder("").to_vec(),
    )
    .await
    .unwrap();
    let o = get(&app, &rep, id).await;
    assert!(o.parties.stakeholders.is_empty() && o.parties.competitors.is_empty());
    let recorded: Vec<(&str, Option<&str>, Option<&str>)> = o
        .history
        .iter()
        .filter(|h| h.field == "stakeholder" || h.field == "opportunity_competitor")
        .map(|h| {
            (
                h.field.as_str(),
                h.old_value.as_deref(),
                h.new_value.as_deref(),
            )
        })
        .collect();
    let name = |role: &str| format!("{} ({role})", contact.name);
    let (champion, decider) = (name("Champion"), name("Decision Maker"));
    // Newest first: each change once (adding a listed competitor again changed nothing).
    assert_eq!(
        recorded,
        [
            ("stakeholder", Some(decider.as_str()), None),
            ("opportunity_competitor", Some(competitor.1.as_str()), None),
            ("opportunity_competitor", None, Some(competitor.1.as_str())),
            (
                "stakeholder",
                Some(champion.as_str()),
                Some(decider.as_str())
            ),
            ("stakeholder", None, Some(champion.as_str())),
        ]
    );

    // A closed opportunity is read-only.
    let version = get(&app, &rep, id).await.version;
    act(&app, &rep, "/api/opportunities/close-won", id, version, &[])
        .await
        .unwrap();
    let (status, _) = call(&rep, path, competitor_form("true")).await.unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
}

/// The per-day Won/Lost totals (per process) the board reads, recomputed from the opportunities.
pub async fn closed_daily_matches_the_rows(pool: &sqlx::SqlitePool) {
    type Day = (String, String, i64, i64, i64, i64);
    let stored: Vec<Day> = sqlx::query_as(
        "SELECT status, day, process_id, owner_id, count, revenue_minor FROM closed_daily \
         ORDER BY status, day, process_id, owner_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let recomputed: Vec<Day> = sqlx::query_as(
        "SELECT status, actual_close_date, process_id, owner_id, COUNT(*), \
         COALESCE(SUM(CASE status WHEN 'won' THEN actual_revenue_minor ELSE estimated_revenue_minor END), 0) \
         FROM opportunities WHERE status <> 'open' GROUP BY status, actual_close_date, process_id, owner_id \
         ORDER BY status, actual_close_date, process_id, owner_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(!recomputed.is_empty());
    assert_eq!(stored, recomputed);
    // The dashboard's monthly totals follow the same changes.
    crate::dashboard::assert_monthly_totals_match(pool).await;
}

#[tokio::test]
async fn the_closed_totals_follow_every_close_reopen_and_reassignment() {
    let app = TestApp::spawn().await;
    closed_daily_matches_the_rows(&app.pool).await;
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    let version = act(
        &app,
        &rep,
        "/api/opportunities/close-won",
        id,
        1,
        &[("close[actual_revenue]", "1,234.56")],
    )
    .await
    .unwrap();
    closed_daily_matches_the_rows(&app.pool).await;
    let version = act(&app, &rep, "/api/opportunities/reopen", id, version, &[])
        .await
        .unwrap();
    closed_daily_matches_the_rows(&app.pool).await;
    act(
        &app,
        &rep,
        "/api/opportunities/close-lost",
        id,
        version,
        &[("close[reason]", "canceled")],
    )
    .await
    .unwrap();
    closed_daily_matches_the_rows(&app.pool).await;
    // Changes made outside the app (an import, a bulk reassignment) stay consistent too.
    sqlx::query(
        "UPDATE opportunities SET owner_id = (SELECT id FROM users WHERE email = 'admin@example.com') \
         WHERE status = 'won' AND id % 3 = 0",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    closed_daily_matches_the_rows(&app.pool).await;
}

#[tokio::test]
async fn reopen_keeps_the_probability_and_forecast_set_by_hand() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let id = new_opportunity(&app, &rep).await;
    let fields = [
        ("opportunity[topic]", "Espresso fleet"),
        ("opportunity[estimated_revenue]", "48,000"),
        ("opportunity[probability]", "35"),
        ("opportunity[forecast_category]", "committed"),
    ];
    act(&app, &rep, "/api/opportunities/update", id, 1, &fields)
        .await
        .unwrap();
    for close in [
        "/api/opportunities/close-won",
        "/api/opportunities/close-lost",
    ] {
        let version = get(&app, &rep, id).await.version;
        let form: &[(&str, &str)] = if close.ends_with("lost") {
            &[("close[reason]", "canceled")]
        } else {
            &[]
        };
        let version = act(&app, &rep, close, id, version, form).await.unwrap();
        act(&app, &rep, "/api/opportunities/reopen", id, version, &[])
            .await
            .unwrap();
        let o = get(&app, &rep, id).await;
        assert_eq!(
            (
                o.forecast.probability,
                o.forecast.probability_overridden,
                o.forecast.category,
                o.forecast.category_overridden
            ),
            (35, true, ForecastCategory::Committed, true),
            "after {close}"
        );
    }
}
