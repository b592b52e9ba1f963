//! The dashboard's queries: sums over the monthly tables, filtered through their primary
//! keys (status and month first), never over the records themselves.

use super::{
    ClosedMonth, Dashboard, FunnelStage, LostReasonRow, Month, PIPELINE_CATEGORIES, PipelineMonth,
    SourceRow, Tally, WebSourceRow, Window,
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
        crate::opportunity::db::opportunity_stages(pool),
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

/// The whole dashboard; the six sums run side by side.
pub async fn load(
    pool: &SqlitePool,
    owner: Option<i64>,
    window: Window,
) -> Result<Dashboard, sqlx::Error> {
    let (funnel, pipeline, closed, lost_reasons, sources, web_sources) = tokio::try_join!(
        funnel(pool, owner, &window),
        pipeline(pool, owner, &window),
        closed(pool, owner, &window),
        lost_reasons(pool, owner, &window),
        sources(pool, owner, &window),
        web_sources(pool, owner, &window),
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
    })
}
