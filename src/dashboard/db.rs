//! The dashboard's queries: sums over the monthly tables, filtered through their primary
//! keys (status and month first), never over the records themselves.

use super::{
    ClosedMonth, Dashboard, FunnelStage, LostReasonRow, Month, PIPELINE_CATEGORIES, PipelineMonth,
    SourceRow, StageFlow, StageFlows, Tally, WebSourceRow, Window,
};
use crate::lead::{LeadSource, LeadStatus};
use crate::opportunity::ForecastCategory;
use crate::opportunity::board::weighted_minor;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

/// Appends the owner filter and the month range of `months`.
fn push_filters(sql: &mut QueryBuilder<'_, Sqlite>, owner: Option<i64>, months: Option<&[Month]>) {
    if let Some(months) = months {
        let (first, last) = (months.first(), months.last());
        sql.push(" AND month BETWEEN ")
            .push_bind(first.map(|m| m.code()).unwrap_or_default())
            .push(" AND ")
            .push_bind(last.map(|m| m.code()).unwrap_or_default());
    }
    if let Some(owner) = owner {
        sql.push(" AND owner_id = ").push_bind(owner);
    }
}

/// Open count, revenue and revenue × probability per stage (every open opportunity, or
/// those closing in the range).
pub async fn funnel(
    pool: &SqlitePool,
    owner: Option<i64>,
    window: &Window,
    process: Option<i64>,
) -> Result<Vec<FunnelStage>, sqlx::Error> {
    let mut sql = QueryBuilder::new(
        "SELECT stage_id, SUM(count), SUM(revenue_minor), SUM(weighted_x100) \
         FROM opportunity_monthly WHERE status = 'open'",
    );
    push_filters(
        &mut sql,
        owner,
        window.range.map(|_| window.open_months.as_slice()),
    );
    sql.push(" GROUP BY stage_id");
    let (sums, stages) = tokio::try_join!(
        sql.build_query_as::<(i64, i64, i64, i64)>().fetch_all(pool),
        crate::opportunity::db::opportunity_stages(pool, process),
    )?;
    Ok(stages
        .into_iter()
        .map(|stage| {
            let (count, revenue, weighted) = sums
                .iter()
                .find(|row| row.0 == stage.id)
                .map_or((0, 0, 0), |row| (row.1, row.2, row.3));
            FunnelStage {
                stage_id: stage.id,
                name: stage.name,
                open: Tally {
                    count,
                    revenue_minor: revenue,
                },
                weighted_minor: weighted_minor(weighted),
            }
        })
        .collect())
}

/// Open revenue per month of estimated close and forecast category (Omitted left out).
pub async fn pipeline(
    pool: &SqlitePool,
    owner: Option<i64>,
    window: &Window,
) -> Result<Vec<PipelineMonth>, sqlx::Error> {
    let mut sql = QueryBuilder::new(
        "SELECT month, forecast_category, SUM(count), SUM(revenue_minor), SUM(weighted_x100) \
         FROM opportunity_monthly WHERE status = 'open' \
         AND forecast_category IN ('committed', 'best_case', 'pipeline')",
    );
    push_filters(&mut sql, owner, Some(&window.open_months));
    sql.push(" GROUP BY month, forecast_category");
    let rows: Vec<(String, ForecastCategory, i64, i64, i64)> =
        sql.build_query_as().fetch_all(pool).await?;
    Ok(window
        .open_months
        .iter()
        .map(|month| {
            let code = month.code();
            let in_month = || rows.iter().filter(|row| row.0 == code);
            let categories = PIPELINE_CATEGORIES.map(|category| {
                in_month()
                    .find(|row| row.1 == category)
                    .map_or_else(Tally::default, |row| Tally {
                        count: row.2,
                        revenue_minor: row.3,
                    })
            });
            PipelineMonth {
                month: *month,
                categories,
                weighted_minor: weighted_minor(in_month().map(|row| row.4).sum()),
            }
        })
        .collect())
}

