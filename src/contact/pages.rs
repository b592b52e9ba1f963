//! The contact pages: a new contact, and the record with its account, opportunities,
//! originating lead, timeline and history.

use super::api::{CreateContact, UpdateContact, get_contact};
use super::{ContactInput, ContactSummary, contact_field_label};
use crate::account::pages::RelatedOpportunities;
use crate::activity::RecordType;
use crate::activity::timeline::{Timeline, TimelineState};
use crate::customer::{CustomerKind, CustomerPicker};
use crate::directory::{DirectoryHeader, DirectoryKind, RecordActions};
use crate::error::AppError;
use crate::lead::SaveOutcome;
use crate::lead::form::DuplicateWarning;
use crate::types::RecordLink;
use crate::ui::inputs::{address_inputs, text_input};
use crate::ui::tabs::Tabs;
use crate::ui::{ErrorPage, FieldError, FormAlert, History, use_toasts};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

type SaveResult = Signal<Option<Result<SaveOutcome, AppError>>>;

#[component]
fn ContactFields(
    values: ContactInput,
    result: SaveResult,
    account: RwSignal<Option<RecordLink>>,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    let v = values;
    let form = "contact";
    view! {
        <fieldset class="plain" disabled=disabled>
            <legend class="visually-hidden">"Contact fields"</legend>
            <div class="form-grid">
                {text_input(form, result, "first_name", "First name", "text", "given-name", v.first_name)}
                {text_input(form, result, "last_name", "Last name", "text", "family-name", v.last_name)}
                {text_input(form, result, "job_title", "Job title", "text", "organization-title", v.job_title)}
                {text_input(form, result, "email", "Email", "email", "email", v.email)}
                {text_input(form, result, "business_phone", "Business phone", "tel", "tel", v.business_phone)}
                {text_input(form, result, "mobile_phone", "Mobile phone", "tel", "tel", v.mobile_phone)}
                {address_inputs(form, result, [v.street, v.city, v.state_province, v.postal_code, v.country])}
            </div>
            <CustomerPicker kind=CustomerKind::Account name="contact[account_id]".to_string()
                label="Account" chosen=account disabled described_by="contact-account-error" />
            <FieldError result field="account_id" id="contact-account-error" />
        </fieldset>
    }
}

#[component]
pub fn NewContactPage() -> impl IntoView {
    let create = ServerAction::<CreateContact>::new();
    let result = Signal::derive(move || create.value().get());
    let toasts = use_toasts();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Saved { id, .. })) = create.value().get() {
            toasts.show("Contact created.");
            navigate(&format!("/contacts/{id}"), Default::default());
        }
    });
    let account = RwSignal::new(None);
    view! {
        <Title text="New contact" />
        <section class="page">
            <header class="page-header"><h1>"New contact"</h1></header>
            <div class="card">
                <ActionForm action=create attr:novalidate=true>
                    <ContactFields values=ContactInput::default() result account />
                    <DuplicateWarning result />
                    <FormAlert result />
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>"Save contact"</button>
                </ActionForm>
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
    let actions =
        RecordActions::<UpdateContact>::new(move || contact.refetch(), timeline, "Contact");
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the contact…"</p> }>
            {move || Suspend::new(async move {
                match contact.await {
                    Ok(summary) => crate::ui::shown(|| view! { <ContactRecord summary actions reload=Callback::new(move |()| contact.refetch()) /> }).into_any(),
                    Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ContactRecord(
    summary: ContactSummary,
    actions: RecordActions<UpdateContact>,
    reload: Callback<()>,
) -> impl IntoView {
    let s = summary;
    let editable = s.active && s.can_edit;
    let result = Signal::derive(move || actions.save.value().get());
    let account = RwSignal::new(s.account.clone());
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
                can_assign=s.can_assign action=actions.active assign=actions.assign />
            <div class="card">
                <h2>"Details"</h2>
                <dl class="details">{links}</dl>
                <ActionForm action=actions.save attr:novalidate=true>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="version" value=s.version />
                    <ContactFields values=s.fields.to_input() result account disabled=!editable />
                    <DuplicateWarning result />
                    <FormAlert result />
                    {editable.then(|| view! { <button type="submit" class="button primary">"Save"</button> })}
                </ActionForm>
            </div>
            <section class="card" aria-labelledby="contact-opportunities">
                <h2 id="contact-opportunities">"Opportunities"</h2>
                <RelatedOpportunities rows=s.opportunities.clone() caption="Opportunities of this contact" />
            </section>
            <crate::lists::pages::MemberOf member_type=crate::lists::MemberType::Contact id
                lists=s.lists.clone() on_changed=reload />
            <crate::lists::pages::ConsentPanel member_type=crate::lists::MemberType::Contact id version=s.version
                consent=s.consent can_edit=s.can_edit on_saved=reload />
            <Tabs id="contact" label="Contact activity and history" selected=actions.tab tabs=vec![
                ("Timeline", view! { <Timeline state=actions.timeline record_id=id /> }.into_any()),
                ("History", view! { <History entries=s.history.clone() label=contact_field_label caption="Changes to this contact, newest first" /> }.into_any()),
            ] />
        </section>
    }
}
