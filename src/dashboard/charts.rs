//! The dashboard's two chart shapes, drawn as SVG: rows of horizontal bars (funnel, lead
//! sources, lost reasons) and columns per month (pipeline, won revenue, win rate). Every
//! bar segment is a link with an accessible name saying what it counts. The drawing is
//! 320 units wide, about a phone's width, so labels stay readable at 360 px.

use leptos::prelude::*;

const WIDTH: f64 = 320.0;

/// One piece of a bar: its share of the chart's scale, where it leads, what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub value: f64,
    pub class: &'static str,
    pub href: String,
    pub label: String,
}

/// One bar: a caption above it, and its segments end to end.
#[derive(Debug, Clone, PartialEq)]
pub struct BarRow {
    pub caption: String,
    pub segments: Vec<Segment>,
}

/// Horizontal bars, one per row, scaled to the largest row. `centered` draws a funnel.
#[component]
pub fn BarRows(rows: Vec<BarRow>, centered: bool, title: String) -> impl IntoView {
    const ROW: f64 = 40.0;
    let scale = rows
        .iter()
        .map(|row| row.segments.iter().map(|s| s.value).sum::<f64>())
        .fold(0.0, f64::max);
    let height = ROW * rows.len() as f64;
    let bars = rows
        .into_iter()
        .enumerate()
        .map(|(index, row)| {
            let top = index as f64 * ROW;
            let total: f64 = row.segments.iter().map(|s| s.value).sum();
            let length = |value: f64| if scale > 0.0 { value / scale * WIDTH } else { 0.0 };
            let mut x = if centered { (WIDTH - length(total)) / 2.0 } else { 0.0 };
            let segments = row
                .segments
                .into_iter()
                .map(|segment| {
                    // A visible sliver even for a zero, so every figure stays clickable.
                    let width = length(segment.value).max(2.0);
                    let name = segment.label.clone();
                    let left = x;
                    x += length(segment.value);
                    view! {
                        <g>
                            <a href=segment.href aria-label=name>
                                <title>{segment.label}</title>
                                <rect class=segment.class x=fmt(left) y=fmt(top + 17.0) width=fmt(width) height="18" rx="2" />
                            </a>
                        </g>
                    }
                })
                .collect_view();
            view! {
                <g>
                    <text x=if centered { fmt(WIDTH / 2.0) } else { "0".into() } y=fmt(top + 12.0)
                        text-anchor=if centered { "middle" } else { "start" } class="chart-caption">
                        {row.caption}
                    </text>
                    {segments}
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {height}") role="group" aria-label=title>
            {bars}
        </svg>
    }
}

/// One month's column: segments stacked from the bottom, an optional marker line (the
/// weighted total), and a short figure above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub label: String,
    pub segments: Vec<Segment>,
    pub marker: Option<f64>,
    pub figure: Option<String>,
}

/// Columns side by side, scaled to `max` (or the tallest column); `axis` labels the top.
#[component]
pub fn Columns(
    columns: Vec<Column>,
    #[prop(optional)] max: Option<f64>,
    axis: String,
    title: String,
) -> impl IntoView {
    const HEIGHT: f64 = 150.0;
    const TOP: f64 = 18.0;
    const BOTTOM: f64 = 18.0;
    let tallest = columns
        .iter()
        .map(|c| c.segments.iter().map(|s| s.value).sum::<f64>())
        .fold(0.0, f64::max);
    let scale = max.unwrap_or(tallest);
    let plot = HEIGHT - TOP - BOTTOM;
    let height = |value: f64| {
        if scale > 0.0 {
            value / scale * plot
        } else {
            0.0
        }
    };
    let slot = WIDTH / columns.len().max(1) as f64;
    let bar = (slot * 0.7).max(2.0);
    // Month names every n-th column so they never overlap (12 fit side by side).
    let label_every = columns.len().div_ceil(12).max(1);
    let base = HEIGHT - BOTTOM;
    let drawn = columns
        .into_iter()
        .enumerate()
        .map(|(index, column)| {
            let x = index as f64 * slot + (slot - bar) / 2.0;
            let center = x + bar / 2.0;
            let mut y = base;
            let segments = column
                .segments
                .into_iter()
                .map(|segment| {
                    let h = height(segment.value).max(1.5);
                    let name = segment.label.clone();
                    y -= height(segment.value);
                    view! {
                        <g>
                            <a href=segment.href aria-label=name>
                                <title>{segment.label}</title>
                                <rect class=segment.class x=fmt(x) y=fmt(y.min(base - h)) width=fmt(bar) height=fmt(h) />
                            </a>
                        </g>
                    }
                })
                .collect_view();
            let marker = column.marker.map(|value| {
                let at = fmt(base - height(value));
                view! {
                    <line class="chart-marker" x1=fmt(x - 1.0) x2=fmt(x + bar + 1.0) y1=at.clone() y2=at />
                }
            });
            let figure = column.figure.map(|text| {
                view! { <text class="chart-figure" x=fmt(center) y=fmt(y - 3.0) text-anchor="middle">{text}</text> }
            });
            let label = index.is_multiple_of(label_every).then(|| {
                view! { <text class="chart-caption" x=fmt(center) y=fmt(HEIGHT - 4.0) text-anchor="middle">{column.label}</text> }
            });
            view! { <g>{segments}{marker}{figure}{label}</g> }
        })
        .collect_view();
    view! {
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="group" aria-label=title>
            <line class="chart-axis" x1="0" x2=fmt(WIDTH) y1=fmt(base) y2=fmt(base) />
            <text class="chart-axis-label" x="0" y="10">{axis}</text>
            {drawn}
        </svg>
    }
}

/// The colour key of a chart.
#[component]
pub fn Legend(items: Vec<(&'static str, &'static str)>) -> impl IntoView {
    view! {
        <ul class="chart-legend">
            {items
                .into_iter()
                .map(|(class, label)| view! {
                    <li>
                        <svg class="chart-swatch" viewBox="0 0 10 10" aria-hidden="true"><rect class=class width="10" height="10" /></svg>
                        {label}
                    </li>
                })
                .collect_view()}
        </ul>
    }
}

fn fmt(value: f64) -> String {
    format!("{value:.1}")
}
