//! The score card on a lead: score, grade, its fit and engagement parts and the lines that
//! add up to it.

use super::LeadScore;
use leptos::prelude::*;

#[component]
pub fn ScoreCard(score: LeadScore) -> AnyView {
    let lines = score.lines.clone();
    view! {
        <section class="card score-card" aria-labelledby="lead-score-title">
            <h2 id="lead-score-title">"Score"</h2>
            <p class="score-figure">
                <strong>{score.score}</strong>
                {format!(" · grade {}", score.grade.label())}
            </p>
            <p class="muted">
                {format!("Fit {:+} · engagement {:+} · rules version {}", score.fit, score.engagement, score.version)}
            </p>
            {if lines.is_empty() {
                view! { <p class="muted">"No rule applies to this lead yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="score-lines" aria-label="Score breakdown">
                        {lines.into_iter().map(|line| view! {
                            <li class:negative=line.points < 0>{line.label()}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}
