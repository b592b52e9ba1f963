//! The process editor over HTTP, on the demo data: renaming, reordering, adding and
//! archiving stages under live opportunities (board totals and the monthly tables still
//! equal a recount), required steps applying from the next Next Stage, removed steps kept
//! for their completions, stale edits, and bad input. Expected counts come from SQL.

use crate::common::{TestApp, error_of};
use crate::dashboard::assert_monthly_totals_match;
use crate::opportunities::{act, new_opportunity};
use leadflow::error::AppError;
use leadflow::opportunity::board::{Board, ColumnKind};
use leadflow::process::{ProcessDraft, ProcessEditor, StageDraft, StageEntity, StepDraft};
use reqwest::{Client, StatusCode};

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

async fn editor(app: &TestApp, admin: &Client) -> ProcessEditor {
    let response = app
        .call(admin, "/api/processes/editor", &[("id", "1")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn save(
    app: &TestApp,
    admin: &Client,
    draft: &ProcessDraft,
) -> Result<i64, (StatusCode, AppError)> {
    let response = app
        .call_with(admin, "/api/processes/save", "draft", draft)
        .await;
    match response.status() {
        StatusCode::OK => Ok(response.json().await.unwrap()),
        status => Err((status, error_of(response).await)),
    }
}

fn stage<'d>(draft: &'d mut ProcessDraft, name: &str) -> &'d mut StageDraft {
    draft.stages.iter_mut().find(|s| s.name == name).unwrap()
}

async fn board(app: &TestApp, client: &Client) -> Board {
    let response = app.call(client, "/api/pipeline/board", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn process_board(app: &TestApp, client: &Client, process: i64) -> Board {
    let process = process.to_string();
    let response = app
        .call(
            client,
            "/api/pipeline/board",
            &[("query[process]", &process)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The board's stage columns: name, count — and the count recounted in SQL.
async fn stage_columns(app: &TestApp, client: &Client) -> Vec<(String, i64, i64)> {
    let mut columns = Vec::new();
    for column in board(app, client).await.columns {
        let ColumnKind::Stage(id) = column.kind else {
            continue;
        };
        let recount = scalar(
            app,
            &format!(
                "SELECT COUNT(*) FROM opportunities WHERE status = 'open' AND stage_id = {id}"
            ),
        )
        .await;
        columns.push((column.name, column.count, recount));
    }
    columns
}

/// A new opportunity of `rep`'s at Develop with Develop's required fields filled (Next Stage
/// is open): its id and version.
async fn developed_opportunity(app: &TestApp, rep: &Client) -> (i64, i64) {
    let id = new_opportunity(app, rep).await;
    let version = act(
        app,
        rep,
        "/api/opportunities/update",
        id,
        1,
        &[
            ("opportunity[topic]", "Espresso fleet"),
            ("opportunity[customer_need]", "Twelve machines"),
            ("opportunity[proposed_solution]", "Lease"),
        ],
    )
    .await
    .unwrap();
    (id, version)
}

fn new_stage(name: &str) -> StageDraft {
    StageDraft {
        id: None,
        entity: StageEntity::Opportunity,
        name: name.into(),
        probability: "65".into(),
        forecast: leadflow::process::ForecastCategory::BestCase,
        stalled_days: "10".into(),
        archived: false,
        move_open_to: None,
        steps: vec![StepDraft {
            name: "Agree terms".into(),
            required: true,
            guidance: "Price, term and start date in writing.".into(),
            ..StepDraft::default()
        }],
    }
}

#[tokio::test]
async fn stages_are_renamed_added_reordered_and_archived_under_live_opportunities() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let mut draft = editor(&app, &admin).await.draft;
    assert_eq!(draft.version, 1);
    // Propose becomes Proposal, Negotiate comes in before Close.
    stage(&mut draft, "Propose").name = "Proposal".into();
    let close = draft.stages.iter().position(|s| s.name == "Close").unwrap();
    draft.stages.insert(close, new_stage("Negotiate"));
    assert_eq!(save(&app, &admin, &draft).await, Ok(2));
    let columns = stage_columns(&app, &admin).await;
    let names: Vec<&str> = columns.iter().map(|(name, ..)| name.as_str()).collect();
    assert_eq!(names, ["Develop", "Proposal", "Negotiate", "Close"]);
    assert!(
        columns.iter().all(|(_, shown, recount)| shown == recount),
        "{columns:?}"
    );
    // The stage id an old board URL carries still filters: a rename keeps ids.
    let proposal = scalar(&app, "SELECT id FROM stages WHERE name = 'Proposal'").await;
    assert_eq!(proposal, 3);

    // Archiving Proposal, which holds open opportunities, needs a place for them.
    let open = scalar(
        &app,
        "SELECT COUNT(*) FROM opportunities WHERE status = 'open' AND stage_id = 3",
    )
    .await;
    assert!(open > 0);
    let close_before = scalar(
        &app,
        "SELECT COUNT(*) FROM opportunities WHERE status = 'open' AND stage_id = 4",
    )
    .await;
    let history_before = scalar(&app, "SELECT COUNT(*) FROM stage_history").await;
    let mut draft = editor(&app, &admin).await.draft;
    let index = draft
        .stages
        .iter()
        .position(|s| s.name == "Proposal")
        .unwrap();
    draft.stages[index].archived = true;
    let (status, error) = save(&app, &admin, &draft).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error
            .field_message(&format!("stage-{index}-move"))
            .is_some_and(|m| m.contains(&format!("its {open} open"))),
        "{error:?}"
    );
    draft.stages[index].move_open_to = Some(4);
    // Reordered too: Negotiate after Close.
    let negotiate = draft
        .stages
        .iter()
        .position(|s| s.name == "Negotiate")
        .unwrap();
    let moved = draft.stages.remove(negotiate);
    draft.stages.push(moved);
    assert_eq!(save(&app, &admin, &draft).await, Ok(3));

    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM opportunities WHERE status = 'open' AND stage_id = 3"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM opportunities WHERE status = 'open' AND stage_id = 4"
        )
        .await,
        close_before + open
    );
    // One stage change per moved opportunity, in the stage history and the record's.
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM stage_history").await,
        history_before + open
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM record_history WHERE record_type = 'opportunity' AND field = 'stage' \
             AND old_value = 'Proposal' AND new_value = 'Close'",
        )
        .await,
        open
    );
    let columns = stage_columns(&app, &admin).await;
    let names: Vec<&str> = columns.iter().map(|(name, ..)| name.as_str()).collect();
    assert_eq!(names, ["Develop", "Close", "Negotiate"]);
    assert!(
        columns.iter().all(|(_, shown, recount)| shown == recount),
        "{columns:?}"
    );
    assert_monthly_totals_match(&app.pool).await;

    // Nothing history points at was deleted, and each version says what it changed.
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM stages WHERE process_id = 1").await,
        5
    );
    let versions = editor(&app, &admin).await.versions;
    assert_eq!(versions[0].version, 3);
    assert!(
        versions[0]
            .changes
            .contains(&"Archived stage Proposal".to_string()),
        "{:?}",
        versions[0]
    );
    assert!(
        versions[0].changes.contains(&format!(
            "Moved {open} open opportunities from Proposal to Close"
        )),
        "{:?}",
        versions[0]
    );
    assert!(
        versions[1]
            .changes
            .contains(&"Added stage Negotiate".to_string())
    );
}

