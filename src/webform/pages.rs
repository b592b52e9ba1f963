//! The admin's web form pages: `/settings/forms` (the forms and the quarantine) and
//! `/settings/forms/{id|new}` (the editor, the three ways to embed, the submissions log).

use super::api::{
    DeleteSubmission, ReleaseSubmission, SaveWebForm, SetWebFormPaused, get_web_form,
    list_web_forms, web_form_submissions,
};
use super::rules::{FORM_FIELD_CHOICES, default_label};
use super::{FormField, OwnerRule, SubmissionLog, SubmissionOutcome, WebFormDetail, WebFormInput};
use crate::auth::Role;
use crate::error::AppError;
use crate::lead::LeadSource;
use crate::ui::enhance::{FormMessage, ServerForm};
use crate::ui::{ErrorPage, FieldError, FormAlert, use_toasts};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Shows `content` to admins only.
fn admin_only(content: impl Fn() -> AnyView + Send + Sync + 'static) -> impl IntoView {
    let user = crate::app::use_signed_in_user();
    view! {
        <Suspense>
            {move || {
                let content = content();
                Suspend::new(async move {
                    if user.await.is_ok_and(|user| user.role.includes(Role::Admin)) {
                        content
                    } else {
                        view! { <ErrorPage message=AppError::Forbidden.to_string() /> }.into_any()
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn WebFormsPage() -> impl IntoView {
    let forms = crate::ui::fetched(|| (), |_| list_web_forms());
    let waiting = crate::ui::fetched(|| (), |_| web_form_submissions(None, 1));
    view! {
        <Title text="Web forms" />
        <section class="page">
            <header class="page-header">
                <h1>"Web forms"</h1>
                <a class="button primary" href="/settings/forms/new">"New form"</a>
            </header>
            {admin_only(move || view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        match forms.await {
                            Ok(forms) if forms.is_empty() => view! {
                                <p class="card">"No web forms yet. A form on your website creates leads here, routed to your reps."</p>
                            }.into_any(),
                            Ok(forms) => view! {
                                <table class="data-table">
                                    <caption class="visually-hidden">"Web forms"</caption>
                                    <thead><tr>
                                        <th scope="col">"Form"</th><th scope="col">"Status"</th>
                                        <th scope="col">"Leads created"</th><th scope="col">"Waiting"</th>
                                        <th scope="col">"Last submission"</th>
                                    </tr></thead>
                                    <tbody>
                                        {forms.into_iter().map(|form| view! {
                                            <tr>
                                                <td data-label="Form"><a href=format!("/settings/forms/{}", form.id)>{form.name}</a></td>
                                                <td data-label="Status">{if form.paused { "Paused" } else { "Live" }}</td>
                                                <td data-label="Leads created">{form.leads_created}</td>
                                                <td data-label="Waiting">{form.waiting}</td>
                                                <td data-label="Last submission">{form.last_submission.map(|at| crate::ui::short_time(&at)).unwrap_or_else(|| "—".into())}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any(),
                            Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                        }
                    })}
                </Suspense>
                <section class="card" aria-labelledby="quarantine-title">
                    <h2 id="quarantine-title">"Quarantine"</h2>
                    <p class="muted">"Submissions that looked like spam, or that wait for an owner or for the form's rate limit. Release one to handle it like any other submission; delete it to drop its details."</p>
                    <Suspense>
                        {move || Suspend::new(async move {
                            match waiting.await {
                                Ok(log) => view! { <SubmissionTable log actions=true /> }.into_any(),
                                Err(error) => view! { <p role="alert">{error.to_string()}</p> }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>
            }.into_any())}
        </section>
    }
}

#[component]
fn SubmissionTable(
    log: SubmissionLog,
    /// Release and Delete on the waiting submissions (each loads the page again).
    actions: bool,
) -> impl IntoView {
    if log.rows.is_empty() {
        return view! { <p>"Nothing here."</p> }.into_any();
    }
    let rows = log
        .rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            let who = if row.sender.is_empty() { "(no name)".to_string() } else { row.sender.clone() };
            let waiting = matches!(row.outcome, SubmissionOutcome::Quarantined | SubmissionOutcome::Queued);
            let buttons = (actions && waiting).then(|| {
                let release_label = format!("Release {who}");
                let delete_label = format!("Delete {who}");
                // The release's answer says what became of the submission.
                view! {
                    <ServerForm action={<ReleaseSubmission as ServerFn>::PATH} class="inline-form" done="{}" reload=true>
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="button secondary" aria-label=release_label>"Release"</button>
                        <FormMessage />
                    </ServerForm>
                    <ServerForm action={<DeleteSubmission as ServerFn>::PATH} class="inline-form" done="Submission deleted." reload=true>
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="button link" aria-label=delete_label>"Delete"</button>
                        <FormMessage />
                    </ServerForm>
                }
            });
            let values = (!row.values.is_empty()).then(|| view! {
                <dl class="submitted">
                    {row.values.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
                </dl>
            });
            view! {
                <tr>
                    <td data-label="Received">{crate::ui::short_time(&row.received_at)}</td>
                    <td data-label="Outcome">{row.outcome.label()}</td>
                    <td data-label="From">{row.sender}{values}</td>
                    <td data-label="Record">{row.record.map(|(name, href)| view! { <a href=href>{name}</a> })}</td>
                    <td data-label="Reason">{row.reason}</td>
                    {actions.then(|| view! { <td data-label="Actions">{buttons}</td> })}
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted">{format!("{} submission{}", log.total, if log.total == 1 { "" } else { "s" })}</p>
        <table class="data-table">
            <caption class="visually-hidden">{format!("Submissions: {}", log.form_name)}</caption>
            <thead><tr>
                <th scope="col">"Received"</th><th scope="col">"Outcome"</th><th scope="col">"From"</th>
                <th scope="col">"Record"</th><th scope="col">"Reason"</th>
                {actions.then(|| view! { <th scope="col">"Actions"</th> })}
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn WebFormPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let form = crate::ui::fetched(id, |id| async move {
        match id {
            Some(id) => get_web_form(id).await.map(Some),
            None => Ok(None),
        }
    });
    let log = crate::ui::fetched(id, |id| async move {
        match id {
            Some(id) => web_form_submissions(Some(id), 1).await.map(Some),
            None => Ok(None),
        }
    });
    let people = crate::ui::fetched(|| (), |_| crate::auth::api::user_directory());
    let lists = crate::ui::fetched(
        || (),
        |_| crate::lists::api::all_lists(Some(crate::lists::MemberType::Lead)),
    );
    view! {
        <Title text="Web form" />
        <section class="page">
            <nav aria-label="Breadcrumb"><a class="button secondary" href="/settings/forms">"All web forms"</a></nav>
            {admin_only(move || view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        let people = people.await.unwrap_or_default();
                        let lists = lists.await.unwrap_or_default();
                        match form.await {
                            Ok(detail) => view! {
                                <FormEditor detail=detail.clone() people lists />
                                {detail.map(|detail| view! { <EmbedAndStatus detail /> })}
                            }.into_any(),
                            Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                        }
                    })}
                </Suspense>
                <Suspense>
                    {move || Suspend::new(async move {
                        match log.await {
                            Ok(Some(log)) => view! {
                                <section class="card" aria-labelledby="log-title">
                                    <h2 id="log-title">"Submissions"</h2>
                                    <SubmissionTable log actions=false />
                                </section>
                            }.into_any(),
                            Ok(None) => ().into_any(),
                            Err(error) => view! { <p role="alert">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            }.into_any())}
        </section>
    }
}

/// The static list of leads the form's leads go into, if any.
fn list_field(
    list: RwSignal<String>,
    lists: Vec<crate::lists::ListRow>,
    selected: Option<i64>,
) -> AnyView {
    view! {
        <div class="field">
            <label for="form-list">"Add its leads to list"</label>
            <select id="form-list" prop:value=move || list.get() on:change=move |ev| list.set(event_target_value(&ev))>
                <option value="">"No list"</option>
                {lists.into_iter().filter(|l| l.kind == crate::lists::ListKind::Static).map(|l| view! {
                    <option value=l.id.to_string() selected=selected == Some(l.id)>{l.name}</option>
                }).collect_view()}
            </select>
        </div>
    }
    .into_any()
}

/// One row of the field chooser.
#[derive(Clone, Copy)]
struct FieldChoice {
    field: &'static str,
    asked: RwSignal<bool>,
    label: RwSignal<String>,
    required: RwSignal<bool>,
    order: RwSignal<String>,
}

/// The form's settings. An island: its field chooser reorders and relabels as you type.
/// Saving loads the saved form's page (a new form's own address).
#[island(lazy)]
fn FormEditor(
    detail: Option<WebFormDetail>,
    people: Vec<crate::auth::UserOption>,
    lists: Vec<crate::lists::ListRow>,
) -> impl IntoView {
    let save = ServerAction::<SaveWebForm>::new();
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            toasts.show("Form saved.");
            crate::ui::go_to(&format!("/settings/forms/{saved}"));
        }
    });
    let (id, version) = detail
        .as_ref()
        .map_or((None, 0), |d| (Some(d.id), d.version));
    let input = detail
        .as_ref()
        .map(|d| d.config.to_input())
        .unwrap_or_else(|| WebFormInput {
            name: String::new(),
            fields: ["first_name", "last_name", "email", "company_name"]
                .iter()
                .map(|field| FormField {
                    field: field.to_string(),
                    label: default_label(field).into(),
                    required: *field != "first_name" && *field != "company_name",
                })
                .collect(),
            lead_source: LeadSource::Web.code().into(),
            owner_rule: OwnerRule::RoundRobin.code().into(),
            min_fill_seconds: "3".into(),
            ..WebFormInput::default()
        });
    let choices: Vec<FieldChoice> = FORM_FIELD_CHOICES
        .iter()
        .map(|field| {
            let asked = input.fields.iter().position(|f| f.field == *field);
            let chosen = asked.map(|i| &input.fields[i]);
            FieldChoice {
                field,
                asked: RwSignal::new(asked.is_some()),
                label: RwSignal::new(
                    chosen.map_or_else(|| default_label(field).to_string(), |f| f.label.clone()),
                ),
                required: RwSignal::new(chosen.is_some_and(|f| f.required)),
                order: RwSignal::new(asked.map_or(String::new(), |i| (i + 1).to_string())),
            }
        })
        .collect();
    let name = RwSignal::new(input.name.clone());
    let consent = RwSignal::new(input.consent_text.clone());
    let source = RwSignal::new(input.lead_source.clone());
    let campaign = RwSignal::new(input.campaign.clone());
    let owner_rule = RwSignal::new(input.owner_rule.clone());
    let owner_id = RwSignal::new(input.owner_id.map(|id| id.to_string()).unwrap_or_default());
    let reps = RwSignal::new(input.reps.clone());
    let thank_you = RwSignal::new(input.thank_you.clone());
    let redirect = RwSignal::new(input.redirect_url.clone());
    let origins = RwSignal::new(input.allowed_origins.clone());
    let min_fill = RwSignal::new(input.min_fill_seconds.clone());
    let list = RwSignal::new(input.list_id.map(|id| id.to_string()).unwrap_or_default());
    let result = Signal::derive(move || save.value().get());
    let stored_choices = StoredValue::new(choices.clone());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut fields: Vec<(i64, usize, FormField)> = stored_choices
            .get_value()
            .iter()
            .enumerate()
            .filter(|(_, c)| c.asked.get_untracked())
            .map(|(i, c)| {
                let order = c
                    .order
                    .get_untracked()
                    .trim()
                    .parse::<i64>()
                    .unwrap_or(i64::MAX);
                (
                    order,
                    i,
                    FormField {
                        field: c.field.into(),
                        label: c.label.get_untracked(),
                        required: c.required.get_untracked(),
                    },
                )
            })
            .collect();
        fields.sort_by_key(|(order, i, _)| (*order, *i));
        let form = WebFormInput {
            name: name.get_untracked(),
            fields: fields.into_iter().map(|(_, _, f)| f).collect(),
            consent_text: consent.get_untracked(),
            lead_source: source.get_untracked(),
            campaign: campaign.get_untracked(),
            owner_rule: owner_rule.get_untracked(),
            owner_id: owner_id.get_untracked().parse().ok(),
            reps: reps.get_untracked(),
            thank_you: thank_you.get_untracked(),
            redirect_url: redirect.get_untracked(),
            allowed_origins: origins.get_untracked(),
            min_fill_seconds: min_fill.get_untracked(),
            list_id: list.get_untracked().parse().ok(),
        };
        save.dispatch(SaveWebForm { id, version, form });
    };
    let field_rows = choices
        .into_iter()
        .map(|choice| {
            let label = default_label(choice.field);
            view! {
                <tr>
                    <th scope="row">{label}</th>
                    <td data-label="Ask"><label class="check"><input type="checkbox" prop:checked=move || choice.asked.get() on:change=move |ev| choice.asked.set(event_target_checked(&ev)) /><span class="visually-hidden">{format!("Ask for {label}")}</span></label></td>
                    <td data-label="Label"><input aria-label=format!("Label of {label}") prop:value=move || choice.label.get() on:input=move |ev| choice.label.set(event_target_value(&ev)) /></td>
                    <td data-label="Required"><label class="check"><input type="checkbox" prop:checked=move || choice.required.get() on:change=move |ev| choice.required.set(event_target_checked(&ev)) /><span class="visually-hidden">{format!("{label} required")}</span></label></td>
                    <td data-label="Order"><input class="narrow" inputmode="numeric" aria-label=format!("Order of {label}") prop:value=move || choice.order.get() on:input=move |ev| choice.order.set(event_target_value(&ev)) /></td>
                </tr>
            }
            .into_any()
        })
        .collect_view();
    let owner_options = people
        .iter()
        .map(|person| view! { <option value=person.id.to_string()>{person.name.clone()}</option> })
        .collect_view();
    let rep_boxes = people
        .into_iter()
        .map(|person| {
            let rep = person.id;
            view! {
                <label class="check">
                    <input type="checkbox" prop:checked=move || reps.with(|r| r.contains(&rep)) on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        reps.update(|r| { r.retain(|id| *id != rep); if on { r.push(rep); } });
                    } />
                    {person.name}
                </label>
            }
        })
        .collect_view();
    let text_field = move |id: &'static str,
                           label: &'static str,
                           value: RwSignal<String>,
                           hint: Option<&'static str>| {
        let error_id = format!("{id}-error");
        view! {
            <div class="field">
                <label for=id>{label}</label>
                {hint.map(|hint| view! { <p class="hint">{hint}</p> })}
                <input id=id prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) aria-describedby=error_id.clone() />
                <FieldError result field=id id=error_id />
            </div>
        }
        .into_any()
    };
    let area_field = move |id: &'static str,
                           label: &'static str,
                           value: RwSignal<String>,
                           hint: &'static str| {
        let error_id = format!("{id}-error");
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <p class="hint">{hint}</p>
                <textarea id=id prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) aria-describedby=error_id.clone()></textarea>
                <FieldError result field=id id=error_id />
            </div>
        }
        .into_any()
    };
    let heading = if id.is_some() {
        "Edit web form"
    } else {
        "New web form"
    };
    view! {
        <header class="page-header"><h1>{heading}</h1></header>
        <form class="card" on:submit=submit novalidate=true>
            <FormAlert result />
            {text_field("name", "Name", name, None)}
            {view! { <fieldset>
                <legend>"Fields the form asks for"</legend>
                <FieldError result field="fields" id="fields-error" />
                <table class="data-table field-chooser">
                    <thead><tr><th scope="col">"Field"</th><th scope="col">"Ask"</th><th scope="col">"Label"</th><th scope="col">"Required"</th><th scope="col">"Order"</th></tr></thead>
                    <tbody>{field_rows}</tbody>
                </table>
            </fieldset> }.into_any()}
            {area_field("consent_text", "Consent checkbox text", consent, "Leave empty for no consent checkbox. With a text, visitors must tick it to send.")}
            <div class="field">
                <label for="lead_source">"Lead source"</label>
                <select id="lead_source" prop:value=move || source.get() on:change=move |ev| source.set(event_target_value(&ev))>
                    {LeadSource::ALL.iter().map(|s| view! { <option value=s.code() selected=input.lead_source == s.code()>{s.label()}</option> }).collect_view()}
                </select>
            </div>
            {text_field("campaign", "Campaign", campaign, Some("Optional: named in each lead's topic."))}
            {list_field(list, lists, input.list_id)}
            {view! { <fieldset>
                <legend>"Who gets the leads"</legend>
                <label class="check"><input type="radio" name="owner_rule" value="round_robin" prop:checked=move || owner_rule.get() == "round_robin" on:change=move |_| owner_rule.set("round_robin".into()) />"Round-robin over these reps (deactivated ones are skipped)"</label>
                <div class="check-list" role="group" aria-label="Reps taking turns">{rep_boxes}</div>
                <FieldError result field="reps" id="reps-error" />
                <label class="check"><input type="radio" name="owner_rule" value="user" prop:checked=move || owner_rule.get() == "user" on:change=move |_| owner_rule.set("user".into()) />"One user"</label>
                <div class="field">
                    <label for="owner_id">"Owner"</label>
                    <select id="owner_id" prop:value=move || owner_id.get() on:change=move |ev| owner_id.set(event_target_value(&ev)) aria-describedby="owner_id-error">
                        <option value="">"—"</option>
                        {owner_options}
                    </select>
                    <FieldError result field="owner_id" id="owner_id-error" />
                </div>
            </fieldset> }.into_any()}
            {area_field("thank_you", "Thank-you message", thank_you, "Shown after sending, unless a redirect address is set.")}
            {text_field("redirect_url", "Redirect address", redirect, Some("Optional: send visitors to this page after sending (https://…)."))}
            {area_field("allowed_origins", "Websites allowed to embed it", origins, "One origin per line, like https://www.example.com.")}
            {text_field("min_fill_seconds", "Minimum fill time (seconds)", min_fill, Some("Faster submissions are quarantined as likely bots."))}
            <button type="submit" class="button primary">"Save form"</button>
        </form>
    }
    .into_any()
}

#[component]
fn EmbedAndStatus(detail: WebFormDetail) -> AnyView {
    let id = detail.id;
    let paused = detail.paused;
    let embed = detail.embed;
    let snippet = |title: &'static str, slug: &'static str, text: String| {
        view! {
            <div class="field">
                <label for=slug>{title}</label>
                <textarea id=slug class="snippet" readonly=true rows="6">{crate::ui::inputs::user_text(text)}</textarea>
                // ui::toggle copies it.
                <button type="button" class="button secondary" aria-label=format!("Copy {}", title.to_lowercase()) data-copy=slug>"Copy"</button>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="embed-title">
            <h2 id="embed-title">"Put it on your website"</h2>
            <p>{if paused { "Paused: visitors see that the form is not taking submissions." } else { "Live: submissions create leads." }}</p>
            <ServerForm action={<SetWebFormPaused as ServerFn>::PATH}
                done=if paused { "Form resumed." } else { "Form paused." } reload=true>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="paused" value=(!paused).to_string() />
                <button type="submit" class="button secondary">{if paused { "Resume form" } else { "Pause form" }}</button>
                <FormMessage />
            </ServerForm>
            <p><a href=embed.hosted_url.clone() target="_blank" rel="noopener">"Open the hosted page"</a></p>
            {snippet("Hosted page address", "embed-hosted", embed.hosted_url)}
            {snippet("HTML form (works with JavaScript off)", "embed-html", embed.html_form)}
            {snippet("Iframe", "embed-iframe", embed.iframe)}
        </section>
    }
    .into_any()
}
