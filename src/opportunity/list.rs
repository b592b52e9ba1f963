//! The opportunity list: My open, All open, Won, Lost and All, with search, filters, sort and
//! paging, all held in the URL (the dashboard links into it with the same filters).

use super::board::usd;
use super::{ForecastCategory, OpportunityStatus};
use crate::lead::Rating;
use crate::option_set;
use crate::process::StageInfo;
use crate::ui::list::{Pager, option_filter, owner_filter, sort_filters, sort_headers};
use crate::ui::{CsvDownload, ErrorPage};
use crate::url_state::{field, read};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

option_set!(
    /// The saved views of the opportunity list.
    #[derive(Default)]
    OpportunityView {
        #[default] MyOpen => "my-open", "My open opportunities",
        AllOpen => "all-open", "All open opportunities",
        Won => "won", "Won opportunities",
        Lost => "lost", "Lost opportunities",
        All => "all", "All opportunities",
    }
);

impl OpportunityView {
    /// The status every opportunity in the view has (None: All, every status).
    pub fn status(self) -> Option<OpportunityStatus> {
        match self {
            OpportunityView::MyOpen | OpportunityView::AllOpen => Some(OpportunityStatus::Open),
            OpportunityView::Won => Some(OpportunityStatus::Won),
            OpportunityView::Lost => Some(OpportunityStatus::Lost),
            OpportunityView::All => None,
        }
    }

    /// Open views list the next close first; the others the latest close first.
    fn newest_first(self) -> bool {
        self.status() != Some(OpportunityStatus::Open)
    }
}

option_set!(
    /// The columns the opportunity list sorts by.
    #[derive(Default)]
    OpportunitySort {
        #[default] CloseDate => "close-date", "Close date",
        Topic => "topic", "Topic",
        Customer => "customer", "Customer",
        Stage => "stage", "Stage",
        Revenue => "revenue", "Revenue",
        Probability => "probability", "Probability",
        Rating => "rating", "Rating",
        Owner => "owner", "Owner",
    }
);

/// Rows per page of the opportunity list.
pub const OPPORTUNITY_PAGE_SIZE: i64 = 25;

/// What the opportunity list shows. The close-date range applies to the estimated close
/// date in open views and to the actual close date in Won and Lost. It round-trips through
/// the URL (`crate::url_state`); the server function takes the same struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OpportunityQuery {
    #[serde(deserialize_with = "field::or_default")]
    pub view: OpportunityView,
    #[serde(rename = "q", alias = "search", deserialize_with = "field::optional")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub stage: Option<i64>,
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner: Option<i64>,
    #[serde(rename = "from", alias = "close_from", deserialize_with = "field::day")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_from: Option<String>,
    #[serde(rename = "to", alias = "close_to", deserialize_with = "field::day")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_to: Option<String>,
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub rating: Option<Rating>,
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub forecast: Option<ForecastCategory>,
    /// Lost views: one lost reason.
    #[serde(
        rename = "reason",
        alias = "lost_reason",
        deserialize_with = "field::optional"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_reason: Option<i64>,
    /// Only the opportunities in this sales process.
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub process: Option<i64>,
    /// Open views: only those that have sat in their stage longer than its threshold.
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub stalled: Option<bool>,
    /// Only those that ever entered this stage (the dashboard's stage conversion).
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub entered: Option<i64>,
    /// With `entered`: only those that went on from it to a later stage of its process, or
    /// were won.
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub went_on: Option<bool>,
    #[serde(
        deserialize_with = "field::or_default",
        skip_serializing_if = "field::is_default"
    )]
    pub sort: OpportunitySort,
    /// None: the view's own order (see `is_descending`).
    #[serde(
        rename = "dir",
        alias = "descending",
        deserialize_with = "field::optional_descending"
    )]
    #[serde(
        serialize_with = "field::optional_direction",
        skip_serializing_if = "Option::is_none"
    )]
    pub descending: Option<bool>,
    #[serde(
        deserialize_with = "field::page",
        skip_serializing_if = "field::is_first_page"
    )]
    pub page: i64,
}

