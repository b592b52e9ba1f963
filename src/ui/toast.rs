//! Short messages after an action ("User created"), announced to screen readers. They are
//! written straight into the page's one `.toasts` region, so code outside the components (a
//! form `ui::enhance` sends) can show one too, and a message shown just before the page loads
//! again or another is loaded (a save that opens the new record) is carried over to it.

use leptos::prelude::*;

/// How long a message stays.
#[cfg(feature = "hydrate")]
const SHOWN_FOR: std::time::Duration = std::time::Duration::from_secs(5);

/// Where the messages of a page being left wait for the next page.
#[cfg(feature = "hydrate")]
const CARRIED_OVER: &str = "leadflow-toasts";

/// Shows messages in the page's toast region.
#[derive(Clone, Copy)]
pub struct ToastQueue;

impl ToastQueue {
    pub fn show(&self, message: impl Into<String>) {
        #[cfg(feature = "hydrate")]
        show_in_page(message.into());
        #[cfg(not(feature = "hydrate"))]
        let _ = message.into();
    }
}

pub fn use_toasts() -> ToastQueue {
    ToastQueue
}

#[cfg(feature = "hydrate")]
fn show_in_page(message: String) {
    let Some(region) = document().query_selector(".toasts").ok().flatten() else {
        return;
    };
    let Ok(toast) = document().create_element("p") else {
        return;
    };
    toast.set_class_name("toast");
    toast.set_text_content(Some(&message));
    let _ = region.append_child(&toast);
    set_timeout(move || toast.remove(), SHOWN_FOR);
}

/// Loads another page, or this one again; the messages on screen go with it.
pub fn go_to(url: &str) {
    #[cfg(feature = "hydrate")]
    {
        let shown: Vec<String> = document()
            .query_selector_all(".toasts .toast")
            .map(|list| {
                (0..list.length())
                    .filter_map(|index| list.item(index)?.text_content())
                    .collect()
            })
            .unwrap_or_default();
        if let (Ok(Some(storage)), Ok(json)) =
            (window().session_storage(), serde_json::to_string(&shown))
        {
            let _ = storage.set_item(CARRIED_OVER, &json);
        }
        let location = window().location();
        // The same page is reloaded, not navigated to: the browser keeps the scroll position
        // (a step ticked halfway down a record stays in view).
        if location.href().is_ok_and(|here| here == url) {
            let _ = location.reload();
        } else {
            let _ = location.assign(url);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// Shows the messages the previous page carried over (once).
#[cfg(feature = "hydrate")]
pub fn show_carried_over() {
    let Ok(Some(storage)) = window().session_storage() else {
        return;
    };
    if let Ok(Some(json)) = storage.get_item(CARRIED_OVER) {
        let _ = storage.remove_item(CARRIED_OVER);
        for message in serde_json::from_str::<Vec<String>>(&json).unwrap_or_default() {
            show_in_page(message);
        }
    }
}

/// The page's toast region, in the signed-in layout (messages are added to it directly).
#[component]
pub fn Toasts() -> impl IntoView {
    view! { <div class="toasts" role="status" aria-live="polite"></div> }
}