/// Won and lost per month of actual close, with the won deals' days from creation to close.
pub async fn closed(
    pool: &SqlitePool,
    owner: Option<i64>,
    window: &Window,
) -> Result<Vec<ClosedMonth>, sqlx::Error> {
    let mut sql = QueryBuilder::new(
        "SELECT status, month, SUM(count), SUM(revenue_minor), SUM(cycle_days) \
         FROM opportunity_monthly WHERE status IN ('won', 'lost')",
    );
    push_filters(&mut sql, owner, Some(&window.closed_months));
    sql.push(" GROUP BY status, month");
    let rows: Vec<(String, String, i64, i64, i64)> = sql.build_query_as().fetch_all(pool).await?;
    Ok(window
        .closed_months
        .iter()
        .map(|month| {
            let code = month.code();
            let find = |status: &str| rows.iter().find(|row| row.0 == status && row.1 == code);
            let tally = |status: &str| {
                find(status).map_or_else(Tally::default, |row| Tally {
                    count: row.2,
                    revenue_minor: row.3,
                })
            };
            ClosedMonth {
                month: *month,
                won: tally("won"),
                lost: tally("lost"),
                won_cycle_days: find("won").map_or(0, |row| row.4),
            }
        })
        .collect())
}

/// Lost reasons over the closed months, most frequent first.
pub async fn lost_reasons(
    pool: &SqlitePool,
    owner: Option<i64>,
    window: &Window,
) -> Result<Vec<LostReasonRow>, sqlx::Error> {
    let mut sql = QueryBuilder::new(
        "SELECT r.id, r.label, t.count, t.revenue FROM (SELECT lost_reason_id, SUM(count) AS count, \
         SUM(revenue_minor) AS revenue FROM opportunity_monthly WHERE status = 'lost'",
    );
    push_filters(&mut sql, owner, Some(&window.closed_months));
    sql.push(
        " GROUP BY lost_reason_id) t JOIN lost_reasons r ON r.id = t.lost_reason_id \
         ORDER BY t.count DESC, r.label",
    );
    let rows: Vec<(i64, String, i64, i64)> = sql.build_query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(id, label, count, revenue_minor)| LostReasonRow {
            id,
            label,
            lost: Tally {
                count,
                revenue_minor,
            },
        })
        .collect())
}

/// Leads created in the closed months per source, by status; sources in option-set order,
/// leads without a source last.
pub async fn sources(
    pool: &SqlitePool,
    owner: Option<i64>,
    window: &Window,
) -> Result<Vec<SourceRow>, sqlx::Error> {
    let mut sql =
        QueryBuilder::new("SELECT source, status, SUM(count) FROM lead_monthly WHERE true");
    push_filters(&mut sql, owner, Some(&window.closed_months));
    sql.push(" GROUP BY source, status");
    let rows: Vec<(String, LeadStatus, i64)> = sql.build_query_as().fetch_all(pool).await?;
    let sources = LeadSource::ALL.iter().map(|s| Some(*s)).chain([None]);
    Ok(sources
        .filter_map(|source| {
            let code = source.map_or("", |s| s.code());
            let count = |status| {
                rows.iter()
                    .filter(|row| row.0 == code && row.1 == status)
                    .map(|row| row.2)
                    .sum()
            };
            let row = SourceRow {
                source,
                open: count(LeadStatus::Open),
                qualified: count(LeadStatus::Qualified),
                disqualified: count(LeadStatus::Disqualified),
            };
            (row.total() > 0).then_some(row)
        })
        .collect())
}

