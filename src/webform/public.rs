//! The public side of web forms, open to anyone (no sign-in): the hosted page `/f/{key}`
//! (server-rendered HTML, no app chrome, no script needed), its POST, the token the embed
//! script fetches across origins, and the embed script itself. Every refusal answers a
//! clear page; the owner and source are decided here, never by the browser.

use super::db::{self, Decision, Handling, Received, StoredForm};
use super::rules::{
    self, HONEYPOT_FIELD, InputKind, input_kind, lead_of_submission, origin_of, posted_value,
    read_values, spam_signal,
};
use super::token::{self, FormToken};
use crate::error::{AppError, FieldErrors};
use crate::server::AppState;
use crate::ui::inputs::user_text;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use leptos::prelude::*;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

/// The largest submission body read: a form's fields at their longest are far smaller.
pub const MAX_SUBMISSION_BYTES: usize = 64 * 1024;

/// The embed script, as served at `/f/embed.js`.
const EMBED_SCRIPT: &str = include_str!("embed.js");

/// Rate limits and the signing key of the public endpoints.
pub struct WebFormGuards {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_form: DefaultKeyedRateLimiter<i64>,
    secret: tokio::sync::OnceCell<[u8; 32]>,
}

impl WebFormGuards {
    /// `per_address`: posts one client address may make per minute (over it: refused);
    /// `per_form`: submissions one form takes per minute (over it: queued, not lost).
    pub fn new(per_address: u32, per_form: u32) -> WebFormGuards {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        WebFormGuards {
            per_address: RateLimiter::keyed(quota(per_address)),
            per_form: RateLimiter::keyed(quota(per_form)),
            secret: tokio::sync::OnceCell::new(),
        }
    }

    /// Whether form `form_id` may take one more submission now.
    pub fn form_has_room(&self, form_id: i64) -> bool {
        self.per_form.check_key(&form_id).is_ok()
    }

    async fn secret(&self, state: &AppState) -> Result<&[u8; 32], AppError> {
        Ok(self
            .secret
            .get_or_try_init(|| token::load_secret(&state.pool))
            .await?)
    }
}

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/f/embed.js", get(embed_script))
        .route("/f/{key}", get(hosted_page).post(submit))
        .route("/f/{key}/token", get(fresh_token))
}

async fn embed_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        EMBED_SCRIPT,
    )
        .into_response()
}

/// What a hosted page shows besides the form's own settings.
#[derive(Default)]
struct PageState {
    token: String,
    values: BTreeMap<String, String>,
    consent: bool,
    errors: FieldErrors,
    notice: Option<String>,
    /// `_page`, `_referrer` and the UTM parameters, carried in hidden fields.
    hidden: Vec<(&'static str, String)>,
}

fn hidden_of(origin: &super::WebOrigin) -> Vec<(&'static str, String)> {
    [
        ("_page", &origin.page_url),
        ("_referrer", &origin.referrer),
        ("utm_source", &origin.utm_source),
        ("utm_medium", &origin.utm_medium),
        ("utm_campaign", &origin.utm_campaign),
        ("utm_term", &origin.utm_term),
        ("utm_content", &origin.utm_content),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name, value.clone()?)))
    .collect()
}

const PAGE_STYLE: &str = "*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1b1f24;background:#fff}\
main{max-width:36rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:0 0 1rem}\
.field{margin:0 0 1rem}label{display:block;font-weight:600;margin-bottom:.25rem}\
input,select,textarea{width:100%;min-height:44px;padding:.5rem;font:inherit;border:1px solid #5b6470;border-radius:4px}\
textarea{min-height:6rem}.consent label{display:flex;gap:.5rem;font-weight:400;align-items:flex-start}\
.consent input{width:24px;min-height:24px;margin:0}button{min-height:44px;padding:.5rem 1.5rem;font:inherit;font-weight:600;color:#fff;background:#0b57a4;border:0;border-radius:4px}\
.error{color:#a4161a;margin:.25rem 0 0}.alert{border:2px solid #a4161a;padding:.75rem;margin-bottom:1rem}\
.notice{border:2px solid #0b57a4;padding:.75rem;margin-bottom:1rem}.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}";

fn document(title: &str, body: impl RenderHtml) -> String {
    let title = title.to_string();
    let page = view! {
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="robots" content="noindex" />
                <title>{user_text(title)}</title>
                <style>{PAGE_STYLE}</style>
            </head>
            <body>
                <main>{body}</main>
            </body>
        </html>
    };
    format!("<!DOCTYPE html>{}", page.to_html())
}

