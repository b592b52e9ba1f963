use super::StageProgress;
use crate::auth::Role;
use crate::ui::enhance::{FormMessage, ServerForm};
use leptos::prelude::*;

/// The stage bar: the process's stages with the active one marked, and the active stage's
/// steps as a checklist. Field-bound steps tick themselves from the form; a checkbox step
/// is sent as soon as it is ticked or cleared, to the server function at `toggle` (with the
/// record's `id`, `step_id` and `done`), and the page loads again; without `toggle` the
/// steps are read-only.
#[component]
pub fn StageBar(
    progress: StageProgress,
    record_id: i64,
    toggle: Option<&'static str>,
) -> impl IntoView {
    let active_index = progress.active_index();
    let active_name = progress
        .stages
        .get(active_index)
        .map(|stage| stage.name.clone())
        .unwrap_or_default();
    // An archived stage's steps are read-only.
    let toggle = toggle.filter(|_| !progress.active_archived);
    let active_archived = progress.active_archived;
    let stages = progress
        .stages
        .iter()
        .enumerate()
        .map(|(index, stage)| {
            let (class, state) = match index.cmp(&active_index) {
                std::cmp::Ordering::Less => ("stage done", "completed"),
                std::cmp::Ordering::Equal => ("stage active", "active"),
                std::cmp::Ordering::Greater => ("stage", "not started"),
            };
            view! {
                <li class=class aria-current=(index == active_index).then_some("step")>
                    <span class="stage-name">
                        {stage.name.clone()}
                        {(index == active_index && active_archived).then_some(" (archived)")}
                    </span>
                    <span class="visually-hidden">{format!(" ({state})")}</span>
                </li>
            }
        })
        .collect_view();
    let done = progress.steps.iter().filter(|step| step.done).count();
    let total = progress.steps.len();
    let steps = progress
        .steps
        .into_iter()
        .map(|step| {
            let id = format!("step-{}", step.id);
            let step_id = step.id;
            let action = toggle.filter(|_| !step.field_bound);
            let note = match (step.required, step.field_bound) {
                (true, true) => " · required · from the form",
                (true, false) => " · required",
                (false, true) => " · from the form",
                (false, false) => "",
            };
            let label = view! { <label for=id.clone()>{step.name}<span class="step-note">{note}</span></label> };
            let guidance = step
                .guidance
                .map(|guidance| view! { <p class="step-guidance">{guidance}</p> });
            let item = match action {
                // The box itself sends nothing: `done` is what ticking or clearing it asks for.
                Some(action) => view! {
                    <ServerForm action class="step-form" reload=true>
                        <input type="hidden" name="id" value=record_id />
                        <input type="hidden" name="step_id" value=step_id />
                        <input type="hidden" name="done" value=(!step.done).to_string() />
                        <input type="checkbox" id=id checked=step.done data-submit-on-change="" />
                        {label}
                        {guidance}
                        <FormMessage />
                    </ServerForm>
                }
                .into_any(),
                None => view! {
                    <input type="checkbox" id=id checked=step.done disabled=true />
                    {label}
                    {guidance}
                }
                .into_any(),
            };
            view! { <li class:done=step.done>{item}</li> }
        })
        .collect_view();
    view! {
        <section class="stage-bar card" aria-label=format!("{} stage bar", progress.process_name)>
            // Scrolls sideways on a phone: focusable so a keyboard can scroll it too.
            <ol class="stages" tabindex="0" aria-label="Stages">{stages}</ol>
            <div class="steps">
                <h2 class="steps-title">{format!("{active_name} steps · {done} of {total} done")}</h2>
                <ul>{steps}</ul>
                <EditProcessLink process_id=progress.process_id />
            </div>
        </section>
    }
}

/// "Edit process", for admins: the editor of the process this bar shows.
#[component]
fn EditProcessLink(process_id: i64) -> impl IntoView {
    let user = crate::app::use_signed_in_user();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                user.await
                    .is_ok_and(|user| user.role.includes(Role::Admin))
                    .then(|| view! {
                        <a class="edit-process" href=format!("/settings/processes/{process_id}")>"Edit process"</a>
                    })
            })}
        </Suspense>
    }
}