impl Default for OpportunityQuery {
    fn default() -> Self {
        OpportunityQuery::of_view(OpportunityView::default())
    }
}

impl OpportunityQuery {
    /// A view with no filters, in its default order.
    pub fn of_view(view: OpportunityView) -> OpportunityQuery {
        OpportunityQuery {
            view,
            search: None,
            stage: None,
            owner: None,
            close_from: None,
            close_to: None,
            rating: None,
            forecast: None,
            lost_reason: None,
            stalled: None,
            entered: None,
            went_on: None,
            process: None,
            sort: OpportunitySort::default(),
            descending: None,
            page: 1,
        }
    }

    /// The order shown: the one chosen, else the view's (open views list the next close
    /// first, closed views the latest close first).
    pub fn is_descending(&self) -> bool {
        self.descending.unwrap_or(self.view.newest_first())
    }

    /// The opportunity list URL of this query.
    pub fn to_url(&self) -> String {
        crate::url_state::url("/opportunities", self)
    }

    /// The same query sorted by `sort`: ascending first, descending when it already was.
    pub fn sorted_by(&self, sort: OpportunitySort) -> OpportunityQuery {
        OpportunityQuery {
            sort,
            descending: Some(self.sort == sort && !self.is_descending()),
            page: 1,
            ..self.clone()
        }
    }

    pub fn at_page(&self, page: i64) -> OpportunityQuery {
        OpportunityQuery {
            page,
            ..self.clone()
        }
    }
}

/// One row of the opportunity list. Revenue and close date are the estimates while open,
/// the actual figures once won, and the estimates of what a lost deal was worth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OpportunityRow {
    pub id: i64,
    pub topic: String,
    pub customer: Option<String>,
    pub stage_name: String,
    pub revenue_minor: Option<i64>,
    pub probability: i64,
    pub close_date: Option<String>,
    pub rating: Option<Rating>,
    pub owner_name: String,
}

/// One page of an opportunity view, how many match in all, and the stages to filter by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityPage {
    pub rows: Vec<OpportunityRow>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub stages: Vec<StageInfo>,
    /// Every lost reason, retired ones too (old deals keep them), for the Lost filter.
    pub lost_reasons: Vec<StageInfo>,
}

const COLUMNS: [(OpportunitySort, &str); 8] = [
    (OpportunitySort::Topic, "Topic"),
    (OpportunitySort::Customer, "Customer"),
    (OpportunitySort::Stage, "Stage"),
    (OpportunitySort::Revenue, "Revenue"),
    (OpportunitySort::Probability, "Probability"),
    (OpportunitySort::CloseDate, "Close date"),
    (OpportunitySort::Rating, "Rating"),
    (OpportunitySort::Owner, "Owner"),
];

