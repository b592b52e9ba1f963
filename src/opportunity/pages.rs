//! The opportunity record page: stage bar with Next/Previous Stage, the form, Close as Won
//! or Lost, Reopen, the timeline and the history.

use super::api::{
    CloseLost, CloseWon, MoveOpportunityStage, ReopenOpportunity, SetOpportunityStep,
    SwitchOpportunityProcess, UpdateOpportunity, get_opportunity,
};
use super::parties::PartiesCard;
use super::rules::opportunity_field_label;
use super::{ForecastCategory, OpportunityStatus, OpportunitySummary};
use crate::activity::RecordType;
use crate::activity::timeline::{Timeline, TimelineState};
use crate::assignment::{AssignControl, OwnedKind};
use crate::customer::{CustomerKind, CustomerPicker};
use crate::error::AppError;
use crate::lead::{Need, PurchaseProcess, PurchaseTimeframe, Rating};
use crate::process::StageBar;
use crate::ui::enhance::{FieldMessage, FormMessage, ServerForm};
use crate::ui::inputs::{option_input, text_input};
use crate::ui::tabs::Tabs;
use crate::ui::{ErrorPage, History};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// What the page loads beyond the record: the sales processes Switch process offers, and
/// the timeline. Every change is a form `ui::enhance` sends, and a success loads the page
/// again with the record as saved.
#[derive(Clone, Copy)]
struct Actions {
    processes: crate::ui::Fetched<Result<Vec<crate::process::ProcessChoice>, AppError>>,
    timeline: TimelineState,
}

impl Actions {
    fn new(timeline: TimelineState) -> Actions {
        Actions {
            processes: crate::ui::fetched(|| (), |_| crate::process::api::process_choices()),
            timeline,
        }
    }
}

