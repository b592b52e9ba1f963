//! Forms the server renders and the browser sends without leaving the page. A
//! `<form data-enhance>` posts its fields to its server function (`action`) the way the
//! server-function client does; while it is on its way the form is `aria-busy` and its
//! submit buttons are disabled. The answer then shows in place: each field's error by its
//! field (`data-error-for`), any other error in the form's alert, the likely duplicates a
//! save stopped at (`SaveOutcome::Duplicates`) in its `DuplicateMessage`, whose "Save
//! anyway" sends the form again, and the form's `data-done` message as a toast (`{name}`
//! in it is the form's `name` field, `{}` what the server function returned). A server function that
//! redirects (signing in) loads that page; `data-then="reload"` loads the page again (the
//! server renders what changed); `data-open="/lists/{}"` opens the page of what the server
//! function returned (the new record's id). While other forms of the page are still on
//! their way, leaving waits for the last answer (leaving would cancel them), and stays put
//! if any of them failed, so its error can be read. A control marked
//! `data-submit-on-change` sends its form when it changes. Before the WASM has loaded, the same form is an ordinary post:
//! a success is answered with a redirect, an error (for now) with the error's JSON.

#[cfg(feature = "hydrate")]
use crate::duplicates::{DuplicateMatch, SaveOutcome};
#[cfg(feature = "hydrate")]
use crate::error::AppError;
use leptos::prelude::*;

/// An enhanced form around `children`, posting to the server function at `action`.
#[component]
pub fn ServerForm(
    action: &'static str,
    /// The toast after a success; `{field}` is replaced by that field's value, `{}` by what
    /// the server function returned (a count).
    #[prop(optional)]
    done: Option<&'static str>,
    /// Load the page again after a success.
    #[prop(optional)]
    reload: bool,
    /// After a success, open this address, `{}` replaced by what the server function returned.
    #[prop(optional)]
    open: Option<&'static str>,
    #[prop(optional)] class: Option<&'static str>,
    /// Let the browser check the form's `required` choices before it is sent. Without it
    /// the server checks everything, and its messages name each field (an email the browser
    /// would reject gets the server's words, by its field).
    #[prop(optional)]
    browser_checks: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <form method="post" action=action class=class novalidate=!browser_checks data-enhance="" data-done=done data-then=reload.then_some("reload") data-open=open>
            {children()}
        </form>
    }
}

/// Where a field's error shows (`id` for the input's `aria-describedby`).
#[component]
pub fn FieldMessage(
    field: &'static str,
    #[prop(optional, into)] id: Option<String>,
) -> impl IntoView {
    view! { <p class="field-error" id=id data-error-for=field></p> }
}

/// Where a form's other errors show.
#[component]
pub fn FormMessage() -> impl IntoView {
    view! { <p class="form-alert" role="alert" hidden></p> }
}

/// Where the likely duplicates a save stopped at show.
#[component]
pub fn DuplicateMessage() -> impl IntoView {
    view! { <div data-duplicates=""></div> }
}

