//! What every record list shares: filter selects, sortable column headers and the pager
//! (the URLs that hold a list's state are `crate::url_state`).

use crate::auth::UserOption;
use crate::options::OptionSet;
use leptos::prelude::*;

/// How many pages `total` rows fill (at least one, so an empty list is "page 1 of 1").
pub fn page_count(total: i64, page_size: i64) -> i64 {
    ((total + page_size - 1) / page_size).max(1)
}

/// The highest page number a list accepts: far beyond any real list, low enough that its
/// offset cannot overflow.
pub const MAX_PAGE: i64 = 10_000_000;

/// A requested page number made safe (1 ..= MAX_PAGE, whatever the URL said) and the
/// offset of its first row.
pub fn page_and_offset(page: i64, page_size: i64) -> (i64, i64) {
    let page = page.clamp(1, MAX_PAGE);
    (page, (page - 1) * page_size)
}

/// A filter select over some values of an option set, with "Any" first.
pub fn option_filter<T: OptionSet>(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    choices: &'static [T],
    selected: Option<T>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name>
                <option value="" selected=selected.is_none()>"Any"</option>
                {choices
                    .iter()
                    .map(|value| view! { <option value=value.code() selected=selected == Some(*value)>{value.label()}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

/// The owner filter: anyone, or one user.
pub fn owner_filter(
    id: &'static str,
    owners: Vec<UserOption>,
    selected: Option<i64>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>"Owner"</label>
            <select id=id name="owner">
                <option value="" selected=selected.is_none()>"Anyone"</option>
                {owners
                    .into_iter()
                    .map(|user| view! { <option value=user.id selected=selected == Some(user.id)>{user.name}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

/// Sort column and order selects. Column headers sort on a desktop; phones (cards, no
/// header row) sort here.
pub fn sort_filters<T: OptionSet>(
    id: &'static str,
    columns: &'static [(T, &'static str)],
    selected: T,
    descending: bool,
) -> impl IntoView {
    let order_id = format!("{id}-order");
    view! {
        <div class="field">
            <label for=id>"Sort by"</label>
            <select id=id name="sort">
                {columns
                    .iter()
                    .map(|(sort, label)| view! { <option value=sort.code() selected=selected == *sort>{*label}</option> })
                    .collect_view()}
            </select>
        </div>
        <div class="field">
            <label for=order_id.clone()>"Order"</label>
            <select id=order_id name="dir">
                <option value="asc" selected=!descending>"Ascending"</option>
                <option value="desc" selected=descending>"Descending"</option>
            </select>
        </div>
    }
}

/// A table's header cells: each sorts by its column (`url` gives the sorted list's address).
pub fn sort_headers<T: OptionSet>(
    columns: &'static [(T, &'static str)],
    sort: T,
    descending: bool,
    url: impl Fn(T) -> String,
) -> AnyView {
    columns
        .iter()
        .map(|(column, label)| sort_header(label, sort == *column, descending, url(*column)))
        .collect_view()
        .into_any()
}

/// A column header that sorts by its column (and says how the list is sorted now).
fn sort_header(label: &'static str, active: bool, descending: bool, href: String) -> impl IntoView {
    let (aria_sort, arrow) = match (active, descending) {
        (false, _) => ("none", ""),
        (true, true) => ("descending", " ↓"),
        (true, false) => ("ascending", " ↑"),
    };
    view! {
        <th scope="col" aria-sort=aria_sort>
            <a href=href>{label}{arrow}</a>
        </th>
    }
}

/// Previous / next page links around "Page N of M".
#[component]
pub fn Pager(page: i64, page_count: i64, page_url: Callback<i64, String>) -> impl IntoView {
    let previous = (page > 1).then(|| page_url.run(page - 1));
    let next = (page < page_count).then(|| page_url.run(page + 1));
    view! {
        <nav class="pager" aria-label="Pages">
            {previous.map(|href| view! { <a class="button secondary" href=href>"Previous page"</a> })}
            <span>{format!("Page {page} of {page_count}")}</span>
            {next.map(|href| view! { <a class="button secondary" href=href>"Next page"</a> })}
        </nav>
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn page_numbers_out_of_range_are_clamped_without_overflow() {
        assert_eq!(page_and_offset(1, 50), (1, 0));
        assert_eq!(page_and_offset(3, 50), (3, 100));
        assert_eq!(page_and_offset(0, 50), (1, 0));
        assert_eq!(page_and_offset(-5, 50), (1, 0));
        assert_eq!(page_and_offset(i64::MIN, 50), (1, 0));
        assert_eq!(
            page_and_offset(i64::MAX, 50),
            (MAX_PAGE, (MAX_PAGE - 1) * 50)
        );
    }

    #[test]
    fn page_count_rounds_up() {
        assert_eq!(page_count(0, 25), 1);
        assert_eq!(page_count(25, 25), 1);
        assert_eq!(page_count(26, 25), 2);
    }
}

/// A list's filter form that folds behind a "Filters" button on a phone, so the records come
/// first; the button says how many filters are set. From 700 px the form always shows. A
/// form with an error opens, so the message shows beside its field.
#[component]
pub fn FilterFold(
    active: usize,
    #[prop(optional)] has_error: bool,
    children: Children,
) -> impl IntoView {
    let label = match active {
        0 => "Filters".to_string(),
        n => format!("Filters ({n} active)"),
    };
    // The button opens it (ui::toggle).
    view! {
        <div id="filter-fold" class="filter-fold" class:open=has_error>
            <button
                type="button"
                class="button secondary filters-toggle"
                aria-controls="filter-fold"
                aria-expanded=has_error.to_string()
                data-toggle="filter-fold"
                data-remember=""
            >
                {label}
            </button>
            {children()}
        </div>
    }
}
