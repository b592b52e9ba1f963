//! The account pages: a new account, and the record with its contacts, opportunities,
//! originating leads, timeline and history.

use super::api::{CreateAccount, UpdateAccount, get_account};
use super::{AccountInput, AccountSummary, RelatedOpportunity, account_field_label};
use crate::activity::RecordType;
use crate::activity::timeline::{Timeline, TimelineState};
use crate::customer::{CustomerKind, CustomerPicker};
use crate::directory::{DirectoryHeader, DirectoryKind};
use crate::error::AppError;
use crate::opportunity::board::usd;
use crate::types::RecordLink;
use crate::ui::enhance::{DuplicateMessage, FieldMessage, FormMessage, ServerForm};
use crate::ui::inputs::{address_inputs, text_input};
use crate::ui::tabs::Tabs;
use crate::ui::{ErrorPage, History};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The account fields, in a form `ui::enhance` sends; the pickers keep the parent account
/// and primary contact.
#[component]
fn AccountFields(
    values: AccountInput,
    parent: Option<RecordLink>,
    primary_contact: Option<RecordLink>,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    let v = values;
    let form = "account";
    view! {
        <fieldset class="plain" disabled=disabled>
            <legend class="visually-hidden">"Account fields"</legend>
            <div class="form-grid">
                {text_input(form, "name", "Account name", "text", "organization", v.name)}
                {text_input(form, "industry", "Industry", "text", "off", v.industry)}
                {text_input(form, "website", "Website", "text", "url", v.website)}
                {text_input(form, "phone", "Phone", "tel", "tel", v.phone)}
                {text_input(form, "email", "Email", "email", "email", v.email)}
                {text_input(form, "employees", "Number of employees", "text", "off", v.employees)}
                {text_input(form, "annual_revenue", "Annual revenue (USD)", "text", "off", v.annual_revenue)}
                {address_inputs(form, [v.street, v.city, v.state_province, v.postal_code, v.country])}
            </div>
            <div class="form-grid">
                <div>
                    <CustomerPicker kind=CustomerKind::Account name="account[parent_account_id]".to_string()
                        label="Parent account".to_string() chosen=parent.clone() disabled=disabled described_by="account-parent-error".to_string() />
                    <FieldMessage field="parent_account_id" id="account-parent-error" />
                </div>
                <div>
                    <CustomerPicker kind=CustomerKind::Contact name="account[primary_contact_id]".to_string()
                        label="Primary contact".to_string() chosen=primary_contact.clone() disabled=disabled described_by="account-primary-error".to_string() />
                    <FieldMessage field="primary_contact_id" id="account-primary-error" />
                </div>
            </div>
        </fieldset>
    }
}