#[component]
pub fn OpportunitiesPage() -> impl IntoView {
    let location = use_location();
    let query = Memo::new(move |_| {
        location
            .search
            .with(|search| read::<OpportunityQuery>(search))
    });
    let page = crate::ui::fetched(move || query.get(), super::api::list_opportunities);
    let owners = crate::ui::fetched(|| (), |_| crate::auth::api::user_directory());
    let processes = crate::ui::fetched(|| (), |_| crate::process::api::process_choices());
    view! {
        <Title text="Opportunities" />
        <section class="page">
            <header class="page-header">
                <h1>"Opportunities"</h1>
                <a class="button secondary" href="/pipeline">"Pipeline board"</a>
            </header>
            <nav class="view-tabs" aria-label="Opportunity views">
                {OpportunityView::ALL
                    .iter()
                    .map(|view| {
                        let view = *view;
                        view! {
                            <a
                                href=OpportunityQuery::of_view(view).to_url()
                                aria-current=move || (query.get().view == view).then_some("page")
                            >
                                {view.label()}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <Transition fallback=|| view! { <p class="loading">"Loading opportunities…"</p> }>
                {move || Suspend::new(async move {
                    let owners = owners.await.unwrap_or_default();
                    let processes = processes.await.unwrap_or_default();
                    match page.await {
                        Ok(result) => {
                            let query = query.get_untracked();
                            view! {
                                <OpportunityFilters query=query.clone() owners processes stages=result.stages.clone() lost_reasons=result.lost_reasons.clone() />
                                <OpportunityTable result query />
                            }
                            .into_any()
                        }
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn OpportunityFilters(
    query: OpportunityQuery,
    owners: Vec<crate::auth::UserOption>,
    processes: Vec<crate::process::ProcessChoice>,
    stages: Vec<StageInfo>,
    lost_reasons: Vec<StageInfo>,
) -> impl IntoView {
    let closed = query.view.status() != Some(OpportunityStatus::Open);
    let lost = query.view == OpportunityView::Lost;
    view! {
        <crate::ui::list::FilterFold active=crate::url_state::active_filters(&query)>
            <Form method="GET" action="/opportunities" attr:class="list-filters" attr:role="search">
                <input type="hidden" name="view" value=query.view.code() />
                {query.stalled.map(|stalled| view! { <input type="hidden" name="stalled" value=stalled.to_string() /> })}
                {query.entered.map(|stage| view! { <input type="hidden" name="entered" value=stage /> })}
                {query.went_on.map(|went_on| view! { <input type="hidden" name="went_on" value=went_on.to_string() /> })}
                <div class="field search-field">
                    <label for="opportunity-search">"Search"</label>
                    <input
                        id="opportunity-search"
                        type="search"
                        name="q"
                        placeholder="Topic or customer"
                        value=query.search.clone().unwrap_or_default()
                    />
                </div>
                <crate::process::ProcessFilter id="opportunity-process" choices=processes selected=query.process any=true />
                <div class="field">
                    <label for="opportunity-stage">"Stage"</label>
                    <select id="opportunity-stage" name="stage">
                        <option value="" selected=query.stage.is_none()>"Any"</option>
                        {stages
                            .into_iter()
                            .map(|stage| view! { <option value=stage.id selected=query.stage == Some(stage.id)>{stage.name}</option> })
                            .collect_view()}
                    </select>
                </div>
                {owner_filter("opportunity-owner", owners, query.owner)}
                <div class="field">
                    <label for="opportunity-from">{if closed { "Closed from" } else { "Close date from" }}</label>
                    <input id="opportunity-from" type="date" name="from" value=query.close_from.clone().unwrap_or_default() />
                </div>
                <div class="field">
                    <label for="opportunity-to">{if closed { "Closed to" } else { "Close date to" }}</label>
                    <input id="opportunity-to" type="date" name="to" value=query.close_to.clone().unwrap_or_default() />
                </div>
                {option_filter("opportunity-rating", "rating", "Rating", Rating::ALL, query.rating)}
                {(!closed).then(|| option_filter("opportunity-forecast", "forecast", "Forecast category", &ForecastCategory::ALL[..4], query.forecast))}
                {lost.then(|| view! {
                    <div class="field">
                        <label for="opportunity-reason">"Lost reason"</label>
                        <select id="opportunity-reason" name="reason">
                            <option value="" selected=query.lost_reason.is_none()>"Any"</option>
                            {lost_reasons
                                .into_iter()
                                .map(|reason| view! { <option value=reason.id selected=query.lost_reason == Some(reason.id)>{reason.name}</option> })
                                .collect_view()}
                        </select>
                    </div>
                })}
                {sort_filters("opportunity-sort", &COLUMNS, query.sort, query.is_descending())}
                <button type="submit" class="button primary">"Apply"</button>
            </Form>
        </crate::ui::list::FilterFold>
    }
}

#[component]
fn OpportunityTable(result: OpportunityPage, query: OpportunityQuery) -> impl IntoView {
    let page_count = crate::ui::list::page_count(result.total, result.page_size);
    let noun = if result.total == 1 {
        "opportunity"
    } else {
        "opportunities"
    };
    let headers = sort_headers(&COLUMNS, query.sort, query.is_descending(), |sort| {
        query.sorted_by(sort).to_url()
    });
    let rows = result
        .rows
        .into_iter()
        .map(|row| {
            view! {
                <tr>
                    <td data-label="Topic"><a href=format!("/opportunities/{}", row.id)>{row.topic}</a></td>
                    <td data-label="Customer">{row.customer}</td>
                    <td data-label="Stage">{row.stage_name}</td>
                    <td data-label="Revenue">{row.revenue_minor.map(usd)}</td>
                    <td data-label="Probability">{format!("{}%", row.probability)}</td>
                    <td data-label="Close date">{row.close_date}</td>
                    <td data-label="Rating">{row.rating.map(|r| r.label())}</td>
                    <td data-label="Owner">{row.owner_name}</td>
                </tr>
            }
        })
        .collect_view();
    let caption = query.view.label();
    // The export is the whole view, whatever page is showing.
    let export_url = crate::url_state::url("/api/opportunities/export.csv", &query.at_page(1));
    let page_url = Callback::new(move |page| query.at_page(page).to_url());
    view! {
        <p class="row-count">{format!("{} {noun}", result.total)}</p>
        <p class="list-actions"><CsvDownload href=export_url expected=result.total label="Export CSV".to_string() /></p>
        {if result.total == 0 {
            view! { <div class="card empty-state"><p>"No opportunities match this view and these filters."</p></div> }.into_any()
        } else {
            view! {
                <table class="data-table">
                    <caption class="visually-hidden">{caption}</caption>
                    <thead><tr>{headers}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any()
        }}
        <Pager page=result.page page_count page_url />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::url_state::tests::{AWKWARD, query_of};

    fn parse(url: &str) -> OpportunityQuery {
        read(query_of(url))
    }

    #[test]
    fn a_search_of_any_text_round_trips_through_the_url() {
        for search in AWKWARD {
            let query = OpportunityQuery {
                search: Some(search.to_string()),
                ..OpportunityQuery::of_view(OpportunityView::Won)
            };
            let url = query.to_url();
            assert!(!query_of(&url).contains(['#', ' '].as_slice()), "{url}");
            assert_eq!(parse(&url), query, "{url}");
        }
    }

    #[test]
    fn a_query_survives_the_url() {
        let query = OpportunityQuery {
            search: Some("coffee machines".into()),
            stage: Some(3),
            owner: Some(2),
            close_from: Some("2026-01-01".into()),
            close_to: Some("2026-03-31".into()),
            rating: Some(Rating::Warm),
            forecast: Some(ForecastCategory::BestCase),
            lost_reason: Some(4),
            sort: OpportunitySort::Revenue,
            descending: Some(true),
            page: 2,
            ..OpportunityQuery::of_view(OpportunityView::AllOpen)
        };
        assert_eq!(
            query.to_url(),
            "/opportunities?view=all-open&q=coffee+machines&stage=3&owner=2&from=2026-01-01&to=2026-03-31&rating=warm&forecast=best_case&reason=4&sort=revenue&dir=desc&page=2"
        );
        assert_eq!(parse(&query.to_url()), query);
    }

    #[test]
    fn each_view_has_its_own_default_order() {
        let open = OpportunityQuery::of_view(OpportunityView::MyOpen);
        let won = OpportunityQuery::of_view(OpportunityView::Won);
        assert!(!open.is_descending(), "open: the next close first");
        assert!(won.is_descending(), "won: the latest close first");
        assert_eq!(won.to_url(), "/opportunities?view=won");
        assert!(parse("/opportunities?view=lost").is_descending());
        assert!(!parse("/opportunities?view=lost&dir=asc").is_descending());
    }

    #[test]
    fn bad_parameters_fall_back_to_defaults() {
        let query = parse(
            "/opportunities?view=everything&from=soon&to=2026-13-01&stage=x&owner=-&page=-1&sort=salary&dir=up&reason=%FF",
        );
        assert_eq!(query, OpportunityQuery::of_view(OpportunityView::MyOpen));
    }

    #[test]
    fn sorting_toggles_direction_and_resets_the_page() {
        let query = OpportunityQuery::of_view(OpportunityView::AllOpen).at_page(3);
        let by_revenue = query.sorted_by(OpportunitySort::Revenue);
        assert_eq!(
            (by_revenue.sort, by_revenue.is_descending(), by_revenue.page),
            (OpportunitySort::Revenue, false, 1)
        );
        assert!(
            by_revenue
                .sorted_by(OpportunitySort::Revenue)
                .is_descending()
        );
    }
}