#[component]
pub fn OpportunityPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let opportunity = crate::ui::fetched(id, |id| async move {
        match id {
            Some(id) => get_opportunity(id).await,
            None => Err(AppError::NotFound("This opportunity".into())),
        }
    });
    let timeline = TimelineState::new(RecordType::Opportunity, id);
    let actions = Actions::new(timeline);
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the opportunity…"</p> }>
            {move || Suspend::new(async move {
                match opportunity.await {
                    Ok(summary) => view! { <OpportunityRecord summary actions /> }.into_any(),
                    Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn record_link(path: &'static str, link: Option<crate::types::RecordLink>) -> Option<AnyView> {
    link.map(|link| view! { <a href=format!("/{path}/{}", link.id)>{link.name}</a> }.into_any())
}

#[component]
fn OpportunityRecord(summary: OpportunitySummary, actions: Actions) -> impl IntoView {
    let s = summary;
    let id = s.id;
    let version = s.version;
    let is_open = s.status == OpportunityStatus::Open;
    let editable = is_open && s.can_edit;
    // The board sends Won and Lost moves here with `?close=won|lost`: that dialog opens.
    let close_now = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("close"));
    let stage_name = s
        .progress
        .stages
        .get(s.progress.active_index())
        .map(|stage| stage.name.clone())
        .unwrap_or_default();
    let status = if is_open {
        format!("Open · {stage_name}")
    } else {
        s.status.label().to_string()
    };
    // An editable opportunity shows its customer in the form's pickers.
    let customer_links = (!editable).then(|| {
        [
            ("Account", record_link("accounts", s.account.clone())),
            ("Contact", record_link("contacts", s.contact.clone())),
        ]
    });
    let links = customer_links
        .into_iter()
        .flatten()
        .chain([(
            "Originating lead",
            record_link("leads", s.originating_lead.clone()),
        )])
        .filter_map(|(label, link)| Some(view! { <div><dt>{label}</dt><dd>{link?}</dd></div> }))
        .collect_view();
    let close_info = s.close.clone().map(|close| {
        let rows = [
            ("Actual revenue", close.actual_revenue),
            ("Actual close date", close.actual_close_date),
            ("Lost reason", close.lost_reason),
            ("Competitor", close.competitor),
            ("Description", close.description),
        ]
        .into_iter()
        .filter_map(|(label, value)| Some(view! { <div><dt>{label}</dt><dd>{value?}</dd></div> }))
        .collect_view();
        view! {
            <section class="card" aria-labelledby="close-title">
                <h2 id="close-title">{format!("Closed as {}", s.status.label().to_lowercase())}</h2>
                <dl class="details">{rows}</dl>
            </section>
        }
    });
    let forecast_note = format!(
        "{}% · {}{}",
        s.forecast.probability,
        s.forecast.category.label(),
        match (
            s.forecast.probability_overridden,
            s.forecast.category_overridden
        ) {
            (false, false) => " (from the stage)",
            _ => " (set by hand)",
        }
    );
    view! {
        <Title text=crate::ui::inputs::user_text(format!("{} · Opportunity", s.fields.topic)) />
        <section class="page">
            <header class="page-header record-header">
                <div>
                    <p class="record-kind">"Opportunity"</p>
                    <h1>{s.fields.topic.clone()}</h1>
                    <p class="record-meta">
                        <span class="badge">{status}</span>
                        {format!(" Owner: {} · {forecast_note}", s.owner_name)}
                    </p>
                </div>
                <div class="record-actions">
                    {editable.then(|| view! {
                        // The button pressed is the direction.
                        <ServerForm action={<MoveOpportunityStage as ServerFn>::PATH} class="record-actions" done="Stage changed." reload=true>
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <button type="submit" class="button secondary" name="direction" value="previous">"Previous Stage"</button>
                            <button type="submit" class="button primary" name="direction" value="next">"Next Stage"</button>
                            <FormMessage />
                        </ServerForm>
                        <button type="button" class="button secondary" data-show-dialog="won-dialog">"Close as Won"</button>
                        <button type="button" class="button secondary" data-show-dialog="lost-dialog">"Close as Lost"</button>
                    })}
                    {(!is_open && s.can_edit).then(|| view! {
                        <ServerForm action={<ReopenOpportunity as ServerFn>::PATH} done="Opportunity reopened." reload=true>
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <button type="submit" class="button primary">"Reopen"</button>
                            <FormMessage />
                        </ServerForm>
                    })}
                </div>
            </header>
            {(is_open && s.can_assign).then(|| view! {
                <AssignControl kind=OwnedKind::Opportunity id version=s.version owner_id=s.owner_id />
            })}
            <StageBar progress=s.progress.clone() record_id=id
                toggle=editable.then_some(<SetOpportunityStep as ServerFn>::PATH) />
            {editable.then(|| view! { <SwitchProcess id version process_id=s.progress.process_id actions /> })}
            {close_info}
            <OpportunityForm summary=s.clone() editable>
                <dl class="details">{links}</dl>
            </OpportunityForm>
            <PartiesCard id parties=s.parties.clone() all_competitors=s.competitors.clone() editable />
            <Tabs id="opportunity" label="Opportunity activity and history" tabs=vec![
                ("Timeline", view! { <Timeline state=actions.timeline record_id=id /> }.into_any()),
                ("History", view! { <History entries=s.history.clone() label=opportunity_field_label caption="Changes to this opportunity, newest first" /> }.into_any()),
            ] />
            <CloseWonDialog show_now=close_now.as_deref() == Some("won") id version estimate=s.fields.estimated_revenue_minor.map(|m| crate::types::Money::from_minor(m, crate::types::Currency::USD).amount_text()) today=s.today.clone() />
            <CloseLostDialog show_now=close_now.as_deref() == Some("lost") id version summary=s />
        </section>
    }
}

#[component]
fn OpportunityForm(
    summary: OpportunitySummary,
    editable: bool,
    children: Children,
) -> impl IntoView {
    let v = summary.fields.to_input(&summary.forecast);
    let (account, contact) = (summary.account.clone(), summary.contact.clone());
    let defaults = summary.stage_defaults;
    let form = "opportunity";
    let probability_hint = if summary.forecast.probability_overridden {
        format!(
            "Set by hand. Clear it to follow the stage ({}%).",
            defaults.probability
        )
    } else {
        format!(
            "From the stage ({}%). Type a value to override it.",
            defaults.probability
        )
    };
    let category = v.forecast_category.clone();
    let category_options = [
        ForecastCategory::Pipeline,
        ForecastCategory::BestCase,
        ForecastCategory::Committed,
        ForecastCategory::Omitted,
    ]
    .into_iter()
    .map(|option| {
        let selected = summary.forecast.category_overridden && category == option.code();
        view! { <option value=option.code() selected=selected>{option.label()}</option> }
    })
    .collect_view();
    view! {
        <div class="card">
            <h2>"Details"</h2>
            {children()}
            <ServerForm action={<UpdateOpportunity as ServerFn>::PATH} done="Opportunity saved." reload=true>
                <input type="hidden" name="id" value=summary.id />
                <input type="hidden" name="version" value=summary.version />
                <fieldset class="plain" disabled=!editable>
                    <legend class="visually-hidden">"Opportunity fields"</legend>
                    <div class="form-grid">
                        {text_input(form, "topic", "Topic", "text", "off", v.topic.clone())}
                        {text_input(form, "estimated_revenue", "Estimated revenue (USD)", "text", "off", v.estimated_revenue.clone())}
                        {text_input(form, "estimated_close_date", "Estimated close date", "date", "off", v.estimated_close_date.clone())}
                        <div class="field">
                            <label for="opportunity-probability">"Probability (%)"</label>
                            <input id="opportunity-probability" name="opportunity[probability]" inputmode="numeric"
                                value=if summary.forecast.probability_overridden { v.probability.clone() } else { String::new() }
                                placeholder=defaults.probability.to_string()
                                aria-describedby="opportunity-probability-hint opportunity-probability-error" />
                            <p class="muted field-hint" id="opportunity-probability-hint">{probability_hint}</p>
                            <FieldMessage field="probability" id="opportunity-probability-error" />
                        </div>
                        <div class="field">
                            <label for="opportunity-forecast">"Forecast category"</label>
                            <select id="opportunity-forecast" name="opportunity[forecast_category]" aria-describedby="opportunity-forecast-error">
                                <option value="" selected=!summary.forecast.category_overridden>
                                    {format!("Follow the stage ({})", defaults.forecast.label())}
                                </option>
                                {category_options}
                            </select>
                            <FieldMessage field="forecast_category" id="opportunity-forecast-error" />
                        </div>
                        {option_input::<Rating>(form, "rating", "Rating", v.rating.clone())}
                        {text_input(form, "budget_amount", "Budget amount (USD)", "text", "off", v.budget_amount.clone())}
                        {option_input::<PurchaseTimeframe>(form, "purchase_timeframe", "Purchase timeframe", v.purchase_timeframe.clone())}
                        {option_input::<PurchaseProcess>(form, "purchase_process", "Purchase process", v.purchase_process.clone())}
                        {option_input::<Need>(form, "need", "Need", v.need.clone())}
                    </div>
                    {editable.then(|| view! {
                        <fieldset class="plain customer-fields">
                            <legend>"Potential customer"</legend>
                            <input type="hidden" name="opportunity[with_customer]" value="true" />
                            <CustomerPicker kind=CustomerKind::Account name="opportunity[account_id]".to_string()
                                label="Account".to_string() chosen=account.clone() disabled=false described_by="opportunity-account-error".to_string() />
                            <FieldMessage field="account_id" id="opportunity-account-error" />
                            <CustomerPicker kind=CustomerKind::Contact name="opportunity[contact_id]".to_string()
                                label="Contact".to_string() chosen=contact.clone() disabled=false described_by="opportunity-contact-error".to_string() />
                            <FieldMessage field="contact_id" id="opportunity-contact-error" />
                        </fieldset>
                    }.into_any())}
                    {[
                        ("current_situation", "Current situation", v.current_situation.clone()),
                        ("customer_need", "Customer need", v.customer_need.clone()),
                        ("proposed_solution", "Proposed solution", v.proposed_solution.clone()),
                        ("description", "Description", v.description.clone()),
                    ]
                    .into_iter()
                    .map(|(name, label, value)| {
                        let id = format!("opportunity-{name}");
                        view! {
                            <div class="field">
                                <label for=id.clone()>{label}</label>
                                <textarea id=id name=format!("opportunity[{name}]") rows="3">{crate::ui::inputs::user_text(value)}</textarea>
                            </div>
                        }
                    })
                    .collect_view()}
                </fieldset>
                <FormMessage />
                {editable.then(|| view! { <button type="submit" class="button primary">"Save"</button> })}
            </ServerForm>
        </div>
    }
}

#[component]
fn CloseWonDialog(
    /// Open as the page loads (the board's move to Won).
    show_now: bool,
    id: i64,
    version: i64,
    estimate: Option<String>,
    today: String,
) -> impl IntoView {
    view! {
        <dialog id="won-dialog" class="dialog" aria-labelledby="won-title" data-show-now=show_now.then_some("")>
            <h2 id="won-title">"Close as won"</h2>
            <ServerForm action={<CloseWon as ServerFn>::PATH} done="Closed as won." reload=true>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="version" value=version />
                {text_input("close", "actual_revenue", "Actual revenue (USD)", "text", "off", estimate.unwrap_or_default())}
                {text_input("close", "actual_close_date", "Actual close date", "date", "off", today)}
                <FormMessage />
                <div class="dialog-actions">
                    <button type="submit" class="button primary">"Confirm won"</button>
                    <button type="button" class="button secondary" data-close-dialog="">"Cancel"</button>
                </div>
            </ServerForm>
        </dialog>
    }
}

#[component]
fn CloseLostDialog(
    /// Open as the page loads (the board's move to Lost).
    show_now: bool,
    id: i64,
    version: i64,
    summary: OpportunitySummary,
) -> impl IntoView {
    let today = summary.today.clone();
    let reasons = summary
        .lost_reasons
        .iter()
        .map(|reason| view! { <option value=reason.code.clone()>{reason.label.clone()}</option> })
        .collect_view();
    let competitors = summary
        .competitors
        .iter()
        .map(|competitor| view! { <option value=competitor.id>{competitor.name.clone()}</option> })
        .collect_view();
    view! {
        <dialog id="lost-dialog" class="dialog" aria-labelledby="lost-title" data-show-now=show_now.then_some("")>
            <h2 id="lost-title">"Close as lost"</h2>
            <ServerForm action={<CloseLost as ServerFn>::PATH} done="Closed as lost." reload=true>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="version" value=version />
                <div class="field">
                    <label for="close-reason">"Reason"</label>
                    <select id="close-reason" name="close[reason]" aria-describedby="close-reason-error">
                        <option value="">"Choose a reason"</option>
                        {reasons}
                    </select>
                    <FieldMessage field="reason" id="close-reason-error" />
                </div>
                <div class="field">
                    <label for="close-competitor">"Competitor (for Out-Sold)"</label>
                    <select id="close-competitor" name="close[competitor]" aria-describedby="close-competitor-error">
                        <option value="">"None"</option>
                        {competitors}
                    </select>
                    <FieldMessage field="competitor" id="close-competitor-error" />
                </div>
                <div class="field">
                    <label for="close-description">"Description (required for Other)"</label>
                    <textarea id="close-description" name="close[description]" rows="3" aria-describedby="close-description-error"></textarea>
                    <FieldMessage field="description" id="close-description-error" />
                </div>
                {text_input("close", "actual_close_date", "Actual close date", "date", "off", today)}
                <FormMessage />
                <div class="dialog-actions">
                    <button type="submit" class="button primary">"Confirm lost"</button>
                    <button type="button" class="button secondary" data-close-dialog="">"Cancel"</button>
                </div>
            </ServerForm>
        </dialog>
    }
}

/// Switch process: another sales process for this opportunity (where it stood there before,
/// else its first stage). Shown when there is more than one process.
#[component]
fn SwitchProcess(id: i64, version: i64, process_id: i64, actions: Actions) -> impl IntoView {
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let others: Vec<_> = actions
                    .processes
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|process| process.id != process_id)
                    .collect();
                (!others.is_empty()).then(|| view! {
                    <ServerForm action={<SwitchOpportunityProcess as ServerFn>::PATH} class="switch-process" done="Process switched." reload=true browser_checks=true>
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="version" value=version />
                        <label for="switch-process">"Switch process"</label>
                        <select id="switch-process" name="process_id" required>
                            <option value="">"Choose a process"</option>
                            {others.into_iter().map(|process| view! {
                                <option value=process.id.to_string()>{process.name}</option>
                            }).collect_view()}
                        </select>
                        <button type="submit" class="button secondary">"Switch"</button>
                        <FormMessage />
                    </ServerForm>
                })
            })}
        </Suspense>
    }
}
