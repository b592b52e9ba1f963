//! The dashboard over HTTP: every figure recomputed from the rows with independent SQL, and
//! every click-through list counting exactly what its figure says; the trigger-kept monthly
//! tables checked against a full recount after changes.

use crate::common::{TestApp, error_of};
use crate::leads::count;
use leadflow::dashboard::{Dashboard, DashboardQuery, Month};
use leadflow::lead::{LeadPage, LeadQuery, LeadStatus};
use leadflow::opportunity::list::{OpportunityPage, OpportunityQuery, OpportunityView};
use leadflow::url_state::read;
use reqwest::{Client, StatusCode};

pub async fn dashboard(app: &TestApp, client: &Client, query: &DashboardQuery) -> Dashboard {
    let response = app
        .call_with(client, "/api/dashboard", "query", query)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The query string of a link, as the browser's address bar holds it.
fn query_of(link: &str) -> &str {
    link.split_once('?').map_or("", |(_, query)| query)
}

/// How many records the list behind `link` holds.
async fn listed(app: &TestApp, client: &Client, link: &str) -> i64 {
    if link.starts_with("/leads") {
        let query: LeadQuery = read(query_of(link));
        let response = app
            .call_with(client, "/api/leads/list", "query", &query)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{link}");
        response.json::<LeadPage>().await.unwrap().total
    } else {
        let query: OpportunityQuery = read(query_of(link));
        let response = app
            .call_with(client, "/api/opportunities/list", "query", &query)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{link}");
        response.json::<OpportunityPage>().await.unwrap().total
    }
}

async fn sum(app: &TestApp, sql: &str) -> (i64, i64) {
    sqlx::query_as(sql).fetch_one(&app.pool).await.unwrap()
}

/// Compares every figure of `d` with SQL over the records and with its click-through list.
async fn check_every_figure(app: &TestApp, client: &Client, d: &Dashboard) {
    let owner = d
        .owner_id
        .map_or(String::new(), |id| format!(" AND owner_id = {id}"));
    let open_range = match d.window.range {
        Some((first, last)) => format!(
            " AND estimated_close_date BETWEEN '{}' AND '{}'",
            first.first_day(),
            last.last_day()
        ),
        None => String::new(),
    };
    for stage in &d.funnel {
        let expected = sum(
            app,
            &format!(
                "SELECT COUNT(*), COALESCE(SUM(estimated_revenue_minor), 0) FROM opportunities \
             WHERE status = 'open' AND stage_id = {}{owner}{open_range}",
                stage.stage_id
            ),
        )
        .await;
        assert_eq!(
            (stage.open.count, stage.open.revenue_minor),
            expected,
            "funnel {}",
            stage.name
        );
        assert_eq!(
            listed(app, client, &d.funnel_link(stage.stage_id)).await,
            expected.0
        );
    }
    for month in &d.pipeline {
        let days = format!(
            " AND estimated_close_date BETWEEN '{}' AND '{}'",
            month.month.first_day(),
            month.month.last_day()
        );
        for (category, tally) in leadflow::dashboard::PIPELINE_CATEGORIES
            .iter()
            .zip(month.categories)
        {
            let expected = sum(
                app,
                &format!(
                    "SELECT COUNT(*), COALESCE(SUM(estimated_revenue_minor), 0) FROM opportunities \
                 WHERE status = 'open' AND forecast_category = '{}'{owner}{days}",
                    category.code()
                ),
            )
            .await;
            assert_eq!(
                (tally.count, tally.revenue_minor),
                expected,
                "{} {category:?}",
                month.month.code()
            );
            assert_eq!(
                listed(app, client, &d.pipeline_link(month.month, *category)).await,
                expected.0
            );
        }
        let weighted: i64 = count(app, &format!(
            "SELECT (COALESCE(SUM(estimated_revenue_minor * probability), 0) + 50) / 100 FROM opportunities \
             WHERE status = 'open' AND forecast_category IN ('committed', 'best_case', 'pipeline'){owner}{days}"
        ))
        .await;
        assert_eq!(
            month.weighted_minor,
            weighted,
            "weighted {}",
            month.month.code()
        );
    }
    for month in &d.closed {
        let days = format!(
            " AND actual_close_date BETWEEN '{}' AND '{}'",
            month.month.first_day(),
            month.month.last_day()
        );
        let won = sum(app, &format!(
            "SELECT COUNT(*), COALESCE(SUM(actual_revenue_minor), 0) FROM opportunities WHERE status = 'won'{owner}{days}"
        ))
        .await;
        assert_eq!(
            (month.won.count, month.won.revenue_minor),
            won,
            "won {}",
            month.month.code()
        );
        let lost = count(
            app,
            &format!("SELECT COUNT(*) FROM opportunities WHERE status = 'lost'{owner}{days}"),
        )
        .await;
        assert_eq!(month.lost.count, lost, "lost {}", month.month.code());
        let cycle = count(app, &format!(
            "SELECT COALESCE(SUM(CAST(julianday(actual_close_date) - julianday(date(created_at)) AS INTEGER)), 0) \
             FROM opportunities WHERE status = 'won'{owner}{days}"
        ))
        .await;
        assert_eq!(month.won_cycle_days, cycle, "cycle {}", month.month.code());
        assert_eq!(
            listed(
                app,
                client,
                &d.closed_link(OpportunityView::Won, Some(month.month))
            )
            .await,
            won.0
        );
        assert_eq!(
            listed(
                app,
                client,
                &d.closed_link(OpportunityView::Lost, Some(month.month))
            )
            .await,
            lost
        );
    }
    let (from, to) = d.window.closed_days();
    let closed_days = format!(" AND actual_close_date BETWEEN '{from}' AND '{to}'");
    let reasons: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT lost_reason_id, COUNT(*) FROM opportunities WHERE status = 'lost'{owner}{closed_days} \
         GROUP BY lost_reason_id ORDER BY 2 DESC"
    ))
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(d.lost_reasons.len(), reasons.len());
    for reason in &d.lost_reasons {
        let expected = reasons.iter().find(|r| r.0 == reason.id).unwrap().1;
        assert_eq!(reason.lost.count, expected, "lost reason {}", reason.label);
        assert_eq!(
            listed(app, client, &d.lost_reason_link(reason.id)).await,
            expected
        );
    }
    assert!(
        d.lost_reasons
            .windows(2)
            .all(|w| w[0].lost.count >= w[1].lost.count),
        "ranked"
    );
    let next_day = chrono::NaiveDate::parse_from_str(&to, "%Y-%m-%d")
        .unwrap()
        .succ_opt()
        .unwrap();
    let created = format!(" AND created_at >= '{from}' AND created_at < '{next_day}'");
    let all_leads = count(
        app,
        &format!("SELECT COUNT(*) FROM leads WHERE true{owner}{created}"),
    )
    .await;
    assert_eq!(d.sources.iter().map(|s| s.total()).sum::<i64>(), all_leads);
    for row in &d.sources {
        let source = row.source.map_or("lead_source IS NULL".to_string(), |s| {
            format!("lead_source = '{}'", s.code())
        });
        for status in [
            LeadStatus::Open,
            LeadStatus::Qualified,
            LeadStatus::Disqualified,
        ] {
            let expected = count(
                app,
                &format!(
                    "SELECT COUNT(*) FROM leads WHERE {source} AND status = '{}'{owner}{created}",
                    status.code()
                ),
            )
            .await;
            assert_eq!(row.count(status), expected, "{source} {status:?}");
            assert_eq!(
                listed(app, client, &d.source_link(row.source, status)).await,
                expected
            );
        }
    }
}

