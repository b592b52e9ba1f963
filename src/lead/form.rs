//! The lead form's fields, shared by quick create, the full form and the record page.

use super::rules::LeadInput;
use super::{BudgetStatus, LeadSource, Need, PurchaseProcess, PurchaseTimeframe, Rating};
use crate::auth::UserOption;
use crate::ui::inputs::{ErrorSource, option_input, text_input};
use leptos::prelude::*;

/// Who may own the lead: managers pick anyone; others see the owner but cannot change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerChoice {
    pub users: Vec<UserOption>,
    pub selected: i64,
    pub can_assign: bool,
}

fn owner_input(result: impl ErrorSource, owner: OwnerChoice) -> impl IntoView {
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
            {result.field_error("owner", "lead-owner-error".into())}
        </div>
    }
}

/// The lead fields: the quick set (topic, source, name, company, email, phone) or every
/// field grouped as Contact, Company, Qualification details and Description.
#[component]
pub fn LeadFields<E: ErrorSource>(
    values: LeadInput,
    /// Where the field errors come from.
    result: E,
    #[prop(optional)] quick: bool,
    #[prop(optional)] owner: Option<OwnerChoice>,
) -> impl IntoView {
    let v = values;
    let topic_and_source = view! {
        <div class="form-grid">
            {text_input("lead", result, "topic", "Topic", "text", "off", v.topic.clone())}
            {option_input::<LeadSource, _>("lead", result, "lead_source", "Lead source", v.lead_source.clone())}
            {(!quick).then(|| option_input::<Rating, _>("lead", result, "rating", "Rating", v.rating.clone()))}
            {owner.map(|owner| owner_input(result, owner))}
        </div>
    };
    if quick {
        return view! {
            {topic_and_source}
            <div class="form-grid">
                {text_input("lead", result, "first_name", "First name", "text", "given-name", v.first_name)}
                {text_input("lead", result, "last_name", "Last name", "text", "family-name", v.last_name)}
                {text_input("lead", result, "company_name", "Company", "text", "organization", v.company_name)}
                {text_input("lead", result, "email", "Email", "email", "email", v.email)}
                {text_input("lead", result, "business_phone", "Phone", "tel", "tel", v.business_phone)}
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
                {text_input("lead", result, "first_name", "First name", "text", "given-name", v.first_name)}
                {text_input("lead", result, "last_name", "Last name", "text", "family-name", v.last_name)}
                {text_input("lead", result, "job_title", "Job title", "text", "organization-title", v.job_title)}
                {text_input("lead", result, "email", "Email", "email", "email", v.email)}
                {text_input("lead", result, "business_phone", "Business phone", "tel", "tel", v.business_phone)}
                {text_input("lead", result, "mobile_phone", "Mobile phone", "tel", "tel", v.mobile_phone)}
            </div>
        </fieldset>
        <fieldset class="form-group">
            <legend>"Company"</legend>
            <div class="form-grid">
                {text_input("lead", result, "company_name", "Company name", "text", "organization", v.company_name)}
                {text_input("lead", result, "website", "Website", "text", "url", v.website)}
                {text_input("lead", result, "street", "Street", "text", "street-address", v.street)}
                {text_input("lead", result, "city", "City", "text", "address-level2", v.city)}
                {text_input("lead", result, "state_province", "State/Province", "text", "address-level1", v.state_province)}
                {text_input("lead", result, "postal_code", "Postal code", "text", "postal-code", v.postal_code)}
                {text_input("lead", result, "country", "Country", "text", "country-name", v.country)}
            </div>
        </fieldset>
        <fieldset class="form-group">
            <legend>"Qualification details"</legend>
            <div class="form-grid">
                {text_input("lead", result, "budget_amount", "Budget amount (USD)", "text", "off", v.budget_amount)}
                {option_input::<BudgetStatus, _>("lead", result, "budget_status", "Budget status", v.budget_status)}
                {option_input::<PurchaseTimeframe, _>("lead", result, "purchase_timeframe", "Purchase timeframe", v.purchase_timeframe)}
                {option_input::<PurchaseProcess, _>("lead", result, "purchase_process", "Purchase process", v.purchase_process)}
                <div class="field">
                    <label for="lead-decision_maker_identified">"Decision maker identified"</label>
                    <select id="lead-decision_maker_identified" name="lead[decision_maker_identified]" aria-describedby="lead-decision_maker_identified-error">
                        <option value="" selected=dm.is_empty()>"Not known"</option>
                        <option value="yes" selected=dm == "yes">"Yes"</option>
                        <option value="no" selected=dm == "no">"No"</option>
                    </select>
                    {result.field_error("decision_maker_identified", "lead-decision_maker_identified-error".into())}
                </div>
                {option_input::<Need, _>("lead", result, "need", "Need", v.need)}
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
