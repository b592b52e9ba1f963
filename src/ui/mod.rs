//! Shared UI pieces: toasts, form field errors, simple page states.

pub mod dialog;
#[cfg(feature = "hydrate")]
pub mod dom;
mod download;
pub mod enhance;
mod fetched;
mod field;
mod history;
pub mod inputs;
pub mod list;
mod progress;
pub mod tabs;
mod toast;
pub mod toggle;

pub use download::{CsvDownload, DownloadLink};
pub use fetched::{Fetched, fetched};
pub use field::{FieldError, FormAlert};
pub use history::History;
pub use progress::{Polled, ProgressMeter, polled};
#[cfg(feature = "hydrate")]
pub use toast::show_carried_over;
pub use toast::{Toasts, go_to, use_toasts};

use leptos::prelude::*;

/// A stored UTC timestamp as people read it: "2026-11-23 17:40".
pub fn short_time(at: &str) -> String {
    at.chars().take(16).collect::<String>().replace('T', " ")
}

/// The 404 page, with the status set when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="standalone-page" id="main">
            <div class="card">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
                <a class="button" href="/leads">"Go to leads"</a>
            </div>
        </main>
    }
}

/// What a page shows when loading it failed.
#[component]
pub fn ErrorPage(message: String) -> impl IntoView {
    view! {
        <section class="page" role="alert">
            <div class="card">
                <h1>"Something went wrong"</h1>
                <p>{message}</p>
                <a class="button" href="/leads">"Go to leads"</a>
            </div>
        </section>
    }
}
