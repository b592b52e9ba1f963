//! A CSV download with a progress bar: in the browser the file is fetched and its records
//! counted as they stream in (against how many the page says there are), then saved under
//! the server's file name. Before hydration the link is a plain download.

use super::ProgressMeter;
use leptos::prelude::*;

/// Counts a CSV file's records as its bytes arrive, across chunk borders: a line break inside
/// a quoted cell does not end a record.
#[cfg(any(feature = "hydrate", test))]
#[derive(Debug, Default, Clone, Copy)]
pub struct CsvRecordCounter {
    quoted: bool,
    line_breaks: u64,
}

#[cfg(any(feature = "hydrate", test))]
impl CsvRecordCounter {
    pub fn feed(&mut self, bytes: &[u8]) {
        for byte in bytes {
            match byte {
                b'"' => self.quoted = !self.quoted,
                b'\n' if !self.quoted => self.line_breaks += 1,
                _ => {}
            }
        }
    }

    /// The records so far, less the header line (every record ends with a line break).
    pub fn records(&self) -> u64 {
        self.line_breaks.saturating_sub(1)
    }
}

/// The file name of a `Content-Disposition: attachment; filename="leads.csv"` header.
#[cfg(any(feature = "hydrate", test))]
pub fn file_name_of(disposition: &str) -> Option<&str> {
    disposition
        .split(';')
        .filter_map(|part| part.trim().strip_prefix("filename="))
        .map(|name| name.trim_matches('"'))
        .find(|name| !name.is_empty())
}

/// Where a download is.
#[derive(Debug, Clone, PartialEq)]
enum Download {
    Running { records: u64, expected: u64 },
    Saved { records: u64 },
    Failed(String),
}

/// A list's CSV export: the link, and its progress while it downloads. An island.
#[island(lazy)]
pub fn CsvDownload(href: String, expected: i64, label: String) -> impl IntoView {
    view! { <DownloadLink href=Signal::stored(href) expected=Signal::stored(expected) label /> }
        .into_any()
}

/// A link that downloads the CSV at `href` with a progress bar of its records against
/// `expected` (what the page counts; the bar stops at 100 % if the file has more).
#[component]
pub fn DownloadLink(
    href: Signal<String>,
    expected: Signal<i64>,
    label: String,
    #[prop(optional)] class: &'static str,
) -> AnyView {
    let state = RwSignal::new(None::<Download>);
    let running = move || matches!(state.get(), Some(Download::Running { .. }));
    let progress_label = format!("{label} progress");
    view! {
        <a
            class=class
            href=move || href.get()
            download
            aria-disabled=move || running().to_string()
            on:click=move |ev| {
                ev.prevent_default();
                if !running() {
                    let expected = expected.get_untracked().max(0) as u64;
                    leptos::task::spawn_local(fetch_and_save(href.get_untracked(), expected, state));
                }
            }
        >
            {label}
        </a>
        // Only while there is something to say: a page's other status messages stay the
        // only ones before.
        {move || state.get().map(|download| view! {
            <span class="download-status" role="status">
                {match download {
                    Download::Running { records, expected } => view! {
                        <ProgressMeter
                            label=progress_label.clone()
                            done=records
                            total=expected
                            text=format!("{records} of {expected} rows")
                        />
                    }.into_any(),
                    Download::Saved { records } => view! { <span>{format!("Exported {records} rows.")}</span> }.into_any(),
                    Download::Failed(message) => view! { <span class="field-error">{message}</span> }.into_any(),
                }}
            </span>
        })}
    }
    .into_any()
}

