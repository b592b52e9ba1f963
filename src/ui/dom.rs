//! The few DOM steps the page's behaviours (`enhance`, `dialog`, `tabs`, `toggle`, the
//! board's moves, the bulk bar's checkboxes) share.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Calls `handler` on every `kind` event of the page, for as long as the page lives;
/// `capture`: before the listeners of the bubbling phase.
pub fn on_document(kind: &str, capture: bool, handler: impl Fn(web_sys::Event) + 'static) {
    let listener = Closure::<dyn Fn(web_sys::Event)>::new(handler);
    let _ = leptos::prelude::document().add_event_listener_with_callback_and_bool(
        kind,
        listener.as_ref().unchecked_ref(),
        capture,
    );
    listener.forget();
}

/// The element an event happened on.
pub fn event_element(event: &web_sys::Event) -> Option<web_sys::Element> {
    event.target()?.dyn_into::<web_sys::Element>().ok()
}

/// The elements a `query_selector_all` found.
pub fn elements(found: Result<web_sys::NodeList, wasm_bindgen::JsValue>) -> Vec<web_sys::Element> {
    let Ok(found) = found else {
        return Vec::new();
    };
    (0..found.length())
        .filter_map(|index| found.item(index)?.dyn_into::<web_sys::Element>().ok())
        .collect()
}
