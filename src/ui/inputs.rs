//! Labelled form inputs that show their field's error from the last action result.

use crate::error::AppError;
use crate::options::OptionSet;
use crate::ui::FieldError;
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
pub fn text_input<R: Send + Sync + 'static>(
    form: &'static str,
    result: Signal<Option<Result<R, AppError>>>,
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: String,
) -> impl IntoView {
    let error_id = format!("{form}-{name}-error");
    let error = view! { <FieldError result field=name id=error_id /> };
    labelled_input(form, name, label, kind, autocomplete, value, error)
}

/// An empty text input (no autofill) in a form `ui::enhance` sends, which shows the field's
/// error itself.
pub fn sent_text_input(
    form: &'static str,
    name: &'static str,
    label: &'static str,
) -> impl IntoView {
    let error = view! { <FieldMessage field=name id=format!("{form}-{name}-error") /> };
    labelled_input(form, name, label, "text", "off", String::new(), error)
}

fn labelled_input(
    form: &'static str,
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: String,
    error: impl IntoView,
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
                aria-describedby=error_id
            />
            {error}
        </div>
    }
}

/// A select of an option set named `form[name]`, with an empty "Not known" first.
pub fn option_input<T: OptionSet, R: Send + Sync + 'static>(
    form: &'static str,
    result: Signal<Option<Result<R, AppError>>>,
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
            <FieldError result field=name id=error_id />
        </div>
    }
}

/// The five address inputs (street, city, state/province, postal code, country).
pub fn address_inputs<R: Send + Sync + 'static>(
    form: &'static str,
    result: Signal<Option<Result<R, AppError>>>,
    [street, city, state_province, postal_code, country]: [String; 5],
) -> impl IntoView {
    view! {
        {text_input(form, result, "street", "Street", "text", "street-address", street)}
        {text_input(form, result, "city", "City", "text", "address-level2", city)}
        {text_input(form, result, "state_province", "State/Province", "text", "address-level1", state_province)}
        {text_input(form, result, "postal_code", "Postal code", "text", "postal-code", postal_code)}
        {text_input(form, result, "country", "Country", "text", "country-name", country)}
    }
}