#[tokio::test]
async fn a_new_required_step_applies_from_the_next_next_stage_and_a_removed_one_is_kept() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let admin = app.signed_in("admin@example.com").await;
    let (id, version) = developed_opportunity(&app, &rep).await;
    let mut draft = editor(&app, &admin).await.draft;
    stage(&mut draft, "Develop").steps.push(StepDraft {
        name: "Legal review".into(),
        required: true,
        guidance: "Send the contract to legal.".into(),
        ..StepDraft::default()
    });
    save(&app, &admin, &draft).await.unwrap();
    let (status, error) = act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        version,
        &[("direction", "next")],
    )
    .await
    .unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error.to_string(),
        "Complete the required steps of Develop first: Legal review."
    );
    // Ticked, it lets the opportunity on; the rep's stage bar shows its guidance.
    let step = scalar(&app, "SELECT id FROM steps WHERE name = 'Legal review'").await;
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
    let summary: leadflow::opportunity::OpportunitySummary = app
        .call(&rep, "/api/opportunities/get", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    let shown = summary
        .progress
        .steps
        .iter()
        .find(|s| s.id == step)
        .unwrap();
    assert_eq!(
        shown.guidance.as_deref(),
        Some("Send the contract to legal.")
    );
    act(
        &app,
        &rep,
        "/api/opportunities/move",
        id,
        version,
        &[("direction", "next")],
    )
    .await
    .unwrap();

    // Removing the step keeps it (and its completion) for the history that points at it.
    let mut draft = editor(&app, &admin).await.draft;
    stage(&mut draft, "Develop")
        .steps
        .retain(|s| s.name != "Legal review");
    save(&app, &admin, &draft).await.unwrap();
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT removed FROM steps WHERE id = {step}")
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM step_completions WHERE step_id = {step}")
        )
        .await,
        1
    );
    assert!(
        !editor(&app, &admin)
            .await
            .draft
            .stages
            .iter()
            .any(|s| s.steps.iter().any(|st| st.id == Some(step)))
    );
}

