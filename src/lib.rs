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

/// The browser entry point, called before the page's islands hydrate: start the reactive
/// system for them, and the behaviours every server-rendered page shares (forms sent in
/// place, dialogs, tabs, toggles, carried-over messages).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    ui::show_carried_over();
    ui::enhance::install();
    ui::dialog::install();
    ui::tabs::install();
    ui::toggle::install();
    activity::timeline::install();
    opportunity::board::install();
}
