//! `/settings/scoring`: the draft rules (condition and points each, grade thresholds), Save
//! draft, Backtest beside the published rules, Publish with the rescore's progress.

use super::api::{
    BacktestScoring, PublishScoring, SaveScoringDraft, open_scoring_editor,
    scoring_backtest_progress, scoring_progress,
};
use super::rules::rule_key;
use super::{
    Backtest, BacktestRow, RecomputeProgress, RuleDraft, RuleSetDraft, RuleTest, ScoringEditor,
    ScoringField,
};
use crate::error::AppError;
use crate::options::OptionSet;
use crate::ui::enhance::{FormMessage, send_in_place};
use crate::ui::{ErrorPage, FormAlert, ProgressMeter, short_time, use_toasts};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn ScoringPage() -> impl IntoView {
    let editor = crate::ui::fetched(|| (), |_| open_scoring_editor());
    let progress = crate::ui::fetched(|| (), |_| scoring_progress());
    view! {
        <Title text="Lead scoring" />
        <section class="page">
            <header class="page-header"><h1>"Lead scoring"</h1></header>
            <p class="muted">
                "Each rule gives points when it applies: fit rules look at who the lead is, engagement rules at what they did. The score is their sum, kept within 0–100, and its grade comes from the thresholds. Edit the draft, backtest it on the closed leads, then publish it: every open lead is rescored."
            </p>
            <Suspense fallback=|| view! { <p class="loading">"Loading the rules…"</p> }>
                {move || Suspend::new(async move {
                    let progress = progress.await.ok().flatten();
                    match editor.await {
                        Ok(editor) => view! { <ScoringEditorForm editor progress /> }.into_any(),
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The rules, edited in place, and the rescore's progress. An island: rules are added and
/// removed in the browser, backtested, saved and published; a save or a publish that works
/// loads the page again (a refused one keeps what was typed).
#[island(lazy)]
fn ScoringEditorForm(editor: ScoringEditor, progress: Option<RecomputeProgress>) -> impl IntoView {
    let save = ServerAction::<SaveScoringDraft>::new();
    let toasts = use_toasts();
    let reload = || crate::ui::go_to(&window().location().href().unwrap_or_default());
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            toasts.show("Draft saved.");
            reload();
        }
    });
    view! {
        <RecomputeMeter initial=progress />
        <RulesForm editor save />
    }
    .into_any()
}

/// The rescore of every open lead: as the page opened, then polled while it runs.
#[component]
fn RecomputeMeter(initial: Option<RecomputeProgress>) -> AnyView {
    let running = RwSignal::new(initial.as_ref().is_some_and(|progress| !progress.finished));
    let polled = crate::ui::polled(
        std::time::Duration::from_millis(400),
        running.into(),
        scoring_progress,
    );
    let initial = StoredValue::new(initial);
    let latest = move || match polled.get() {
        Some(Ok(progress)) => progress,
        _ => initial.get_value(),
    };
    Effect::new(move |_| {
        if latest().is_some_and(|progress| progress.finished) {
            running.set(false);
        }
    });
    (move || {
        latest().map(|progress| {
            let text = if progress.finished {
                format!(
                    "{} open leads scored with version {}",
                    progress.done, progress.version
                )
            } else {
                format!(
                    "{} of {} open leads rescored with version {}",
                    progress.done, progress.total, progress.version
                )
            };
            status_meter("Rescoring open leads", progress.done, progress.total, text)
        })
    })
    .into_any()
}

/// A progress bar that screen readers hear as it moves.
fn status_meter(label: &str, done: i64, total: i64, text: String) -> AnyView {
    view! {
        <div role="status">
            <ProgressMeter label=label.to_string() done=done as u64 total=total as u64 text />
        </div>
    }
    .into_any()
}

/// The backtest: its progress, polled while it runs, then its table (or why it stopped).
/// A refused start (a bad draft) hides the last table: its fields say what to fix.
#[component]
fn BacktestMeter(backtest: ServerAction<BacktestScoring>, running: RwSignal<bool>) -> AnyView {
    let started = RwSignal::new(None::<i64>);
    Effect::new(move |_| match backtest.value().get() {
        Some(Ok(progress)) => {
            started.set(Some(progress.id));
            running.set(!progress.finished());
        }
        Some(Err(_)) => started.set(None),
        None => {}
    });
    let progress = crate::ui::polled(
        std::time::Duration::from_millis(400),
        running.into(),
        move || {
            let id = started.get();
            async move {
                match id {
                    Some(id) => scoring_backtest_progress(id).await.map(Some),
                    None => Ok(None),
                }
            }
        },
    );
    (move || {
        let progress = match progress.get()? {
            Ok(Some(progress)) => progress,
            Ok(None) => return None,
            Err(error) => {
                running.set(false);
                return Some(
                    view! { <p class="form-alert" role="alert">{error.to_string()}</p> }.into_any(),
                );
            }
        };
        if progress.finished() {
            running.set(false);
        }
        Some(match (progress.result, progress.error) {
            (Some(result), _) => view! { <BacktestTable result /> }.into_any(),
            (None, Some(error)) => {
                view! { <p class="form-alert" role="alert">{error}</p> }.into_any()
            }
            (None, None) => {
                let text = format!(
                    "{} of {} closed leads scored",
                    progress.done, progress.total
                );
                status_meter(
                    "Backtesting closed leads",
                    progress.done,
                    progress.total,
                    text,
                )
            }
        })
    })
    .into_any()
}

/// A rule being edited: its inputs as typed.
#[derive(Clone, Copy)]
struct RuleRow {
    key: u64,
    name: RwSignal<String>,
    test: RwSignal<RuleTest>,
    field: RwSignal<String>,
    value: RwSignal<String>,
    min: RwSignal<String>,
    max: RwSignal<String>,
    days: RwSignal<String>,
    points: RwSignal<String>,
    cap: RwSignal<String>,
}

impl RuleRow {
    fn new(key: u64, rule: RuleDraft) -> RuleRow {
        RuleRow {
            key,
            name: RwSignal::new(rule.name),
            test: RwSignal::new(rule.test),
            field: RwSignal::new(rule.field),
            value: RwSignal::new(rule.value),
            min: RwSignal::new(rule.min),
            max: RwSignal::new(rule.max),
            days: RwSignal::new(rule.days),
            points: RwSignal::new(rule.points),
            cap: RwSignal::new(rule.cap),
        }
    }

    fn draft(&self) -> RuleDraft {
        RuleDraft {
            name: self.name.get_untracked(),
            test: self.test.get_untracked(),
            field: self.field.get_untracked(),
            value: self.value.get_untracked(),
            min: self.min.get_untracked(),
            max: self.max.get_untracked(),
            days: self.days.get_untracked(),
            points: self.points.get_untracked(),
            cap: self.cap.get_untracked(),
        }
    }
}

/// The message the last save or backtest gave an input.
type ErrorOf = Callback<String, Option<String>>;

fn field_error<T>(result: &Option<Result<T, AppError>>, key: &str) -> Option<String> {
    match result {
        Some(Err(error)) => error.field_message(key),
        _ => None,
    }
}

#[component]
fn RulesForm(editor: ScoringEditor, save: ServerAction<SaveScoringDraft>) -> AnyView {
    let backtest = ServerAction::<BacktestScoring>::new();
    let backtesting = RwSignal::new(false);
    let ScoringEditor {
        draft,
        revision,
        published_version,
        published_at,
        draft_is_published,
        warnings,
        fields,
        ..
    } = editor;
    let next_key = StoredValue::new(draft.rules.len() as u64);
    let rules = RwSignal::new(
        draft
            .rules
            .into_iter()
            .enumerate()
            .map(|(key, rule)| RuleRow::new(key as u64, rule))
            .collect::<Vec<_>>(),
    );
    let grade_a = RwSignal::new(draft.grade_a);
    let grade_b = RwSignal::new(draft.grade_b);
    let grade_c = RwSignal::new(draft.grade_c);
    // Publish takes the saved draft: any edit since the last load must be saved first.
    let edited = RwSignal::new(false);
    let current = move || RuleSetDraft {
        rules: rules.get_untracked().iter().map(RuleRow::draft).collect(),
        grade_a: grade_a.get_untracked(),
        grade_b: grade_b.get_untracked(),
        grade_c: grade_c.get_untracked(),
    };
    let error_of: ErrorOf = Callback::new(move |key: String| {
        save.value()
            .with(|value| field_error(value, &key))
            .or_else(|| backtest.value().with(|value| field_error(value, &key)))
    });
    let fields = StoredValue::new(fields);
    let add_rule = move |_| {
        next_key.update_value(|key| *key += 1);
        let row = RuleRow::new(
            next_key.get_value(),
            RuleDraft {
                points: "10".into(),
                ..RuleDraft::default()
            },
        );
        rules.update(|rules| rules.push(row));
        edited.set(true);
    };
    let threshold = move |grade: &'static str, label: &'static str, value: RwSignal<String>| {
        let id = format!("grade-{grade}");
        let message = move || error_of.run(format!("grade-{grade}"));
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id inputmode="numeric" prop:value=move || value.get()
                    aria-invalid=move || message().is_some().then_some("true")
                    on:input=move |ev| { value.set(event_target_value(&ev)); edited.set(true); } />
                {move || message().map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
        }
    };
    view! {
        <p class="process-meta">
            {format!("Published: version {published_version}")}
            {published_at.map(|at| format!(" · {}", short_time(&at)))}
            {if draft_is_published { " · the draft is the same" } else { " · the draft has changes" }}
        </p>
        {warnings.into_iter().map(|warning| view! { <p class="form-alert warning" role="status">{warning}</p> }).collect_view()}
        <For each=move || rules.get() key=|rule| rule.key let:rule>
            <RuleEditor rule rules fields error_of edited />
        </For>
        <fieldset class="card">
            <legend>"Grades"</legend>
            <p class="muted">"The lowest score of each grade; below C is D."</p>
            <div class="form-grid">
                {threshold("a", "A from", grade_a)}
                {threshold("b", "B from", grade_b)}
                {threshold("c", "C from", grade_c)}
            </div>
        </fieldset>
        <div class="editor-actions">
            <button type="button" class="button secondary" on:click=add_rule>"Add rule"</button>
            <button type="button" class="button secondary" disabled=move || backtest.pending().get() || backtesting.get()
                on:click=move |_| { backtest.dispatch(BacktestScoring { draft: current() }); }>
                "Backtest"
            </button>
            <button type="button" class="button primary" disabled=move || save.pending().get()
                on:click=move |_| { save.dispatch(SaveScoringDraft { draft: current(), revision }); }>
                "Save draft"
            </button>
            // Publish takes the saved draft only: a form of its own, sent in place.
            <form method="post" action={<PublishScoring as ServerFn>::PATH} class="inline-form" novalidate
                on:submit=move |event| send_in_place(event, move |progress: RecomputeProgress| {
                    use_toasts().show(format!("Version {} published.", progress.version));
                    crate::ui::go_to(&window().location().href().unwrap_or_default());
                })>
                <input type="hidden" name="revision" value=revision />
                <button type="submit" class="button primary" disabled=move || edited.get() || draft_is_published>
                    "Publish"
                </button>
                <FormMessage />
            </form>
        </div>
        <p class="muted">{move || if edited.get() { "Save the draft to publish it." } else { "" }}</p>
        <FormAlert result=Signal::derive(move || save.value().get()) />
        <FormAlert result=Signal::derive(move || backtest.value().get()) />
        <BacktestMeter backtest running=backtesting />
    }
    .into_any()
}

#[component]
fn RuleEditor(
    rule: RuleRow,
    rules: RwSignal<Vec<RuleRow>>,
    fields: StoredValue<Vec<ScoringField>>,
    error_of: ErrorOf,
    edited: RwSignal<bool>,
) -> AnyView {
    let key = rule.key;
    let index = move || rules.with(|rows| rows.iter().position(|row| row.key == key).unwrap_or(0));
    let input_id = move |what: &str| format!("rule-{key}-{what}");
    let message = move |what: &'static str| move || error_of.run(rule_key(index(), what));
    let text_input = move |what: &'static str,
                           label: &'static str,
                           value: RwSignal<String>,
                           numeric: bool| {
        let error = message(what);
        view! {
            <div class="field">
                <label for=input_id(what)>{label}</label>
                <input id=input_id(what) inputmode=numeric.then_some("numeric") prop:value=move || value.get()
                    aria-invalid=move || error().is_some().then_some("true")
                    on:input=move |ev| { value.set(event_target_value(&ev)); edited.set(true); } />
                {move || error().map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
        }
    };
    let field_error = message("field");
    let title = move || {
        let name = rule.name.get();
        if name.trim().is_empty() {
            "New rule".to_string()
        } else {
            name
        }
    };
    let options = move || {
        let field = rule.field.get();
        fields.with_value(|fields| {
            fields
                .iter()
                .find(|f| f.name == field)
                .map(|f| f.options.join(", "))
                .unwrap_or_default()
        })
    };
    view! {
        <fieldset class="card rule-editor">
            <legend>{title}</legend>
            <p class="muted">{move || if rule.test.get().is_engagement() { "Engagement" } else { "Fit" }}</p>
            <div class="form-grid">
                {text_input("name", "Rule name", rule.name, false)}
                <div class="field">
                    <label for=input_id("test")>"Condition"</label>
                    <select id=input_id("test") on:change=move |ev| {
                        if let Ok(test) = event_target_value(&ev).parse() { rule.test.set(test); edited.set(true); }
                    }>
                        {RuleTest::all().iter().map(|test| view! {
                            <option value=test.code() selected=move || rule.test.get() == *test>{test.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <Show when=move || rule.test.get().needs_field()>
                    <div class="field">
                        <label for=input_id("field")>"Field"</label>
                        <select id=input_id("field")
                            aria-invalid=move || field_error().is_some().then_some("true")
                            on:change=move |ev| { rule.field.set(event_target_value(&ev)); edited.set(true); }>
                            <option value="" selected=move || rule.field.get().is_empty()>"Choose a field"</option>
                            {fields.get_value().into_iter().map(|field| {
                                let name = field.name.clone();
                                view! { <option value=field.name selected=move || rule.field.get() == name>{field.label}</option> }
                            }).collect_view()}
                        </select>
                        {move || field_error().map(|m| view! { <p class="field-error">{m}</p> })}
                    </div>
                </Show>
                <Show when=move || rule.test.get().needs_value()>
                    {text_input("value", "Value (several: commas between)", rule.value, false)}
                    <p class="muted">{move || { let o = options(); (!o.is_empty()).then(|| format!("Choices: {o}")) }}</p>
                </Show>
                <Show when=move || rule.test.get().needs_range()>
                    {text_input("min", "From (whole units)", rule.min, true)}
                    {text_input("max", "To (whole units)", rule.max, true)}
                </Show>
                <Show when=move || rule.test.get().needs_days()>
                    {text_input("days", "Days", rule.days, true)}
                </Show>
                {text_input("points", "Points (−100 to 100)", rule.points, true)}
                {text_input("cap", "Cap (optional)", rule.cap, true)}
            </div>
            <button type="button" class="button secondary"
                aria-label=move || format!("Remove {}", title())
                on:click=move |_| { rules.update(|rows| rows.retain(|row| row.key != key)); edited.set(true); }>
                "Remove"
            </button>
        </fieldset>
    }
    .into_any()
}

fn rate_text(row: &BacktestRow) -> String {
    row.rate().map_or("—".into(), |rate| format!("{rate}%"))
}

/// Per grade, the closed leads the draft and the published rules put there and how many of
/// them were qualified.
#[component]
fn BacktestTable(result: Backtest) -> AnyView {
    let rows = result
        .draft
        .iter()
        .zip(result.published.iter())
        .map(|(draft, published)| {
            view! {
                <tr>
                    <th scope="row" data-label="Grade">{draft.grade.label()}</th>
                    <td data-label="Draft: leads">{draft.leads}</td>
                    <td data-label="Draft: qualified">{format!("{} ({})", draft.qualified, rate_text(draft))}</td>
                    <td data-label="Published: leads">{published.leads}</td>
                    <td data-label="Published: qualified">{format!("{} ({})", published.qualified, rate_text(published))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="backtest-heading">
            <h2 id="backtest-heading">"Backtest"</h2>
            <p class="muted">"The closed leads, scored as they stood when they closed: how many each grade holds and how many of them were qualified."</p>
            <table class="data-table">
                <caption class="visually-hidden">"Qualification rate by grade"</caption>
                <thead><tr>
                    <th scope="col">"Grade"</th>
                    <th scope="col">"Draft: leads"</th>
                    <th scope="col">"Draft: qualified"</th>
                    <th scope="col">{format!("Version {}: leads", result.published_version)}</th>
                    <th scope="col">{format!("Version {}: qualified", result.published_version)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
    .into_any()
}
