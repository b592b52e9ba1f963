//! The dashboard page: filters in the URL, six charts, and the same figures as tables.

use super::charts::{BarRow, BarRows, Column, Columns, Legend, Segment};
use super::{Dashboard, DashboardQuery, PIPELINE_CATEGORIES, compact_usd, load_dashboard};
use crate::app::use_signed_in_user;
use crate::auth::{Role, UserOption};
use crate::error::AppError;
use crate::lead::{LeadSource, LeadStatus};
use crate::opportunity::board::usd;
use crate::opportunity::list::OpportunityView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_location;
use std::sync::Arc;

const CATEGORY_CLASSES: [&str; 3] = ["seg-committed", "seg-best-case", "seg-pipeline"];
const STATUS_CLASSES: [(LeadStatus, &str); 3] = [
    (LeadStatus::Qualified, "seg-qualified"),
    (LeadStatus::Disqualified, "seg-disqualified"),
    (LeadStatus::Open, "seg-open"),
];

#[component]
pub fn DashboardPage() -> impl IntoView {
    let location = use_location();
    let query = Memo::new(move |_| {
        location
            .search
            .with(|search| crate::url_state::read::<DashboardQuery>(search))
    });
    let figures = crate::ui::fetched(move || query.get(), load_dashboard);
    let owners = crate::ui::fetched(|| (), |_| crate::auth::api::user_directory());
    let processes = crate::ui::fetched(|| (), |_| crate::process::api::process_choices());
    let user = use_signed_in_user();
    view! {
        <Title text="Dashboard" />
        <section class="page dashboard">
            <header class="page-header">
                <h1>"Dashboard"</h1>
                // Shows every chart's table instead (ui::toggle).
                <button type="button" class="button secondary" aria-pressed="false"
                    data-toggle="dashboard-grid">
                    "Table view"
                </button>
            </header>
            <Transition fallback=|| view! { <p class="loading">"Loading the dashboard…"</p> }>
                {move || Suspend::new(async move {
                    let owners = owners.await.unwrap_or_default();
                    let processes = processes.await.unwrap_or_default();
                    let manager = user.await.is_ok_and(|u| u.role.includes(Role::Manager));
                    let result = figures.await;
                    let error = result.as_ref().err().cloned();
                    view! {
                        <DashboardFilters query=query.get_untracked() owners processes manager error />
                        {match result {
                            Ok(figures) => view! { <Figures figures=Arc::new(figures) /> }.into_any(),
                            Err(AppError::Validation(_)) => ().into_any(),
                            Err(error) => view! { <p class="form-alert" role="alert">{error.to_string()}</p> }.into_any(),
                        }}
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DashboardFilters(
    query: DashboardQuery,
    owners: Vec<UserOption>,
    processes: Vec<crate::process::ProcessChoice>,
    manager: bool,
    error: Option<AppError>,
) -> impl IntoView {
    let process = query.process;
    let owner = query
        .owner
        .clone()
        .unwrap_or_else(|| if manager { "all" } else { "me" }.into());
    let message = |field: &str| error.as_ref().and_then(|e| e.field_message(field));
    let (from_error, to_error) = (message("from"), message("to"));
    let owner_field = manager.then(|| {
        let choices = [("all".to_string(), "Everyone".to_string()), ("me".into(), "Me".into())]
            .into_iter()
            .chain(owners.into_iter().map(|o| (o.id.to_string(), o.name)));
        view! {
            <div class="field">
                <label for="dashboard-owner">"Owner"</label>
                <select id="dashboard-owner" name="owner">
                    {choices
                        .map(|(value, label)| view! { <option selected=value == owner value=value>{label}</option> })
                        .collect_view()}
                </select>
            </div>
        }
    });
    view! {
        <crate::ui::list::FilterFold active=crate::url_state::active_filters(&query) has_error=error.is_some()>
            <Form method="GET" action="/dashboard" attr:class="list-filters" attr:role="search">
                {owner_field}
                <crate::process::ProcessFilter id="dashboard-process" choices=processes selected=process any=false />
                <div class="field">
                    <label for="dashboard-from">"From month"</label>
                    <input id="dashboard-from" type="month" name="from" value=query.from.clone().unwrap_or_default()
                        aria-invalid=from_error.is_some().then_some("true") aria-describedby="dashboard-from-error" />
                    <p class="field-error" id="dashboard-from-error">{from_error}</p>
                </div>
                <div class="field">
                    <label for="dashboard-to">"To month"</label>
                    <input id="dashboard-to" type="month" name="to" value=query.to.clone().unwrap_or_default()
                        aria-invalid=to_error.is_some().then_some("true") aria-describedby="dashboard-to-error" />
                    <p class="field-error" id="dashboard-to-error">{to_error}</p>
                </div>
                <button type="submit" class="button primary">"Apply"</button>
            </Form>
        </crate::ui::list::FilterFold>
    }
}

/// A chart card: heading, a one-line summary, and the chart and its table (the Table view
/// switch shows one or the other); a card whose chart is a table already has no second one.
#[component]
fn ChartCard(
    id: &'static str,
    heading: &'static str,
    summary: String,
    chart: AnyView,
    table: Option<AnyView>,
) -> impl IntoView {
    let chart = match table {
        Some(table) => view! {
            <div class="chart-view">{chart}</div>
            <div class="table-view">{table}</div>
        }
        .into_any(),
        None => chart,
    };
    view! {
        <section class="card chart-card" aria-labelledby=id>
            <h2 id=id>{heading}</h2>
            <p class="muted chart-summary">{summary}</p>
            {chart}
        </section>
    }
}

#[component]
fn Figures(figures: Arc<Dashboard>) -> impl IntoView {
    let card = |id,
                heading,
                summary: String,
                chart: fn(&Dashboard) -> AnyView,
                table: Option<fn(&Dashboard) -> AnyView>| {
        let chart = chart(&figures);
        let table = table.map(|table| table(&figures));
        view! { <ChartCard id heading summary chart table /> }
    };
    let f = &figures;
    let open = f.funnel.iter().fold((0, 0), |(c, r), s| {
        (c + s.open.count, r + s.open.revenue_minor)
    });
    let weighted: i64 = f.pipeline.iter().map(|m| m.weighted_minor).sum();
    let won = f.won_total();
    let leads: i64 = f.sources.iter().map(|s| s.total()).sum();
    let qualified: i64 = f.sources.iter().map(|s| s.qualified).sum();
    view! {
        <div id="dashboard-grid" class="dashboard-grid">
            {card("funnel-heading", "Funnel", format!("{} open opportunities, {}", open.0, usd(open.1)), funnel_chart, Some(funnel_table))}
            {card("pipeline-heading", "Open pipeline by month", format!("Weighted total {}", usd(weighted)), pipeline_chart, Some(pipeline_table))}
            {card("won-heading", "Won revenue by month", format!("{} won, {}", won.count, usd(won.revenue_minor)), won_chart, Some(won_table))}
            {card("sources-heading", "Lead sources", format!("{leads} leads, {} qualified", rate_text(super::percent(qualified, leads))), sources_chart, Some(sources_table))}
            {card("win-rate-heading", "Win rate", format!(
                "{} won of {} closed; average {} days from creation to won",
                rate_text(f.win_rate()), won.count + f.lost_count(), f.average_cycle_days().unwrap_or_else(|| "—".into())
            ), win_rate_chart, Some(win_rate_table))}
            {card("lost-heading", "Lost reasons", format!("{} lost", f.lost_count()), lost_chart, Some(lost_table))}
            {card("stages-heading", "Stages", stages_summary(f), stages_table, None)}
        </div>
    }
}

fn funnel_chart(f: &Dashboard) -> AnyView {
    let rows = f
        .funnel
        .iter()
        .map(|stage| {
            let caption = format!(
                "{} · {} · {}",
                stage.name,
                stage.open.count,
                compact_usd(stage.open.revenue_minor)
            );
            let bar = tally_bar(
                &stage.name,
                stage.open,
                "open",
                f.funnel_link(stage.stage_id),
            );
            one_bar(
                caption,
                stage.open.revenue_minor as f64,
                "seg-pipeline",
                bar,
            )
        })
        .collect();
    view! { <BarRows rows centered=true title="Funnel chart".to_string() /> }.into_any()
}

/// An accessible name such as "Propose: 20 open, USD 2,792,200.00", and the link.
fn tally_bar(name: &str, tally: super::Tally, what: &str, href: String) -> (String, String) {
    (
        format!(
            "{name}: {} {what}, {}",
            tally.count,
            usd(tally.revenue_minor)
        ),
        href,
    )
}

fn one_bar(
    caption: String,
    value: f64,
    class: &'static str,
    (label, href): (String, String),
) -> BarRow {
    BarRow {
        caption,
        segments: vec![Segment {
            value,
            class,
            href,
            label,
        }],
    }
}

fn funnel_table(f: &Dashboard) -> AnyView {
    let rows = f
        .funnel
        .iter()
        .map(|stage| view! {
            <tr>
                <th scope="row" data-label="Stage">{stage.name.clone()}</th>
                <td data-label="Open"><a href=f.funnel_link(stage.stage_id)>{stage.open.count}</a></td>
                <td data-label="Estimated revenue">{usd(stage.open.revenue_minor)}</td>
                <td data-label="Weighted">{usd(stage.weighted_minor)}</td>
            </tr>
        })
        .collect_view();
    table(
        "Funnel",
        &["Stage", "Open", "Estimated revenue", "Weighted"],
        rows,
    )
}

fn pipeline_chart(f: &Dashboard) -> AnyView {
    let columns = f
        .pipeline
        .iter()
        .map(|month| Column {
            label: month.month.short_name().to_string(),
            segments: PIPELINE_CATEGORIES
                .iter()
                .zip(month.categories)
                .zip(CATEGORY_CLASSES)
                .map(|((category, tally), class)| Segment {
                    value: tally.revenue_minor as f64,
                    class,
                    href: f.pipeline_link(month.month, *category),
                    label: format!(
                        "{} {}: {} {}, {}",
                        month.month.label(),
                        category.label(),
                        tally.count,
                        opportunities(tally.count),
                        usd(tally.revenue_minor)
                    ),
                })
                .collect(),
            marker: Some(month.weighted_minor as f64),
            figure: None,
        })
        .collect::<Vec<_>>();
    let max = f
        .pipeline
        .iter()
        .map(|m| m.total().revenue_minor)
        .max()
        .unwrap_or(0);
    view! {
        <Columns columns axis=compact_usd(max) title="Open pipeline chart".to_string() />
        <Legend items=vec![("seg-committed", "Committed"), ("seg-best-case", "Best case"), ("seg-pipeline", "Pipeline"), ("chart-marker-swatch", "Weighted total")] />
    }
    .into_any()
}

fn pipeline_table(f: &Dashboard) -> AnyView {
    let rows = f
        .pipeline
        .iter()
        .map(|month| {
            let cells = PIPELINE_CATEGORIES
                .iter()
                .zip(month.categories)
                .map(|(category, tally)| view! {
                    <td data-label=category.label()>
                        <a href=f.pipeline_link(month.month, *category)>{usd(tally.revenue_minor)}" ("{tally.count}")"</a>
                    </td>
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row" data-label="Month">{month.month.label()}</th>
                    {cells}
                    <td data-label="Weighted">{usd(month.weighted_minor)}</td>
                </tr>
            }
        })
        .collect_view();
    table(
        "Open pipeline by month",
        &["Month", "Committed", "Best case", "Pipeline", "Weighted"],
        rows,
    )
}

fn won_chart(f: &Dashboard) -> AnyView {
    let columns = f
        .closed
        .iter()
        .map(|month| {
            let label = format!(
                "{}: {} won, {}",
                month.month.label(),
                month.won.count,
                usd(month.won.revenue_minor)
            );
            let figure =
                (f.closed.len() <= 12 && month.won.count > 0).then(|| month.won.count.to_string());
            won_column(f, month, month.won.revenue_minor as f64, label, figure)
        })
        .collect::<Vec<_>>();
    let max = f
        .closed
        .iter()
        .map(|m| m.won.revenue_minor)
        .max()
        .unwrap_or(0);
    view! { <Columns columns axis=compact_usd(max) title="Won revenue chart".to_string() /> }
        .into_any()
}

fn won_table(f: &Dashboard) -> AnyView {
    let rows = f
        .closed
        .iter()
        .map(|month| view! {
            <tr>
                <th scope="row" data-label="Month">{month.month.label()}</th>
                <td data-label="Won"><a href=f.closed_link(OpportunityView::Won, Some(month.month))>{month.won.count}</a></td>
                <td data-label="Actual revenue">{usd(month.won.revenue_minor)}</td>
            </tr>
        })
        .collect_view();
    table(
        "Won revenue by month",
        &["Month", "Won", "Actual revenue"],
        rows,
    )
}

fn sources_chart(f: &Dashboard) -> AnyView {
    let rows = f
        .sources
        .iter()
        .map(|row| {
            let name = source_name(row);
            BarRow {
                caption: format!(
                    "{name} · {} · {} qualified",
                    row.total(),
                    rate_text(row.qualification_rate())
                ),
                segments: STATUS_CLASSES
                    .iter()
                    .map(|(status, class)| Segment {
                        value: row.count(*status) as f64,
                        class,
                        href: f.source_link(row.source, *status),
                        label: format!(
                            "{name}: {} {}",
                            row.count(*status),
                            status.label().to_lowercase()
                        ),
                    })
                    .collect(),
            }
        })
        .collect();
    view! {
        <BarRows rows centered=false title="Lead sources chart".to_string() />
        <Legend items=vec![("seg-qualified", "Qualified"), ("seg-disqualified", "Disqualified"), ("seg-open", "Open")] />
    }
    .into_any()
}

fn sources_table(f: &Dashboard) -> AnyView {
    let rows = f
        .sources
        .iter()
        .map(|row| {
            let cells = STATUS_CLASSES
                .iter()
                .map(|(status, _)| view! {
                    <td data-label=status.label()><a href=f.source_link(row.source, *status)>{row.count(*status)}</a></td>
                })
                .collect_view();
            let breakdown = (row.source == Some(LeadSource::Web)).then(|| web_breakdown_rows(f));
            view! {
                <tr>
                    <th scope="row" data-label="Source">{source_name(row)}</th>
                    {cells}
                    <td data-label="Qualification rate">{rate_text(row.qualification_rate())}</td>
                </tr>
                {breakdown}
            }
        })
        .collect_view();
    table(
        "Lead sources",
        &[
            "Source",
            "Qualified",
            "Disqualified",
            "Open",
            "Qualification rate",
        ],
        rows,
    )
}

/// The rows under Web: its web-form leads by the UTM source of their landing page.
fn web_breakdown_rows(f: &Dashboard) -> impl IntoView + use<> {
    f.web_sources
        .iter()
        .map(|row| {
            let name = match &row.utm_source {
                Some(source) => format!("Web › {source}"),
                None => "Web › web form, no UTM source".to_string(),
            };
            let cells = STATUS_CLASSES
                .iter()
                .map(|(status, _)| {
                    let count = row.counts.count(*status);
                    let cell = match &row.utm_source {
                        Some(source) => view! { <a href=f.web_source_link(source, *status)>{count}</a> }.into_any(),
                        None => count.into_any(),
                    };
                    view! { <td data-label=status.label()>{cell}</td> }
                })
                .collect_view();
            view! {
                <tr class="breakdown">
                    <th scope="row" data-label="Source">{name}</th>
                    {cells}
                    <td data-label="Qualification rate">{rate_text(row.counts.qualification_rate())}</td>
                </tr>
            }
        })
        .collect_view()
}

fn win_rate_chart(f: &Dashboard) -> AnyView {
    let columns = f
        .closed
        .iter()
        .map(|month| {
            let rate = month.win_rate();
            let label = format!(
                "{}: {} won of {} closed",
                month.month.label(),
                rate.map_or("no deals".into(), |r| format!("{r}%")),
                month.won.count + month.lost.count
            );
            won_column(f, month, rate.unwrap_or(0) as f64, label, None)
        })
        .collect::<Vec<_>>();
    view! { <Columns columns max=100.0 axis="100%".to_string() title="Win rate chart".to_string() /> }.into_any()
}

fn win_rate_table(f: &Dashboard) -> AnyView {
    let rows = f
        .closed
        .iter()
        .map(|month| view! {
            <tr>
                <th scope="row" data-label="Month">{month.month.label()}</th>
                <td data-label="Won"><a href=f.closed_link(OpportunityView::Won, Some(month.month))>{month.won.count}</a></td>
                <td data-label="Lost"><a href=f.closed_link(OpportunityView::Lost, Some(month.month))>{month.lost.count}</a></td>
                <td data-label="Win rate">{rate_text(month.win_rate())}</td>
                <td data-label="Average days to won">
                    {(month.won.count > 0).then(|| format!("{:.1}", month.won_cycle_days as f64 / month.won.count as f64))}
                </td>
            </tr>
        })
        .collect_view();
    table(
        "Win rate by month",
        &["Month", "Won", "Lost", "Win rate", "Average days to won"],
        rows,
    )
}

fn lost_chart(f: &Dashboard) -> AnyView {
    if f.lost_reasons.is_empty() {
        return view! { <p class="muted">"Nothing was lost in these months."</p> }.into_any();
    }
    let rows = f
        .lost_reasons
        .iter()
        .map(|reason| {
            let caption = format!("{} · {}", reason.label, reason.lost.count);
            let bar = tally_bar(
                &reason.label,
                reason.lost,
                "lost",
                f.lost_reason_link(reason.id),
            );
            one_bar(caption, reason.lost.count as f64, "seg-lost", bar)
        })
        .collect();
    view! { <BarRows rows centered=false title="Lost reasons chart".to_string() /> }.into_any()
}

fn lost_table(f: &Dashboard) -> AnyView {
    let rows = f
        .lost_reasons
        .iter()
        .map(|reason| view! {
            <tr>
                <th scope="row" data-label="Reason">{reason.label.clone()}</th>
                <td data-label="Lost"><a href=f.lost_reason_link(reason.id)>{reason.lost.count}</a></td>
                <td data-label="Estimated revenue">{usd(reason.lost.revenue_minor)}</td>
            </tr>
        })
        .collect_view();
    table(
        "Lost reasons",
        &["Reason", "Lost", "Estimated revenue"],
        rows,
    )
}

/// "Time in stage and conversion as of 2026-12-05 13:40; 12 stalled now."
fn stages_summary(f: &Dashboard) -> String {
    let stalled: i64 = f.stage_flows.stages.iter().map(|(_, s)| s.stalled).sum();
    match &f.stage_flows.as_of {
        Some(at) => format!(
            "Time in stage and conversion as of {}; {stalled} stalled now",
            crate::ui::short_time(at)
        ),
        None => format!("Time in stage and conversion are being computed; {stalled} stalled now"),
    }
}

/// Per stage: how many entered, went on and were won, days in the stage, and the open
/// opportunities stalled there (linked to their list).
fn stages_table(f: &Dashboard) -> AnyView {
    let rows = f
        .stage_flows
        .stages
        .iter()
        .map(|(name, stage)| {
            let share = |part: i64| rate_text(super::percent(part, stage.entered));
            let stalled = match stage.stalled_days {
                Some(days) => view! {
                    <a href=f.stalled_link(stage.stage_id)
                        aria-label=format!("{} stalled in {name} (over {days} days)", stage.stalled)>
                        {stage.stalled}
                    </a>
                }
                .into_any(),
                None => view! { <span>"—"</span> }.into_any(),
            };
            view! {
                <tr>
                    <th scope="row" data-label="Stage"><a href=f.funnel_link(stage.stage_id)>{name.clone()}</a></th>
                    <td data-label="Entered">
                        <a href=f.entered_link(stage.stage_id, OpportunityView::All, false)
                            aria-label=format!("{} entered {name}", stage.entered)>{stage.entered}</a>
                    </td>
                    <td data-label="Went on">
                        <a href=f.entered_link(stage.stage_id, OpportunityView::All, true)
                            aria-label=format!("{} went on from {name}", stage.moved_on)>{stage.moved_on}</a>
                        {format!(" ({})", share(stage.moved_on))}
                    </td>
                    <td data-label="Won">
                        <a href=f.entered_link(stage.stage_id, OpportunityView::Won, false)
                            aria-label=format!("{} won after {name}", stage.won)>{stage.won}</a>
                        {format!(" ({})", share(stage.won))}
                    </td>
                    <td data-label="Average days">{super::days_text(stage.average_days_x10)}</td>
                    <td data-label="Median days">{super::days_text(stage.median_days_x10)}</td>
                    <td data-label="Stalled">{stalled}</td>
                </tr>
            }
        })
        .collect_view();
    table(
        "Stages",
        &[
            "Stage",
            "Entered",
            "Went on",
            "Won",
            "Average days",
            "Median days",
            "Stalled",
        ],
        rows,
    )
}

fn table(
    caption: &'static str,
    headers: &[&'static str],
    rows: impl IntoView + 'static,
) -> AnyView {
    let headers = headers
        .iter()
        .map(|h| view! { <th scope="col">{*h}</th> })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="data-table">
                <caption>{caption}</caption>
                <thead><tr>{headers}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// One month's bar in a won chart, leading to the month's won opportunities.
fn won_column(
    f: &Dashboard,
    month: &super::ClosedMonth,
    value: f64,
    label: String,
    figure: Option<String>,
) -> Column {
    Column {
        label: month.month.short_name().to_string(),
        segments: vec![Segment {
            value,
            class: "seg-won",
            href: f.closed_link(OpportunityView::Won, Some(month.month)),
            label,
        }],
        marker: None,
        figure,
    }
}

/// "40%", or a dash when there is nothing to divide by.
fn rate_text(rate: Option<i64>) -> String {
    rate.map_or("—".into(), |r| format!("{r}%"))
}

fn source_name(row: &super::SourceRow) -> &'static str {
    row.source.map_or("No source", |s| s.label())
}

fn opportunities(count: i64) -> &'static str {
    if count == 1 {
        "opportunity"
    } else {
        "opportunities"
    }
}
