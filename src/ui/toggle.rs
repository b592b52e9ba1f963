//! Things the server renders that open, fold and show by one listener for the page, not by a
//! component:
//! - a button marked `data-toggle="{id}"` opens and closes the element with that id (its
//!   class `open`), and says so in its `aria-expanded`, or in its `aria-pressed` when it has
//!   one (a switch such as the dashboard's Table view); Escape closes what is open; one
//!   also marked `data-remember` stays as it was when this page's address loads again (the
//!   lead list's filters, opened, stay open as the view changes);
//! - a part of a form marked `data-when="{field}={value}"` shows, and is sent, only while
//!   the form's field `{field}` has that value (a call's direction, a task's due date);
//! - a button marked `data-copy="{id}"` puts the text of the field with that id on the
//!   clipboard.

/// The `data-when` condition `field=value` split in two.
pub fn when_condition(condition: &str) -> Option<(&str, &str)> {
    condition.split_once('=')
}

/// Makes the page's toggles, conditional parts and copy buttons work.
#[cfg(feature = "hydrate")]
pub fn install() {
    use super::dom::{elements, event_element, on_document};
    use leptos::prelude::document;
    on_document("click", false, |event| {
        let Some(target) = event_element(&event) else {
            return;
        };
        if let Ok(Some(button)) = target.closest("[data-toggle]") {
            let open = !is_on(&button);
            set_open(&button, open);
            remember(&button, open);
        } else if let Ok(Some(button)) = target.closest("[data-copy]") {
            copy_from(&button);
        }
    });
    on_document("keydown", false, |event| {
        let escape = wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(&event)
            .is_some_and(|key| key.key() == "Escape");
        if escape {
            for button in
                elements(document().query_selector_all("[data-toggle][aria-expanded=true]"))
            {
                set_open(&button, false);
            }
        }
    });
    on_document("change", false, |event| {
        if let Some(field) = event_element(&event) {
            show_parts_for(&field);
        }
    });
    for button in elements(document().query_selector_all("[data-toggle][data-remember]")) {
        if remembered(&button) {
            set_open(&button, true);
        }
    }
    // A choice made before the page was hydrated shows its parts now.
    for field in elements(document().query_selector_all("input[type=radio]:checked, select[name]"))
    {
        show_parts_for(&field);
    }
}

#[cfg(feature = "hydrate")]
fn is_on(button: &web_sys::Element) -> bool {
    let state = button
        .get_attribute("aria-pressed")
        .or_else(|| button.get_attribute("aria-expanded"));
    state.as_deref() == Some("true")
}

#[cfg(feature = "hydrate")]
fn set_open(button: &web_sys::Element, open: bool) {
    let state = if button.has_attribute("aria-pressed") {
        "aria-pressed"
    } else {
        "aria-expanded"
    };
    let _ = button.set_attribute(state, &open.to_string());
    if let Some(target) = button
        .get_attribute("data-toggle")
        .and_then(|id| leptos::prelude::document().get_element_by_id(&id))
    {
        let _ = target.class_list().toggle_with_force("open", open);
    }
}

/// Where a remembered toggle's state is kept: per address path and toggle.
#[cfg(feature = "hydrate")]
fn remembered_key(button: &web_sys::Element) -> Option<String> {
    let path = leptos::prelude::window().location().pathname().ok()?;
    let id = button.get_attribute("data-toggle")?;
    Some(format!("leadflow-open:{path}:{id}"))
}

#[cfg(feature = "hydrate")]
fn remember(button: &web_sys::Element, open: bool) {
    if !button.has_attribute("data-remember") {
        return;
    }
    if let (Some(key), Ok(Some(storage))) = (
        remembered_key(button),
        leptos::prelude::window().session_storage(),
    ) {
        let _ = if open {
            storage.set_item(&key, "open")
        } else {
            storage.remove_item(&key)
        };
    }
}

#[cfg(feature = "hydrate")]
fn remembered(button: &web_sys::Element) -> bool {
    let Ok(Some(storage)) = leptos::prelude::window().session_storage() else {
        return false;
    };
    remembered_key(button)
        .and_then(|key| storage.get_item(&key).ok().flatten())
        .is_some()
}

/// Shows the parts of `field`'s form that ask for its current value, and hides (and
/// disables, so they are not sent) those that ask for another.
#[cfg(feature = "hydrate")]
fn show_parts_for(field: &web_sys::Element) {
    use wasm_bindgen::JsCast;
    let (Some(name), Ok(Some(form))) = (field.get_attribute("name"), field.closest("form")) else {
        return;
    };
    let value = if let Some(input) = field.dyn_ref::<web_sys::HtmlInputElement>() {
        if input.type_() == "radio" && !input.checked() {
            return;
        }
        input.value()
    } else if let Some(select) = field.dyn_ref::<web_sys::HtmlSelectElement>() {
        select.value()
    } else {
        return;
    };
    for part in super::dom::elements(form.query_selector_all("[data-when]")) {
        let condition = part.get_attribute("data-when").unwrap_or_default();
        let Some((wanted_name, wanted_value)) = when_condition(&condition) else {
            continue;
        };
        if wanted_name != name {
            continue;
        }
        let shown = wanted_value == value;
        let _ = part.toggle_attribute_with_force("hidden", !shown);
        let _ = part.toggle_attribute_with_force("disabled", !shown);
    }
}

/// Copies the text of the field `button` names, and says so.
#[cfg(feature = "hydrate")]
fn copy_from(button: &web_sys::Element) {
    use wasm_bindgen::JsCast;
    let Some(field) = button
        .get_attribute("data-copy")
        .and_then(|id| leptos::prelude::document().get_element_by_id(&id))
    else {
        return;
    };
    let text = match field.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        Some(area) => area.value(),
        None => field.text_content().unwrap_or_default(),
    };
    let _ = leptos::prelude::window()
        .navigator()
        .clipboard()
        .write_text(&text);
    super::use_toasts().show("Copied.");
}

#[cfg(test)]
mod tests {
    use super::when_condition;

    #[test]
    fn a_condition_names_a_field_and_a_value() {
        assert_eq!(
            when_condition("activity[kind]=phone_call"),
            Some(("activity[kind]", "phone_call"))
        );
        assert_eq!(when_condition("target=new"), Some(("target", "new")));
        assert_eq!(when_condition("no condition"), None);
    }
}
