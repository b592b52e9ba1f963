//! The lead list: saved views, search, filters, sort and paging, all held in the URL.

use super::api::list_leads;
use super::{LeadPage, LeadQuery, LeadSort, LeadSource, LeadStatusReason, LeadView, Rating};
use crate::ui::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LeadsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| LeadQuery::from_params(|key| p.get(key))));
    let page = Resource::new(move || query.get(), list_leads);
    view! {
        <Title text="Leads" />
        <section class="page">
            <header class="page-header">
                <h1>"Leads"</h1>
            </header>
            <nav class="view-tabs" aria-label="Lead views">
                {LeadView::ALL
                    .iter()
                    .map(|view| {
                        let view = *view;
                        let href = LeadQuery { view, ..LeadQuery::default() }.to_url();
                        view! {
                            <a
                                href=href
                                aria-current=move || (query.get().view == view).then_some("page")
                            >
                                {view.label()}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            {move || view! { <LeadFilters query=query.get() /> }}
            <Transition fallback=|| view! { <p class="loading">"Loading leads…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(result) => view! { <LeadTable result query=query.get_untracked() /> }.into_any(),
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// A select whose options are an option set, with "Any" first.
fn option_select<T: Copy + PartialEq + 'static>(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    all: &'static [T],
    selected: Option<T>,
    code: fn(T) -> &'static str,
    text: fn(T) -> &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name>
                <option value="" selected=selected.is_none()>"Any"</option>
                {all
                    .iter()
                    .map(|value| {
                        view! {
                            <option value=code(*value) selected=selected == Some(*value)>
                                {text(*value)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

#[component]
fn LeadFilters(query: LeadQuery) -> impl IntoView {
    let reasons: &'static [LeadStatusReason] = if query.view == LeadView::Closed {
        &LeadStatusReason::ALL[2..]
    } else {
        &LeadStatusReason::ALL[..2]
    };
    view! {
        <Form method="GET" action="/leads" attr:class="list-filters" attr:role="search">
            <input type="hidden" name="view" value=query.view.code() />
            <div class="field search-field">
                <label for="lead-search">"Search"</label>
                <input
                    id="lead-search"
                    type="search"
                    name="q"
                    placeholder="Name, company or email"
                    value=query.search.clone().unwrap_or_default()
                />
            </div>
            {option_select("lead-source", "source", "Source", LeadSource::ALL, query.source, LeadSource::code, LeadSource::label)}
            {option_select("lead-rating", "rating", "Rating", Rating::ALL, query.rating, Rating::code, Rating::label)}
            {option_select("lead-reason", "reason", "Status", reasons, query.reason, LeadStatusReason::code, LeadStatusReason::label)}
            // Column headers sort on a desktop; phones (cards, no header row) sort here.
            <div class="field">
                <label for="lead-sort">"Sort by"</label>
                <select id="lead-sort" name="sort">
                    {COLUMNS
                        .iter()
                        .map(|(sort, label)| view! { <option value=sort.code() selected=query.sort == *sort>{*label}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="lead-dir">"Order"</label>
                <select id="lead-dir" name="dir">
                    <option value="asc" selected=!query.descending>"Ascending"</option>
                    <option value="desc" selected=query.descending>"Descending"</option>
                </select>
            </div>
            <button type="submit" class="button primary">"Apply"</button>
        </Form>
    }
}

const COLUMNS: [(LeadSort, &str); 8] = [
    (LeadSort::Topic, "Topic"),
    (LeadSort::Name, "Name"),
    (LeadSort::Company, "Company"),
    (LeadSort::Source, "Source"),
    (LeadSort::Rating, "Rating"),
    (LeadSort::Status, "Status"),
    (LeadSort::Owner, "Owner"),
    (LeadSort::Created, "Created"),
];

#[component]
fn LeadTable(result: LeadPage, query: LeadQuery) -> impl IntoView {
    let page_count = result.page_count();
    let noun = if result.total == 1 { "lead" } else { "leads" };
    let headers = COLUMNS
        .iter()
        .map(|(sort, label)| {
            let active = query.sort == *sort;
            let aria_sort = match (active, query.descending) {
                (false, _) => "none",
                (true, true) => "descending",
                (true, false) => "ascending",
            };
            let arrow = match aria_sort {
                "descending" => " ↓",
                "ascending" => " ↑",
                _ => "",
            };
            view! {
                <th scope="col" aria-sort=aria_sort>
                    <a href=query.sorted_by(*sort).to_url()>{*label}{arrow}</a>
                </th>
            }
        })
        .collect_view();
    let rows = result
        .rows
        .iter()
        .map(|row| {
            view! {
                <tr>
                    <td data-label="Topic"><a href=format!("/leads/{}", row.id)>{row.topic.clone()}</a></td>
                    <td data-label="Name">{row.full_name()}</td>
                    <td data-label="Company">{row.company_name.clone()}</td>
                    <td data-label="Source">{row.lead_source.map(|s| s.label())}</td>
                    <td data-label="Rating">{row.rating.map(|r| r.label())}</td>
                    <td data-label="Status">{row.status_reason.label()}</td>
                    <td data-label="Owner">{row.owner_name.clone()}</td>
                    <td data-label="Created">{row.created_at.chars().take(10).collect::<String>()}</td>
                </tr>
            }
        })
        .collect_view();
    let previous = (result.page > 1).then(|| query.at_page(result.page - 1).to_url());
    let next = (result.page < page_count).then(|| query.at_page(result.page + 1).to_url());
    view! {
        <p class="row-count">{format!("{} {noun}", result.total)}</p>
        {if result.rows.is_empty() {
            view! { <div class="card empty-state"><p>"No leads match this view and these filters."</p></div> }.into_any()
        } else {
            view! {
                <table class="data-table">
                    <caption class="visually-hidden">{query.view.label()}</caption>
                    <thead><tr>{headers}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any()
        }}
        <nav class="pager" aria-label="Pages">
            {previous.map(|href| view! { <a class="button secondary" href=href>"Previous page"</a> })}
            <span>{format!("Page {} of {page_count}", result.page)}</span>
            {next.map(|href| view! { <a class="button secondary" href=href>"Next page"</a> })}
        </nav>
    }
}

/// Quick create: the few fields a rep types at a trade-show booth, on a phone.
#[component]
pub fn QuickCreateLeadPage() -> impl IntoView {
    use super::api::QuickCreateLead;
    use crate::ui::{FieldError, FormAlert, use_toasts};
    let create = ServerAction::<QuickCreateLead>::new();
    let result = Signal::derive(move || create.value().get());
    let toasts = use_toasts();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            toasts.show("Lead created.");
            navigate(&LeadQuery::default().to_url(), Default::default());
        }
    });
    let field = move |id: &'static str,
                      name: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      autocomplete: &'static str| {
        let error_id = format!("{id}-error");
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id name=format!("lead[{name}]") type=kind autocomplete=autocomplete aria-describedby=error_id.clone() />
                <FieldError result field=name id=error_id />
            </div>
        }
    };
    view! {
        <Title text="New lead" />
        <section class="page">
            <header class="page-header"><h1>"New lead"</h1></header>
            <div class="card">
                // The server's field messages replace the browser's own validation bubbles.
                <ActionForm action=create attr:novalidate=true>
                    <div class="form-grid">
                        {field("lead-topic", "topic", "Topic", "text", "off")}
                        <div class="field">
                            <label for="lead-source-new">"Lead source"</label>
                            <select id="lead-source-new" name="lead[lead_source]" aria-describedby="lead-source-new-error">
                                <option value="">"Not known"</option>
                                {LeadSource::ALL.iter().map(|s| view! { <option value=s.code()>{s.label()}</option> }).collect_view()}
                            </select>
                            <FieldError result field="lead_source" id="lead-source-new-error" />
                        </div>
                        {field("lead-first-name", "first_name", "First name", "text", "given-name")}
                        {field("lead-last-name", "last_name", "Last name", "text", "family-name")}
                        {field("lead-company", "company_name", "Company", "text", "organization")}
                        {field("lead-email", "email", "Email", "email", "email")}
                        {field("lead-phone", "phone", "Phone", "tel", "tel")}
                    </div>
                    <FormAlert result />
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>"Save lead"</button>
                </ActionForm>
            </div>
        </section>
    }
}
