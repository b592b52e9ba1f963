//! The activity list (`/activities/all`): every note, call, task and appointment, by view
//! (mine, open tasks, all), type and subject search, sorted and paged in the URL, with the
//! whole view as CSV; a card list on a phone.

use super::api::list_activities;
use super::{
    ACTIVITY_LIST_PATH, ACTIVITY_PAGE_SIZE, ActivityKind, ActivityPage, ActivityQuery,
    ActivitySort, ActivityView,
};
use crate::ui::list::{Pager, option_filter, sort_filters, sort_headers};
use crate::ui::{CsvDownload, ErrorPage};
use crate::url_state::read;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_location;

const COLUMNS: [(ActivitySort, &str); 4] = [
    (ActivitySort::Created, "Created"),
    (ActivitySort::Due, "Due date"),
    (ActivitySort::Subject, "Subject"),
    (ActivitySort::Owner, "Owner"),
];

#[component]
pub fn ActivityListPage() -> impl IntoView {
    let location = use_location();
    let query = Memo::new(move |_| location.search.with(|search| read::<ActivityQuery>(search)));
    let page = crate::ui::fetched(move || query.get(), list_activities);
    view! {
        <Title text="Activities" />
        <section class="page">
            <header class="page-header">
                <h1>"Activities"</h1>
                <a class="button secondary" href="/activities">"My tasks and appointments"</a>
            </header>
            <nav class="view-tabs" aria-label="Activity views">
                {ActivityView::ALL
                    .iter()
                    .map(|view| {
                        let view = *view;
                        view! {
                            <a href=ActivityQuery::of_view(view).url()
                                aria-current=move || (query.get().view == view).then_some("page")>
                                {view.label()}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(result) => view! { <ActivityTable result query=query.get_untracked() /> }.into_any(),
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ActivityTable(result: ActivityPage, query: ActivityQuery) -> impl IntoView {
    let headers = sort_headers(&COLUMNS, query.sort, query.is_descending(), |sort| {
        query.sorted_by(sort).url()
    });
    let rows = result
        .rows
        .into_iter()
        .map(|row| {
            let status = match (row.kind, row.done) {
                (ActivityKind::Task, true) => "Done",
                (ActivityKind::Task, false) => "Open",
                _ => "",
            };
            view! {
                <tr>
                    <td data-label="Created">{row.created_at.get(..10).unwrap_or_default().to_string()}</td>
                    <td data-label="Due date">{row.due_date.clone()}</td>
                    <td data-label="Subject">{row.subject.clone()}</td>
                    <td data-label="Owner">{row.owner_name.clone()}</td>
                    <td data-label="Type">{row.kind.label()}</td>
                    <td data-label="Status">{status}</td>
                    <td data-label="Regarding">
                        <a href=row.regarding_type.url(row.regarding_id)>
                            {format!("{}: {}", row.regarding_type.label(), row.regarding_name)}
                        </a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let count = format!(
        "{} {}",
        result.total,
        if result.total == 1 {
            "activity"
        } else {
            "activities"
        }
    );
    let page_count = crate::ui::list::page_count(result.total, ACTIVITY_PAGE_SIZE);
    let caption = query.view.label();
    // The export is the whole view, whatever page is showing.
    let export_url = crate::url_state::url("/api/activities/export.csv", &query.at_page(1));
    let page_query = query.clone();
    let page_url = Callback::new(move |page| page_query.at_page(page).url());
    view! {
        <crate::ui::list::FilterFold active=crate::url_state::active_filters(&query)>
            <Form method="GET" action=ACTIVITY_LIST_PATH attr:class="list-filters" attr:role="search">
                <input type="hidden" name="view" value=query.view.code() />
                <div class="field search-field">
                    <label for="activity-search">"Search"</label>
                    <input id="activity-search" type="search" name="q" placeholder="Subject"
                        value=query.search.clone().unwrap_or_default() />
                </div>
                {option_filter("activity-type", "type", "Type", ActivityKind::ALL, query.kind)}
                {sort_filters("activity-sort", &COLUMNS, query.sort, query.is_descending())}
                <button type="submit" class="button primary">"Apply"</button>
            </Form>
        </crate::ui::list::FilterFold>
        <p class="row-count">{count}</p>
        <p class="list-actions"><CsvDownload href=export_url expected=result.total label="Export CSV".to_string() /></p>
        {if result.total == 0 {
            view! { <div class="card empty-state"><p>"Nothing matches this view and search."</p></div> }.into_any()
        } else {
            view! {
                <table class="data-table">
                    <caption class="visually-hidden">{caption}</caption>
                    <thead><tr>
                        {headers}
                        <th scope="col">"Type"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Regarding"</th>
                    </tr></thead>
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

    #[test]
    fn an_activity_query_survives_the_url() {
        let query = ActivityQuery {
            kind: Some(ActivityKind::PhoneCall),
            search: Some("follow up".into()),
            sort: ActivitySort::Due,
            descending: Some(true),
            page: 2,
            ..ActivityQuery::of_view(ActivityView::All)
        };
        let url = query.url();
        assert_eq!(
            url,
            "/activities/all?view=all&type=phone_call&q=follow+up&sort=due&dir=desc&page=2"
        );
        assert_eq!(read::<ActivityQuery>(query_of(&url)), query);
        for search in AWKWARD {
            let query = ActivityQuery {
                search: Some(search.to_string()),
                ..ActivityQuery::default()
            };
            assert_eq!(read::<ActivityQuery>(query_of(&query.url())), query);
        }
        assert_eq!(
            read::<ActivityQuery>("view=x&type=y&dir=z"),
            ActivityQuery::default()
        );
    }

    #[test]
    fn created_sorts_newest_first_and_the_rest_soonest_first_unless_asked() {
        let query = ActivityQuery::default();
        assert!(query.is_descending());
        let by_due = query.sorted_by(ActivitySort::Due);
        assert!(!by_due.is_descending());
        assert!(by_due.sorted_by(ActivitySort::Due).is_descending());
        assert!(!query.sorted_by(ActivitySort::Created).is_descending());
    }
}