/// Fetches the file, counting its records into `state` as they arrive, and saves it.
async fn fetch_and_save(href: String, expected: u64, state: RwSignal<Option<Download>>) {
    state.set(Some(Download::Running {
        records: 0,
        expected,
    }));
    let done = browser::fetch_counted(&href, |records| {
        state.set(Some(Download::Running { records, expected }));
    })
    .await;
    state.set(Some(match done {
        Ok(records) => Download::Saved { records },
        Err(message) => Download::Failed(message),
    }));
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::{CsvRecordCounter, file_name_of};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    const FAILED: &str = "The export failed: check the connection and try again.";

    fn failed(_: JsValue) -> String {
        FAILED.to_string()
    }

    /// Fetches `href`, calling `on_records` with the records so far after each chunk, and
    /// saves the file; how many records it had.
    pub async fn fetch_counted(href: &str, on_records: impl Fn(u64)) -> Result<u64, String> {
        let window = web_sys::window().ok_or(FAILED)?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str(href))
            .await
            .map_err(failed)?
            .unchecked_into();
        match response.status() {
            200 => {}
            401 => return Err("Your session has ended: sign in again, then export.".into()),
            403 => return Err("You are not allowed to export this.".into()),
            _ => return Err(FAILED.into()),
        }
        let file_name = response
            .headers()
            .get("content-disposition")
            .ok()
            .flatten()
            .and_then(|disposition| file_name_of(&disposition).map(str::to_string))
            .unwrap_or_else(|| "export.csv".into());
        let reader: web_sys::ReadableStreamDefaultReader =
            response.body().ok_or(FAILED)?.get_reader().unchecked_into();
        let parts = js_sys::Array::new();
        let mut counter = CsvRecordCounter::default();
        loop {
            let chunk = JsFuture::from(reader.read()).await.map_err(failed)?;
            let done = js_sys::Reflect::get(&chunk, &"done".into()).map_err(failed)?;
            if done.as_bool().unwrap_or(true) {
                break;
            }
            let bytes: js_sys::Uint8Array = js_sys::Reflect::get(&chunk, &"value".into())
                .map_err(failed)?
                .unchecked_into();
            counter.feed(&bytes.to_vec());
            parts.push(&bytes);
            on_records(counter.records());
        }
        save(&parts, &file_name).map_err(failed)?;
        Ok(counter.records())
    }

    /// Saves the file's parts as `file_name`, as a download link would.
    fn save(parts: &js_sys::Array, file_name: &str) -> Result<(), JsValue> {
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/csv;charset=utf-8");
        let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &options)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob)?;
        let document = web_sys::window()
            .and_then(|w| w.document())
            .ok_or(JsValue::NULL)?;
        let anchor: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
        anchor.set_href(&url);
        anchor.set_download(file_name);
        anchor.click();
        // The download has its own copy once it has started.
        leptos::prelude::set_timeout(
            move || {
                let _ = web_sys::Url::revoke_object_url(&url);
            },
            std::time::Duration::from_secs(60),
        );
        Ok(())
    }
}

/// On the server a download never starts (a click happens in the browser).
#[cfg(not(feature = "hydrate"))]
mod browser {
    pub async fn fetch_counted(_href: &str, _on_records: impl Fn(u64)) -> Result<u64, String> {
        Err("Downloads start in the browser.".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_counted_across_chunks_and_quoted_line_breaks() {
        let file =
            b"Name,Notes\r\nAda,\"met at\r\nthe booth\"\r\n\"Lin, Mei\",\"said \"\"call\"\"\"\r\n";
        // Independent of the chunking: every split gives the same count.
        for split in 0..file.len() {
            let mut counter = CsvRecordCounter::default();
            counter.feed(&file[..split]);
            counter.feed(&file[split..]);
            assert_eq!(counter.records(), 2, "split at {split}");
        }
        assert_eq!(CsvRecordCounter::default().records(), 0);
    }

    #[test]
    fn the_file_name_comes_from_the_content_disposition() {
        assert_eq!(
            file_name_of("attachment; filename=\"leads-2026-12-05.csv\""),
            Some("leads-2026-12-05.csv")
        );
        assert_eq!(file_name_of("attachment"), None);
    }
}
