//! Field mode: what lets Leadflow open and capture leads with no network — the web app
//! manifest, the service worker with its build-generated precache list, and the outbox
//! script (IndexedDB, synced through `leads/sync`). The script and the worker are plain
//! JavaScript files beside this module; the server serves them with the build's hashes.

#[cfg(feature = "ssr")]
pub mod assets;
