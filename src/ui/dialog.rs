//! Opening and closing native `<dialog>` elements (focus trap and Escape come with them).

use leptos::html::Dialog;
use leptos::prelude::*;

// Untracked: an effect that closes a dialog must not re-run when the page re-renders the
// dialog element.
pub fn open(dialog: NodeRef<Dialog>) {
    if let Some(dialog) = dialog.get_untracked() {
        let _ = dialog.show_modal();
    }
}

pub fn close(dialog: NodeRef<Dialog>) {
    if let Some(dialog) = dialog.get_untracked() {
        dialog.close();
    }
}