/// status, month, owner, stage, forecast, lost reason, count, revenue, weighted, cycle days.
type MonthlyRow = (String, String, i64, i64, String, i64, i64, i64, i64, i64);

/// The monthly tables equal a recount over the records.
pub async fn assert_monthly_totals_match(pool: &sqlx::SqlitePool) {
    let recount: Vec<MonthlyRow> = sqlx::query_as(
        "SELECT status, COALESCE(substr(CASE status WHEN 'open' THEN estimated_close_date ELSE actual_close_date END, 1, 7), ''), \
         owner_id, stage_id, forecast_category, COALESCE(lost_reason_id, 0), COUNT(*), \
         SUM(COALESCE(CASE status WHEN 'won' THEN actual_revenue_minor ELSE estimated_revenue_minor END, 0)), \
         SUM(COALESCE(estimated_revenue_minor, 0) * probability), \
         SUM(CASE WHEN status = 'open' THEN 0 ELSE CAST(julianday(actual_close_date) - julianday(date(created_at)) AS INTEGER) END) \
         FROM opportunities GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let kept: Vec<MonthlyRow> = sqlx::query_as(
        "SELECT status, month, owner_id, stage_id, forecast_category, lost_reason_id, count, revenue_minor, \
         weighted_x100, cycle_days FROM opportunity_monthly ORDER BY 1, 2, 3, 4, 5, 6",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(kept, recount, "opportunity_monthly");
    let recount: Vec<(String, i64, String, String, i64)> = sqlx::query_as(
        "SELECT substr(created_at, 1, 7), owner_id, COALESCE(lead_source, ''), status, COUNT(*) \
         FROM leads GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let kept: Vec<(String, i64, String, String, i64)> = sqlx::query_as(
        "SELECT month, owner_id, source, status, count FROM lead_monthly ORDER BY 1, 2, 3, 4",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(kept, recount, "lead_monthly");
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    count(
        app,
        &format!("SELECT id FROM users WHERE email = '{email}'"),
    )
    .await
}

fn query(owner: Option<&str>, from: Option<&str>, to: Option<&str>) -> DashboardQuery {
    DashboardQuery {
        owner: owner.map(Into::into),
        from: from.map(Into::into),
        to: to.map(Into::into),
        process: None,
    }
}

/// A server on an empty database with one admin, signed in; returns the admin's id too.
async fn empty_app_signed_in() -> (TestApp, Client, i64) {
    let app = TestApp::spawn_empty().await;
    let admin = leadflow::server::demo::create_admin(
        &app.pool,
        "Owner",
        "owner@example.com",
        "owner password",
    )
    .await
    .unwrap();
    let client = app.client();
    let response = app
        .login(&client, "owner@example.com", "owner password")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    (app, client, admin)
}

#[tokio::test]
async fn every_figure_matches_the_records_and_its_list_on_the_demo_data() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    let everyone = dashboard(&app, &manager, &DashboardQuery::default()).await;
    assert_eq!(everyone.owner_id, None, "managers see everyone by default");
    assert_eq!(everyone.funnel.len(), 3, "Develop, Propose, Close");
    assert!(everyone.funnel.iter().any(|s| s.open.count > 0));
    assert!(everyone.won_total().count > 0 && everyone.lost_count() > 0);
    assert!(!everyone.sources.is_empty());
    check_every_figure(&app, &manager, &everyone).await;

    let rep_id = user_id(&app, "rep@example.com").await;
    let one_owner = dashboard(
        &app,
        &manager,
        &query(Some(&rep_id.to_string()), None, None),
    )
    .await;
    assert_eq!(one_owner.owner_id, Some(rep_id));
    check_every_figure(&app, &manager, &one_owner).await;

    let this = Month::of(chrono::Utc::now().date_naive());
    let (from, to) = (this.plus(-5).code(), this.plus(2).code());
    let range = dashboard(&app, &manager, &query(Some("all"), Some(&from), Some(&to))).await;
    assert_eq!(range.pipeline.len(), 8);
    assert_eq!(range.closed.len(), 8);
    check_every_figure(&app, &manager, &range).await;
}

#[tokio::test]
async fn every_figure_matches_on_generated_data() {
    use leadflow::server::generate::{Counts, generate};
    let app = TestApp::spawn().await;
    let counts = Counts {
        accounts: 50,
        contacts: 200,
        leads: 2_000,
        opportunities: 3_000,
        activities: 0,
        open_percent: 30,
    };
    generate(&app.pool, counts, 11, chrono::Utc::now().date_naive())
        .await
        .unwrap();
    assert_monthly_totals_match(&app.pool).await;
    let manager = app.signed_in("manager@example.com").await;
    let d = dashboard(&app, &manager, &DashboardQuery::default()).await;
    assert!(d.funnel.iter().map(|s| s.open.count).sum::<i64>() > 900);
    check_every_figure(&app, &manager, &d).await;
}

#[tokio::test]
async fn an_empty_database_shows_zeros_and_no_rates() {
    let (app, client, _) = empty_app_signed_in().await;
    let d = dashboard(&app, &client, &DashboardQuery::default()).await;
    assert!(
        d.funnel
            .iter()
            .all(|s| s.open.count == 0 && s.open.revenue_minor == 0)
    );
    assert_eq!(d.pipeline.len(), 12);
    assert!(
        d.pipeline
            .iter()
            .all(|m| m.total().count == 0 && m.weighted_minor == 0)
    );
    assert_eq!(d.closed.len(), 12);
    assert!(d.closed.iter().all(|m| m.win_rate().is_none()));
    assert_eq!(d.win_rate(), None);
    assert_eq!(d.average_cycle_days(), None);
    assert!(d.lost_reasons.is_empty() && d.sources.is_empty());
    let page = app.page(&client, "/dashboard").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("0 open opportunities"));
}