/// Web leads from web forms created in the closed months, by their landing page's UTM
/// source (the breakdown of Web); the biggest first, those without one last.
pub async fn web_sources(
    pool: &SqlitePool,
    owner: Option<i64>,
    window: &Window,
) -> Result<Vec<WebSourceRow>, sqlx::Error> {
    let mut sql = QueryBuilder::new(
        "SELECT w.utm_source, l.status, COUNT(*) FROM lead_web_origins w \
         JOIN leads l ON l.id = w.lead_id WHERE l.lead_source = 'web'",
    );
    let months = &window.closed_months;
    sql.push(" AND substr(l.created_at, 1, 7) BETWEEN ")
        .push_bind(months.first().map(|m| m.code()).unwrap_or_default())
        .push(" AND ")
        .push_bind(months.last().map(|m| m.code()).unwrap_or_default());
    if let Some(owner) = owner {
        sql.push(" AND l.owner_id = ").push_bind(owner);
    }
    sql.push(" GROUP BY w.utm_source, l.status");
    let rows: Vec<(Option<String>, LeadStatus, i64)> = sql.build_query_as().fetch_all(pool).await?;
    let mut breakdown: Vec<WebSourceRow> = Vec::new();
    for (utm_source, status, count) in rows {
        let index = match breakdown
            .iter()
            .position(|row| row.utm_source == utm_source)
        {
            Some(index) => index,
            None => {
                breakdown.push(WebSourceRow {
                    utm_source,
                    counts: SourceRow {
                        source: Some(LeadSource::Web),
                        open: 0,
                        qualified: 0,
                        disqualified: 0,
                    },
                });
                breakdown.len() - 1
            }
        };
        let counts = &mut breakdown[index].counts;
        match status {
            LeadStatus::Open => counts.open += count,
            LeadStatus::Qualified => counts.qualified += count,
            LeadStatus::Disqualified => counts.disqualified += count,
        }
    }
    breakdown.sort_by_key(|row| (row.utm_source.is_none(), -row.counts.total()));
    Ok(breakdown)
}

/// The whole dashboard; the seven reads run side by side.
pub async fn load(
    pool: &SqlitePool,
    owner: Option<i64>,
    window: Window,
    process: Option<i64>,
) -> Result<Dashboard, sqlx::Error> {
    let (funnel, pipeline, closed, lost_reasons, sources, web_sources, stage_flows) = tokio::try_join!(
        funnel(pool, owner, &window, process),
        pipeline(pool, owner, &window),
        closed(pool, owner, &window),
        lost_reasons(pool, owner, &window),
        sources(pool, owner, &window),
        web_sources(pool, owner, &window),
        stage_flows(pool, owner, process),
    )?;
    Ok(Dashboard {
        owner_id: owner,
        window,
        funnel,
        pipeline,
        closed,
        lost_reasons,
        sources,
        web_sources,
        stage_flows,
    })
}

/// The stage figures: time in stage and conversion as last recomputed (for everyone, or
/// `owner`'s opportunities), the stalled counts now.
pub async fn stage_flows(
    pool: &SqlitePool,
    owner: Option<i64>,
    process: Option<i64>,
) -> Result<StageFlows, sqlx::Error> {
    let mut stalled = QueryBuilder::new(
        "SELECT s.id, s.stalled_days, (SELECT COUNT(*) FROM opportunities o \
         WHERE o.status = 'open' AND o.stage_id = s.id AND o.stage_entered_at < \
         strftime('%Y-%m-%dT%H:%M:%S', 'now', '-' || s.stalled_days || ' days')",
    );
    if let Some(owner) = owner {
        stalled.push(" AND o.owner_id = ").push_bind(owner);
    }
    stalled.push(") FROM stages s WHERE s.stalled_days IS NOT NULL");
    let (stages, flows, stalled, as_of) = tokio::try_join!(
        crate::opportunity::db::opportunity_stages(pool, process),
        sqlx::query_as::<_, StageFlow>(
            "SELECT stage_id, entered, moved_on, won, visits, average_days_x10, median_days_x10 \
             FROM stage_flows WHERE owner_id = ?",
        )
        .bind(owner.unwrap_or(0))
        .fetch_all(pool),
        stalled
            .build_query_as::<(i64, Option<i64>, i64)>()
            .fetch_all(pool),
        sqlx::query_scalar::<_, Option<String>>("SELECT computed_at FROM stage_flows_state")
            .fetch_one(pool),
    )?;
    Ok(StageFlows {
        stages: stages
            .into_iter()
            .map(|stage| {
                let flow = flows.iter().find(|f| f.stage_id == stage.id).cloned();
                let (stalled_days, stalled) = stalled
                    .iter()
                    .find(|(id, ..)| *id == stage.id)
                    .map_or((None, 0), |(_, days, count)| (*days, *count));
                (
                    stage.name,
                    StageFlow {
                        stage_id: stage.id,
                        stalled,
                        stalled_days,
                        ..flow.unwrap_or_default()
                    },
                )
            })
            .collect(),
        as_of,
    })
}