/// A new account: saved, it opens (or the save stops at likely duplicates).
#[component]
pub fn NewAccountPage() -> impl IntoView {
    view! {
        <Title text="New account" />
        <section class="page">
            <header class="page-header"><h1>"New account"</h1></header>
            <div class="card">
                <ServerForm action={<CreateAccount as ServerFn>::PATH} done="Account created." open="/accounts/{}">
                    <AccountFields values=AccountInput::default() parent=None primary_contact=None />
                    <DuplicateMessage />
                    <FormMessage />
                    <button type="submit" class="button primary">"Save account"</button>
                </ServerForm>
            </div>
        </section>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let account = crate::ui::fetched(id, |id| async move {
        match id {
            Some(id) => get_account(id).await,
            None => Err(AppError::NotFound("This account".into())),
        }
    });
    let timeline = TimelineState::new(RecordType::Account, id);
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the account…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(summary) => view! { <AccountRecord summary timeline /> }.into_any(),
                    Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccountRecord(summary: AccountSummary, timeline: TimelineState) -> impl IntoView {
    let s = summary;
    let editable = s.active && s.can_edit;
    let t = &s.totals;
    let totals = format!(
        "Open: {} worth {} · Won: {} worth {} · Lost: {}",
        t.open_count,
        usd(t.open_estimated_minor),
        t.won_count,
        usd(t.won_actual_minor),
        t.lost_count
    );
    let contacts = s
        .contacts
        .iter()
        .map(|c| {
            view! {
                <tr>
                    <td data-label="Name"><a href=format!("/contacts/{}", c.id)>{c.name.clone()}</a></td>
                    <td data-label="Job title">{c.job_title.clone()}</td>
                    <td data-label="Email">{c.email.clone()}</td>
                    <td data-label="Phone">{c.phone.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let leads = s
        .originating_leads
        .iter()
        .map(
            |lead| view! { <li><a href=format!("/leads/{}", lead.id)>{lead.name.clone()}</a></li> },
        )
        .collect_view();
    let id = s.id;
    view! {
        <Title text=crate::ui::inputs::user_text(format!("{} · Account", s.fields.name)) />
        <section class="page">
            <DirectoryHeader kind=DirectoryKind::Accounts id name=s.fields.name.clone() active=s.active
                owner_name=s.owner_name.clone() owner_id=s.owner_id version=s.version can_edit=s.can_edit
                can_assign=s.can_assign />
            <div class="card">
                <h2>"Details"</h2>
                <ServerForm action={<UpdateAccount as ServerFn>::PATH} done="Account saved." reload=true>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="version" value=s.version />
                    <AccountFields values=s.fields.to_input() parent=s.parent.clone()
                        primary_contact=s.primary_contact.clone() disabled=!editable />
                    <DuplicateMessage />
                    <FormMessage />
                    {editable.then(|| view! { <button type="submit" class="button primary">"Save"</button> })}
                </ServerForm>
            </div>
            <section class="card" aria-labelledby="account-contacts">
                <h2 id="account-contacts">{format!("Contacts ({})", s.contacts.len())}</h2>
                {if s.contacts.is_empty() {
                    view! { <p class="muted">"No contacts yet."</p> }.into_any()
                } else {
                    view! {
                        <table class="data-table">
                            <caption class="visually-hidden">"Contacts of this account"</caption>
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Job title"</th><th scope="col">"Email"</th><th scope="col">"Phone"</th></tr></thead>
                            <tbody>{contacts}</tbody>
                        </table>
                    }.into_any()
                }}
            </section>
            <section class="card" aria-labelledby="account-opportunities">
                <h2 id="account-opportunities">"Opportunities"</h2>
                <p class="muted">{totals}</p>
                <RelatedOpportunities rows=s.opportunities.clone() caption="Opportunities of this account" />
            </section>
            {(!s.originating_leads.is_empty()).then(|| view! {
                <section class="card" aria-labelledby="account-leads">
                    <h2 id="account-leads">"Originating leads"</h2>
                    <ul>{leads}</ul>
                </section>
            })}
            <crate::lists::pages::MemberOf member_type=crate::lists::MemberType::Account id
                lists=s.lists.clone() />
            <Tabs id="account" label="Account activity and history" tabs=vec![
                ("Timeline", view! { <Timeline state=timeline record_id=id /> }.into_any()),
                ("History", view! { <History entries=s.history.clone() label=account_field_label caption="Changes to this account, newest first" /> }.into_any()),
            ] />
        </section>
    }
}

/// Opportunities of an account or contact, open first; on a contact, with its role.
#[component]
pub(crate) fn RelatedOpportunities(
    rows: Vec<RelatedOpportunity>,
    caption: &'static str,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"No opportunities yet."</p> }.into_any();
    }
    let with_role = rows.iter().any(|row| row.role.is_some());
    let body = rows
        .into_iter()
        .map(|row| {
            let status = match row.status {
                crate::opportunity::OpportunityStatus::Open => format!("Open · {}", row.stage_name),
                closed => closed.label().to_string(),
            };
            view! {
                <tr>
                    <td data-label="Topic"><a href=format!("/opportunities/{}", row.id)>{row.topic}</a></td>
                    <td data-label="Status">{status}</td>
                    <td data-label="Revenue">{row.revenue_minor.map(usd)}</td>
                    <td data-label="Close date">{row.close_date}</td>
                    {with_role.then(|| view! { <td data-label="Role">{row.role}</td> })}
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data-table">
            <caption class="visually-hidden">{caption}</caption>
            <thead><tr>
                <th scope="col">"Topic"</th><th scope="col">"Status"</th><th scope="col">"Revenue"</th><th scope="col">"Close date"</th>
                {with_role.then(|| view! { <th scope="col">"Role"</th> })}
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
    .into_any()
}
