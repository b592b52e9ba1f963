//! Native `<dialog>`s opened and closed by buttons the server renders (the focus trap and
//! Escape come with the element): a button marked `data-show-dialog="{id}"` opens the dialog
//! with that id, one marked `data-close-dialog` closes the dialog it sits in, and a dialog
//! marked `data-show-now` opens as the page loads, once (the board's Won and Lost moves land
//! on the record that way).

/// Makes the page's dialog buttons work, now and on any page this document shows later.
#[cfg(feature = "hydrate")]
pub fn install() {
    use super::dom::{event_element, on_document};
    use leptos::prelude::document;
    use wasm_bindgen::JsCast;
    let show = |dialog: web_sys::Element| {
        if let Ok(dialog) = dialog.dyn_into::<web_sys::HtmlDialogElement>() {
            let _ = dialog.show_modal();
        }
    };
    on_document("click", false, move |event| {
        let Some(target) = event_element(&event) else {
            return;
        };
        if let Ok(Some(button)) = target.closest("[data-show-dialog]") {
            let id = button.get_attribute("data-show-dialog").unwrap_or_default();
            if let Some(dialog) = document().get_element_by_id(&id) {
                show(dialog);
            }
        } else if let Ok(Some(dialog)) = target
            .closest("[data-close-dialog]")
            .and_then(|button| button.map_or(Ok(None), |button| button.closest("dialog")))
            && let Ok(dialog) = dialog.dyn_into::<web_sys::HtmlDialogElement>()
        {
            dialog.close();
        }
    });
    if let Ok(Some(dialog)) = document().query_selector("dialog[data-show-now]") {
        show(dialog);
        // Once: the address loses the query that asked for it (`?close=won`), so loading
        // the page again after a save does not open it again.
        let location = leptos::prelude::window().location();
        if let (Ok(history), Ok(path)) = (leptos::prelude::window().history(), location.pathname())
        {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
    }
}
