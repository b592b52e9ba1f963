//! Lead scoring against a real server and database: scores change in the transaction of
//! the write that changes them, publishing rescores every open lead, the backtest counts
//! equal an independent SQL count, bad rules and stale drafts are refused.

use crate::common::{TestApp, error_of};
use crate::leads::count;
use leadflow::duplicates::SaveOutcome;
use leadflow::lead::{LeadDetail, LeadPage, LeadQuery, LeadSort, LeadView};
use leadflow::scoring::{
    Backtest, BacktestProgress, Grade, RecomputeProgress, RuleDraft, RuleSetDraft, RuleTest,
    ScoringEditor,
};
use reqwest::{Client, StatusCode};
use std::time::Duration;

async fn editor(app: &TestApp, admin: &Client) -> ScoringEditor {
    let response = app.call(admin, "/api/scoring/editor", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[derive(serde::Serialize)]
struct SaveDraft<'a> {
    draft: &'a RuleSetDraft,
    revision: i64,
}

async fn save_draft(
    app: &TestApp,
    admin: &Client,
    draft: &RuleSetDraft,
    revision: i64,
) -> reqwest::Response {
    let body = serde_qs::to_string(&SaveDraft { draft, revision }).unwrap();
    admin
        .post(format!("{}/api/scoring/save-draft", app.address))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap()
}

async fn backtest_progress(app: &TestApp, admin: &Client, id: i64) -> reqwest::Response {
    app.call(
        admin,
        "/api/scoring/backtest-progress",
        &[("id", &id.to_string())],
    )
    .await
}

/// Starts a backtest, polls its progress until it is done (bounded), and checks the count
/// only grows and ends at every closed lead.
async fn backtest(app: &TestApp, admin: &Client, draft: &RuleSetDraft) -> Backtest {
    let response = app
        .call_with(admin, "/api/scoring/backtest", "draft", draft)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let started: BacktestProgress = response.json().await.unwrap();
    let closed = count(app, "SELECT COUNT(*) FROM leads WHERE status <> 'open'").await;
    assert_eq!((started.done, started.total), (0, closed));
    let mut seen = vec![started.done];
    let finished = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let response = backtest_progress(app, admin, started.id).await;
            assert_eq!(response.status(), StatusCode::OK);
            let progress: BacktestProgress = response.json().await.unwrap();
            seen.push(progress.done);
            if progress.finished() {
                return progress;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the backtest finishes");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!((finished.done, finished.error), (closed, None));
    finished.result.expect("a finished backtest has its result")
}

async fn publish(app: &TestApp, admin: &Client, revision: i64) -> reqwest::Response {
    app.call(
        admin,
        "/api/scoring/publish",
        &[("revision", &revision.to_string())],
    )
    .await
}

async fn detail(app: &TestApp, client: &Client, id: i64) -> LeadDetail {
    app.call(client, "/api/leads/get", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap()
}

/// Only rating Hot, worth 60: A from 50, B from 30, C from 10.
fn hot_only() -> RuleSetDraft {
    RuleSetDraft {
        rules: vec![RuleDraft {
            name: "Hot".into(),
            test: RuleTest::Equals,
            field: "rating".into(),
            value: "Hot".into(),
            points: "60".into(),
            ..RuleDraft::default()
        }],
        grade_a: "50".into(),
        grade_b: "30".into(),
        grade_c: "10".into(),
    }
}

#[tokio::test]
async fn an_edit_and_a_logged_call_change_the_score_in_their_own_save() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let response = app
        .call(
            &rep,
            "/api/leads/create",
            &[
                ("lead[topic]", "Kiosk rollout"),
                ("lead[last_name]", "Valtonen"),
                ("lead[job_title]", "Director of Retail"),
                ("lead[rating]", "cold"),
                ("save_anyway", "true"),
            ],
        )
        .await;
    let SaveOutcome::Saved { id, version } = response.json().await.unwrap() else {
        panic!("lead not saved");
    };
    // The default rules by hand: Cold −5, senior title +10, no email −10.
    let score = detail(&app, &rep, id)
        .await
        .score
        .expect("an open lead has a score");
    let lines: Vec<String> = score.lines.iter().map(|line| line.label()).collect();
    assert_eq!(
        lines,
        ["-5 Rating is Cold", "+10 Senior job title", "-10 No email"]
    );
    assert_eq!((score.score, score.grade, score.version), (0, Grade::D, 1));

    // Hot and an email: 25 + 10 = 35, grade B, as soon as the edit returns.
    let response = app
        .call(
            &rep,
            "/api/leads/update",
            &[
                ("id", &id.to_string()),
                ("version", &version.to_string()),
                ("lead[topic]", "Kiosk rollout"),
                ("lead[last_name]", "Valtonen"),
                ("lead[job_title]", "Director of Retail"),
                ("lead[email]", "valtonen@kiosk.example"),
                ("lead[rating]", "hot"),
                ("save_anyway", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let stored: (i64, Option<String>) =
        sqlx::query_as("SELECT score, grade FROM leads WHERE id = ?")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, (35, Some("b".into())));

    // A call logged now: +6 engagement.
    let response = app
        .call(
            &rep,
            "/api/activities/log",
            &[
                ("regarding", "lead"),
                ("record_id", &id.to_string()),
                ("activity[kind]", "phone_call"),
                ("activity[subject]", "Intro call"),
                ("activity[direction]", "outbound"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let score = detail(&app, &rep, id).await.score.unwrap();
    assert_eq!((score.fit, score.engagement, score.score), (35, 6, 41));
    assert_eq!(
        score.lines.last().map(|line| line.label()),
        Some("+6 Activities in the last 30 days (1 activity)".into())
    );

    // Disqualified: no score any more, on the record or in the list.
    let response = app
        .call(
            &rep,
            "/api/leads/disqualify",
            &[
                ("id", &id.to_string()),
                ("version", &(version + 1).to_string()),
                ("reason", "lost"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(detail(&app, &rep, id).await.score, None);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM leads WHERE id = {id} AND grade IS NULL AND score_detail IS NULL")
        )
        .await,
        1
    );
}

#[tokio::test]
async fn every_open_lead_has_a_score_and_the_list_sorts_and_filters_by_it() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE (status = 'open') <> (grade IS NOT NULL)"
        )
        .await,
        0,
        "open leads have a grade, closed ones none"
    );
    let query = LeadQuery {
        view: LeadView::AllOpen,
        ..LeadQuery::default()
    }
    .sorted_by(LeadSort::Score);
    assert!(query.descending, "scores sort best first");
    let page: LeadPage = app
        .call_with(&manager, "/api/leads/list", "query", &query)
        .await
        .json()
        .await
        .unwrap();
    let expected: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM leads WHERE status = 'open' ORDER BY score DESC, id DESC LIMIT 25",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let ids: Vec<i64> = page.rows.iter().map(|row| row.id).collect();
    assert_eq!(ids, expected);
    assert!(page.rows.windows(2).all(|w| w[0].score >= w[1].score));
    let graded = LeadQuery {
        grade: Some(Grade::A),
        ..query
    };
    let page: LeadPage = app
        .call_with(&manager, "/api/leads/list", "query", &graded)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page.total,
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE status = 'open' AND grade = 'a'"
        )
        .await
    );
    assert!(page.total > 0, "the demo data has A leads");
}

#[tokio::test]
async fn the_demo_backtest_qualifies_a_leads_more_often_than_d_leads() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let editor = editor(&app, &admin).await;
    assert!(editor.draft_is_published && editor.warnings.is_empty());
    let result = backtest(&app, &admin, &editor.draft).await;
    let rate = |grade: Grade| {
        result
            .published
            .iter()
            .find(|row| row.grade == grade)
            .and_then(|row| row.rate())
            .unwrap_or(0)
    };
    assert!(rate(Grade::A) > rate(Grade::D), "{result:?}");
    let closed = count(&app, "SELECT COUNT(*) FROM leads WHERE status <> 'open'").await;
    assert_eq!(
        result.published.iter().map(|row| row.leads).sum::<i64>(),
        closed
    );
    assert_eq!(result.draft, result.published);
}

#[tokio::test]
async fn publishing_rescores_every_open_lead_and_the_backtest_equals_a_sql_count() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let draft = hot_only();
    // Backtest: A holds exactly the closed hot leads, D the rest.
    let result = backtest(&app, &admin, &draft).await;
    let closed = |condition: &str| {
        let app = &app;
        let sql = format!("SELECT COUNT(*) FROM leads WHERE status <> 'open' AND {condition}");
        async move { count(app, &sql).await }
    };
    let row = |grade: Grade| {
        result
            .draft
            .iter()
            .find(|row| row.grade == grade)
            .cloned()
            .unwrap()
    };
    let a = row(Grade::A);
    assert_eq!(a.leads, closed("rating = 'hot'").await);
    assert_eq!(
        a.qualified,
        closed("rating = 'hot' AND status = 'qualified'").await
    );
    let d = row(Grade::D);
    assert_eq!(d.leads, closed("rating IS NOT 'hot'").await);
    assert_eq!(
        d.disqualified,
        closed("rating IS NOT 'hot' AND status = 'disqualified'").await
    );
    assert_eq!((row(Grade::B).leads, row(Grade::C).leads), (0, 0));

    let revision = editor(&app, &admin).await.revision;
    let response = save_draft(&app, &admin, &draft, revision).await;
    assert_eq!(response.status(), StatusCode::OK);
    let revision: i64 = response.json().await.unwrap();
    let response = publish(&app, &admin, revision).await;
    assert_eq!(response.status(), StatusCode::OK);
    let started: RecomputeProgress = response.json().await.unwrap();
    let open = count(&app, "SELECT COUNT(*) FROM leads WHERE status = 'open'").await;
    assert_eq!((started.version, started.total), (2, open));
    // The rescore runs in the background: poll its progress (bounded).
    let mut seen = Vec::new();
    let finished = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let progress: Option<RecomputeProgress> = app
                .call(&admin, "/api/scoring/progress", &[])
                .await
                .json()
                .await
                .unwrap();
            let progress = progress.expect("a recompute is on record");
            seen.push(progress.done);
            if progress.finished {
                return progress;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the rescore finishes");
    assert_eq!((finished.done, finished.version), (open, 2));
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE status = 'open' AND (score_version <> 2 \
             OR score <> CASE WHEN rating = 'hot' THEN 60 ELSE 0 END \
             OR grade <> CASE WHEN rating = 'hot' THEN 'a' ELSE 'd' END)"
        )
        .await,
        0
    );
    // Published: the same draft again is refused, and the editor says it is live.
    let response = publish(&app, &admin, revision).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let editor = editor(&app, &admin).await;
    assert_eq!(
        (editor.published_version, editor.draft_is_published),
        (2, true)
    );
}

