//! `/settings/processes` (the processes) and `/settings/processes/{id}` (the editor: stages
//! with their defaults, stalled threshold and steps; add, rename, reorder, archive; one
//! Save makes the next version).

use super::api::{
    CreateProcess, MakeDefaultProcess, SaveProcess, all_processes, open_process_editor,
};
use super::rules::{stage_key, step_key};
use super::{
    FieldChoice, ForecastCategory, ProcessDraft, ProcessEditor, StageDraft, StageEntity, StepDraft,
};
use crate::error::AppError;
use crate::options::OptionSet;
use crate::ui::enhance::{FieldMessage, FormMessage, ServerForm};
use crate::ui::{ErrorPage, FormAlert, short_time, use_toasts};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ProcessesPage() -> impl IntoView {
    let processes = crate::ui::fetched(|| (), |_| all_processes());
    view! {
        <Title text="Sales processes" />
        <section class="page">
            <header class="page-header"><h1>"Sales processes"</h1></header>
            <section class="card" aria-labelledby="new-process">
                <h2 id="new-process">"New process"</h2>
                <p class="muted">"It starts as a copy of the default process's stages and steps; shape it in the editor. Qualify opens opportunities in the default process (Make default changes which); Switch process on an opportunity moves it to another."</p>
                <ServerForm action={<CreateProcess as ServerFn>::PATH} open="/settings/processes/{}">
                    <div class="field">
                        <label for="new-process-name">"Process name"</label>
                        <input id="new-process-name" name="name" autocomplete="off" aria-describedby="new-process-name-error" />
                        <FieldMessage field="name" id="new-process-name-error" />
                    </div>
                    <button type="submit" class="button primary">"Create process"</button>
                    <FormMessage />
                </ServerForm>
            </section>
            <Suspense fallback=|| view! { <p class="loading">"Loading the processes…"</p> }>
                {move || Suspend::new(async move {
                    match processes.await {
                        Ok(rows) => view! {
                            <table class="data-table">
                                <caption class="visually-hidden">"Sales processes"</caption>
                                <thead><tr>
                                    <th scope="col">"Process"</th>
                                    <th scope="col">"Stages"</th>
                                    <th scope="col">"Open opportunities"</th>
                                    <th scope="col">"Version"</th>
                                    <th scope="col">"Qualify opens in"</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| view! {
                                        <tr>
                                            <td data-label="Process">
                                                <a href=format!("/settings/processes/{}", row.id)>{row.name.clone()}</a>
                                            </td>
                                            <td data-label="Stages">{row.stages}</td>
                                            <td data-label="Open opportunities">{row.open}</td>
                                            <td data-label="Version">{row.version}</td>
                                            <td data-label="Qualify opens in">
                                                {if row.is_default {
                                                    view! { <span>"This process (default)"</span> }.into_any()
                                                } else {
                                                    let id = row.id;
                                                    view! {
                                                        <ServerForm action={<MakeDefaultProcess as ServerFn>::PATH} class="inline-form" reload=true>
                                                            <input type="hidden" name="id" value=id />
                                                            <button type="submit" class="button secondary"
                                                                aria-label=format!("Make {} the default", row.name)>
                                                                "Make default"
                                                            </button>
                                                            <FormMessage />
                                                        </ServerForm>
                                                    }.into_any()
                                                }}
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn ProcessEditorPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let editor = crate::ui::fetched(id, |id| async move {
        match id {
            Some(id) => open_process_editor(id).await,
            None => Err(AppError::NotFound("This process".into())),
        }
    });
    view! {
        <Title text="Edit process" />
        <section class="page">
            <Suspense fallback=|| view! { <p class="loading">"Loading the process…"</p> }>
                {move || Suspend::new(async move {
                    match editor.await {
                        Ok(editor) => view! { <ProcessForm editor /> }.into_any(),
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// A step being edited: its inputs' values; `field` empty for a checkbox.
#[derive(Clone, Copy)]
struct StepRow {
    key: u64,
    id: Option<i64>,
    name: RwSignal<String>,
    field: RwSignal<String>,
    required: RwSignal<bool>,
    guidance: RwSignal<String>,
}

/// A stage being edited.
#[derive(Clone, Copy)]
struct StageRow {
    key: u64,
    id: Option<i64>,
    entity: StageEntity,
    open: i64,
    name: RwSignal<String>,
    probability: RwSignal<String>,
    forecast: RwSignal<ForecastCategory>,
    stalled: RwSignal<String>,
    archived: RwSignal<bool>,
    move_to: RwSignal<String>,
    steps: RwSignal<Vec<StepRow>>,
}

/// Keys for the rows of a `For` (new rows need one before they have an id).
#[derive(Clone, Copy)]
struct Keys(StoredValue<u64>);

impl Keys {
    fn next(self) -> u64 {
        self.0.update_value(|key| *key += 1);
        self.0.get_value()
    }

    fn step(self, step: StepDraft) -> StepRow {
        StepRow {
            key: self.next(),
            id: step.id,
            name: RwSignal::new(step.name),
            field: RwSignal::new(step.field.unwrap_or_default()),
            required: RwSignal::new(step.required),
            guidance: RwSignal::new(step.guidance),
        }
    }

    fn stage(self, stage: StageDraft, open: i64) -> StageRow {
        StageRow {
            key: self.next(),
            id: stage.id,
            entity: stage.entity,
            open,
            name: RwSignal::new(stage.name),
            probability: RwSignal::new(stage.probability),
            forecast: RwSignal::new(stage.forecast),
            stalled: RwSignal::new(stage.stalled_days),
            archived: RwSignal::new(stage.archived),
            move_to: RwSignal::new(String::new()),
            steps: RwSignal::new(
                stage
                    .steps
                    .into_iter()
                    .map(|step| self.step(step))
                    .collect(),
            ),
        }
    }
}

impl StageRow {
    fn draft(&self) -> StageDraft {
        StageDraft {
            id: self.id,
            entity: self.entity,
            name: self.name.get_untracked(),
            probability: self.probability.get_untracked(),
            forecast: self.forecast.get_untracked(),
            stalled_days: self.stalled.get_untracked(),
            archived: self.archived.get_untracked(),
            move_open_to: self.move_to.get_untracked().parse().ok(),
            steps: self
                .steps
                .get_untracked()
                .iter()
                .map(|step| StepDraft {
                    id: step.id,
                    name: step.name.get_untracked(),
                    field: Some(step.field.get_untracked()).filter(|f| !f.is_empty()),
                    required: step.required.get_untracked(),
                    guidance: step.guidance.get_untracked(),
                })
                .collect(),
        }
    }
}

/// Moves the row with `key` one place up (`-1`) or down (`1`) in `rows`.
fn shift<T: Copy + Send + Sync + 'static>(
    rows: RwSignal<Vec<T>>,
    key: u64,
    by: isize,
    key_of: fn(&T) -> u64,
) {
    rows.update(|rows| {
        if let Some(at) = rows.iter().position(|row| key_of(row) == key) {
            let to = at as isize + by;
            if to >= 0 && (to as usize) < rows.len() {
                rows.swap(at, to as usize);
            }
        }
    });
}

/// The message the last save gave the input whose key `key` says (it follows the row's
/// place as rows move).
fn error_of(
    save: ServerAction<SaveProcess>,
    key: impl Fn() -> String + Copy + 'static,
) -> impl Fn() -> Option<String> + Copy {
    move || {
        save.value().with(|value| match value {
            Some(Err(error)) => error.field_message(&key()),
            _ => None,
        })
    }
}

/// The process's stages and steps, edited in place. An island: rows are added, moved and
/// removed in the browser, and the whole process is saved at once (a save that works loads
/// the page again; a refused one keeps what was typed, its messages by their fields).
#[island(lazy)]
fn ProcessForm(editor: ProcessEditor) -> impl IntoView {
    let save = ServerAction::<SaveProcess>::new();
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(version)) = save.value().get() {
            toasts.show(format!("Process saved as version {version}."));
            crate::ui::go_to(&window().location().href().unwrap_or_default());
        }
    });
    let keys = Keys(StoredValue::new(0));
    let ProcessEditor {
        draft,
        open_counts,
        fields,
        versions,
    } = editor;
    let ProcessDraft {
        id,
        name,
        version,
        stages,
    } = draft;
    let stages = RwSignal::new(
        stages
            .into_iter()
            .map(|stage| {
                let open = stage.id.map_or(0, |id| super::open_at(&open_counts, id));
                keys.stage(stage, open)
            })
            .collect::<Vec<_>>(),
    );
    let fields = StoredValue::new(fields);
    let process_name = StoredValue::new(name.clone());
    let add_stage = move |_| {
        let row = keys.stage(
            StageDraft {
                id: None,
                entity: StageEntity::Opportunity,
                name: String::new(),
                probability: "50".into(),
                forecast: ForecastCategory::Pipeline,
                stalled_days: String::new(),
                archived: false,
                move_open_to: None,
                steps: Vec::new(),
            },
            0,
        );
        stages.update(|stages| stages.push(row));
    };
    let submit = move |_| {
        save.dispatch(SaveProcess {
            draft: ProcessDraft {
                id,
                name: process_name.get_value(),
                version,
                stages: stages.get_untracked().iter().map(StageRow::draft).collect(),
            },
        });
    };
    let stages_error = error_of(save, || "stages".to_string());
    view! {
        <header class="page-header">
            <div>
                <p class="process-meta">"Sales process · version "{version}</p>
                <h1>{name}</h1>
            </div>
        </header>
        <p class="muted">
            "Records keep their place: renaming changes every label at once, a required step applies from the next Next Stage, and archiving a stage that holds open opportunities moves them where you choose."
        </p>
        <For each=move || stages.get() key=|stage| stage.key let:stage>
            <StageEditor stage stages fields save />
        </For>
        {move || stages_error().map(|message| view! { <p class="field-error">{message}</p> })}
        <div class="editor-actions">
            <button type="button" class="button secondary" on:click=add_stage>"Add stage"</button>
            <button type="button" class="button primary" disabled=move || save.pending().get() on:click=submit>
                "Save process"
            </button>
        </div>
        <FormAlert result=Signal::derive(move || save.value().get()) />
        <section class="card" aria-labelledby="process-versions">
            <h2 id="process-versions">"Versions"</h2>
            {if versions.is_empty() {
                view! { <p class="muted">"Not changed since it was installed."</p> }.into_any()
            } else {
                view! {
                    <ol class="process-versions">
                        {versions.into_iter().map(|saved| view! {
                            <li>
                                <strong>{format!("Version {}", saved.version)}</strong>
                                {(!saved.saved_at.is_empty()).then(|| format!(" · {} · {}", saved.saved_by, short_time(&saved.saved_at)))}
                                <ul>{saved.changes.into_iter().map(|change| view! { <li>{change}</li> }).collect_view()}</ul>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
fn StageEditor(
    stage: StageRow,
    stages: RwSignal<Vec<StageRow>>,
    fields: StoredValue<Vec<FieldChoice>>,
    save: ServerAction<SaveProcess>,
) -> AnyView {
    let key = stage.key;
    let index = move || stages.with(|rows| rows.iter().position(|row| row.key == key).unwrap_or(0));
    let input_id = move |what: &str| format!("stage-{key}-{what}");
    let error = move |what: &'static str| error_of(save, move || stage_key(index(), what));
    let name_error = error("name");
    let probability_error = error("probability");
    let stalled_error = error("stalled");
    let move_error = error("move");
    let archived_error = error("archived");
    let title = move || {
        let name = stage.name.get();
        if name.trim().is_empty() {
            "New stage".to_string()
        } else {
            name
        }
    };
    let is_lead = stage.entity == StageEntity::Lead;
    let movable = move || {
        let at = index();
        let first_opportunity = stages.with(|rows| {
            rows.iter()
                .position(|row| row.entity == StageEntity::Opportunity)
                .unwrap_or(0)
        });
        (
            !is_lead && at > first_opportunity,
            !is_lead && at + 1 < stages.with(Vec::len),
        )
    };
    let targets = move || {
        stages.with(|rows| {
            rows.iter()
                .filter(|row| {
                    row.key != key
                        && row.id.is_some()
                        && row.entity == StageEntity::Opportunity
                        && !row.archived.get()
                })
                .map(|row| (row.id.unwrap_or_default(), row.name.get()))
                .collect::<Vec<_>>()
        })
    };
    let add_step = move |_| {
        stage.steps.update(|steps| {
            let next = steps.iter().map(|step| step.key).max().unwrap_or(0) + 1;
            steps.push(StepRow {
                key: next,
                id: None,
                name: RwSignal::new(String::new()),
                field: RwSignal::new(String::new()),
                required: RwSignal::new(false),
                guidance: RwSignal::new(String::new()),
            });
        });
    };
    let entity = stage.entity;
    view! {
        <fieldset class="card stage-editor" class:archived=move || stage.archived.get()>
            <legend>{title}</legend>
            <p class="muted">
                {move || format!(
                    "{} stage{}{}",
                    entity.label(),
                    if stage.archived.get() { " · archived" } else { "" },
                    if stage.open > 0 { format!(" · {} open", stage.open) } else { String::new() },
                )}
            </p>
            <div class="form-grid">
                <div class="field">
                    <label for=input_id("name")>"Stage name"</label>
                    <input id=input_id("name") prop:value=move || stage.name.get()
                        on:input=move |ev| stage.name.set(event_target_value(&ev)) />
                    {move || name_error().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field">
                    <label for=input_id("probability")>"Probability (%)"</label>
                    <input id=input_id("probability") inputmode="numeric" prop:value=move || stage.probability.get()
                        on:input=move |ev| stage.probability.set(event_target_value(&ev)) />
                    {move || probability_error().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field">
                    <label for=input_id("forecast")>"Forecast category"</label>
                    <select id=input_id("forecast") on:change=move |ev| {
                        if let Ok(category) = event_target_value(&ev).parse() { stage.forecast.set(category) }
                    }>
                        {ForecastCategory::all().iter().filter(|c| !matches!(c, ForecastCategory::Won | ForecastCategory::Lost)).map(|category| view! {
                            <option value=category.code() selected=move || stage.forecast.get() == *category>{category.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=input_id("stalled")>"Stalled after (days)"</label>
                    <input id=input_id("stalled") inputmode="numeric" prop:value=move || stage.stalled.get()
                        on:input=move |ev| stage.stalled.set(event_target_value(&ev)) />
                    {move || stalled_error().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
            </div>
            {(!is_lead).then(|| view! {
                <div class="stage-tools">
                    <button type="button" class="button secondary" disabled=move || !movable().0
                        aria-label=move || format!("Move {} up", title())
                        on:click=move |_| shift(stages, key, -1, |row: &StageRow| row.key)>"Up"</button>
                    <button type="button" class="button secondary" disabled=move || !movable().1
                        aria-label=move || format!("Move {} down", title())
                        on:click=move |_| shift(stages, key, 1, |row: &StageRow| row.key)>"Down"</button>
                    <label class="choice">
                        <input type="checkbox" prop:checked=move || stage.archived.get()
                            on:change=move |ev| stage.archived.set(event_target_checked(&ev)) />
                        "Archived"
                    </label>
                    {move || archived_error().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
            })}
            {move || (stage.archived.get() && stage.open > 0).then(|| view! {
                <div class="field">
                    <label for=input_id("move")>{format!(
                        "Move its {} open {} to",
                        stage.open,
                        if stage.open == 1 { "opportunity" } else { "opportunities" }
                    )}</label>
                    <select id=input_id("move") on:change=move |ev| stage.move_to.set(event_target_value(&ev))>
                        <option value="">"Choose a stage"</option>
                        {targets().into_iter().map(|(id, name)| view! {
                            <option value=id.to_string() selected=move || stage.move_to.get() == id.to_string()>{name}</option>
                        }).collect_view()}
                    </select>
                    {move || move_error().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
            })}
            <h2 class="steps-heading">{move || format!("Steps of {}", title())}</h2>
            <ol class="step-editors">
                <For each=move || stage.steps.get() key=|step| step.key let:step>
                    <StepEditor step stage stage_index=Signal::derive(index) fields save />
                </For>
            </ol>
            <button type="button" class="button secondary" on:click=add_step>
                {move || format!("Add step to {}", title())}
            </button>
        </fieldset>
    }
    .into_any()
}

#[component]
fn StepEditor(
    step: StepRow,
    stage: StageRow,
    stage_index: Signal<usize>,
    fields: StoredValue<Vec<FieldChoice>>,
    save: ServerAction<SaveProcess>,
) -> AnyView {
    let key = step.key;
    let index = move || {
        stage
            .steps
            .with(|rows| rows.iter().position(|row| row.key == key).unwrap_or(0))
    };
    let input_id = move |what: &str| format!("stage-{}-step-{key}-{what}", stage.key);
    let error = move |what: &'static str| {
        error_of(save, move || step_key(stage_index.get(), index(), what))
    };
    let name_error = error("name");
    let field_error = error("field");
    let guidance_error = error("guidance");
    let title = move || {
        let name = step.name.get();
        if name.trim().is_empty() {
            "new step".to_string()
        } else {
            name
        }
    };
    let choices: Vec<FieldChoice> = fields.with_value(|fields| {
        fields
            .iter()
            .filter(|f| f.entity == stage.entity)
            .cloned()
            .collect()
    });
    view! {
        <li class="step-editor">
            <div class="form-grid">
                <div class="field">
                    <label for=input_id("name")>"Step name"</label>
                    <input id=input_id("name") prop:value=move || step.name.get()
                        on:input=move |ev| step.name.set(event_target_value(&ev)) />
                    {move || name_error().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field">
                    <label for=input_id("field")>"Done when"</label>
                    <select id=input_id("field") on:change=move |ev| step.field.set(event_target_value(&ev))>
                        <option value="" selected=move || step.field.get().is_empty()>"Ticked by hand"</option>
                        {choices.into_iter().map(|choice| {
                            let name = choice.name.clone();
                            view! {
                                <option value=choice.name.clone() selected=move || step.field.get() == name>
                                    {format!("{} is filled in", choice.label)}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                    {move || field_error().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field">
                    <label for=input_id("guidance")>"Guidance"</label>
                    <input id=input_id("guidance") prop:value=move || step.guidance.get()
                        on:input=move |ev| step.guidance.set(event_target_value(&ev)) />
                    {move || guidance_error().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
            </div>
            <div class="stage-tools">
                <label class="choice">
                    <input type="checkbox" prop:checked=move || step.required.get()
                        on:change=move |ev| step.required.set(event_target_checked(&ev)) />
                    "Required"
                </label>
                <button type="button" class="button secondary" aria-label=move || format!("Move step {} up", title())
                    on:click=move |_| shift(stage.steps, key, -1, |row: &StepRow| row.key)>"Up"</button>
                <button type="button" class="button secondary" aria-label=move || format!("Move step {} down", title())
                    on:click=move |_| shift(stage.steps, key, 1, |row: &StepRow| row.key)>"Down"</button>
                <button type="button" class="button secondary" aria-label=move || format!("Remove step {}", title())
                    on:click=move |_| stage.steps.update(|steps| steps.retain(|row| row.key != key))>"Remove"</button>
            </div>
        </li>
    }
    .into_any()
}