#[tokio::test]
async fn a_stale_edit_is_a_conflict_that_says_what_changed() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let mine = editor(&app, &admin).await.draft;
    let mut theirs = mine.clone();
    stage(&mut theirs, "Close").name = "Closing".into();
    save(&app, &admin, &theirs).await.unwrap();
    let mut mine = mine;
    stage(&mut mine, "Develop").probability = "30".into();
    let (status, error) = save(&app, &admin, &mine).await.unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
    let message = error.to_string();
    assert!(
        message.starts_with("Ada Admin saved this process after you opened it"),
        "{message}"
    );
    assert!(
        message.contains("Renamed stage Close to Closing"),
        "{message}"
    );
    // Nothing of the stale edit was saved.
    assert_eq!(
        scalar(
            &app,
            "SELECT default_probability FROM stages WHERE name = 'Develop'"
        )
        .await,
        25
    );
}

#[tokio::test]
async fn bad_process_input_gets_field_errors_and_malformed_drafts_400() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let draft = editor(&app, &admin).await.draft;
    let mut bad = draft.clone();
    bad.stages[1].name = "  ".into();
    bad.stages[2].name = "close".into();
    bad.stages[2].probability = "150".into();
    bad.stages[3].steps.push(StepDraft {
        name: "Budget".into(),
        field: Some("shoe_size".into()),
        ..StepDraft::default()
    });
    let (status, error) = save(&app, &admin, &bad).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let AppError::Validation(errors) = error else {
        panic!("{error:?}")
    };
    let keys: Vec<&str> = errors.keys().map(String::as_str).collect();
    let field_step = format!("stage-3-step-{}-field", bad.stages[3].steps.len() - 1);
    // The later of two stages with one name is the one flagged.
    let mut expected = vec![
        "stage-1-name",
        "stage-3-name",
        "stage-2-probability",
        field_step.as_str(),
    ];
    expected.sort();
    assert_eq!(keys, expected);
    // Every opportunity stage archived: none left open.
    let mut none_open = draft.clone();
    for stage in none_open.stages.iter_mut().skip(1) {
        stage.archived = true;
        stage.move_open_to = None;
    }
    let (status, error) = save(&app, &admin, &none_open).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("stages").is_some(), "{error:?}");
    // A stage left out is a bad request, not a deletion.
    let mut dropped = draft.clone();
    dropped.stages.pop();
    assert_eq!(
        save(&app, &admin, &dropped).await.unwrap_err().0,
        StatusCode::BAD_REQUEST
    );
    let missing = ProcessDraft {
        id: 999,
        ..draft.clone()
    };
    assert_eq!(
        save(&app, &admin, &missing).await.unwrap_err().0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        scalar(&app, "SELECT version FROM processes WHERE id = 1").await,
        1
    );
}

