//! The built site's files as the server serves them: content-hashed names (cargo-leptos'
//! `hash.txt` beside the binary), a year of caching for everything under `/pkg`, and the
//! service worker whose precache list and version come from the files the build wrote.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use blake2::{Blake2s256, Digest};
use std::path::Path;

const SERVICE_WORKER: &str = include_str!("sw.js");
const OUTBOX_SCRIPT: &str = include_str!("outbox.js");
/// Site files the app shell needs offline besides `/pkg` (written by hand in `public/`).
const SHELL_FILES: [&str; 5] = [
    "/favicon.svg",
    "/manifest.webmanifest",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
    "/icons/maskable-512.png",
];
/// A year: every file under /pkg has its content hash in its name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// What the shell links to and the worker precaches, read once at start.
#[derive(Debug, Clone)]
pub struct SiteAssets {
    /// Whether the build hashed its file names (a release build does; tests' builds don't).
    pub hashed: bool,
    pub stylesheet: String,
    pub outbox_script: String,
    /// The inline module that loads the WASM and hydrates the page.
    pub hydration_script: String,
    pub service_worker: String,
}

impl SiteAssets {
    /// Reads `hash.txt` (when the binary has one beside it) and lists the site's files.
    pub fn load(site_root: &str) -> SiteAssets {
        let hashes = std::env::current_exe()
            .ok()
            .and_then(|exe| std::fs::read_to_string(exe.with_file_name("hash.txt")).ok());
        let hash = |kind: &str| hashes.as_deref().and_then(|text| hash_of(text, kind));
        let package_file = |kind: &str| match hash(kind) {
            Some(hash) => format!("/pkg/leadflow.{hash}.{kind}"),
            None => format!("/pkg/leadflow.{kind}"),
        };
        let stylesheet = package_file("css");
        let outbox_script = format!(
            "/offline/outbox.{}.js",
            short_hash(OUTBOX_SCRIPT.as_bytes())
        );
        let mut precache = package_files(Path::new(site_root));
        precache.extend(
            SHELL_FILES
                .iter()
                .filter(|file| Path::new(site_root).join(&file[1..]).is_file())
                .map(|file| file.to_string()),
        );
        precache.push(outbox_script.clone());
        precache.sort();
        SiteAssets {
            hashed: hash("css").is_some(),
            service_worker: service_worker(&precache),
            hydration_script: hydration_script(&package_file("js"), &package_file("wasm")),
            stylesheet,
            outbox_script,
        }
    }
}

/// Starts loading the WASM once the browser has painted the server-rendered page (its first
/// contentful paint; the second frame where paint timing is unknown), so the page is
/// readable at once and its first paint never waits for the WASM. Then it hydrates the
/// page's islands (`<leptos-island>`, outermost first, each in a task of its own so a phone's
/// main thread is never blocked long) and marks the body `data-hydrated`.
///
/// What is pressed before that is held, not lost: a form sent, a control that sends its form
/// when changed, a button that opens, closes or copies (the page's behaviours, which the WASM
/// brings), and a button or form of an island wait, and happen once the page is hydrated.
fn hydration_script(script: &str, wasm: &str) -> String {
    format!(
        r#"const held = [];
const hold = (event) => {{
  if (document.body.dataset.hydrated) return;
  const target = event.target instanceof Element ? event.target : null;
  let later = null;
  if (event.type === "submit" && (target?.matches("form[data-enhance]") || target?.closest("leptos-island"))) {{
    const submitter = event.submitter;
    later = () => target.requestSubmit(submitter ?? undefined);
  }} else if (event.type === "change" && target?.matches("[data-submit-on-change]")) {{
    later = () => target.form?.requestSubmit();
  }} else if (event.type === "click") {{
    const control = target?.closest("[data-toggle], [data-show-dialog], [data-close-dialog], [data-copy], leptos-island button");
    if (control) later = () => control.click();
  }}
  if (!later) return;
  if (event.type !== "change") event.preventDefault();
  event.stopImmediatePropagation();
  held.push(later);
}};
for (const kind of ["submit", "change", "click"]) document.addEventListener(kind, hold, true);
const islands = async (app) => {{
  for (const island of document.querySelectorAll("leptos-island")) {{
    if (island.parentElement.closest("leptos-island")) continue;
    await new Promise((resolve) => setTimeout(resolve));
    const hydrate = app[island.dataset.component];
    if (hydrate) await hydrate(island);
    else console.warn(`no WASM function for the island ${{island.dataset.component}}`);
  }}
  document.body.dataset.hydrated = "true";
  for (const kind of ["submit", "change", "click"]) document.removeEventListener(kind, hold, true);
  for (const later of held.splice(0)) later();
}};
const hydrate = () => import({script:?}).then((app) => app.default({{ module_or_path: {wasm:?} }}).then(() => {{ app.hydrate(); return islands(app); }}));
if (PerformanceObserver.supportedEntryTypes?.includes("paint")) {{
  new PerformanceObserver((paints, observer) => {{
    if (paints.getEntriesByName("first-contentful-paint").length === 0) return;
    observer.disconnect();
    setTimeout(hydrate);
  }}).observe({{ type: "paint", buffered: true }});
}} else {{
  requestAnimationFrame(() => requestAnimationFrame(hydrate));
}}"#
    )
}

