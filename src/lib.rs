//! Leadflow: a sales CRM. One crate, two builds: the server (`ssr`) and the browser (`hydrate`).
// Leptos view types nest deeply; a list page's type needs more than the default 128.
#![recursion_limit = "256"]

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
pub mod lists;
pub mod offline;
pub mod opportunity;
pub mod options;
pub mod process;
pub mod scoring;
pub mod settings;
pub mod spreadsheet;
pub mod types;
pub mod ui;
pub mod url_state;
pub mod webform;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: hydrate the server-rendered page (loading the page's lazy WASM
/// chunk first), then mark the body so tests (and people) know clicks will now be handled.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        // Hydrate in a task of its own, not in the one that instantiated the WASM: a phone's
        // main thread is blocked by two shorter tasks less than by one long one.
        app::next_task().await;
        let body = leptos::prelude::document()
            .body()
            .expect("the page has a body");
        let app = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        app.forget();
        ui::show_carried_over();
        ui::enhance::install();
        ui::dialog::install();
        ui::tabs::install();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
