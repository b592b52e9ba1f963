use leptos::prelude::*;
use std::time::Duration;

/// Short messages after an action ("User created"), announced to screen readers.
#[derive(Clone, Copy)]
pub struct ToastQueue {
    messages: RwSignal<Vec<(u64, String)>>,
    next_id: RwSignal<u64>,
}

impl ToastQueue {
    pub fn show(&self, message: impl Into<String>) {
        let id = self.next_id.get_untracked();
        self.next_id.set(id + 1);
        self.messages.update(|list| list.push((id, message.into())));
        let messages = self.messages;
        set_timeout(
            move || messages.update(|list| list.retain(|(other, _)| *other != id)),
            Duration::from_secs(5),
        );
    }
}

pub fn provide_toasts() {
    provide_context(ToastQueue {
        messages: RwSignal::new(Vec::new()),
        next_id: RwSignal::new(0),
    });
}

pub fn use_toasts() -> ToastQueue {
    expect_context::<ToastQueue>()
}

#[component]
pub fn Toasts() -> impl IntoView {
    let queue = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || queue.messages.get() key=|(id, _)| *id let:toast>
                <p class="toast">{toast.1}</p>
            </For>
        </div>
    }
}