/// Sends every enhanced form of the page (and of any page this document shows later).
#[cfg(feature = "hydrate")]
pub fn install() {
    use super::dom::{event_element, on_document};
    use wasm_bindgen::JsCast;
    on_document("submit", false, |event| {
        let Some(form) = event_element(&event)
            .filter(|form| form.has_attribute("data-enhance"))
            .and_then(|form| form.dyn_into::<web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        event.prevent_default();
        // A second press while the first is on its way sends nothing.
        if form.get_attribute("aria-busy").as_deref() == Some("true") {
            return;
        }
        // The button pressed is sent too ("Save anyway" is `save_anyway=true`).
        let submitter = event
            .dyn_ref::<web_sys::SubmitEvent>()
            .and_then(web_sys::SubmitEvent::submitter);
        leptos::task::spawn_local(send(form, submitter));
    });
    on_document("change", false, |event| {
        let form = event_element(&event)
            .filter(|control| control.has_attribute("data-submit-on-change"))
            .and_then(|control| control.closest("form").ok().flatten())
            .and_then(|form| form.dyn_into::<web_sys::HtmlFormElement>().ok());
        if let Some(form) = form {
            let _ = form.request_submit();
        }
    });
}

/// The forms of this page on their way, and where to go once the last has its answer.
#[cfg(feature = "hydrate")]
#[derive(Default)]
struct InFlight {
    sending: u32,
    then_go_to: Option<String>,
    /// An answer in this burst was an error: the page stays, so it can be read.
    failed: bool,
}

#[cfg(feature = "hydrate")]
thread_local! {
    static IN_FLIGHT: std::cell::RefCell<InFlight> = std::cell::RefCell::new(InFlight::default());
}

#[cfg(feature = "hydrate")]
async fn send(form: web_sys::HtmlFormElement, submitter: Option<web_sys::HtmlElement>) {
    set_busy(&form, true);
    IN_FLIGHT.with_borrow_mut(|in_flight| in_flight.sending += 1);
    // The fields as sent, for the success message.
    let sent = web_sys::FormData::new_with_form(&form).ok();
    let answer = post(&form, submitter.as_ref()).await;
    set_busy(&form, false);
    let toasts = super::use_toasts();
    show_duplicates(&form, None);
    let mut go_to = None;
    let mut failed = false;
    match answer {
        Ok(Answer::Duplicates(matches)) => {
            show_error(&form, None);
            show_duplicates(&form, Some(matches));
            // The warning waits to be read, as an error does.
            failed = true;
        }
        Ok(Answer::GoTo(url)) => {
            if let Some(done) = done_message(&form, sent.as_ref(), "") {
                toasts.show(done);
            }
            go_to = Some(url);
        }
        Ok(Answer::Done(returned)) => {
            show_error(&form, None);
            if let Some(done) = done_message(&form, sent.as_ref(), &returned) {
                toasts.show(done);
            }
            if let Some(open) = form.get_attribute("data-open") {
                go_to = Some(open.replace("{}", &returned));
            } else if form.get_attribute("data-then").as_deref() == Some("reload") {
                go_to = Some(window().location().href().unwrap_or_default());
            }
        }
        Err(error) => {
            // A save that never reached the server: outbox.js keeps a quick-create lead on
            // the device.
            if let AppError::Transport(_) = error
                && let Ok(event) = web_sys::Event::new("leadflow-network-failed")
            {
                let _ = window().dispatch_event(&event);
            }
            show_error(&form, Some(error));
            failed = true;
        }
    }
    // Leaving the page would cancel the forms still on their way (two steps ticked in
    // quick succession): the last answer of a burst decides.
    let leave = IN_FLIGHT.with_borrow_mut(|in_flight| {
        in_flight.sending -= 1;
        in_flight.then_go_to = go_to.or(in_flight.then_go_to.take());
        in_flight.failed |= failed;
        if in_flight.sending > 0 {
            return None;
        }
        let url = in_flight.then_go_to.take();
        let failed = std::mem::take(&mut in_flight.failed);
        if failed { None } else { url }
    });
    if let Some(url) = leave {
        super::go_to(&url);
    }
}

/// Marks a form as sent and waiting (`aria-busy`, its submit buttons disabled), or not.
#[cfg(feature = "hydrate")]
fn set_busy(form: &web_sys::HtmlFormElement, busy: bool) {
    let _ = form.set_attribute("aria-busy", if busy { "true" } else { "false" });
    each_in(form, "button[type=submit]", |button| {
        let _ = button.toggle_attribute_with_force("disabled", busy);
    });
}

/// Applies `apply` to each element of `form` that matches `selector`.
#[cfg(feature = "hydrate")]
fn each_in(form: &web_sys::HtmlFormElement, selector: &str, apply: impl Fn(web_sys::Element)) {
    for element in super::dom::elements(form.query_selector_all(selector)) {
        apply(element);
    }
}

/// Shows the likely duplicates in the form's `DuplicateMessage` (or clears them).
#[cfg(feature = "hydrate")]
fn show_duplicates(form: &web_sys::HtmlFormElement, matches: Option<Vec<DuplicateMatch>>) {
    use crate::duplicates::warning::PossibleDuplicates;
    let Ok(Some(slot)) = form.query_selector("[data-duplicates]") else {
        return;
    };
    slot.set_inner_html("");
    if let Some(matches) = matches {
        let slot = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(slot);
        // It stays until the next answer empties the slot.
        leptos::mount::mount_to(slot, move || view! { <PossibleDuplicates matches /> }).forget();
    }
}

#[cfg(feature = "hydrate")]
enum Answer {
    /// What the server function returned, as text: a number or a string (its JSON quotes
    /// taken off).
    Done(String),
    GoTo(String),
    /// A save stopped at likely duplicates.
    Duplicates(Vec<DuplicateMatch>),
}

/// What the server said to a form: where it sends the page, or its answer's JSON.
#[cfg(feature = "hydrate")]
enum Reply {
    Redirect(String),
    Json(String),
}

/// Posts the form's fields (URL-encoded, as the server-function client does).
#[cfg(feature = "hydrate")]
async fn post(
    form: &web_sys::HtmlFormElement,
    submitter: Option<&web_sys::HtmlElement>,
) -> Result<Answer, AppError> {
    let text = match post_fields(form, submitter).await? {
        Reply::Redirect(location) => return Ok(Answer::GoTo(location)),
        Reply::Json(text) => text,
    };
    if let Ok(outcome) = serde_json::from_str::<SaveOutcome>(&text) {
        return Ok(match outcome {
            SaveOutcome::Saved { id, .. } => Answer::Done(id.to_string()),
            SaveOutcome::Duplicates(matches) => Answer::Duplicates(matches),
        });
    }
    let returned = match serde_json::from_str(&text) {
        Ok(serde_json::Value::String(text)) => text,
        _ => text,
    };
    Ok(Answer::Done(returned))
}

/// Sends `form` as an enhanced form is sent (busy meanwhile, its errors shown by their
/// fields), for an island that shows the answer itself: what the server function returned.
#[cfg(feature = "hydrate")]
pub async fn send_for_answer<T: serde::de::DeserializeOwned>(
    form: web_sys::HtmlFormElement,
) -> Result<T, AppError> {
    set_busy(&form, true);
    let answer = match post_fields(&form, None).await {
        Ok(Reply::Json(text)) => serde_json::from_str(&text).map_err(|_| AppError::Internal),
        Ok(Reply::Redirect(_)) => Err(AppError::Internal),
        Err(error) => Err(error),
    };
    set_busy(&form, false);
    show_error(&form, answer.as_ref().err().cloned());
    answer
}

/// In an island's `on:submit`: sends the form the event came from as `send_for_answer`
/// does, and hands what the server function returned to `then` (in the browser).
pub fn send_in_place<T: serde::de::DeserializeOwned + 'static>(
    event: leptos::ev::SubmitEvent,
    then: impl FnOnce(T) + 'static,
) {
    event.prevent_default();
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(form) = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok())
        {
            leptos::task::spawn_local(async move {
                if let Ok(answer) = send_for_answer::<T>(form).await {
                    then(answer);
                }
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = then;
}

#[cfg(feature = "hydrate")]
async fn post_fields(
    form: &web_sys::HtmlFormElement,
    submitter: Option<&web_sys::HtmlElement>,
) -> Result<Reply, AppError> {
    use wasm_bindgen::JsCast;
    let offline = || AppError::Transport("no connection; nothing was sent".into());
    let fields = web_sys::FormData::new_with_form(form).map_err(|_| AppError::Internal)?;
    // As a browser's own post does: the pressed button's name and value go with the fields.
    if let Some(button) = submitter
        && let Some(name) = button.get_attribute("name")
    {
        let value = button.get_attribute("value").unwrap_or_default();
        fields
            .append_with_str(&name, &value)
            .map_err(|_| AppError::Internal)?;
    }
    let body = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&fields)
        .map_err(|_| AppError::Internal)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&body);
    let headers = web_sys::Headers::new().map_err(|_| AppError::Internal)?;
    let _ = headers.set("Accept", "application/json");
    let _ = headers.set("Content-Type", "application/x-www-form-urlencoded");
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(&form.action(), &init)
        .map_err(|_| AppError::Internal)?;
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window().fetch_with_request(&request))
            .await
            .map_err(|_| offline())?
            .unchecked_into();
    let headers = response.headers();
    if headers.has("serverfnredirect").unwrap_or(false)
        && let Ok(Some(location)) = headers.get("location")
    {
        return Ok(Reply::Redirect(location));
    }
    let text = wasm_bindgen_futures::JsFuture::from(response.text().map_err(|_| offline())?)
        .await
        .map_err(|_| offline())?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        Ok(Reply::Json(text))
    } else {
        Err(serde_json::from_str(&text).unwrap_or(AppError::Internal))
    }
}