/// The hash `hash.txt` gives one kind of file ("css: 1a2b…").
fn hash_of<'a>(hashes: &'a str, kind: &str) -> Option<&'a str> {
    hashes.lines().find_map(|line| {
        let (file, hash) = line.split_once(':')?;
        (file.trim() == kind).then_some(hash.trim())
    })
}

fn short_hash(bytes: &[u8]) -> String {
    Blake2s256::digest(bytes)[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Every file the build put under `/pkg`, except its precompressed copies.
fn package_files(site_root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(site_root.join("pkg")) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| !name.ends_with(".br") && !name.ends_with(".gz") && !name.ends_with(".d.ts"))
        .map(|name| format!("/pkg/{name}"))
        .collect()
}

/// The worker's script: its version changes whenever any precached file's name does (and
/// names change with content), which is what makes a browser install the new one.
pub fn service_worker(precache: &[String]) -> String {
    let list = serde_json::to_string(precache).unwrap_or_else(|_| "[]".into());
    let version = short_hash(format!("{list}{SERVICE_WORKER}").as_bytes());
    SERVICE_WORKER
        .replace("__VERSION__", &version)
        .replace("__PRECACHE__", &list)
}

/// `GET /sw.js`: always revalidated, so a deploy reaches phones on their next visit.
pub async fn service_worker_script(
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
) -> Response {
    javascript(state.assets.service_worker.clone(), "no-cache")
}

/// `GET /offline/outbox.{hash}.js`.
pub async fn outbox_script(
    axum::extract::Path(file): axum::extract::Path<String>,
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
) -> Response {
    if state.assets.outbox_script.rsplit('/').next() == Some(file.as_str()) {
        javascript(OUTBOX_SCRIPT.to_string(), IMMUTABLE)
    } else {
        axum::http::StatusCode::NOT_FOUND.into_response()
    }
}

fn javascript(body: String, cache: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_lists_the_files_and_changes_version_with_them() {
        let first = service_worker(&["/pkg/leadflow.abc.wasm".into()]);
        let second = service_worker(&["/pkg/leadflow.def.wasm".into()]);
        assert!(first.contains(r#"const PRECACHE = ["/pkg/leadflow.abc.wasm"];"#));
        let version = |script: &str| {
            script
                .lines()
                .find(|line| line.starts_with("const VERSION"))
                .unwrap()
                .to_string()
        };
        assert_ne!(version(&first), version(&second));
        assert!(!first.contains("__VERSION__"));
    }

    #[test]
    fn hash_txt_names_each_kind_of_file() {
        let hashes = "js: 11aa\nwasm: 22bb\ncss: 33cc\n";
        assert_eq!(hash_of(hashes, "css"), Some("33cc"));
        assert_eq!(hash_of(hashes, "wasm"), Some("22bb"));
        assert_eq!(hash_of(hashes, "split"), None);
    }

    #[test]
    fn the_precache_lists_the_built_package_but_not_its_compressed_copies() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("pkg")).unwrap();
        for file in [
            "leadflow.1.wasm",
            "leadflow.1.wasm.br",
            "leadflow.1.wasm.gz",
            "chunk_1.2.wasm",
        ] {
            std::fs::write(site.path().join("pkg").join(file), b"x").unwrap();
        }
        std::fs::write(site.path().join("favicon.svg"), b"<svg/>").unwrap();
        let assets = SiteAssets::load(site.path().to_str().unwrap());
        let listed = |file: &str| assets.service_worker.contains(&format!("\"{file}\""));
        assert!(listed("/pkg/leadflow.1.wasm"));
        assert!(listed("/pkg/chunk_1.2.wasm"));
        assert!(listed("/favicon.svg"));
        assert!(listed(&assets.outbox_script));
        assert!(!listed("/pkg/leadflow.1.wasm.br"));
        assert!(!listed("/manifest.webmanifest"), "only files that exist");
    }
}
