//! Stage analytics from the stage history, on plain values: time in stage (the average and
//! median days of the visits that ended with a move to another stage) and stage conversion
//! (of the opportunities that entered a stage, how many went on to a later one, how many
//! were won). The server recomputes them in the background; the stalled counts are live.

use super::StageFlow;
use std::collections::HashMap;

const DAY_SECONDS: f64 = 86_400.0;

/// One opportunity's stage history: the stages it entered, with when (seconds), in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StagePath {
    pub entries: Vec<(i64, i64)>,
    pub won: bool,
}

#[derive(Default)]
struct Tally {
    entered: i64,
    moved_on: i64,
    won: i64,
    visits: Vec<i64>,
}

/// Adds up stage paths, one opportunity at a time, against each process's stages in order
/// (`orders`: a later stage is one further on in the same process).
pub struct FlowCounter {
    position: HashMap<i64, (usize, usize)>,
    tallies: HashMap<i64, Tally>,
}

impl FlowCounter {
    pub fn new(orders: &[Vec<i64>]) -> Self {
        FlowCounter {
            position: orders
                .iter()
                .enumerate()
                .flat_map(|(process, order)| {
                    order
                        .iter()
                        .enumerate()
                        .map(move |(i, id)| (*id, (process, i)))
                })
                .collect(),
            tallies: HashMap::new(),
        }
    }

    pub fn add(&mut self, path: &StagePath) {
        for (i, (stage, at)) in path.entries.iter().enumerate() {
            let tally = self.tallies.entry(*stage).or_default();
            if let Some((_, left)) = path.entries.get(i + 1) {
                tally.visits.push(left - at);
            }
            // Counted once per opportunity: at its first entry into the stage.
            if path.entries[..i]
                .iter()
                .any(|(earlier, _)| earlier == stage)
            {
                continue;
            }
            tally.entered += 1;
            let here = self.position.get(stage);
            let went_on = path.entries[i + 1..].iter().any(|(later, _)| {
                matches!(
                    (here, self.position.get(later)),
                    (Some((process, here)), Some((same, there))) if same == process && there > here
                )
            });
            if went_on || path.won {
                tally.moved_on += 1;
            }
            if path.won {
                tally.won += 1;
            }
        }
    }

    /// The figures of each stage of `order`, in that order.
    pub fn flows(mut self, order: &[i64]) -> Vec<StageFlow> {
        order
            .iter()
            .map(|stage| {
                let mut tally = self.tallies.remove(stage).unwrap_or_default();
                tally.visits.sort_unstable();
                let visits = tally.visits.len();
                let tenths = |seconds: f64| (seconds / DAY_SECONDS * 10.0).round() as i64;
                let average = (visits > 0)
                    .then(|| tenths(tally.visits.iter().sum::<i64>() as f64 / visits as f64));
                let median = (visits > 0).then(|| {
                    let middle = if visits % 2 == 1 {
                        tally.visits[visits / 2] as f64
                    } else {
                        (tally.visits[visits / 2 - 1] + tally.visits[visits / 2]) as f64 / 2.0
                    };
                    tenths(middle)
                });
                StageFlow {
                    stage_id: *stage,
                    entered: tally.entered,
                    moved_on: tally.moved_on,
                    won: tally.won,
                    visits: visits as i64,
                    average_days_x10: average,
                    median_days_x10: median,
                    ..StageFlow::default()
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn path(entries: &[(i64, i64)], won: bool) -> StagePath {
        StagePath {
            entries: entries
                .iter()
                .map(|(stage, day)| (*stage, day * DAY))
                .collect(),
            won,
        }
    }

    /// Develop (2) → Propose (3) → Close (4).
    const ORDER: [i64; 3] = [2, 3, 4];

    /// Four opportunities through the default stages (days since creation): won after
    /// Close; stopped at Propose; back to Develop and on again; still at Develop — and
    /// `more`.
    fn default_process(more: &[StagePath]) -> FlowCounter {
        let mut counter = FlowCounter::new(&[ORDER.to_vec()]);
        counter.add(&path(&[(2, 0), (3, 4), (4, 10)], true));
        counter.add(&path(&[(2, 0), (3, 2)], false));
        counter.add(&path(&[(2, 0), (3, 9), (2, 12), (3, 13)], false));
        counter.add(&path(&[(2, 0)], false));
        for path in more {
            counter.add(path);
        }
        counter
    }

    #[test]
    fn time_in_stage_counts_the_visits_that_ended_with_a_move() {
        let flows = default_process(&[]).flows(&ORDER);
        // Develop's visits: 4, 2, 9 and 1 days (the last one still open is not a visit).
        assert_eq!(flows[0].visits, 4);
        assert_eq!(flows[0].average_days_x10, Some(40));
        assert_eq!(flows[0].median_days_x10, Some(30));
        // Propose's: 6 and 3 days.
        assert_eq!(
            (
                flows[1].visits,
                flows[1].average_days_x10,
                flows[1].median_days_x10
            ),
            (2, Some(45), Some(45))
        );
        assert_eq!((flows[2].visits, flows[2].average_days_x10), (0, None));
    }

    #[test]
    fn conversion_counts_each_opportunity_once_per_stage() {
        // Besides those: won straight from Develop, so it went on.
        let flows = default_process(&[path(&[(2, 0)], true)]).flows(&ORDER);
        let figures: Vec<(i64, i64, i64)> = flows
            .iter()
            .map(|f| (f.entered, f.moved_on, f.won))
            .collect();
        assert_eq!(figures, [(5, 4, 2), (3, 1, 1), (1, 1, 1)]);
    }

    #[test]
    fn a_stage_of_another_process_is_never_later() {
        // Switched from Develop (2) to a partner process's Recruit (7).
        let mut counter = FlowCounter::new(&[vec![2, 3], vec![7, 8]]);
        counter.add(&path(&[(2, 0), (7, 3)], false));
        let flows = counter.flows(&[2, 3, 7, 8]);
        assert_eq!((flows[0].entered, flows[0].moved_on), (1, 0));
        assert_eq!((flows[2].entered, flows[2].moved_on), (1, 0));
    }

    #[test]
    fn a_stage_outside_the_order_is_not_shown_and_never_later() {
        // Stage 9 was archived: entries into it count for it, not for the stages shown.
        let order = [2, 4];
        let mut counter = FlowCounter::new(&[order.to_vec()]);
        counter.add(&path(&[(2, 0), (9, 3), (4, 5)], false));
        let flows = counter.flows(&order);
        assert_eq!(flows.len(), 2);
        assert_eq!(
            (flows[0].entered, flows[0].moved_on, flows[0].visits),
            (1, 1, 1)
        );
        assert_eq!(flows[0].average_days_x10, Some(30));
    }
}
