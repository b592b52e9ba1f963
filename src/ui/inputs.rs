//! Labelled form inputs for the forms `ui::enhance` sends, each with the place its field's error shows.

use crate::options::OptionSet;
use crate::ui::enhance::FieldMessage;
use leptos::prelude::*;

/// Text typed by users inside a `<textarea>` or the page `<title>`. Leptos writes the text
/// of these elements into the server's HTML unescaped, so a stored "</textarea><script>…" or
/// "</title><script>…" would end the element and run; the server escapes it. The browser
/// build sets the text through the DOM, which is inert as it is.
pub fn user_text(value: String) -> String {
    #[cfg(feature = "ssr")]
    let value = html_escape::encode_text(&value).into_owned();
    value
}

/// A text input named `form[name]` (id `form-name`) with its label and field error.
pub fn text_input(
    form: &'static str,
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: String,
) -> impl IntoView {
    let id = format!("{form}-{name}");
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=format!("{form}[{name}]")
                type=kind
                autocomplete=autocomplete
                value=value
                aria-describedby=error_id.clone()
            />
            <FieldMessage field=name id=error_id />
        </div>
    }
}

/// A select of an option set named `form[name]`, with an empty "Not known" first.
pub fn option_input<T: OptionSet>(
    form: &'static str,
    name: &'static str,
    label: &'static str,
    value: String,
) -> impl IntoView {
    let id = format!("{form}-{name}");
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=format!("{form}[{name}]") aria-describedby=error_id.clone()>
                <option value="" selected=value.is_empty()>"Not known"</option>
                {T::all()
                    .iter()
                    .map(|option| {
                        let option_code = option.code();
                        view! {
                            <option value=option_code selected=value == option_code>
                                {option.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <FieldMessage field=name id=error_id />
        </div>
    }
}

/// The five address inputs (street, city, state/province, postal code, country).
pub fn address_inputs(
    form: &'static str,
    [street, city, state_province, postal_code, country]: [String; 5],
) -> impl IntoView {
    view! {
        {text_input(form, "street", "Street", "text", "street-address", street)}
        {text_input(form, "city", "City", "text", "address-level2", city)}
        {text_input(form, "state_province", "State/Province", "text", "address-level1", state_province)}
        {text_input(form, "postal_code", "Postal code", "text", "postal-code", postal_code)}
        {text_input(form, "country", "Country", "text", "country-name", country)}
    }
}
