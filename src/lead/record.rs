//! The lead record page: stage bar, the form, Qualify / Disqualify / Reactivate, the
//! records it was qualified into, and its history.

use super::api::{DisqualifyLead, QualifyLead, ReactivateLead, SetLeadStep, UpdateLead, get_lead};
use super::form::{LeadFields, OwnerChoice};
use super::qualify::{Link, QualifyPreview};
use super::rules::lead_field_label;
use super::{LeadDetail, LeadStatus, LeadStatusReason};
use crate::activity::RecordType;
use crate::activity::timeline::{Timeline, TimelineState};
use crate::auth::UserOption;
use crate::process::StageBar;
use crate::ui::enhance::{DuplicateMessage, FieldMessage, FormMessage, ServerForm};
use crate::ui::tabs::Tabs;
use crate::ui::{ErrorPage, History};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn LeadRecordPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let lead = crate::ui::fetched(id, |id| async move {
        match id {
            Some(id) => get_lead(id).await,
            None => Err(crate::error::AppError::NotFound("This lead".into())),
        }
    });
    let owners = crate::ui::fetched(|| (), |_| crate::auth::api::user_directory());
    let timeline = TimelineState::new(RecordType::Lead, id);
    let preview = crate::ui::fetched(id, |id| async move {
        match id {
            Some(id) => super::api::preview_qualification(id).await,
            None => Err(crate::error::AppError::NotFound("This lead".into())),
        }
    });
    let actions = LeadActions { preview, timeline };
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the lead…"</p> }>
            {move || Suspend::new(async move {
                let owners = owners.await.unwrap_or_default();
                let preview = actions.preview.await;
                match lead.await {
                    Ok(detail) => view! { <LeadRecord detail owners actions preview /> }.into_any(),
                    Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What the page loads beyond the record: the qualification preview (the matching accounts
/// and contacts the Qualify dialog offers) and the timeline. Every change is a form
/// `ui::enhance` sends; a success loads the page again (Qualify opens the opportunity).
#[derive(Clone, Copy)]
struct LeadActions {
    preview: crate::ui::Fetched<Result<QualifyPreview, crate::error::AppError>>,
    timeline: TimelineState,
}

#[component]
fn LeadRecord(
    detail: LeadDetail,
    owners: Vec<UserOption>,
    actions: LeadActions,
    preview: Result<QualifyPreview, crate::error::AppError>,
) -> impl IntoView {
    let is_open = detail.status == LeadStatus::Open;
    let editable = is_open && detail.can_edit;
    let id = detail.id;
    let version = detail.version;
    let status = format!(
        "{} · {}",
        detail.status.label(),
        detail.status_reason.label()
    );
    let owner = OwnerChoice {
        users: owners,
        selected: detail.owner_id,
        can_assign: detail.can_assign && editable,
    };
    let buttons = view! {
        <div class="record-actions">
            {(editable).then(|| view! {
                <button type="button" class="button primary" data-show-dialog="qualify-dialog">"Qualify"</button>
                <button type="button" class="button secondary" data-show-dialog="disqualify-dialog">"Disqualify"</button>
            })}
            {(detail.status == LeadStatus::Disqualified && detail.can_edit).then(|| view! {
                <ServerForm action={<ReactivateLead as ServerFn>::PATH} done="Lead reactivated." reload=true>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="version" value=version />
                    <button type="submit" class="button primary">"Reactivate"</button>
                    <FormMessage />
                </ServerForm>
            })}
        </div>
    };
    let read_only_note = match (is_open, detail.can_edit) {
        (false, _) => Some("This lead is closed, so it is read-only."),
        (true, false) => Some("You can view this lead; only its owner or a manager can change it."),
        _ => None,
    };
    view! {
        <Title text=crate::ui::inputs::user_text(format!("{} · Lead", detail.fields.topic)) />
        <section class="page">
            <header class="page-header record-header">
                <div>
                    <p class="record-kind">"Lead"</p>
                    <h1>{detail.fields.topic.clone()}</h1>
                    <p class="record-meta">
                        <span class="badge">{status}</span>
                        {format!(" Owner: {}", detail.owner_name)}
                    </p>
                </div>
                {buttons}
            </header>
            <QualifiedLinks detail=detail.clone() />
            {detail.has_photo.then(|| view! {
                <figure class="card card-photo-figure">
                    <img src=format!("/api/leads/{id}/photo") alt="Photo of the business card" loading="lazy" />
                    <figcaption>"Business card"</figcaption>
                </figure>
            })}
            {detail.web.clone().map(|web| view! {
                <section class="card" aria-labelledby="web-origin-title">
                    <h2 id="web-origin-title">"From the website"</h2>
                    <dl class="fields">
                        <dt>"Web form"</dt>
                        <dd>{web.form.name}</dd>
                        {web.origin.known().into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
                    </dl>
                </section>
            })}
            <StageBar progress=detail.progress.clone() record_id=id
                toggle=editable.then_some(<SetLeadStep as ServerFn>::PATH) />
            {detail.score.clone().map(|score| view! { <crate::scoring::ScoreCard score /> })}
            <div class="card">
                <h2>"Details"</h2>
                {read_only_note.map(|note| view! { <p class="muted">{note}</p> })}
                <ServerForm action={<UpdateLead as ServerFn>::PATH} done="Lead saved." reload=true>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="version" value=version />
                    <fieldset class="plain" disabled=!editable>
                        <legend class="visually-hidden">"Lead fields"</legend>
                        <LeadFields values=detail.fields.to_input() owner />
                    </fieldset>
                    <DuplicateMessage />
                    <FormMessage />
                    {editable.then(|| view! { <button type="submit" class="button primary">"Save"</button> })}
                </ServerForm>
            </div>
            <crate::lists::pages::MemberOf member_type=crate::lists::MemberType::Lead id
                lists=detail.lists.clone() />
            <crate::lists::pages::ConsentPanel member_type=crate::lists::MemberType::Lead id version
                consent=detail.consent can_edit=detail.can_edit />
            <Tabs id="lead" label="Lead activity and history" tabs=vec![
                ("Timeline", view! { <Timeline state=actions.timeline record_id=id /> }.into_any()),
                ("History", view! { <History entries=detail.history.clone() label=lead_field_label caption="Changes to this lead, newest first" /> }.into_any()),
            ] />
            {editable.then(|| view! { <QualifyDialog preview /> })}
            <DisqualifyDialog lead_id=id version />
        </section>
    }
}

#[component]
fn QualifiedLinks(detail: LeadDetail) -> impl IntoView {
    let links = [
        ("Account", "accounts", detail.account),
        ("Contact", "contacts", detail.contact),
        ("Opportunity", "opportunities", detail.opportunity),
    ]
    .into_iter()
    .filter_map(|(label, path, link)| {
        let link = link?;
        Some(view! {
            <li>{format!("{label}: ")}<a href=format!("/{path}/{}", link.id)>{link.name}</a></li>
        })
    })
    .collect::<Vec<_>>();
    (!links.is_empty()).then(|| {
        view! {
            <section class="card" aria-labelledby="qualified-into">
                <h2 id="qualified-into">"Qualified into"</h2>
                <ul class="link-list">{links}</ul>
            </section>
        }
    })
}

/// One radio group of the Qualify dialog: create new, link a match, or none.
fn link_choices(
    name: &'static str,
    legend: &'static str,
    new_label: Option<String>,
    matches: Vec<crate::duplicates::DuplicateMatch>,
    default: Link,
) -> impl IntoView {
    let option = move |value: Link, label: String| {
        let id = format!("qualify-{name}-{}", value.code());
        view! {
            <div class="choice">
                <input type="radio" id=id.clone() name=name value=value.code() checked=value == default />
                <label for=id>{label}</label>
            </div>
        }
    };
    let matched = matches
        .into_iter()
        .map(|m| {
            let reasons = m.reasons_text();
            let detail = m.detail.map(|d| format!(" · {d}")).unwrap_or_default();
            option(
                Link::Existing(m.id),
                format!("Link existing: {}{detail} ({reasons})", m.title),
            )
        })
        .collect_view();
    view! {
        <fieldset class="form-group" aria-describedby=format!("qualify-{name}-error")>
            <legend>{legend}</legend>
            {new_label.map(|label| option(Link::New, label))}
            {matched}
            {option(Link::None, format!("No {name}"))}
            <FieldMessage field=name id=format!("qualify-{name}-error") />
        </fieldset>
    }
}

#[component]
fn QualifyDialog(preview: Result<QualifyPreview, crate::error::AppError>) -> impl IntoView {
    let body = match preview {
        Ok(preview) => view! { <QualifyForm preview /> }.into_any(),
        Err(error) => {
            view! { <p class="form-alert" role="alert">{error.to_string()}</p> }.into_any()
        }
    };
    view! {
        <dialog id="qualify-dialog" class="dialog" aria-labelledby="qualify-title">
            <h2 id="qualify-title">"Qualify lead"</h2>
            {body}
        </dialog>
    }
}

#[component]
fn QualifyForm(preview: QualifyPreview) -> impl IntoView {
    let carry = preview
        .carry_over
        .iter()
        .map(|line| {
            view! {
                <tr>
                    <td data-label="Lead field">{line.field.clone()}</td>
                    <td data-label="Goes to">{line.target.clone()}</td>
                    <td data-label="Value">{line.value.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p>"Qualifying creates an opportunity at the Develop stage and closes this lead as Qualified. It all happens at once: if anything fails, nothing is created."</p>
        <ServerForm action={<QualifyLead as ServerFn>::PATH} done="Lead qualified." open="/opportunities/{}">
            <input type="hidden" name="id" value=preview.lead_id />
            <input type="hidden" name="version" value=preview.version />
            {link_choices(
                "account",
                "Account",
                preview.new_account_name.map(|name| format!("Create a new account: {name}")),
                preview.account_matches,
                preview.default_account,
            )}
            {link_choices(
                "contact",
                "Contact",
                preview.new_contact_name.map(|name| format!("Create a new contact: {name}")),
                preview.contact_matches,
                preview.default_contact,
            )}
            <h3>{format!("New opportunity: {}", preview.topic)}</h3>
            <table class="data-table compact">
                <caption>"What carries over"</caption>
                <thead><tr><th scope="col">"Lead field"</th><th scope="col">"Goes to"</th><th scope="col">"Value"</th></tr></thead>
                <tbody>{carry}</tbody>
            </table>
            <FormMessage />
            <div class="dialog-actions">
                <button type="submit" class="button primary">"Confirm qualify"</button>
                <button type="button" class="button secondary" data-close-dialog="">"Cancel"</button>
            </div>
        </ServerForm>
    }
}

#[component]
fn DisqualifyDialog(lead_id: i64, version: i64) -> impl IntoView {
    let reasons = LeadStatusReason::ALL
        .iter()
        .filter(|reason| reason.status() == LeadStatus::Disqualified)
        .map(|reason| view! { <option value=reason.code()>{reason.label()}</option> })
        .collect_view();
    view! {
        <dialog id="disqualify-dialog" class="dialog" aria-labelledby="disqualify-title">
            <h2 id="disqualify-title">"Disqualify lead"</h2>
            <p>"The lead leaves the open views and shows in Closed leads. You can reactivate it later."</p>
            <ServerForm action={<DisqualifyLead as ServerFn>::PATH} done="Lead disqualified." reload=true>
                <input type="hidden" name="id" value=lead_id />
                <input type="hidden" name="version" value=version />
                <div class="field">
                    <label for="disqualify-reason">"Reason"</label>
                    <select id="disqualify-reason" name="reason" aria-describedby="disqualify-reason-error">
                        <option value="">"Choose a reason"</option>
                        {reasons}
                    </select>
                    <FieldMessage field="reason" id="disqualify-reason-error" />
                </div>
                <FormMessage />
                <div class="dialog-actions">
                    <button type="submit" class="button primary">"Confirm disqualify"</button>
                    <button type="button" class="button secondary" data-close-dialog="">"Cancel"</button>
                </div>
            </ServerForm>
        </dialog>
    }
}