fn form_document(key: &str, form: &StoredForm, state: PageState) -> String {
    let config = &form.config;
    let action = format!("/f/{key}");
    let alert = (!state.errors.is_empty()).then(|| {
        let count = state.errors.len();
        view! {
            <div class="alert" role="alert">
                {format!("Please correct {} field{}.", count, if count == 1 { "" } else { "s" })}
            </div>
        }
    });
    let notice = state
        .notice
        .map(|notice| view! { <div class="notice" role="status">{notice}</div> });
    let fields = config
        .fields
        .iter()
        .map(|field| {
            let id = format!("f-{}", field.field);
            let error_id = format!("e-{}", field.field);
            let error = state.errors.get(&field.field).cloned();
            let invalid = error.as_ref().map(|_| "true");
            let described = error.as_ref().map(|_| error_id.clone());
            let value = state.values.get(&field.field).cloned().unwrap_or_default();
            let name = field.field.clone();
            let label = if field.required {
                format!("{} (required)", field.label)
            } else {
                field.label.clone()
            };
            let required = field.required;
            let control = match input_kind(&field.field) {
                InputKind::TextArea => view! {
                    <textarea id=id.clone() name=name required=required aria-invalid=invalid aria-describedby=described>{user_text(value)}</textarea>
                }
                .into_any(),
                InputKind::Choice(choices) => {
                    let options = choices
                        .into_iter()
                        .map(|(code, label)| {
                            let selected = value == code;
                            view! { <option value=code selected=selected>{label}</option> }
                        })
                        .collect_view();
                    view! {
                        <select id=id.clone() name=name required=required aria-invalid=invalid aria-describedby=described>
                            <option value="">"—"</option>
                            {options}
                        </select>
                    }
                    .into_any()
                }
                kind => {
                    let (kind, autocomplete) = match kind {
                        InputKind::Email => ("email", "email"),
                        InputKind::Tel => ("tel", "tel"),
                        InputKind::Url => ("url", "url"),
                        InputKind::Number => ("text", "off"),
                        _ => ("text", autocomplete_of(&field.field)),
                    };
                    view! {
                        <input id=id.clone() name=name type=kind value=value required=required autocomplete=autocomplete aria-invalid=invalid aria-describedby=described />
                    }
                    .into_any()
                }
            };
            view! {
                <div class="field">
                    <label for=id>{label}</label>
                    {control}
                    {error.map(|error| view! { <p class="error" id=error_id>{error}</p> })}
                </div>
            }
        })
        .collect_view();
    let consent = config.consent_text.clone().map(|text| {
        let error = state.errors.get("consent").cloned();
        let invalid = error.as_ref().map(|_| "true");
        view! {
            <div class="field consent">
                <label>
                    <input type="checkbox" name="consent" value="yes" checked=state.consent required=true aria-invalid=invalid aria-describedby=error.as_ref().map(|_| "e-consent") />
                    <span>{text}</span>
                </label>
                {error.map(|error| view! { <p class="error" id="e-consent">{error}</p> })}
            </div>
        }
    });
    let form_error = state
        .errors
        .get("form")
        .cloned()
        .map(|error| view! { <p class="error">{error}</p> });
    let hidden = state
        .hidden
        .into_iter()
        .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
        .collect_view();
    let body = view! {
        <h1>{config.name.clone()}</h1>
        {alert}
        {notice}
        {form_error}
        <form method="post" action=action novalidate=true>
            {fields}
            {consent}
            <div class="hp" aria-hidden="true">
                <label for="hp">"Leave this empty"</label>
                <input id="hp" name=HONEYPOT_FIELD tabindex="-1" autocomplete="off" />
            </div>
            <input type="hidden" name="_token" value=state.token />
            {hidden}
            <button type="submit">"Send"</button>
        </form>
    };
    document(&config.name, body)
}

fn autocomplete_of(field: &str) -> &'static str {
    match field {
        "first_name" => "given-name",
        "last_name" => "family-name",
        "company_name" => "organization",
        "job_title" => "organization-title",
        "street" => "street-address",
        "city" => "address-level2",
        "state_province" => "address-level1",
        "postal_code" => "postal-code",
        "country" => "country-name",
        _ => "on",
    }
}

/// A page that only says something (thank you, paused, unknown, refused).
fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = view! {
        <h1>{title.to_string()}</h1>
        <p role="status">{message.to_string()}</p>
    };
    html_response(status, document(title, body), None)
}

fn html_response(status: StatusCode, html: String, form: Option<&StoredForm>) -> Response {
    let ancestors = match form {
        Some(form) => std::iter::once("'self'".to_string())
            .chain(form.config.allowed_origins.iter().cloned())
            .collect::<Vec<_>>()
            .join(" "),
        None => "'none'".into(),
    };
    // Nothing on these pages runs a script: whatever a visitor typed is inert here.
    let policy = format!(
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors {ancestors}"
    );
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response();
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn unknown_form() -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        "Form not found",
        "This form does not exist. Check the address, or contact the website's owner.",
    )
}

