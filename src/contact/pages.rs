//! The contact pages: a new contact, and the record with its account, opportunities,
//! originating lead, timeline and history.

use super::api::{CreateContact, UpdateContact, get_contact};
use super::{ContactInput, ContactSummary, contact_field_label};
use crate::account::pages::RelatedOpportunities;
use crate::activity::RecordType;
use crate::activity::timeline::{Timeline, TimelineState};
use crate::customer::{CustomerKind, CustomerPicker};
use crate::directory::{DirectoryHeader, DirectoryKind};
use crate::error::AppError;
use crate::types::RecordLink;
use crate::ui::enhance::{DuplicateMessage, FieldMessage, FormMessage, ServerForm};
use crate::ui::inputs::{address_inputs, text_input};
use crate::ui::tabs::Tabs;
use crate::ui::{ErrorPage, History};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The contact fields, in a form `ui::enhance` sends; the picker keeps the account.
#[component]
fn ContactFields(
    values: ContactInput,
    account: Option<RecordLink>,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    let v = values;
    let form = "contact";
    view! {
        <fieldset class="plain" disabled=disabled>
            <legend class="visually-hidden">"Contact fields"</legend>
            <div class="form-grid">
                {text_input(form, "first_name", "First name", "text", "given-name", v.first_name)}
                {text_input(form, "last_name", "Last name", "text", "family-name", v.last_name)}
                {text_input(form, "job_title", "Job title", "text", "organization-title", v.job_title)}
                {text_input(form, "email", "Email", "email", "email", v.email)}
                {text_input(form, "business_phone", "Business phone", "tel", "tel", v.business_phone)}
                {text_input(form, "mobile_phone", "Mobile phone", "tel", "tel", v.mobile_phone)}
                {address_inputs(form, [v.street, v.city, v.state_province, v.postal_code, v.country])}
            </div>
            <CustomerPicker kind=CustomerKind::Account name="contact[account_id]".to_string()
                label="Account".to_string() chosen=account.clone() disabled=disabled described_by="contact-account-error".to_string() />
            <FieldMessage field="account_id" id="contact-account-error" />
        </fieldset>
    }
}

/// A new contact: saved, it opens (or the save stops at likely duplicates).
#[component]
pub fn NewContactPage() -> impl IntoView {
    view! {
        <Title text="New contact" />
        <section class="page">
            <header class="page-header"><h1>"New contact"</h1></header>
            <div class="card">
                <ServerForm action={<CreateContact as ServerFn>::PATH} done="Contact created." open="/contacts/{}">
                    <ContactFields values=ContactInput::default() account=None />
                    <DuplicateMessage />
                    <FormMessage />
                    <button type="submit" class="button primary">"Save contact"</button>
                </ServerForm>
            </div>
        </section>
    }
}

#[component]
pub fn ContactPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let contact = crate::ui::fetched(id, |id| async move {
        match id {
            Some(id) => get_contact(id).await,
            None => Err(AppError::NotFound("This contact".into())),
        }
    });
    let timeline = TimelineState::new(RecordType::Contact, id);
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the contact…"</p> }>
            {move || Suspend::new(async move {
                match contact.await {
                    Ok(summary) => view! { <ContactRecord summary timeline /> }.into_any(),
                    Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ContactRecord(summary: ContactSummary, timeline: TimelineState) -> impl IntoView {
    let s = summary;
    let editable = s.active && s.can_edit;
    let id = s.id;
    let name = s.fields.full_name();
    let links = [("Account", "accounts", s.account.clone()), ("Originating lead", "leads", s.originating_lead.clone())]
        .into_iter()
        .filter_map(|(label, path, link)| {
            let link = link?;
            Some(view! { <div><dt>{label}</dt><dd><a href=format!("/{path}/{}", link.id)>{link.name}</a></dd></div> })
        })
        .collect_view();
    view! {
        <Title text=crate::ui::inputs::user_text(format!("{name} · Contact")) />
        <section class="page">
            <DirectoryHeader kind=DirectoryKind::Contacts id name=name.clone() active=s.active
                owner_name=s.owner_name.clone() owner_id=s.owner_id version=s.version can_edit=s.can_edit
                can_assign=s.can_assign />
            <div class="card">
                <h2>"Details"</h2>
                <dl class="details">{links}</dl>
                <ServerForm action={<UpdateContact as ServerFn>::PATH} done="Contact saved." reload=true>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="version" value=s.version />
                    <ContactFields values=s.fields.to_input() account=s.account.clone() disabled=!editable />
                    <DuplicateMessage />
                    <FormMessage />
                    {editable.then(|| view! { <button type="submit" class="button primary">"Save"</button> })}
                </ServerForm>
            </div>
            <section class="card" aria-labelledby="contact-opportunities">
                <h2 id="contact-opportunities">"Opportunities"</h2>
                <RelatedOpportunities rows=s.opportunities.clone() caption="Opportunities of this contact" />
            </section>
            <crate::lists::pages::MemberOf member_type=crate::lists::MemberType::Contact id
                lists=s.lists.clone() />
            <crate::lists::pages::ConsentPanel member_type=crate::lists::MemberType::Contact id version=s.version
                consent=s.consent can_edit=s.can_edit />
            <Tabs id="contact" label="Contact activity and history" tabs=vec![
                ("Timeline", view! { <Timeline state=timeline record_id=id /> }.into_any()),
                ("History", view! { <History entries=s.history.clone() label=contact_field_label caption="Changes to this contact, newest first" /> }.into_any()),
            ] />
        </section>
    }
}