#[tokio::test]
async fn a_single_won_deal_counts_once_everywhere() {
    let (app, client, admin) = empty_app_signed_in().await;
    let today = chrono::Utc::now().date_naive();
    let created = (today - chrono::Days::new(12)).to_string();
    sqlx::query(
        "INSERT INTO accounts (name, name_normalized, owner_id, created_by, created_at, modified_by, modified_at) \
         VALUES ('Acme', 'acme', ?1, ?1, ?2, ?1, ?2)",
    )
    .bind(admin)
    .bind(format!("{created}T09:00:00+00:00"))
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO opportunities (topic, account_id, estimated_revenue_minor, process_id, stage_id, \
         forecast_category, status, status_reason, probability, actual_revenue_minor, actual_close_date, \
         owner_id, created_by, created_at, modified_by, modified_at) \
         SELECT 'Big one', 1, 100000, s.process_id, s.id, 'won', 'won', 'won', 100, 123456, ?2, ?1, ?1, ?3, ?1, ?3 \
         FROM stages s WHERE s.entity = 'opportunity' ORDER BY s.position DESC LIMIT 1",
    )
    .bind(admin)
    .bind(today.to_string())
    .bind(format!("{created}T09:00:00+00:00"))
    .execute(&app.pool)
    .await
    .unwrap();
    let d = dashboard(&app, &client, &DashboardQuery::default()).await;
    let won = d.won_total();
    assert_eq!((won.count, won.revenue_minor), (1, 123_456));
    let this_month = d.closed.last().unwrap();
    assert_eq!(this_month.month, Month::of(today));
    assert_eq!(this_month.win_rate(), Some(100));
    assert_eq!(d.average_cycle_days().as_deref(), Some("12.0"));
    assert!(d.funnel.iter().all(|s| s.open.count == 0));
    assert_eq!(d.lost_count(), 0);
    check_every_figure(&app, &client, &d).await;
}