#[tokio::test]
async fn qualify_opens_an_opportunity_at_the_first_stage_that_is_not_archived() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let rep = app.signed_in("rep@example.com").await;
    let mut draft = editor(&app, &admin).await.draft;
    let develop = draft
        .stages
        .iter()
        .position(|s| s.name == "Develop")
        .unwrap();
    draft.stages[develop].archived = true;
    draft.stages[develop].move_open_to = Some(3);
    save(&app, &admin, &draft).await.unwrap();
    let id = new_opportunity(&app, &rep).await;
    let stage: String = sqlx::query_scalar(
        "SELECT s.name FROM opportunities o JOIN stages s ON s.id = o.stage_id WHERE o.id = ?",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stage, "Propose");
}

#[tokio::test]
async fn switching_process_and_back_resumes_where_the_opportunity_stood() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let partner = scalar(&app, "SELECT id FROM processes WHERE name = 'Partner deal'").await;
    // A new opportunity at Develop, moved on to Propose.
    let (id, version) = developed_opportunity(&app, &rep).await;
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
    let stage_of = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String)>(
                "SELECT p.name, s.name FROM opportunities o JOIN stages s ON s.id = o.stage_id \
                 JOIN processes p ON p.id = o.process_id WHERE o.id = ?",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let switch = |version: i64, process: i64| {
        let (app, rep) = (&app, &rep);
        async move {
            act(
                app,
                rep,
                "/api/opportunities/switch-process",
                id,
                version,
                &[("process_id", &process.to_string())],
            )
            .await
        }
    };
    // Into the partner process: its first stage.
    let version = switch(version, partner).await.unwrap();
    assert_eq!(
        stage_of(&app).await,
        ("Partner deal".into(), "Recruit partner".into())
    );
    // Back: Propose again, not Develop.
    let version = switch(version, 1).await.unwrap();
    assert_eq!(
        stage_of(&app).await,
        ("Lead to Opportunity Sales Process".into(), "Propose".into())
    );
    // And forth: where it stood in the partner process.
    switch(version, partner).await.unwrap();
    assert_eq!(
        stage_of(&app).await,
        ("Partner deal".into(), "Recruit partner".into())
    );
    // Each switch is a stage change and a process change in the record's history.
    assert_eq!(
        scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM record_history WHERE record_type = 'opportunity' \
                 AND record_id = {id} AND field = 'process'"
            ),
        )
        .await,
        3
    );
    // A stale version or another rep's opportunity is refused like any edit.
    let (status, _) = switch(1, 1).await.unwrap_err();
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_board_the_list_and_the_funnel_show_one_process_at_a_time() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let partner = scalar(&app, "SELECT id FROM processes WHERE name = 'Partner deal'").await;
    let board = process_board(&app, &manager, partner).await;
    let mut stages = Vec::new();
    for column in &board.columns {
        let ColumnKind::Stage(id) = column.kind else {
            continue;
        };
        let recount = scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM opportunities WHERE status = 'open' AND stage_id = {id}"
            ),
        )
        .await;
        assert_eq!(column.count, recount, "{}", column.name);
        stages.push(column.name.as_str());
    }
    assert_eq!(
        stages,
        ["Recruit partner", "Joint proposal", "Partner close"]
    );
    // The list filtered to the process counts what is in it.
    let query = leadflow::opportunity::list::OpportunityQuery {
        process: Some(partner),
        ..leadflow::opportunity::list::OpportunityQuery::of_view(
            leadflow::opportunity::list::OpportunityView::AllOpen,
        )
    };
    let page: leadflow::opportunity::list::OpportunityPage = app
        .call_with(&manager, "/api/opportunities/list", "query", &query)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page.total,
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM opportunities WHERE status = 'open' AND process_id = {partner}"),
        )
        .await
    );
    // The funnel of the process: its stages.
    let dashboard = crate::dashboard::dashboard(
        &app,
        &manager,
        &leadflow::dashboard::DashboardQuery {
            process: Some(partner),
            ..Default::default()
        },
    )
    .await;
    let funnel: Vec<&str> = dashboard.funnel.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        funnel,
        ["Recruit partner", "Joint proposal", "Partner close"]
    );
}