/// Shows `error` in the form (or clears what the last answer showed).
#[cfg(feature = "hydrate")]
fn show_error(form: &web_sys::HtmlFormElement, error: Option<AppError>) {
    let fields = match &error {
        Some(AppError::Validation(fields)) => fields.clone(),
        _ => Default::default(),
    };
    each_in(form, "[data-error-for]", |message| {
        let field = message.get_attribute("data-error-for").unwrap_or_default();
        message.set_text_content(fields.get(&field).map(String::as_str));
    });
    each_in(form, "[name]", |input| {
        let name = input.get_attribute("name").unwrap_or_default();
        if fields.contains_key(field_of(&name)) {
            let _ = input.set_attribute("aria-invalid", "true");
        } else {
            let _ = input.remove_attribute("aria-invalid");
        }
    });
    let alert = match &error {
        Some(AppError::Validation(_)) | None => None,
        Some(error) => Some(error.to_string()),
    };
    each_in(form, ".form-alert", |element| {
        element.set_text_content(alert.as_deref());
        element
            .toggle_attribute_with_force("hidden", alert.is_none())
            .ok();
    });
    // The first field in error takes the focus, so its message is read out.
    if !fields.is_empty()
        && let Ok(Some(input)) = form.query_selector("[aria-invalid=\"true\"]")
        && let Ok(input) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(input)
    {
        let _ = input.focus();
    }
}