fn paused_form(form: &StoredForm) -> Response {
    message_page(
        StatusCode::SERVICE_UNAVAILABLE,
        &form.config.name,
        "This form is not taking submissions right now. Please try again later.",
    )
}

fn internal(error: AppError) -> Response {
    tracing::error!(?error, "web form");
    message_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Your message was not sent because of a problem on our side. Please try again.",
    )
}

async fn load(state: &AppState, key: &str) -> Result<Option<StoredForm>, Response> {
    if key.len() > 64 {
        return Ok(None);
    }
    db::load_form_by_key(&state.pool, key)
        .await
        .map_err(internal)
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn new_token(state: &AppState, form: &StoredForm) -> Result<String, AppError> {
    let secret = state.web_forms.secret(state).await?;
    Ok(token::issue(secret, form.id, unix_now()))
}

async fn hosted_page(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let form = match load(&state, &key).await {
        Ok(Some(form)) => form,
        Ok(None) => return unknown_form(),
        Err(response) => return response,
    };
    if form.paused {
        return paused_form(&form);
    }
    let token = match new_token(&state, &form).await {
        Ok(token) => token,
        Err(error) => return internal(error),
    };
    // Framed by the embed script: the page and referrer of the embedding page come in the
    // address; opened directly, the browser's Referer is where the visitor came from.
    let posted: Vec<(String, String)> = query
        .iter()
        .map(|(name, value)| match name.as_str() {
            "page" => ("_page".to_string(), value.clone()),
            "referrer" => ("_referrer".to_string(), value.clone()),
            _ => (name.clone(), value.clone()),
        })
        .collect();
    let mut origin = origin_of(&posted, None);
    if origin.referrer.is_none() && origin.page_url.is_none() {
        origin.referrer = rules::origin_value(header_text(&headers, header::REFERER));
    }
    let page = PageState {
        token,
        hidden: hidden_of(&origin),
        ..PageState::default()
    };
    html_response(
        StatusCode::OK,
        form_document(&key, &form, page),
        Some(&form),
    )
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// This server's own origin, as the browser names it.
fn own_origin(state: &AppState, headers: &HeaderMap) -> String {
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    let host = header_text(headers, header::HOST).unwrap_or_default();
    format!("{scheme}://{}", host.to_ascii_lowercase())
}

/// CORS: the allowed origin that sent the request, echoed back.
fn cors_origin(form: &StoredForm, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = header_text(headers, header::ORIGIN)?;
    let origin = rules::parse_origin(origin)?;
    form.config
        .allowed_origins
        .contains(&origin)
        .then(|| HeaderValue::from_str(&origin).ok())
        .flatten()
}

/// A fresh signed token for the plain HTML form on an allowed website.
async fn fresh_token(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let form = match load(&state, &key).await {
        Ok(Some(form)) if !form.paused => form,
        Ok(_) => {
            return (
                StatusCode::NOT_FOUND,
                "This form is not taking submissions.",
            )
                .into_response();
        }
        Err(response) => return response,
    };
    let token = match new_token(&state, &form).await {
        Ok(token) => token,
        Err(error) => return internal(error),
    };
    let mut response = ([(header::CACHE_CONTROL, "no-store")], token).into_response();
    if let Some(origin) = cors_origin(&form, &headers) {
        response
            .headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Origin"));
    response
}

fn too_many() -> Response {
    let mut response = message_page(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many submissions",
        "Too many submissions came from your network in the last minute. Please wait a minute and send again.",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    response
}

/// The answer to an accepted, queued or quarantined submission (a bot learns nothing).
fn thanks(form: &StoredForm) -> Response {
    if let Some(url) = &form.config.redirect_url
        && let Ok(location) = HeaderValue::from_str(url)
    {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    }
    let message = form
        .config
        .thank_you
        .clone()
        .unwrap_or_else(|| "Thank you. We have your details and will be in touch soon.".into());
    let body = view! {
        <h1>{form.config.name.clone()}</h1>
        <p role="status">{message}</p>
    };
    html_response(
        StatusCode::OK,
        document(&form.config.name, body),
        Some(form),
    )
}

async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let form = match load(&state, &key).await {
        Ok(Some(form)) => form,
        Ok(None) => return unknown_form(),
        Err(response) => return response,
    };
    let client = crate::auth::rules::client_address(
        peer.ip(),
        header_text(&headers, header::HeaderName::from_static("x-forwarded-for")),
        &state.config.trusted_proxies,
    );
    let client_text = client.to_string();
    let reject = |reason: String| {
        let pool = state.pool.clone();
        let client = client_text.clone();
        let form_id = form.id;
        async move {
            if let Err(error) = db::record_rejected(&pool, form_id, &reason, &client).await {
                tracing::error!(?error, "could not log a rejected web form post");
            }
        }
    };
    if form.paused {
        reject("The form is paused.".into()).await;
        return paused_form(&form);
    }
    if let Some(origin) = header_text(&headers, header::ORIGIN)
        && !rules::origin_allowed(
            origin,
            &form.config.allowed_origins,
            &own_origin(&state, &headers),
        )
    {
        reject(format!(
            "Sent from a website not allowed to embed the form ({}).",
            rules::origin_value(Some(origin)).unwrap_or_default()
        ))
        .await;
        return message_page(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "This form cannot be sent from this website.",
        );
    }
    if state.web_forms.per_address.check_key(&client).is_err() {
        reject("Too many posts from this address in a minute.".into()).await;
        return too_many();
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_SUBMISSION_BYTES).await else {
        reject("The body was larger than 64 KB.".into()).await;
        return message_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too large",
            "What was sent is too large for this form.",
        );
    };
    let Ok(posted) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) else {
        reject("The body was not a form.".into()).await;
        return message_page(
            StatusCode::BAD_REQUEST,
            "Not sent",
            "What was sent could not be read as a form.",
        );
    };
    let values = read_values(&form.config.fields, &posted);
    let consent = posted_value(&posted, "consent").is_some_and(|value| !value.trim().is_empty());
    let origin = origin_of(&posted, header_text(&headers, header::REFERER));
    let secret = match state.web_forms.secret(&state).await {
        Ok(secret) => secret,
        Err(error) => return internal(error),
    };
    let verified: Option<FormToken> = posted_value(&posted, "_token")
        .and_then(|text| token::verify(secret, text))
        .filter(|token| token.form_id == form.id);
    let page_again = |token: String, errors: FieldErrors, notice: Option<String>| PageState {
        token,
        values: values.clone(),
        consent,
        errors,
        notice,
        hidden: hidden_of(&origin),
    };
    let Some(verified) = verified else {
        // A copy of the form without its script (JavaScript off on the embedding site):
        // the visitor confirms once on a freshly rendered form; nothing typed is lost.
        reject("Sent without a valid form token; the visitor was asked to send again.".into())
            .await;
        let token = match new_token(&state, &form).await {
            Ok(token) => token,
            Err(error) => return internal(error),
        };
        let notice = Some("Please check your details and press Send again.".to_string());
        let page = form_document(&key, &form, page_again(token, FieldErrors::new(), notice));
        return html_response(StatusCode::OK, page, Some(&form));
    };
    let received = Received {
        submission_id: Some(verified.submission_id.clone()),
        client_address: client_text.clone(),
        values: values.clone(),
        consent,
        origin: origin.clone(),
    };
    let honeypot = posted_value(&posted, HONEYPOT_FIELD).unwrap_or_default();
    let signal = spam_signal(
        honeypot,
        verified.rendered_at,
        unix_now(),
        form.config.min_fill_seconds,
    );
    let handling = match signal {
        Some(signal) => Handling::Quarantine(signal.reason()),
        None => {
            if let Err(AppError::Validation(errors)) =
                lead_of_submission(&form.config, &values, consent)
            {
                let fields = errors.keys().cloned().collect::<Vec<_>>().join(", ");
                reject(format!("Invalid or missing fields: {fields}.")).await;
                let token = posted_value(&posted, "_token")
                    .unwrap_or_default()
                    .to_string();
                let page = form_document(&key, &form, page_again(token, errors, None));
                return html_response(StatusCode::UNPROCESSABLE_ENTITY, page, Some(&form));
            }
            if state.web_forms.form_has_room(form.id) {
                Handling::Accept
            } else {
                Handling::Queue
            }
        }
    };
    match db::receive(&state.pool, &form, &received, handling).await {
        Ok(Decision::Created(_) | Decision::Matched | Decision::Quarantined | Decision::Queued) => {
            thanks(&form)
        }
        Err(error) => internal(error),
    }
}

/// Works through queued submissions as each form's rate allows, every few seconds.
pub fn spawn_queue_worker(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            let queued = match db::queued(&state.pool, 100).await {
                Ok(queued) => queued,
                Err(error) => {
                    tracing::warn!(?error, "web form queue");
                    continue;
                }
            };
            for (id, form_id) in queued {
                if !state.web_forms.form_has_room(form_id) {
                    continue;
                }
                if let Err(error) = db::process_queued(&state.pool, id).await {
                    tracing::warn!(?error, id, "queued web form submission");
                }
            }
        }
    });
}