#[tokio::test]
async fn bad_rules_get_field_errors_and_a_stale_draft_is_a_conflict() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let revision = editor(&app, &admin).await.revision;
    let mut bad = hot_only();
    bad.rules.push(RuleDraft {
        name: " ".into(),
        test: RuleTest::IsSet,
        field: "favourite_colour".into(),
        points: "150".into(),
        ..RuleDraft::default()
    });
    bad.grade_b = "50".into();
    let response = save_draft(&app, &admin, &bad, revision).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = error_of(response).await;
    for field in ["rule-1-name", "rule-1-field", "rule-1-points", "grade-a"] {
        assert!(error.field_message(field).is_some(), "{field}: {error:?}");
    }
    // Nothing was saved.
    assert_eq!(editor(&app, &admin).await.revision, revision);

    // Two admins edit the same revision: the second save is a conflict naming the first.
    let other = app.signed_in("admin@example.com").await;
    assert_eq!(
        save_draft(&app, &other, &hot_only(), revision)
            .await
            .status(),
        StatusCode::OK
    );
    let response = save_draft(&app, &admin, &hot_only(), revision).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(
        error_of(response)
            .await
            .to_string()
            .contains("saved the draft meanwhile")
    );
    let response = publish(&app, &admin, revision).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);

    // A rule set that cannot reach A is saved, with a warning.
    let mut low = hot_only();
    low.grade_a = "70".into();
    let current = editor(&app, &admin).await.revision;
    assert_eq!(
        save_draft(&app, &admin, &low, current).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        editor(&app, &admin).await.warnings,
        ["No lead can reach grade A: the rules add up to 60 at most, and A starts at 70."]
    );
}

