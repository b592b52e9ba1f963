//! The lead list: saved views, search, filters, sort and paging, all held in the URL.

use super::api::list_leads;
use super::{
    LeadPage, LeadQuery, LeadSort, LeadSource, LeadStatus, LeadStatusReason, LeadView, Rating,
    SourceFilter,
};
use crate::lists::MemberType;
use crate::lists::pages::save_view_url;
use crate::lists::selection::{BulkBar, BulkContext, RowCheck, SelectHeader};
use crate::ui::list::{Pager, option_filter, owner_filter, sort_filters, sort_headers};
use crate::ui::{CsvDownload, ErrorPage};
use crate::url_state::read;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_location;

#[component]
pub fn LeadsPage() -> impl IntoView {
    let location = use_location();
    let query = Memo::new(move |_| location.search.with(|search| read::<LeadQuery>(search)));
    let page = crate::ui::fetched(move || query.get(), list_leads);
    let bulk = crate::lists::selection::BulkChoicesLoad::new(MemberType::Lead);
    let owners = bulk.owners();
    let forms = crate::ui::fetched(|| (), |_| crate::webform::api::web_form_options());
    view! {
        <Title text="Leads" />
        <section class="page">
            <header class="page-header">
                <h1>"Leads"</h1>
                <a class="button secondary" href="/leads/new?form=full">"Full lead form"</a>
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
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let owners = owners.await.unwrap_or_default();
                    let forms = forms.await.unwrap_or_default();
                    view! { <LeadFilters query=query.get() owners forms /> }
                })}
            </Suspense>
            <Transition fallback=|| view! { <p class="loading">"Loading leads…"</p> }>
                {move || Suspend::new(async move {
                    let choices = bulk.loaded().await;
                    match page.await {
                        Ok(result) => view! { <LeadTable result query=query.get_untracked() choices /> }.into_any(),
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn LeadFilters(
    query: LeadQuery,
    owners: Vec<crate::auth::UserOption>,
    forms: Vec<crate::types::RecordLink>,
) -> impl IntoView {
    let utm_filter =
        |id: &'static str, name: &'static str, label: &'static str, value: &Option<String>| {
            view! {
                <div class="field">
                    <label for=id>{label}</label>
                    <input id=id name=name value=value.clone().unwrap_or_default() />
                </div>
            }
        };
    let closed = query.view == LeadView::Closed;
    let reasons: &'static [LeadStatusReason] = if closed {
        &LeadStatusReason::ALL[2..]
    } else {
        &LeadStatusReason::ALL[..2]
    };
    view! {
        <crate::ui::list::FilterFold active=crate::url_state::active_filters(&query)>
            <Form method="GET" action="/leads" attr:class="list-filters" attr:role="search">
                <input type="hidden" name="view" value=query.view.code() />
                // A list's members view keeps showing the list's members.
                {query.list.map(|list| view! { <input type="hidden" name="list" value=list /> }.into_any())}
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
                <div class="field">
                    <label for="lead-source">"Source"</label>
                    <select id="lead-source" name="source">
                        <option value="" selected=query.source.is_none()>"Any"</option>
                        {LeadSource::ALL
                            .iter()
                            .map(|value| view! { <option value=value.code() selected=query.source == Some(SourceFilter::Is(*value))>{value.label()}</option> })
                            .collect_view()}
                        <option value="none" selected=query.source == Some(SourceFilter::Missing)>"No source"</option>
                    </select>
                </div>
                {option_filter("lead-rating", "rating", "Rating", Rating::ALL, query.rating)}
                {(!closed).then(|| option_filter("lead-grade", "grade", "Grade", crate::scoring::Grade::ALL, query.grade))}
                {closed.then(|| option_filter("lead-outcome", "status", "Outcome", &LeadStatus::ALL[1..], query.status))}
                {option_filter("lead-reason", "reason", "Status", reasons, query.reason)}
                {owner_filter("lead-owner-filter", owners, query.owner)}
                <div class="field">
                    <label for="lead-created-from">"Created from"</label>
                    <input id="lead-created-from" type="date" name="from" value=query.created_from.clone().unwrap_or_default() />
                </div>
                <div class="field">
                    <label for="lead-created-to">"Created to"</label>
                    <input id="lead-created-to" type="date" name="to" value=query.created_to.clone().unwrap_or_default() />
                </div>
                {(!forms.is_empty()).then(|| view! {
                    <div class="field">
                        <label for="lead-web-form">"Web form"</label>
                        <select id="lead-web-form" name="form">
                            <option value="" selected=query.form.is_none()>"Any"</option>
                            {forms.into_iter().map(|form| view! {
                                <option value=form.id.to_string() selected=query.form == Some(form.id)>{form.name}</option>
                            }).collect_view()}
                        </select>
                    </div>
                })}
                {utm_filter("lead-utm-source", "utm_source", "UTM source", &query.utm_source)}
                {utm_filter("lead-utm-medium", "utm_medium", "UTM medium", &query.utm_medium)}
                {utm_filter("lead-utm-campaign", "utm_campaign", "UTM campaign", &query.utm_campaign)}
                {sort_filters("lead-sort", &COLUMNS, query.sort, query.descending)}
                <button type="submit" class="button primary">"Apply"</button>
            </Form>
        </crate::ui::list::FilterFold>
    }
}

const COLUMNS: [(LeadSort, &str); 9] = [
    (LeadSort::Topic, "Topic"),
    (LeadSort::Score, "Score"),
    (LeadSort::Name, "Name"),
    (LeadSort::Company, "Company"),
    (LeadSort::Source, "Source"),
    (LeadSort::Rating, "Rating"),
    (LeadSort::Status, "Status"),
    (LeadSort::Owner, "Owner"),
    (LeadSort::Created, "Created"),
];

#[component]
fn LeadTable(
    result: LeadPage,
    query: LeadQuery,
    choices: crate::lists::selection::BulkChoices,
) -> impl IntoView {
    let page_count = result.page_count();
    let noun = if result.total == 1 { "lead" } else { "leads" };
    let headers = sort_headers(&COLUMNS, query.sort, query.descending, |sort| {
        query.sorted_by(sort).to_url()
    });
    let rows = result
        .rows
        .iter()
        .map(|row| {
            view! {
                <tr>
                    <RowCheck id=row.id version=row.version name=row.topic.clone() />
                    <td data-label="Topic"><a href=format!("/leads/{}", row.id)>{row.topic.clone()}</a></td>
                    <td data-label="Score">{row.grade.map(|grade| format!("{} · {}", row.score, grade.label()))}</td>
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
    let page_url = {
        let query = query.clone();
        Callback::new(move |page| query.at_page(page).to_url())
    };
    // The export is the whole view, whatever page is showing.
    let export_url = crate::url_state::url("/api/leads/export.csv", &query.at_page(1));
    let matching = crate::url_state::query_string(&query.at_page(1));
    let bulk = BulkContext {
        member_type: MemberType::Lead,
        matching: matching.clone(),
        total: result.total,
        rows: result
            .rows
            .iter()
            .map(|row| (row.id, row.version))
            .collect(),
        list: query.list,
        export_path: "/api/leads/export.csv".into(),
        manager: choices.manager,
        owners: choices.owners,
        lists: choices.lists,
    };
    view! {
        {query.list.map(|list| view! {
            <p class="card list-members-note">"Showing the members of a marketing list. "<a href=format!("/lists/{list}")>"Back to the list"</a></p>
        })}
        <p class="row-count">{format!("{} {noun}", result.total)}</p>
        <p class="list-actions">
            <CsvDownload href=export_url expected=result.total label="Export CSV".to_string() />
            " · "
            <a href=save_view_url(MemberType::Lead, &matching)>"Save view as list"</a>
        </p>
        <BulkBar context=bulk />
        {if result.rows.is_empty() {
            view! { <div class="card empty-state"><p>"No leads match this view and these filters."</p></div> }.into_any()
        } else {
            view! {
                <table class="data-table">
                    <caption class="visually-hidden">{query.view.label()}</caption>
                    <thead><tr><SelectHeader />{headers}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any()
        }}
        <Pager page=result.page page_count page_url />
    }
}

/// "Photo of card": the phone's camera; outbox.js downscales the picture into the hidden
/// `card_photo` field (a data URL) so it travels with the form or waits in the outbox.
#[component]
fn CardPhotoInput() -> impl IntoView {
    view! {
        <div class="field card-photo">
            <label for="card-photo-file">"Photo of card"</label>
            <input
                id="card-photo-file"
                type="file"
                accept="image/*"
                capture="environment"
                aria-describedby="card-photo-error"
            />
            <input type="hidden" name="card_photo" />
            <img id="card-photo-preview" alt="The card photo to save" hidden />
            <crate::ui::enhance::FieldMessage field="card_photo" id="card-photo-error" />
        </div>
    }
}

/// A new lead: quick create (the few fields a rep types at a trade-show booth, on a phone)
/// or, with `?form=full`, every field. Saving opens the new lead's record.
#[component]
pub fn NewLeadPage() -> impl IntoView {
    use super::api::CreateLead;
    use super::form::LeadFields;
    use crate::ui::enhance::{DuplicateMessage, FormMessage, ServerForm};
    use leptos::server_fn::ServerFn;
    let params = leptos_router::hooks::use_query_map();
    let quick = move || params.with(|p| p.get("form").as_deref() != Some("full"));
    view! {
        <Title text="New lead" />
        <section class="page">
            <header class="page-header">
                <h1>"New lead"</h1>
                {move || if quick() {
                    view! { <a class="button secondary" href="/leads/new?form=full">"All fields"</a> }.into_any()
                } else {
                    view! { <a class="button secondary" href="/leads/new">"Quick create"</a> }.into_any()
                }}
            </header>
            <div class="card">
                // Offline, or when a save never reaches the server, outbox.js keeps the quick
                // form's lead on the device (data-outbox).
                <ServerForm action={<CreateLead as ServerFn>::PATH} done="Lead created." open="/leads/{}"
                    attr:data-outbox=move || quick().then_some("lead")>
                    {move || view! { <LeadFields values=Default::default() quick=quick() /> }}
                    {move || quick().then(|| view! { <CardPhotoInput /> })}
                    <DuplicateMessage />
                    <FormMessage />
                    <button type="submit" class="button primary">"Save lead"</button>
                </ServerForm>
            </div>
            <section id="outbox" class="card outbox" aria-labelledby="outbox-title">
                <h2 id="outbox-title">"Outbox"</h2>
                <p id="outbox-message" aria-live="polite"></p>
                <p class="outbox-empty">"Leads saved on this device while offline wait here until they sync."</p>
                <button id="outbox-sync" type="button" class="button secondary">"Sync now"</button>
            </section>
        </section>
    }
}