/// The form's success message with the fields `sent` and what the server `returned`.
#[cfg(feature = "hydrate")]
fn done_message(
    form: &web_sys::HtmlFormElement,
    sent: Option<&web_sys::FormData>,
    returned: &str,
) -> Option<String> {
    let message = form.get_attribute("data-done")?;
    Some(fill_fields(&message, returned, |name| {
        sent.and_then(|fields| fields.get(name).as_string())
            .unwrap_or_default()
    }))
}

/// The field an input's name stands for: `email`, or `name` in `list[name]`.
#[cfg(any(feature = "hydrate", test))]
fn field_of(input_name: &str) -> &str {
    input_name
        .rsplit_once('[')
        .map_or(input_name, |(_, inner)| inner.trim_end_matches(']'))
}

/// `message` with each `{field}` replaced by that field's value ("Created {name}.") and `{}`
/// by `returned` ("{} added to the other list.").
#[cfg(any(feature = "hydrate", test))]
fn fill_fields(message: &str, returned: &str, value_of: impl Fn(&str) -> String) -> String {
    let mut filled = String::new();
    let mut rest = message;
    while let Some(start) = rest.find('{') {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        filled.push_str(&rest[..start]);
        match &rest[start + 1..start + length] {
            "" => filled.push_str(returned),
            field => filled.push_str(&value_of(field)),
        }
        rest = &rest[start + length + 1..];
    }
    filled.push_str(rest);
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_name_their_field_alone_or_inside_their_form() {
        assert_eq!(field_of("email"), "email");
        assert_eq!(field_of("list[name]"), "name");
        assert_eq!(field_of("lead[member_type]"), "member_type");
    }

    #[test]
    fn messages_name_the_fields_sent() {
        let value_of = |name: &str| match name {
            "name" => "Riley Rep".to_string(),
            _ => String::new(),
        };
        assert_eq!(
            fill_fields("Created {name}.", "", value_of),
            "Created Riley Rep."
        );
        assert_eq!(fill_fields("Saved.", "", value_of), "Saved.");
        assert_eq!(
            fill_fields("{} added by {name}.", "12", value_of),
            "12 added by Riley Rep."
        );
        assert_eq!(
            fill_fields("{name} and {missing}!", "", value_of),
            "Riley Rep and !"
        );
        // An unclosed brace is text.
        assert_eq!(fill_fields("Odd {name", "", value_of), "Odd {name");
    }
}
