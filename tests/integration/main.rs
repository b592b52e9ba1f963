//! Integration tests: each test starts the real router on 127.0.0.1 with its own SQLite file
//! and talks to it over HTTP, as a browser or another client would.

mod activities;
mod assignment;
mod auth;
mod backup;
mod common;
mod customers;
mod dashboard;
mod data_rules;
mod demo_data;
mod faults;
mod field_capture;
mod hostile_input;
mod import;
mod lead_flows;
mod leads;
mod lists;
mod opportunities;
mod opportunity_list;
mod pages;
mod processes;
mod schema;
mod scoring;
mod settings;
mod users;
mod web_forms;
