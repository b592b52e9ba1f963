//! Labelled form inputs that show their field's error (from an action's result or `ui::enhance`).

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

/// Where a form's field errors come from: the last result of a reactive action (a
/// `Signal` of it), or the answer `ui::enhance` writes into the page (`Sent`).
pub trait ErrorSource: Copy + Send + Sync + 'static {
    /// The message for `field`, with `id` for its input's `aria-describedby`.
    fn field_error(self, field: &'static str, id: String) -> AnyView;
}

impl<R: Send + Sync + 'static> ErrorSource for Signal<Option<Result<R, AppError>>> {
    fn field_error(self, field: &'static str, id: String) -> AnyView {
        view! { <FieldError result=self field id /> }.into_any()
    }
}

/// A form `ui::enhance` sends: it shows each field's error itself.
#[derive(Debug, Clone, Copy)]
pub struct Sent;

impl ErrorSource for Sent {
    fn field_error(self, field: &'static str, id: String) -> AnyView {
        view! { <FieldMessage field id /> }.into_any()
    }
}

/// A text input named `form[name]` (id `form-name`) with its label and field error.
pub fn text_input(
    form: &'static str,
    errors: impl ErrorSource,
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
            {errors.field_error(name, error_id)}
        </div>
    }
}

/// A select of an option set named `form[name]`, with an empty "Not known" first.
pub fn option_input<T: OptionSet, E: ErrorSource>(
    form: &'static str,
    errors: E,
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
            {errors.field_error(name, error_id)}
        </div>
    }
}

/// The five address inputs (street, city, state/province, postal code, country).
pub fn address_inputs(
    form: &'static str,
    errors: impl ErrorSource,
    [street, city, state_province, postal_code, country]: [String; 5],
) -> impl IntoView {
    view! {
        {text_input(form, errors, "street", "Street", "text", "street-address", street)}
        {text_input(form, errors, "city", "City", "text", "address-level2", city)}
        {text_input(form, errors, "state_province", "State/Province", "text", "address-level1", state_province)}
        {text_input(form, errors, "postal_code", "Postal code", "text", "postal-code", postal_code)}
        {text_input(form, errors, "country", "Country", "text", "country-name", country)}
    }
}