#[tokio::test]
async fn the_boards_won_and_lost_columns_count_the_process_it_shows() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let manager = app.signed_in("manager@example.com").await;
    let partner = scalar(&app, "SELECT id FROM processes WHERE name = 'Partner deal'").await;
    let default = scalar(&app, "SELECT id FROM processes WHERE is_default = 1").await;
    // One opportunity won and one lost in the partner process, today.
    for close in [
        "/api/opportunities/close-won",
        "/api/opportunities/close-lost",
    ] {
        let id = new_opportunity(&app, &rep).await;
        let process = partner.to_string();
        let version = act(
            &app,
            &rep,
            "/api/opportunities/switch-process",
            id,
            1,
            &[("process_id", &process)],
        )
        .await
        .unwrap();
        let reason: &[(&str, &str)] = if close.ends_with("lost") {
            &[("close[reason]", "canceled")]
        } else {
            &[]
        };
        act(&app, &rep, close, id, version, reason).await.unwrap();
    }
    let closed = |process: i64, status: &'static str| {
        let app = &app;
        async move {
            scalar(
                app,
                &format!(
                    "SELECT COUNT(*) FROM opportunities WHERE process_id = {process} \
                     AND status = '{status}' AND actual_close_date >= date('now', '-90 days')"
                ),
            )
            .await
        }
    };
    let columns = |board: Board| {
        let count = |kind: ColumnKind| {
            board
                .columns
                .iter()
                .find(|c| c.kind == kind)
                .map(|c| c.count)
                .unwrap()
        };
        (count(ColumnKind::Won), count(ColumnKind::Lost))
    };
    // No process chosen: the default process, whose stages the board shows.
    assert_eq!(
        columns(board(&app, &manager).await),
        (closed(default, "won").await, closed(default, "lost").await)
    );
    assert_eq!(
        columns(process_board(&app, &manager, partner).await),
        (closed(partner, "won").await, closed(partner, "lost").await)
    );
    assert_eq!(closed(partner, "won").await, 1);
}

#[tokio::test]
async fn a_new_process_starts_as_a_copy_of_the_default_and_names_are_checked() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let response = app
        .call(&admin, "/api/processes/create", &[("name", " Renewal ")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let id: i64 = response.json().await.unwrap();
    let response = app
        .call(&admin, "/api/processes/editor", &[("id", &id.to_string())])
        .await;
    let editor: ProcessEditor = response.json().await.unwrap();
    assert_eq!(editor.draft.name, "Renewal");
    let names: Vec<&str> = editor
        .draft
        .stages
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["Develop", "Propose", "Close"]);
    let steps: usize = editor.draft.stages.iter().map(|s| s.steps.len()).sum();
    assert_eq!(
        steps as i64,
        scalar(
            &app,
            "SELECT COUNT(*) FROM steps WHERE stage_id IN (2, 3, 4) AND removed = 0"
        )
        .await
    );
    for name in ["renewal", "  "] {
        let response = app
            .call(&admin, "/api/processes/create", &[("name", name)])
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?}"
        );
        assert!(error_of(response).await.field_message("name").is_some());
    }
}

