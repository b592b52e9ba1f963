//! Leadflow: a sales CRM. One crate, two builds: the server (`ssr`) and the browser (`hydrate`).

pub mod account;
pub mod activity;
pub mod app;
pub mod assignment;
pub mod auth;
pub mod contact;
pub mod customer;
pub mod dashboard;
pub mod directory;
pub mod duplicates;
pub mod error;
#[cfg(feature = "ssr")]
pub mod export;
pub mod history;
pub mod import;
pub mod lead;
pub mod opportunity;
pub mod options;
pub mod process;
pub mod settings;
pub mod spreadsheet;
pub mod types;
pub mod ui;
pub mod url_state;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: hydrate the server-rendered page, then mark the body so tests
/// (and people) know clicks will now be handled.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