/// Recomputes time in stage and stage conversion from the whole stage history, streamed in
/// order of opportunity (the history's index order, no sort), for everyone and per owner;
/// writes them in one transaction. Returns the history rows read.
pub async fn recompute_stage_flows(pool: &SqlitePool) -> Result<u64, sqlx::Error> {
    use super::stages::{FlowCounter, StagePath};
    use futures_util::TryStreamExt;
    use std::collections::HashMap;
    // Each process's open stages in order: "later" is within one process.
    let stages: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT process_id, id FROM stages WHERE entity = 'opportunity' AND archived = 0 \
         ORDER BY process_id, position",
    )
    .fetch_all(pool)
    .await?;
    let mut orders: Vec<Vec<i64>> = Vec::new();
    for (index, (process, stage)) in stages.iter().enumerate() {
        if index == 0 || stages[index - 1].0 != *process {
            orders.push(Vec::new());
        }
        if let Some(order) = orders.last_mut() {
            order.push(*stage);
        }
    }
    let mark: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM stage_history")
        .fetch_one(pool)
        .await?;
    let mut everyone = FlowCounter::new(&orders);
    let mut owners: HashMap<i64, FlowCounter> = HashMap::new();
    let mut rows = sqlx::query_as::<_, (i64, i64, i64, bool, i64)>(
        "SELECT h.record_id, h.to_stage_id, CAST(strftime('%s', h.changed_at) AS INTEGER), \
         o.status = 'won', o.owner_id FROM stage_history h JOIN opportunities o ON o.id = h.record_id \
         WHERE h.record_type = 'opportunity' AND h.id <= ? ORDER BY h.record_id, h.changed_at",
    )
    .bind(mark)
    .fetch(pool);
    let mut current: Option<(i64, i64, StagePath)> = None;
    let mut read = 0_u64;
    let mut finish = |path: Option<(i64, i64, StagePath)>| {
        if let Some((_, owner, path)) = path {
            everyone.add(&path);
            owners
                .entry(owner)
                .or_insert_with(|| FlowCounter::new(&orders))
                .add(&path);
        }
    };
    while let Some((record, stage, at, won, owner)) = rows.try_next().await? {
        read += 1;
        if current.as_ref().is_none_or(|(id, ..)| *id != record) {
            finish(current.take());
            current = Some((
                record,
                owner,
                StagePath {
                    entries: Vec::new(),
                    won,
                },
            ));
        }
        if let Some((_, _, path)) = current.as_mut() {
            path.entries.push((stage, at));
        }
    }
    finish(current.take());
    drop(rows);
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM stage_flows")
        .execute(&mut *tx)
        .await?;
    let all = std::iter::once((0, everyone)).chain(owners);
    for (owner, counter) in all {
        for flow in counter.flows(&orders.concat()) {
            sqlx::query(
                "INSERT INTO stage_flows (owner_id, stage_id, entered, moved_on, won, visits, \
                 average_days_x10, median_days_x10) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(owner)
            .bind(flow.stage_id)
            .bind(flow.entered)
            .bind(flow.moved_on)
            .bind(flow.won)
            .bind(flow.visits)
            .bind(flow.average_days_x10)
            .bind(flow.median_days_x10)
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query("UPDATE stage_flows_state SET computed_at = ?, history_mark = ?")
        .bind(chrono::Utc::now().to_rfc3339())
        .bind(mark)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(read)
}

/// How often the server looks for new stage history to recompute the stage figures from.
const STAGE_FLOWS_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// The background task that keeps the stage figures: at start, then every ten minutes when
/// the stage history has grown.
pub fn spawn_stage_flows(pool: SqlitePool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(STAGE_FLOWS_EVERY);
        loop {
            every.tick().await;
            let stale: Result<bool, sqlx::Error> = sqlx::query_scalar(
                "SELECT (SELECT COALESCE(MAX(id), 0) FROM stage_history) > history_mark \
                 OR computed_at IS NULL FROM stage_flows_state",
            )
            .fetch_one(&pool)
            .await;
            if matches!(stale, Ok(true))
                && let Err(error) = recompute_stage_flows(&pool).await
            {
                tracing::error!(%error, "could not recompute the stage figures");
            }
        }
    })
}
