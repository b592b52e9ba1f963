//! The lead form's fields, shared by quick create, the full form and the record page.

use super::rules::LeadInput;
use super::{BudgetStatus, LeadSource, Need, PurchaseProcess, PurchaseTimeframe, Rating};
use crate::auth::UserOption;
use crate::ui::enhance::FieldMessage;
use crate::ui::inputs::{address_inputs, option_input, text_input};
use leptos::prelude::*;

/// Who may own the lead: managers pick anyone; others see the owner but cannot change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerChoice {
    pub users: Vec<UserOption>,
    pub selected: i64,
    pub can_assign: bool,
}

fn owner_input(owner: OwnerChoice) -> impl IntoView {
    view! {
        <div class="field">
            <label for="lead-owner">"Owner"</label>
            <select id="lead-owner" name="owner" disabled=!owner.can_assign aria-describedby="lead-owner-error">
                {owner
                    .users
                    .into_iter()
                    .map(|user| view! { <option value=user.id selected=user.id == owner.selected>{user.name}</option> })
                    .collect_view()}
            </select>
            <FieldMessage field="owner" id="lead-owner-error" />
        </div>
    }
}

/// The lead fields: the quick set (topic, source, name, company, email, phone) or every
/// field grouped as Contact, Company, Qualification details and Description.
#[component]
pub fn LeadFields(
    values: LeadInput,
    #[prop(optional)] quick: bool,
    #[prop(optional)] owner: Option<OwnerChoice>,
) -> impl IntoView {
    let v = values;
    let topic_and_source = view! {
        <div class="form-grid">
            {text_input("lead", "topic", "Topic", "text", "off", v.topic.clone())}
            {option_input::<LeadSource>("lead", "lead_source", "Lead source", v.lead_source.clone())}
            {(!quick).then(|| option_input::<Rating>("lead", "rating", "Rating", v.rating.clone()))}
            {owner.map(owner_input)}
        </div>
    };
    if quick {
        return view! {
            {topic_and_source}
            <div class="form-grid">
                {text_input("lead", "first_name", "First name", "text", "given-name", v.first_name)}
                {text_input("lead", "last_name", "Last name", "text", "family-name", v.last_name)}
                {text_input("lead", "company_name", "Company", "text", "organization", v.company_name)}
                {text_input("lead", "email", "Email", "email", "email", v.email)}
                {text_input("lead", "business_phone", "Phone", "tel", "tel", v.business_phone)}
            </div>
        }
        .into_any();
    }
    let dm = v.decision_maker_identified.clone();
    view! {
        {topic_and_source}
        <fieldset class="form-group">
            <legend>"Contact"</legend>
            <div class="form-grid">
                {text_input("lead", "first_name", "First name", "text", "given-name", v.first_name)}
                {text_input("lead", "last_name", "Last name", "text", "family-name", v.last_name)}
                {text_input("lead", "job_title", "Job title", "text", "organization-title", v.job_title)}
                {text_input("lead", "email", "Email", "email", "email", v.email)}
                {text_input("lead", "business_phone", "Business phone", "tel", "tel", v.business_phone)}
                {text_input("lead", "mobile_phone", "Mobile phone", "tel", "tel", v.mobile_phone)}
            </div>
        </fieldset>
        <fieldset class="form-group">
            <legend>"Company"</legend>
            <div class="form-grid">
                {text_input("lead", "company_name", "Company name", "text", "organization", v.company_name)}
                {text_input("lead", "website", "Website", "text", "url", v.website)}
                {address_inputs("lead", [v.street, v.city, v.state_province, v.postal_code, v.country])}
            </div>
        </fieldset>
        <fieldset class="form-group">
            <legend>"Qualification details"</legend>
            <div class="form-grid">
                {text_input("lead", "budget_amount", "Budget amount (USD)", "text", "off", v.budget_amount)}
                {option_input::<BudgetStatus>("lead", "budget_status", "Budget status", v.budget_status)}
                {option_input::<PurchaseTimeframe>("lead", "purchase_timeframe", "Purchase timeframe", v.purchase_timeframe)}
                {option_input::<PurchaseProcess>("lead", "purchase_process", "Purchase process", v.purchase_process)}
                <div class="field">
                    <label for="lead-decision_maker_identified">"Decision maker identified"</label>
                    <select id="lead-decision_maker_identified" name="lead[decision_maker_identified]" aria-describedby="lead-decision_maker_identified-error">
                        <option value="" selected=dm.is_empty()>"Not known"</option>
                        <option value="yes" selected=dm == "yes">"Yes"</option>
                        <option value="no" selected=dm == "no">"No"</option>
                    </select>
                    <FieldMessage field="decision_maker_identified" id="lead-decision_maker_identified-error" />
                </div>
                {option_input::<Need>("lead", "need", "Need", v.need)}
            </div>
        </fieldset>
        <fieldset class="form-group">
            <legend>"Description"</legend>
            <div class="field">
                <label for="lead-description">"Description"</label>
                <textarea id="lead-description" name="lead[description]" rows="4">{crate::ui::inputs::user_text(v.description)}</textarea>
            </div>
        </fieldset>
    }
    .into_any()
}
