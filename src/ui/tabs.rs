//! Tabs for the lower part of a record page (Timeline, History): the server renders every
//! panel with the first showing; in the browser a tab shows its panel when it is pressed, and
//! the arrow keys move between tabs.

use leptos::prelude::*;

#[component]
pub fn Tabs(
    /// Prefix of the tab and panel ids, unique on the page.
    id: &'static str,
    label: &'static str,
    tabs: Vec<(&'static str, AnyView)>,
) -> impl IntoView {
    let buttons = tabs
        .iter()
        .enumerate()
        .map(|(index, (name, _))| {
            view! {
                <button type="button" role="tab" class="tab"
                    id=format!("{id}-tab-{index}")
                    aria-controls=format!("{id}-panel-{index}")
                    aria-selected=(index == 0).to_string()>
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
                    aria-labelledby=format!("{id}-tab-{index}") hidden=index != 0>
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

/// Makes every set of tabs on the page, and on any page this document shows later, answer
/// presses and the arrow keys.
#[cfg(feature = "hydrate")]
pub fn install() {
    use super::dom::{event_element, on_document};
    use wasm_bindgen::JsCast;
    let tab_of = |event: &web_sys::Event| {
        event_element(event).and_then(|target| target.closest("[role=tab]").ok().flatten())
    };
    on_document("click", false, move |event| {
        if let Some(tab) = tab_of(&event) {
            select(&tab);
        }
    });
    on_document("keydown", false, move |event| {
        let Some(key) = event
            .dyn_ref::<web_sys::KeyboardEvent>()
            .map(|key| key.key())
        else {
            return;
        };
        let step = match key.as_str() {
            "ArrowRight" => 1,
            "ArrowLeft" => -1,
            _ => return,
        };
        let Some(tab) = tab_of(&event) else {
            return;
        };
        let tabs = siblings(&tab);
        let Some(at) = tabs.iter().position(|other| *other == tab) else {
            return;
        };
        let next = &tabs[(at as i64 + step).rem_euclid(tabs.len() as i64) as usize];
        select(next);
        if let Some(next) = next.dyn_ref::<web_sys::HtmlElement>() {
            let _ = next.focus();
        }
    });
}

/// The tabs of `tab`'s tab list, in order.
#[cfg(feature = "hydrate")]
fn siblings(tab: &web_sys::Element) -> Vec<web_sys::Element> {
    tab.parent_element()
        .map(|list| super::dom::elements(list.query_selector_all("[role=tab]")))
        .unwrap_or_default()
}

/// Shows `tab`'s panel and hides the others of its set.
#[cfg(feature = "hydrate")]
fn select(tab: &web_sys::Element) {
    for other in siblings(tab) {
        let chosen = other == *tab;
        let _ = other.set_attribute("aria-selected", &chosen.to_string());
        if let Some(panel) = other
            .get_attribute("aria-controls")
            .and_then(|id| document().get_element_by_id(&id))
        {
            let _ = panel.toggle_attribute_with_force("hidden", !chosen);
        }
    }
}
