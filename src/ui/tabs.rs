//! Tabs for the lower part of a record page (Timeline, History): every panel is rendered,
//! one shows at a time. The page owns the selection, so a reload of the record (which
//! renders the tabs again) keeps the tab the user chose.

use leptos::prelude::*;

#[component]
pub fn Tabs(
    /// Prefix of the tab and panel ids, unique on the page.
    id: &'static str,
    label: &'static str,
    tabs: Vec<(&'static str, AnyView)>,
    selected: RwSignal<usize>,
) -> impl IntoView {
    let count = tabs.len();
    let buttons = tabs
        .iter()
        .enumerate()
        .map(|(index, (name, _))| {
            view! {
                <button type="button" role="tab" class="tab"
                    id=format!("{id}-tab-{index}")
                    aria-controls=format!("{id}-panel-{index}")
                    aria-selected=move || (selected.get() == index).to_string()
                    on:click=move |_| selected.set(index)
                    on:keydown=move |event| match event.key().as_str() {
                        "ArrowRight" => selected.set((index + 1) % count),
                        "ArrowLeft" => selected.set((index + count - 1) % count),
                        _ => {}
                    }>
                    {*name}
                </button>
            }
        })
        .collect_view();
    let panels = tabs
        .into_iter()
        .enumerate()
        .map(|(index, (_, panel))| {
            view! {
                <div role="tabpanel" id=format!("{id}-panel-{index}")
                    aria-labelledby=format!("{id}-tab-{index}")
                    hidden=move || selected.get() != index>
                    {panel}
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="tabs">
            <div role="tablist" aria-label=label>{buttons}</div>
            {panels}
        </div>
    }
}