#[tokio::test]
async fn amounts_in_other_currencies_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let insert = sqlx::query(
        "INSERT INTO opportunities (topic, account_id, currency, process_id, stage_id, owner_id, created_by, \
         created_at, modified_by, modified_at) \
         SELECT 'Euro deal', a.id, 'EUR', s.process_id, s.id, 1, 1, '2026-01-01', 1, '2026-01-01' \
         FROM accounts a, stages s WHERE s.entity = 'opportunity' LIMIT 1",
    )
    .execute(&app.pool)
    .await
    .unwrap_err();
    assert!(insert.to_string().contains("USD only"), "{insert}");
    let update = sqlx::query("UPDATE opportunities SET currency = 'EUR' WHERE id = 1")
        .execute(&app.pool)
        .await
        .unwrap_err();
    assert!(update.to_string().contains("USD only"), "{update}");
}

#[tokio::test]
async fn the_monthly_totals_follow_every_kind_of_change_and_roll_back_with_it() {
    let app = TestApp::spawn().await;
    assert_monthly_totals_match(&app.pool).await;
    let changes = [
        // Stage, forecast, revenue, probability and dates of open deals.
        "UPDATE opportunities SET stage_id = stage_id + 1, forecast_category = 'committed', probability = 80 \
         WHERE status = 'open' AND id % 3 = 0 AND stage_id < (SELECT MAX(id) FROM stages)",
        "UPDATE opportunities SET estimated_revenue_minor = estimated_revenue_minor + 1234, \
         estimated_close_date = date(estimated_close_date, '+40 days') WHERE status = 'open' AND id % 4 = 1",
        "UPDATE opportunities SET estimated_close_date = NULL WHERE status = 'open' AND id % 7 = 2",
        // Close as won and as lost, then reopen some closed ones.
        "UPDATE opportunities SET status = 'won', status_reason = 'won', forecast_category = 'won', \
         actual_revenue_minor = 5000000, actual_close_date = date('now') WHERE status = 'open' AND id % 5 = 0",
        "UPDATE opportunities SET status = 'lost', status_reason = 'out_sold', forecast_category = 'lost', \
         lost_reason_id = (SELECT MIN(id) FROM lost_reasons), actual_close_date = date('now', '-1 month') \
         WHERE status = 'open' AND id % 5 = 1",
        "UPDATE opportunities SET status = 'open', status_reason = 'in_progress', forecast_category = 'pipeline', \
         actual_revenue_minor = NULL, actual_close_date = NULL, lost_reason_id = NULL \
         WHERE status <> 'open' AND id % 6 = 0",
        "UPDATE opportunities SET owner_id = 1 WHERE id % 9 = 0",
        // New records, then deleted again.
        "INSERT INTO opportunities (topic, account_id, contact_id, estimated_revenue_minor, estimated_close_date, \
         probability, process_id, stage_id, forecast_category, owner_id, created_by, created_at, modified_by, modified_at) \
         SELECT topic || ' (copy)', account_id, contact_id, estimated_revenue_minor, estimated_close_date, probability, \
         process_id, stage_id, forecast_category, owner_id, created_by, created_at, modified_by, modified_at \
         FROM opportunities WHERE status = 'open' AND id % 8 = 3",
        "DELETE FROM opportunities WHERE topic LIKE '% (copy)' AND id % 2 = 0",
        "INSERT INTO leads (topic, last_name, lead_source, owner_id, created_by, created_at, modified_by, modified_at) \
         SELECT topic || ' (copy)', last_name, lead_source, owner_id, created_by, created_at, modified_by, modified_at \
         FROM leads WHERE last_name IS NOT NULL AND id % 8 = 3",
        "DELETE FROM leads WHERE topic LIKE '% (copy)' AND id % 2 = 0",
        // Leads: qualify, disqualify, reactivate, change source and owner.
        "UPDATE leads SET status = 'disqualified', status_reason = 'canceled' WHERE status = 'open' AND id % 4 = 0",
        "UPDATE leads SET status = 'open', status_reason = 'contacted' WHERE status = 'disqualified' AND id % 3 = 0",
        "UPDATE leads SET lead_source = NULL WHERE id % 10 = 0",
        "UPDATE leads SET lead_source = 'web', owner_id = 2 WHERE id % 10 = 5",
    ];
    for sql in changes {
        sqlx::query(sql)
            .execute(&app.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_monthly_totals_match(&app.pool).await;
    }
    // A change rolled back leaves the totals as they were, with the records.
    let before: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT status, month, count FROM opportunity_monthly ORDER BY 1, 2, 3")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("UPDATE opportunities SET status = 'won', status_reason = 'won', actual_close_date = '2026-01-15', actual_revenue_minor = 1 WHERE status = 'open'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let after: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT status, month, count FROM opportunity_monthly ORDER BY 1, 2, 3")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(before, after);
    assert_monthly_totals_match(&app.pool).await;
    let manager = app.signed_in("manager@example.com").await;
    let d = dashboard(&app, &manager, &DashboardQuery::default()).await;
    check_every_figure(&app, &manager, &d).await;
}

#[tokio::test]
async fn reps_see_their_own_figures_and_bad_filters_are_named() {
    let app = TestApp::spawn().await;
    let rep = app.signed_in("rep@example.com").await;
    let rep_id = user_id(&app, "rep@example.com").await;
    let own = dashboard(&app, &rep, &DashboardQuery::default()).await;
    assert_eq!(own.owner_id, Some(rep_id), "reps see their own by default");
    check_every_figure(&app, &rep, &own).await;
    let manager_id = user_id(&app, "manager@example.com").await;
    for owner in ["all".to_string(), manager_id.to_string()] {
        let response = app
            .call_with(
                &rep,
                "/api/dashboard",
                "query",
                &query(Some(&owner), None, None),
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "owner {owner}");
    }
    let manager = app.signed_in("manager@example.com").await;
    for (from, to, field) in [
        ("2026-05", "2026-04", "to"),
        ("2020-01", "2026-01", "to"),
        ("May", "2026-04", "from"),
    ] {
        let response = app
            .call_with(
                &manager,
                "/api/dashboard",
                "query",
                &query(None, Some(from), Some(to)),
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            error_of(response).await.field_message(field).is_some(),
            "{from}..{to}"
        );
    }
    let anonymous = app
        .call_with(
            &app.client(),
            "/api/dashboard",
            "query",
            &DashboardQuery::default(),
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn stage_figures_equal_a_recount_of_the_stage_history_and_stalled_links_list_them() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager@example.com").await;
    // Before the first recompute the page says so; stalled counts are live from the start.
    let before = dashboard(&app, &manager, &DashboardQuery::default()).await;
    assert_eq!(before.stage_flows.as_of, None);
    let read = leadflow::dashboard::db::recompute_stage_flows(&app.pool)
        .await
        .unwrap();
    let history: i64 = count(
        &app,
        "SELECT COUNT(*) FROM stage_history WHERE record_type = 'opportunity'",
    )
    .await;
    assert_eq!(read as i64, history);
    let figures = dashboard(&app, &manager, &DashboardQuery::default()).await;
    assert!(figures.stage_flows.as_of.is_some());
    let names: Vec<&str> = figures
        .stage_flows
        .stages
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(names, ["Develop", "Propose", "Close"]);
    let mut stalled_somewhere = 0;
    for (name, stage) in &figures.stage_flows.stages {
        let s = stage.stage_id;
        let firsts = format!(
            "SELECT record_id, MIN(changed_at) AS first FROM stage_history \
             WHERE record_type = 'opportunity' AND to_stage_id = {s} GROUP BY record_id"
        );
        let entered = count(&app, &format!("SELECT COUNT(*) FROM ({firsts})")).await;
        let won = count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM ({firsts}) f JOIN opportunities o ON o.id = f.record_id \
                 WHERE o.status = 'won'"
            ),
        )
        .await;
        let moved_on = count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM ({firsts}) f JOIN opportunities o ON o.id = f.record_id \
                 WHERE o.status = 'won' OR EXISTS (SELECT 1 FROM stage_history h \
                 JOIN stages t ON t.id = h.to_stage_id WHERE h.record_type = 'opportunity' \
                 AND h.record_id = f.record_id AND h.changed_at > f.first \
                 AND t.position > (SELECT position FROM stages WHERE id = {s}))"
            ),
        )
        .await;
        let (visits, average): (i64, Option<f64>) = sqlx::query_as(&format!(
            "SELECT COUNT(*), AVG(strftime('%s', next) - strftime('%s', changed_at)) FROM \
             (SELECT to_stage_id, changed_at, LEAD(changed_at) OVER \
              (PARTITION BY record_id ORDER BY changed_at) AS next \
              FROM stage_history WHERE record_type = 'opportunity') \
             WHERE next IS NOT NULL AND to_stage_id = {s}"
        ))
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(
            (stage.entered, stage.moved_on, stage.won, stage.visits),
            (entered, moved_on, won, visits),
            "{name}"
        );
        assert_eq!(
            stage.average_days_x10,
            average.map(|seconds| (seconds / 86_400.0 * 10.0).round() as i64),
            "{name}"
        );
        // Each conversion figure clicks through to a list of as many opportunities.
        for (link, expected) in [
            (
                figures.entered_link(s, OpportunityView::All, false),
                entered,
            ),
            (
                figures.entered_link(s, OpportunityView::All, true),
                moved_on,
            ),
            (figures.entered_link(s, OpportunityView::Won, false), won),
        ] {
            assert_eq!(
                listed(&app, &manager, &link).await,
                expected,
                "{name}: {link}"
            );
        }
        // Stalled: open and in the stage longer than its threshold, as its list shows.
        let days = stage.stalled_days.expect("the demo stages have thresholds");
        let stalled = count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM opportunities WHERE status = 'open' AND stage_id = {s} \
                 AND julianday('now') - julianday(stage_entered_at) > {days}"
            ),
        )
        .await;
        assert_eq!(stage.stalled, stalled, "{name}");
        assert_eq!(
            listed(&app, &manager, &figures.stalled_link(s)).await,
            stalled,
            "{name}"
        );
        stalled_somewhere += stalled;
    }
    assert!(
        stalled_somewhere > 0,
        "the demo data has stalled opportunities"
    );

    // The board marks exactly the stalled cards.
    let board: leadflow::opportunity::board::Board = app
        .call(&manager, "/api/pipeline/board", &[])
        .await
        .json()
        .await
        .unwrap();
    for column in &board.columns {
        for card in &column.cards {
            let stalled = count(
                &app,
                &format!(
                    "SELECT COUNT(*) FROM opportunities o JOIN stages s ON s.id = o.stage_id \
                     WHERE o.id = {} AND o.status = 'open' \
                     AND julianday('now') - julianday(o.stage_entered_at) > s.stalled_days",
                    card.id
                ),
            )
            .await;
            assert_eq!(card.stalled, stalled == 1, "card {}", card.id);
        }
    }
}