#[tokio::test]
async fn a_deal_reopened_at_an_archived_stage_shows_it_read_only_and_moves_on() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    // A deal lost at Propose, reopened after Propose was archived.
    let (id, version): (i64, i64) = sqlx::query_as(
        "SELECT id, version FROM opportunities WHERE status = 'lost' AND stage_id = 3 \
         ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut draft = editor(&app, &admin).await.draft;
    let propose = draft
        .stages
        .iter()
        .position(|s| s.name == "Propose")
        .unwrap();
    draft.stages[propose].archived = true;
    draft.stages[propose].move_open_to = Some(4);
    save(&app, &admin, &draft).await.unwrap();
    let version = act(&app, &admin, "/api/opportunities/reopen", id, version, &[])
        .await
        .unwrap();
    let summary: leadflow::opportunity::OpportunitySummary = app
        .call(&admin, "/api/opportunities/get", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert!(summary.progress.active_archived);
    assert_eq!(
        summary.progress.stages[summary.progress.active_index()].name,
        "Propose"
    );
    // Its steps cannot be ticked any more…
    let step = summary
        .progress
        .steps
        .iter()
        .find(|s| !s.field_bound && !s.done)
        .unwrap();
    let response = app
        .call(
            &admin,
            "/api/opportunities/step",
            &[
                ("id", &id.to_string()),
                ("step_id", &step.id.to_string()),
                ("done", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // …and they no longer hold it back: Next Stage goes on to Close.
    act(
        &app,
        &admin,
        "/api/opportunities/move",
        id,
        version,
        &[("direction", "next")],
    )
    .await
    .unwrap();
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT stage_id FROM opportunities WHERE id = {id}")
        )
        .await,
        4
    );
}

#[tokio::test]
async fn qualify_opens_opportunities_in_whichever_process_is_made_the_default() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let rep = app.signed_in("rep@example.com").await;
    let partner = scalar(&app, "SELECT id FROM processes WHERE name = 'Partner deal'").await;
    let make_default = |id: i64| {
        let (app, admin) = (&app, &admin);
        async move {
            app.call(
                admin,
                "/api/processes/make-default",
                &[("id", &id.to_string())],
            )
            .await
            .status()
        }
    };
    assert_eq!(make_default(partner).await, StatusCode::OK);
    assert_eq!(
        scalar(&app, "SELECT id FROM processes WHERE is_default = 1").await,
        partner
    );
    // A new lead's bar: the one lead stage, then the stages of the process it would go to.
    let lead = app
        .call(
            &rep,
            "/api/leads/create",
            &[
                ("lead[topic]", "Ostrava trial"),
                ("lead[last_name]", "Ostrava"),
                ("save_anyway", "true"),
            ],
        )
        .await;
    let leadflow::duplicates::SaveOutcome::Saved { id: lead, .. } = lead.json().await.unwrap()
    else {
        panic!("lead not saved");
    };
    let detail: leadflow::lead::LeadDetail = app
        .call(&rep, "/api/leads/get", &[("id", &lead.to_string())])
        .await
        .json()
        .await
        .unwrap();
    let expected: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM stages WHERE entity = 'lead' OR (process_id = ? AND archived = 0) \
         ORDER BY entity = 'opportunity', position",
    )
    .bind(partner)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let shown: Vec<String> = detail
        .progress
        .stages
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(shown, expected);
    assert_eq!(detail.progress.process_id, partner);

    // Qualify opens the opportunity at the default process's first stage.
    let first_stage = |process: i64| {
        let app = &app;
        async move {
            scalar(
                app,
                &format!(
                    "SELECT id FROM stages WHERE process_id = {process} \
                     AND entity = 'opportunity' AND archived = 0 ORDER BY position LIMIT 1"
                ),
            )
            .await
        }
    };
    let placed = |id: i64| {
        let app = &app;
        async move {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT process_id, stage_id FROM opportunities WHERE id = ?",
            )
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap()
        }
    };
    let in_partner = new_opportunity(&app, &rep).await;
    assert_eq!(
        placed(in_partner).await,
        (partner, first_stage(partner).await)
    );

    // And back: the next one opens in the first process again.
    assert_eq!(make_default(1).await, StatusCode::OK);
    let in_default = new_opportunity(&app, &rep).await;
    assert_eq!(placed(in_default).await, (1, first_stage(1).await));
    assert_eq!(make_default(999_999).await, StatusCode::NOT_FOUND);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM processes WHERE is_default = 1").await,
        1
    );
}