#[tokio::test]
async fn a_missed_daily_run_rescores_every_open_lead_when_the_server_starts() {
    let app = TestApp::spawn().await;
    // Yesterday's run, and scores gone stale since (time-based rules move daily).
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .date_naive()
        .to_string();
    sqlx::query(
        "INSERT INTO scoring_recompute (id, version, done, total, finished, day) \
         VALUES (1, 1, 0, 0, 1, ?)",
    )
    .bind(&yesterday)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE leads SET score = -1, score_detail = NULL WHERE status = 'open'")
        .execute(&app.pool)
        .await
        .unwrap();
    let daily = leadflow::scoring::db::spawn_daily(app.pool.clone());
    let today = chrono::Utc::now().date_naive().to_string();
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let (day, finished): (String, bool) =
                sqlx::query_as("SELECT day, finished FROM scoring_recompute")
                    .fetch_one(&app.pool)
                    .await
                    .unwrap();
            if day == today && finished {
                return;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the daily run finishes");
    daily.abort();
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE status = 'open' \
             AND (score_detail IS NULL OR score = -1 OR score_version <> 1)"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_backtest_cut_off_by_a_restart_says_so_and_an_unknown_one_is_not_found() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin@example.com").await;
    let admin_id = count(
        &app,
        "SELECT id FROM users WHERE email = 'admin@example.com'",
    )
    .await;
    // A run the server was in the middle of when it stopped.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO scoring_backtests (started_by, started_at, done, total) \
         VALUES (?, '2026-12-06T08:00:00+00:00', 2000, 9000) RETURNING id",
    )
    .bind(admin_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let interrupted = leadflow::scoring::db::interrupt_unfinished_backtests(&app.pool)
        .await
        .unwrap();
    assert_eq!(interrupted, 1);
    let response = backtest_progress(&app, &admin, id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let progress: BacktestProgress = response.json().await.unwrap();
    assert!(progress.finished());
    assert_eq!(
        (progress.done, progress.total, progress.result),
        (2000, 9000, None)
    );
    assert_eq!(
        progress.error.as_deref(),
        Some("The server restarted during the backtest: run it again.")
    );
    let response = backtest_progress(&app, &admin, id + 1).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
