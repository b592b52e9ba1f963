use crate::error::AppError;
use leptos::prelude::*;

/// The message for one form field from the last result of an action, if any.
/// `id` lets the input point at it with `aria-describedby`.
#[component]
pub fn FieldError<T>(
    result: Signal<Option<Result<T, AppError>>>,
    field: &'static str,
    #[prop(into)] id: String,
) -> impl IntoView
where
    T: Send + Sync + 'static,
{
    let message = move || {
        result.with(|value| match value {
            Some(Err(error)) => error.field_message(field),
            _ => None,
        })
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="field-error" id=id.clone()>{message}</p>
        </Show>
    }
}

/// The form-level message for the last result of an action (field errors show by their
/// fields; everything else shows here).
#[component]
pub fn FormAlert<T>(result: Signal<Option<Result<T, AppError>>>) -> impl IntoView
where
    T: Send + Sync + 'static,
{
    let message = move || {
        result.with(|value| match value {
            Some(Err(error)) => Some(error.to_string()),
            _ => None,
        })
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="form-alert" role="alert">{message}</p>
        </Show>
    }
}
