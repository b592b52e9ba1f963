//! The process picker of the board, the funnel and the opportunity list's filters.

use super::ProcessChoice;
use leptos::prelude::*;

/// A `process` select for a GET filter form, shown when there is more than one process:
/// with "Any" (lists), or the default process standing for none (board, funnel).
#[component]
pub fn ProcessFilter(
    id: &'static str,
    choices: Vec<ProcessChoice>,
    selected: Option<i64>,
    any: bool,
) -> AnyView {
    if choices.len() < 2 {
        return ().into_any();
    }
    let chosen = move |choice: &ProcessChoice| match selected {
        Some(selected) => selected == choice.id,
        None => !any && choice.is_default,
    };
    view! {
        <div class="field">
            <label for=id>"Process"</label>
            <select id=id name="process">
                {any.then(|| view! { <option value="" selected=selected.is_none()>"Any"</option> })}
                {choices.iter().map(|choice| view! {
                    <option value=choice.id selected=chosen(choice)>{choice.name.clone()}</option>
                }).collect_view()}
            </select>
        </div>
    }
    .into_any()
}
